// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "elfread.h"

int elf__build_id(const char *path, uint8_t *id, size_t size)
{
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	int fd, ret = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;
		GElf_Nhdr nhdr;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
			if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4))
				continue;
			if (nhdr.n_descsz > size) {
				ret = -E2BIG;
				goto cleanup;
			}
			memcpy(id, (char *)data->d_buf + desc_off, nhdr.n_descsz);
			ret = (int)nhdr.n_descsz;
			goto cleanup;
		}
	}
cleanup:
	elf_end(elf);
	close(fd);
	return ret;
}

/* File offset of vaddr @v in @elf's PT_LOAD segments, or -1. */
static int64_t vaddr_to_offset(Elf *elf, uint64_t v, size_t len)
{
	size_t n, i;

	if (elf_getphdrnum(elf, &n))
		return -1;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (v >= ph.p_vaddr && v - ph.p_vaddr + len <= ph.p_filesz)
			return (int64_t)(v - ph.p_vaddr + ph.p_offset);
	}
	return -1;
}

/* Does the code at @b start a frame: push %rbp; mov %rsp,%rbp (after an endbr64)? */
static int sets_up_frame(const uint8_t *b)
{
	static const uint8_t endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa};
	static const uint8_t prologue[] = {0x55, 0x48, 0x89, 0xe5};

	if (!memcmp(b, endbr64, sizeof(endbr64)))
		b += sizeof(endbr64);
	return !memcmp(b, prologue, sizeof(prologue));
}

int elf__frame_pointers(const char *path, struct elf_fp_census *census)
{
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL;
	Elf *elf = NULL;
	int fd, ret = 0;

	memset(census, 0, sizeof(*census));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM)
			dynsym = scn;
	}
	scn = symtab ? symtab : dynsym;
	if (scn) {
		GElf_Shdr sh;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || !data || !sh.sh_entsize)
			goto cleanup;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 1; i < n; i++) {
			uint8_t code[8];
			GElf_Sym sym;
			int64_t off;

			/* Tiny functions are leaves that need no frame even with -fno-omit. */
			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
			    sym.st_size < 32)
				continue;
			off = vaddr_to_offset(elf, sym.st_value, sizeof(code));
			if (off < 0 || pread(fd, code, sizeof(code), off) != (ssize_t)sizeof(code))
				continue;
			census->functions++;
			census->with_frame += sets_up_frame(code);
		}
	}
cleanup:
	elf_end(elf);
	close(fd);
	return ret;
}

/*
 * With frame pointers, functions of any size start with push %rbp; mov %rsp,%rbp (92 % of
 * those over 32 bytes in the Rust fixture built with them: shrink-wrapped ones set it up
 * later); without, only the few that use rbp as a frame (39 % in the same fixture built
 * without them, whose std keeps its own; 2 % in Debian's libc).
 */
#define FP_MIN_FUNCTIONS 8
#define FP_MIN_PERCENT	 70

int elf__has_frame_pointers(const char *path, struct elf_fp_census *census)
{
	if (elf__frame_pointers(path, census) || census->functions < FP_MIN_FUNCTIONS)
		return -1;
	return census->with_frame * 100 >= census->functions * FP_MIN_PERCENT;
}
