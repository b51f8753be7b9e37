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

/* How many functions of a binary set up a frame pointer (push %rbp; mov %rsp,%rbp). */
struct elf_fp_census {
	unsigned functions;  /* function symbols of 32 bytes or more */
	unsigned with_frame; /* of them, those whose code starts with the prologue */
};

/*
 * Count, in the ELF file at @path, the functions whose code sets up a frame pointer (see
 * struct elf_fp_census; .symtab, else .dynsym). 0 or -errno.
 */
int elf__frame_pointers(const char *path, struct elf_fp_census *census);

/*
 * Is the file at @path built with frame pointers? 1 yes, 0 no, -1 cannot tell (too few
 * functions, unreadable), with the counts in @census.
 */
int elf__has_frame_pointers(const char *path, struct elf_fp_census *census);

#endif /* HUD_RECORD_ELFREAD_H */
