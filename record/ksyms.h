/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef HUD_RECORD_KSYMS_H
#define HUD_RECORD_KSYMS_H

#include <stdint.h>

struct ksyms;

/*
 * Read the kernel's code symbols from @kallsyms_path (/proc/kallsyms). 0, or -errno
 * (-EPERM when kallsyms shows only zero addresses, i.e. kptr_restrict hides them).
 */
int ksyms__load(struct ksyms **out, const char *kallsyms_path);

/*
 * Call @fn once for each symbol that one of the @nr kernel addresses @ips falls in and no
 * earlier call reported, with its extent [start, end) (end is the next symbol's address)
 * and its module ("" for the kernel image), so reports name kernel frames on any machine,
 * from the first second of a recording on. Returns the number of symbols reported, or
 * @fn's non-zero return.
 */
int ksyms__emit(struct ksyms *k, const uint64_t *ips, size_t nr,
		int (*fn)(void *ctx, uint64_t start, uint64_t end, const char *name,
			  const char *module),
		void *ctx);

void ksyms__free(struct ksyms *k);

#endif /* HUD_RECORD_KSYMS_H */
