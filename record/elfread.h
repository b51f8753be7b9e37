/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* What hud-record reads from the ELF files its targets map (libelf only). */
#ifndef HUD_RECORD_ELFREAD_H
#define HUD_RECORD_ELFREAD_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read the GNU build-id note of the ELF file at @path into @id (up to @size bytes).
 * Returns the build-id length, 0 if the file has none, or -errno.
 */
int elf__build_id(const char *path, uint8_t *id, size_t size);

#endif /* HUD_RECORD_ELFREAD_H */
