// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Finding and opening the binaries a recording names: at their recorded path (under
 * --symfs), by build-id in the debug directories, or as separate debug files; trusted only
 * when their build-id matches the recorded one. Each is opened once per (path, build-id)
 * into a libdwfl module of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>

#include "symbolize-int.h"
#include "util.h"

#define DELETED_SUFFIX " (deleted)"

/* Add @dir to the search list (copied). 0 or -ENOMEM. */
static int symbolizer__add_dir(struct hud_symbolizer *s, const char *dir)
{
	if (!HUD_GROW(s->dirs, s->cap_dirs, s->nr_dirs + 1))
		return -ENOMEM;
	s->dirs[s->nr_dirs] = strdup(dir);
	if (!s->dirs[s->nr_dirs])
		return -ENOMEM;
	s->nr_dirs++;
	return 0;
}

/* Search directories and libdwfl's equivalent ("" then the directories, ':'-separated). */
int symbolizer__setup_dirs(struct hud_symbolizer *s, const struct hud_symbolizer_opts *o)
{
	const char *home = getenv("HOME");
	char buf[4096];
	size_t i, len = 0;

	for (i = 0; o && i < o->nr_debug_dirs; i++)
		if (symbolizer__add_dir(s, o->debug_dirs[i]))
			return -ENOMEM;
	if (home && *home) {
		snprintf(buf, sizeof(buf), "%s/.debug", home);
		if (symbolizer__add_dir(s, buf))
			return -ENOMEM;
	}
	if (symbolizer__add_dir(s, "/usr/lib/debug"))
		return -ENOMEM;
	/* libdwfl: an empty entry is the binary's own directory (for .gnu_debuglink). */
	for (i = 0; i < s->nr_dirs; i++)
		len += strlen(s->dirs[i]) + 1;
	s->debuginfo_path = malloc(len + 2);
	if (!s->debuginfo_path)
		return -ENOMEM;
	strcpy(s->debuginfo_path, ":");
	for (i = 0; i < s->nr_dirs; i++) {
		strcat(s->debuginfo_path, s->dirs[i]);
		if (i + 1 < s->nr_dirs)
			strcat(s->debuginfo_path, ":");
	}
	s->callbacks.find_elf = dwfl_build_id_find_elf;
	s->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
	s->callbacks.section_address = dwfl_offline_section_address;
	s->callbacks.debuginfo_path = &s->debuginfo_path;
	return 0;
}

void dso__free(struct hud_dso *d)
{
	size_t i;

	if (d->dwfl)
		dwfl_end(d->dwfl);
	for (i = 0; i < d->nr_cus; i++)
		free(d->cus[i].ranges);
	free(d->cus);
	free(d->cu_ranges);
	free(d->segs);
	dso__free_cfi(d);
	dso__free_calls(d);
	free(d);
}

/* ------------------------------------------------------------------------- */
/* Opening a DSO                                                              */

static bool is_pseudo_path(const char *path)
{
	/* [vdso], [vsyscall], [heap], //anon, anon_inode:..., relative names: nothing to open */
	return path[0] != '/' || !strncmp(path, "//anon", 6);
}

static int load_segs(struct hud_dso *d, Elf *elf)
{
	size_t nr, i, n = 0, x;

	if (elf_getphdrnum(elf, &nr))
		return -EINVAL;
	d->segs = calloc(nr ? nr : 1, sizeof(*d->segs));
	if (!d->segs)
		return -ENOMEM;
	/* Executable segments first: they win if file ranges ever overlap. */
	for (x = 0; x < 2; x++) {
		for (i = 0; i < nr; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if (!!(ph.p_flags & PF_X) != (x == 0))
				continue;
			d->segs[n].offset = ph.p_offset;
			d->segs[n].filesz = ph.p_filesz;
			d->segs[n].vaddr = ph.p_vaddr;
			n++;
		}
	}
	d->nr_segs = n;
	return 0;
}

/*
 * Open @path, check that it is the ELF file that was mapped and read its load segments.
 * On HUD_DSO_OK, *fdp is an open descriptor for it.
 */
static enum hud_dso_status dso__check_file(struct hud_dso *d, const char *path, int *fdp)
{
	enum hud_dso_status st = HUD_DSO_BAD_ELF;
	const void *bid = NULL;
	Elf *elf = NULL;
	struct stat sb;
	GElf_Ehdr eh;
	ssize_t len;
	int fd;

	/* O_NONBLOCK: the path may now name a FIFO or a device; do not hang on it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return HUD_DSO_NOT_FOUND;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode))
		goto out;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		goto out;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		goto out;
	len = dwelf_elf_gnu_build_id(elf, &bid);
	if (d->build_id_size) {
		if (len != (ssize_t)d->build_id_size || memcmp(bid, d->build_id, (size_t)len)) {
			st = HUD_DSO_BUILD_ID_MISMATCH;
			goto out;
		}
		d->verified = 1;
	}
	if (load_segs(d, elf))
		goto out;
	st = HUD_DSO_OK;
out:
	elf_end(elf);
	if (st == HUD_DSO_OK)
		*fdp = fd;
	else
		close(fd);
	return st;
}

/* True if the module has at least one defined function symbol. */
static bool module_has_func_syms(Dwfl_Module *mod)
{
	int i, n = dwfl_module_getsymtab(mod);

	for (i = 1; i < n; i++) {
		GElf_Word shndx;
		GElf_Sym sym;

		if (!dwfl_module_getsym(mod, i, &sym, &shndx))
			continue;
		if ((GELF_ST_TYPE(sym.st_info) == STT_FUNC ||
		     GELF_ST_TYPE(sym.st_info) == STT_GNU_IFUNC) &&
		    shndx != SHN_UNDEF && sym.st_value)
			return true;
	}
	return false;
}

/*
 * Try one candidate file. The most telling failure wins: a build-id mismatch says more
 * than a missing file, so *best keeps it.
 */
static bool try_candidate(struct hud_dso *d, const char *path, int *fd, char **found,
			  enum hud_dso_status *best)
{
	enum hud_dso_status st = dso__check_file(d, path, fd);

	if (st == HUD_DSO_OK) {
		*found = strdup(path);
		if (!*found) {
			close(*fd);
			*best = HUD_DSO_NOT_FOUND;
			return true;
		}
		*best = st;
		return true;
	}
	if (*best == HUD_DSO_NOT_FOUND || st == HUD_DSO_BUILD_ID_MISMATCH)
		*best = st;
	return false;
}

/* DIR/.build-id/xx/yyyy, then .../yyyy/elf, then .../yyyy.debug (@kind 0, 1, 2). */
static void build_id_path(char *buf, size_t size, const char *dir, const char *hex, size_t kind)
{
	static const char *const suffix[] = {"", "/elf", ".debug"};

	snprintf(buf, size, "%s/.build-id/%.2s/%s%s", dir, hex, hex + 2, suffix[kind]);
}

/* Find a usable file for @d (see struct hud_symbolizer_opts). */
static enum hud_dso_status dso__find(struct hud_dso *d, int *fd, char **found)
{
	struct hud_symbolizer *s = d->sym;
	enum hud_dso_status best = HUD_DSO_NOT_FOUND;
	const char *path = d->path;
	size_t len = strlen(path), slen = strlen(DELETED_SUFFIX), i, k;
	char buf[PATH_MAX], hex[2 * BUILD_ID_MAX + 1], *alt = NULL;

	/* A replaced or removed binary: the build-id decides whether the path still fits. */
	if (d->build_id_size && len > slen && !strcmp(path + len - slen, DELETED_SUFFIX)) {
		alt = strndup(path, len - slen);
		if (!alt)
			return HUD_DSO_NOT_FOUND;
		path = alt;
	}
	if (s->symfs) {
		snprintf(buf, sizeof(buf), "%s%s", s->symfs, path);
		if (try_candidate(d, buf, fd, found, &best))
			goto out;
	}
	if (d->build_id_size) {
		for (k = 0; k < d->build_id_size; k++)
			snprintf(hex + 2 * k, 3, "%02x", d->build_id[k]);
		for (i = 0; i < s->nr_dirs; i++) {
			for (k = 0; k < 2; k++) {
				build_id_path(buf, sizeof(buf), s->dirs[i], hex, k);
				if (try_candidate(d, buf, fd, found, &best))
					goto out;
			}
		}
	}
	if (try_candidate(d, path, fd, found, &best))
		goto out;
	/*
	 * No binary anywhere: a separate debug file has the symbols and program headers too.
	 * (With a binary, libdwfl finds the debug file itself, through debuginfo_path.)
	 */
	for (i = 0; d->build_id_size && i < s->nr_dirs; i++) {
		build_id_path(buf, sizeof(buf), s->dirs[i], hex, 2);
		if (try_candidate(d, buf, fd, found, &best))
			goto out;
	}
out:
	free(alt);
	return best;
}

static enum hud_dso_status dso__open(struct hud_dso *d)
{
	enum hud_dso_status st;
	const char *base;
	char *path = NULL;
	int fd = -1;

	if (is_pseudo_path(d->path))
		return HUD_DSO_NOT_FOUND;
	st = dso__find(d, &fd, &path);
	if (st != HUD_DSO_OK)
		goto out;

	st = HUD_DSO_BAD_ELF;
	d->dwfl = dwfl_begin(&d->sym->callbacks);
	if (!d->dwfl) {
		close(fd);
		goto out;
	}
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	dwfl_report_begin(d->dwfl);
	d->mod = dwfl_report_elf(d->dwfl, base, path, fd, 0, false);
	if (!d->mod) {
		/* dwfl_report_elf() consumes the descriptor only on success. */
		close(fd);
		goto out;
	}
	dwfl_report_end(d->dwfl, NULL, NULL);
	if (!dwfl_module_getelf(d->mod, &d->bias))
		goto out;
	/* Also finds separate debug info (.gnu_debuglink, /usr/lib/debug/.build-id/). */
	d->dwarf = dwfl_module_getdwarf(d->mod, &d->dwbias);
	if (!d->dwarf && !module_has_func_syms(d->mod)) {
		st = HUD_DSO_NO_SYMBOLS;
		goto out;
	}
	st = HUD_DSO_OK;
out:
	free(path);
	return st;
}

static uint64_t dso_key_hash(const char *path, const uint8_t *build_id, size_t build_id_size)
{
	uint64_t h = symbolizer__hash(path, strlen(path), HUD_HASH_INIT);

	h = symbolizer__hash(&build_id_size, sizeof(build_id_size), h);
	return hud_mix64(symbolizer__hash(build_id, build_id_size, h));
}

struct hud_dso *hud_symbolizer__dso(struct hud_symbolizer *s, const char *path,
				    const uint8_t *build_id, size_t build_id_size)
{
	static const uint8_t no_build_id[1];
	struct hud_htab_iter it;
	struct hud_dso *d;
	uint64_t h;
	int64_t i;

	if (!path)
		path = "";
	if (!build_id || !build_id_size) {
		build_id = no_build_id; /* memcmp() wants a pointer even for 0 bytes */
		build_id_size = 0;
	}
	if (build_id_size > BUILD_ID_MAX)
		build_id_size = BUILD_ID_MAX;
	h = dso_key_hash(path, build_id, build_id_size);
	if (hud_htab__reserve(&s->dso_index, 1) || !HUD_GROW(s->dsos, s->cap_dsos, s->nr_dsos + 1))
		goto enomem;
	hud_htab__probe(&s->dso_index, h, &it);
	while ((i = hud_htab__next(&s->dso_index, &it)) >= 0) {
		d = s->dsos[i];
		if (d->hash == h && d->build_id_size == build_id_size &&
		    !memcmp(d->build_id, build_id, build_id_size) && !strcmp(d->path, path))
			return d;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		goto enomem;
	d->sym = s;
	d->path = symbolizer__intern(s, path);
	if (!d->path) {
		free(d);
		goto enomem;
	}
	if (build_id_size)
		memcpy(d->build_id, build_id, build_id_size);
	d->build_id_size = build_id_size;
	d->hash = h;
	d->id = (uint32_t)s->nr_dsos;
	d->status = dso__open(d);
	s->dsos[s->nr_dsos] = d;
	hud_htab__insert(&s->dso_index, &it, (uint32_t)s->nr_dsos++);
	return d;
enomem:
	errno = ENOMEM;
	return NULL;
}

enum hud_dso_status hud_dso__status(const struct hud_dso *d)
{
	return d->status;
}

const char *hud_dso__status_str(enum hud_dso_status st)
{
	switch (st) {
	case HUD_DSO_OK:
		return "ok";
	case HUD_DSO_NOT_FOUND:
		return "no binary";
	case HUD_DSO_BUILD_ID_MISMATCH:
		return "build-id mismatch";
	case HUD_DSO_NO_SYMBOLS:
		return "no symbols";
	case HUD_DSO_BAD_ELF:
		return "bad ELF";
	default:
		return "unknown";
	}
}

const char *hud_dso__path(const struct hud_dso *d)
{
	return d->path;
}

int hud_dso__verified(const struct hud_dso *d)
{
	return d->verified;
}
