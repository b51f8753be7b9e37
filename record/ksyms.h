/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef HUD_RECORD_KSYMS_H
#define HUD_RECORD_KSYMS_H

#include "u64set.h"

struct hud_writer;

/*
 * Resolve the kernel addresses in @ips against @kallsyms_path (/proc/kallsyms) and write
 * one KSYM record per kernel symbol hit, so reports name kernel frames on any machine.
 * Returns the number of symbols written, or -errno (-EPERM when kallsyms shows only
 * zero addresses, i.e. kptr_restrict hides them).
 */
int ksyms__write(struct hud_writer *w, const struct u64set *ips, const char *kallsyms_path);

#endif /* HUD_RECORD_KSYMS_H */
