/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef HUD_RECORD_KSYMS_H
#define HUD_RECORD_KSYMS_H

#include <stdint.h>

#include "u64set.h"

/*
 * Resolve the kernel addresses in @ips against @kallsyms_path (/proc/kallsyms) and call @fn
 * once per kernel symbol hit, with its extent [start, end) (end is the next symbol's
 * address) and its module ("" for the kernel image), so reports name kernel frames on any
 * machine. Returns the number of symbols, @fn's non-zero return, or -errno (-EPERM when
 * kallsyms shows only zero addresses, i.e. kptr_restrict hides them).
 */
int ksyms__resolve(const struct u64set *ips, const char *kallsyms_path,
		   int (*fn)(void *ctx, uint64_t start, uint64_t end, const char *name,
			     const char *module),
		   void *ctx);

#endif /* HUD_RECORD_KSYMS_H */
