// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Symbolization with libdwfl in offline mode, one Dwfl per DSO (ET_DYN objects all start
 * at address 0, so they cannot share one address space).
 *
 * Why not dwarf_getscopes(): it prunes DW_TAG_namespace DIEs (they have no PC range), and
 * rustc/LLVM nests every function DIE in namespaces, so for Rust it finds nothing (which is
 * why eu-addr2line -i shows no inline frames and only ELF symbol names for Rust code).
 * Instead, the first lookup in a CU indexes the PC ranges of every concrete subprogram in it,
 * descending through namespaces and types; a lookup then binary-searches that index and walks
 * only the matching function's subtree for the chain of DW_TAG_inlined_subroutine DIEs.
 * LLVM emits no DW_AT_sibling, so any scan of a CU touches all of it: doing it once per CU
 * (not once per address) is what keeps large Rust binaries fast.
 *
 * Memory: strings are interned and, like frame arrays, live in an arena freed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include "demangle.h"
#include "arena.h"
#include "symbolize.h"
#include "util.h"

#define BUILD_ID_MAX	32
#define MAX_INLINE	64  /* inline depth kept per address; deeper ones are dropped */
#define MAX_DIE_NESTING 128 /* recursion bound against malformed DWARF */
#define ARENA_CHUNK	(64 << 10)
#define DELETED_SUFFIX	" (deleted)"

struct str_slot {
	const char *str;
	uint64_t hash;
};

struct addr_slot {
	uint64_t offset;
	const struct hud_frame *frames;
	uint32_t dso_id;
	int32_t nr;
	uint8_t is_ret;
	uint8_t used;
};

/* PT_LOAD segment: file offsets [offset, offset + filesz) are mapped at vaddr. */
struct load_seg {
	uint64_t offset, filesz, vaddr;
};

/* PC range [lo, hi) of a concrete function, in DWARF addresses. */
struct fn_range {
	Dwarf_Addr lo, hi;
	Dwarf_Die die;
};

struct cu_funcs {
	Dwarf_Off cu_offset;
	struct fn_range *ranges; /* sorted by lo */
	size_t nr;
};

/* PC range [lo, hi) of a compilation unit, in DWARF addresses: the CU index. */
struct cu_range {
	Dwarf_Addr lo, hi;
	Dwarf_Off cu_offset; /* of the CU DIE */
};

/*
 * Function ranges and CU ranges both start with [lo, hi) and are kept sorted by lo: one
 * comparator and one lookup serve both.
 */
struct addr_range {
	Dwarf_Addr lo, hi;
};
_Static_assert(offsetof(struct fn_range, lo) == offsetof(struct addr_range, lo) &&
		       offsetof(struct fn_range, hi) == offsetof(struct addr_range, hi) &&
		       offsetof(struct cu_range, lo) == offsetof(struct addr_range, lo) &&
		       offsetof(struct cu_range, hi) == offsetof(struct addr_range, hi),
	       "ranges start with struct addr_range");

static int addr_range_cmp(const void *a, const void *b)
{
	const struct addr_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

/*
 * Index of the entry holding @pc among @n entries of @size bytes at @base (sorted by lo),
 * or -1. Entries should not overlap; a few before the last one starting at or below pc are
 * checked in case they do.
 */
static ssize_t addr_range_find(const void *base, size_t n, size_t size, Dwarf_Addr pc)
{
	const char *b = base;
	size_t lo = 0, hi = n, i, back;

	/* First range starting after pc; candidates precede it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (((const struct addr_range *)(b + mid * size))->lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo, back = 0; i > 0 && back < 8; i--, back++)
		if (pc < ((const struct addr_range *)(b + (i - 1) * size))->hi)
			return (ssize_t)(i - 1);
	return -1;
}

struct hud_dso {
	struct hud_symbolizer *sym;
	const char *path; /* interned */
	uint8_t build_id[BUILD_ID_MAX];
	size_t build_id_size;
	uint64_t hash;
	uint32_t id;
	enum hud_dso_status status;
	int verified;

	Dwfl *dwfl;
	Dwfl_Module *mod;
	GElf_Addr bias;		    /* Dwfl address = ELF vaddr + bias */
	Dwarf *dwarf;		    /* NULL: symbol table only */
	Dwarf_Addr dwbias;	    /* Dwfl address = DWARF address + dwbias */
	struct cu_range *cu_ranges; /* sorted by lo; built on the first CU libdw cannot find */
	size_t nr_cu_ranges;
	int cu_ranges_built;

	struct load_seg *segs;
	size_t nr_segs;
	struct cu_funcs *cus; /* sorted by cu_offset */
	size_t nr_cus, cap_cus;
};

struct hud_symbolizer {
	int no_demangle;
	const char *last_raw; /* raw name behind the last symbolizer__func_name() result */
	char *symfs;
	char **dirs; /* --debug-dir ones, then the defaults */
	size_t nr_dirs;
	char *debuginfo_path; /* the same for libdwfl, ':'-separated */
	Dwfl_Callbacks callbacks;
	int err; /* sticky -ENOMEM from a helper that returns a pointer */

	struct hud_arena arena;

	struct str_slot *strs;
	size_t strs_cap, strs_nr;

	struct addr_slot *addrs;
	size_t addrs_cap, addrs_nr;

	struct hud_dso **dsos;
	size_t nr_dsos, cap_dsos;
	uint32_t *dso_slots; /* index + 1 into dsos, 0 = empty */
	size_t dso_slots_cap;
};

/* Add @dir to the search list (copied). 0 or -ENOMEM. */
static int symbolizer__add_dir(struct hud_symbolizer *s, const char *dir)
{
	char **dirs = realloc(s->dirs, (s->nr_dirs + 1) * sizeof(*dirs));

	if (!dirs)
		return -ENOMEM;
	s->dirs = dirs;
	s->dirs[s->nr_dirs] = strdup(dir);
	if (!s->dirs[s->nr_dirs])
		return -ENOMEM;
	s->nr_dirs++;
	return 0;
}

/* Search directories and libdwfl's equivalent ("" then the directories, ':'-separated). */
static int symbolizer__setup_dirs(struct hud_symbolizer *s, const struct hud_symbolizer_opts *o)
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

/* ------------------------------------------------------------------------- */
/* Arena, string interning, hashing                                           */

static void *symbolizer__alloc(struct hud_symbolizer *s, size_t size)
{
	void *p;

	s->arena.chunk = ARENA_CHUNK;
	p = hud_arena_alloc(&s->arena, size, _Alignof(max_align_t));
	if (!p)
		s->err = -ENOMEM;
	return p;
}

static uint64_t hash_bytes(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;

	/* FNV-1a */
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

#define HASH_INIT 0xcbf29ce484222325ull

static int strs__grow(struct hud_symbolizer *s)
{
	size_t cap = s->strs_cap ? s->strs_cap * 2 : 1024, i;
	struct str_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < s->strs_cap; i++) {
		size_t j;

		if (!s->strs[i].str)
			continue;
		for (j = s->strs[i].hash & (cap - 1); slots[j].str; j = (j + 1) & (cap - 1))
			;
		slots[j] = s->strs[i];
	}
	free(s->strs);
	s->strs = slots;
	s->strs_cap = cap;
	return 0;
}

/* One copy per distinct string. NULL for NULL, or on ENOMEM (s->err set). */
static const char *symbolizer__intern(struct hud_symbolizer *s, const char *str)
{
	size_t len, i;
	uint64_t h;
	char *copy;

	if (!str)
		return NULL;
	if (2 * (s->strs_nr + 1) > s->strs_cap && strs__grow(s)) {
		s->err = -ENOMEM;
		return NULL;
	}
	len = strlen(str);
	h = hash_bytes(str, len, HASH_INIT);
	for (i = h & (s->strs_cap - 1); s->strs[i].str; i = (i + 1) & (s->strs_cap - 1))
		if (s->strs[i].hash == h && !strcmp(s->strs[i].str, str))
			return s->strs[i].str;
	copy = symbolizer__alloc(s, len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, str, len + 1);
	s->strs[i].str = copy;
	s->strs[i].hash = h;
	s->strs_nr++;
	return copy;
}

/* Intern a source path, made absolute with the compilation directory as eu-addr2line does. */
static const char *symbolizer__intern_path(struct hud_symbolizer *s, const char *comp_dir,
					   const char *file)
{
	const char *ret;
	char *full;

	if (!file || file[0] == '/' || !comp_dir || !comp_dir[0])
		return symbolizer__intern(s, file);
	if (asprintf(&full, "%s/%s", comp_dir, file) < 0) {
		s->err = -ENOMEM;
		return NULL;
	}
	ret = symbolizer__intern(s, full);
	free(full);
	return ret;
}

/* Intern a linkage or symbol name, demangled unless the user asked not to. */
static const char *symbolizer__func_name(struct hud_symbolizer *s, const char *raw)
{
	const char *ret;
	char *dem;

	s->last_raw = NULL;
	if (!raw || !*raw)
		return NULL;
	s->last_raw = symbolizer__intern(s, raw);
	if (s->no_demangle)
		return s->last_raw;
	dem = hud_demangle(raw);
	if (!dem)
		return symbolizer__intern(s, raw);
	ret = symbolizer__intern(s, dem);
	free(dem);
	return ret;
}

/* ------------------------------------------------------------------------- */
/* Symbolizer                                                                 */

struct hud_symbolizer *hud_symbolizer__new(const struct hud_symbolizer_opts *opts)
{
	struct hud_symbolizer *s;

	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	/* Fields past opts->sz are from a newer caller's point of view: leave defaults. */
	if (opts && opts->sz >= offsetof(struct hud_symbolizer_opts, no_demangle) +
					sizeof(opts->no_demangle))
		s->no_demangle = opts->no_demangle;
	if (opts && opts->sz < offsetof(struct hud_symbolizer_opts, nr_debug_dirs) +
				       sizeof(opts->nr_debug_dirs))
		opts = NULL; /* an older caller: no search options */
	if ((opts && opts->symfs && !(s->symfs = strdup(opts->symfs))) ||
	    symbolizer__setup_dirs(s, opts)) {
		hud_symbolizer__free(s);
		errno = ENOMEM;
		return NULL;
	}
	elf_version(EV_CURRENT);
	return s;
}

static void dso__free(struct hud_dso *d)
{
	size_t i;

	if (d->dwfl)
		dwfl_end(d->dwfl);
	for (i = 0; i < d->nr_cus; i++)
		free(d->cus[i].ranges);
	free(d->cus);
	free(d->cu_ranges);
	free(d->segs);
	free(d);
}

void hud_symbolizer__free(struct hud_symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr_dsos; i++)
		dso__free(s->dsos[i]);
	free(s->dsos);
	free(s->dso_slots);
	free(s->addrs);
	free(s->strs);
	hud_arena_free(&s->arena);
	for (i = 0; i < s->nr_dirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
	free(s->debuginfo_path);
	free(s->symfs);
	free(s);
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
	uint64_t h = hash_bytes(path, strlen(path), HASH_INIT);

	h = hash_bytes(&build_id_size, sizeof(build_id_size), h);
	return hash_bytes(build_id, build_id_size, h);
}

static int dso_slots__grow(struct hud_symbolizer *s)
{
	size_t cap = s->dso_slots_cap ? s->dso_slots_cap * 2 : 64, i, j;
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < s->nr_dsos; i++) {
		for (j = s->dsos[i]->hash & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = (uint32_t)i + 1;
	}
	free(s->dso_slots);
	s->dso_slots = slots;
	s->dso_slots_cap = cap;
	return 0;
}

struct hud_dso *hud_symbolizer__dso(struct hud_symbolizer *s, const char *path,
				    const uint8_t *build_id, size_t build_id_size)
{
	static const uint8_t no_build_id[1];
	struct hud_dso *d;
	uint64_t h;
	size_t i;

	if (!path)
		path = "";
	if (!build_id || !build_id_size) {
		build_id = no_build_id; /* memcmp() wants a pointer even for 0 bytes */
		build_id_size = 0;
	}
	if (build_id_size > BUILD_ID_MAX)
		build_id_size = BUILD_ID_MAX;
	h = dso_key_hash(path, build_id, build_id_size);
	if (s->dso_slots_cap) {
		for (i = h & (s->dso_slots_cap - 1); s->dso_slots[i];
		     i = (i + 1) & (s->dso_slots_cap - 1)) {
			d = s->dsos[s->dso_slots[i] - 1];
			if (d->hash == h && d->build_id_size == build_id_size &&
			    !memcmp(d->build_id, build_id, build_id_size) && !strcmp(d->path, path))
				return d;
		}
	}

	if (2 * (s->nr_dsos + 1) > s->dso_slots_cap && dso_slots__grow(s))
		goto enomem;
	if (s->nr_dsos == s->cap_dsos) {
		size_t cap = s->cap_dsos ? s->cap_dsos * 2 : 16;
		struct hud_dso **dsos = realloc(s->dsos, cap * sizeof(*dsos));

		if (!dsos)
			goto enomem;
		s->dsos = dsos;
		s->cap_dsos = cap;
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

	for (i = h & (s->dso_slots_cap - 1); s->dso_slots[i]; i = (i + 1) & (s->dso_slots_cap - 1))
		;
	s->dsos[s->nr_dsos++] = d;
	s->dso_slots[i] = (uint32_t)s->nr_dsos;
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

/* ------------------------------------------------------------------------- */
/* Per-CU function index                                                      */

struct fn_vec {
	struct fn_range *r;
	size_t nr, cap;
};

static int fn_vec__add_die(struct fn_vec *v, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (hi <= lo)
			continue;
		if (v->nr == v->cap) {
			size_t cap = v->cap ? v->cap * 2 : 64;
			struct fn_range *r = realloc(v->r, cap * sizeof(*r));

			if (!r)
				return -ENOMEM;
			v->r = r;
			v->cap = cap;
		}
		v->r[v->nr].lo = lo;
		v->r[v->nr].hi = hi;
		v->r[v->nr].die = *die;
		v->nr++;
	}
	return 0;
}

/* Collect concrete subprograms under @parent: through namespaces, types, imported units. */
static int fn_vec__index(struct fn_vec *v, Dwarf_Die *parent, int level)
{
	Dwarf_Die child;
	int err = 0;

	if (level > MAX_DIE_NESTING || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		Dwarf_Attribute attr;
		Dwarf_Die unit;

		switch (dwarf_tag(&child)) {
		case DW_TAG_subprogram:
			/* Declarations and abstract instances have no ranges and add nothing. */
			err = fn_vec__add_die(v, &child);
			break;
		case DW_TAG_namespace:
		case DW_TAG_module:
		case DW_TAG_class_type:
		case DW_TAG_structure_type:
		case DW_TAG_union_type:
		case DW_TAG_interface_type:
			if (dwarf_haschildren(&child))
				err = fn_vec__index(v, &child, level + 1);
			break;
		case DW_TAG_imported_unit: /* dwz partial units */
			if (dwarf_formref_die(dwarf_attr(&child, DW_AT_import, &attr), &unit))
				err = fn_vec__index(v, &unit, level + 1);
			break;
		default:
			break;
		}
	} while (!err && dwarf_siblingof(&child, &child) == 0);
	return err;
}

/* The function index of @cudie, built on first use. NULL on ENOMEM. */
static struct cu_funcs *dso__cu_funcs(struct hud_dso *d, Dwarf_Die *cudie)
{
	Dwarf_Off off = dwarf_dieoffset(cudie);
	size_t lo = 0, hi = d->nr_cus;
	struct fn_vec v = {0};
	struct cu_funcs *c;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->cus[mid].cu_offset < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->nr_cus && d->cus[lo].cu_offset == off)
		return &d->cus[lo];

	if (d->nr_cus == d->cap_cus) {
		size_t cap = d->cap_cus ? d->cap_cus * 2 : 16;
		struct cu_funcs *cus = realloc(d->cus, cap * sizeof(*cus));

		if (!cus)
			return NULL;
		d->cus = cus;
		d->cap_cus = cap;
	}
	if (fn_vec__index(&v, cudie, 0)) {
		free(v.r);
		return NULL;
	}
	if (v.nr)
		qsort(v.r, v.nr, sizeof(*v.r), addr_range_cmp);
	c = &d->cus[lo];
	memmove(c + 1, c, (d->nr_cus - lo) * sizeof(*c));
	d->nr_cus++;
	c->cu_offset = off;
	c->ranges = v.r;
	c->nr = v.nr;
	return c;
}

static const struct fn_range *cu_funcs__find(const struct cu_funcs *c, Dwarf_Addr pc)
{
	ssize_t i = addr_range_find(c->ranges, c->nr, sizeof(*c->ranges), pc);

	return i < 0 ? NULL : &c->ranges[i];
}

/*
 * Append to @chain the DW_TAG_inlined_subroutine DIEs under @parent that contain @pc,
 * outermost first. Returns 1 if a child scope contained pc.
 */
static int scope_walk(Dwarf_Die *parent, Dwarf_Addr pc, Dwarf_Die *chain, int *depth, int level)
{
	Dwarf_Die child;

	if (level > MAX_DIE_NESTING || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child), r;

		switch (tag) {
		case DW_TAG_inlined_subroutine:
		case DW_TAG_lexical_block:
		case DW_TAG_try_block:
		case DW_TAG_catch_block:
		case DW_TAG_with_stmt:
			break;
		default:
			continue;
		}
		r = dwarf_haspc(&child, pc);
		if (r > 0) {
			if (tag == DW_TAG_inlined_subroutine && *depth < MAX_INLINE)
				chain[(*depth)++] = child;
			scope_walk(&child, pc, chain, depth, level + 1);
			return 1;
		}
		/* A block without any PC attribute does not restrict: look inside. */
		if (r == 0 && tag == DW_TAG_lexical_block && !dwarf_hasattr(&child, DW_AT_low_pc) &&
		    !dwarf_hasattr(&child, DW_AT_ranges) &&
		    scope_walk(&child, pc, chain, depth, level + 1))
			return 1;
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

/* ------------------------------------------------------------------------- */
/* CU index, for DWARF without .debug_aranges                                 */

/*
 * libdwfl finds the CU of an address (dwfl_module_addrdie(), and through it the line table
 * of dwfl_module_getsrc()) in .debug_aranges only, in Debian 12's elfutils 0.188: a CU
 * without an entry there is invisible, and eu-addr2line prints ??:0 for its code. clang
 * writes no .debug_aranges unless asked (-gdwarf-aranges), so C and C++ built by clang got
 * no file, no line and no inlined frames. The fallback: the PC ranges of every CU DIE,
 * read once per DSO on the first address libdwfl cannot place.
 */

static int dso__index_cus(struct hud_dso *d)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	size_t cap = 0;

	d->cu_ranges_built = 1;
	while (dwarf_get_units(d->dwarf, cu, &cu, NULL, &unit_type, &cudie, NULL) == 0) {
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;

		/* Split DWARF skeletons and type units: the code is in compile units. */
		if (unit_type != DW_UT_compile)
			continue;
		while ((off = dwarf_ranges(&cudie, off, &base, &lo, &hi)) > 0) {
			/* Empty, or a discarded section's tombstone: no code lives at 0. */
			if (hi <= lo || lo == 0)
				continue;
			if (d->nr_cu_ranges == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				struct cu_range *r = realloc(d->cu_ranges, ncap * sizeof(*r));

				if (!r)
					return -ENOMEM;
				d->cu_ranges = r;
				cap = ncap;
			}
			d->cu_ranges[d->nr_cu_ranges++] = (struct cu_range){
				.lo = lo, .hi = hi, .cu_offset = dwarf_dieoffset(&cudie)};
		}
	}
	if (d->nr_cu_ranges)
		qsort(d->cu_ranges, d->nr_cu_ranges, sizeof(*d->cu_ranges), addr_range_cmp);
	return 0;
}

/*
 * The CU DIE whose ranges hold DWARF address @pc, into @die. Returns @die, NULL if no CU
 * holds pc, or NULL with d->sym->err = -ENOMEM.
 */
static Dwarf_Die *dso__cu_of(struct hud_dso *d, Dwarf_Addr pc, Dwarf_Die *die)
{
	ssize_t i;

	if (!d->cu_ranges_built && dso__index_cus(d)) {
		d->sym->err = -ENOMEM;
		return NULL;
	}
	i = addr_range_find(d->cu_ranges, d->nr_cu_ranges, sizeof(*d->cu_ranges), pc);
	return i < 0 ? NULL : dwarf_offdie(d->dwarf, d->cu_ranges[i].cu_offset, die);
}

/* ------------------------------------------------------------------------- */
/* Lookup                                                                     */

static int dso__vaddr(const struct hud_dso *d, uint64_t off, uint64_t *vaddr)
{
	size_t i;

	for (i = 0; i < d->nr_segs; i++) {
		const struct load_seg *sg = &d->segs[i];

		if (off >= sg->offset && off - sg->offset < sg->filesz) {
			*vaddr = off - sg->offset + sg->vaddr;
			return 1;
		}
	}
	return 0;
}

/* Function name of a DWARF scope: linkage name (demangled), else DW_AT_name. */
static const char *dso__die_name(struct hud_dso *d, Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name;

	/* _integrate: inlined instances and out-of-line copies name their origin. */
	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	if (name)
		return symbolizer__func_name(d->sym, name);
	return symbolizer__intern(d->sym,
				  dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr)));
}

static const char *dso__symtab_name(struct hud_dso *d, Dwarf_Addr addr)
{
	GElf_Off off;
	GElf_Sym sym;

	return symbolizer__func_name(
		d->sym, dwfl_module_addrinfo(d->mod, addr, &off, &sym, NULL, NULL, NULL));
}

/* Where @inl (a DW_TAG_inlined_subroutine) was called from: the caller frame's position. */
static void call_site(struct hud_dso *d, Dwarf_Die *inl, struct hud_frame *caller)
{
	Dwarf_Attribute attr;
	Dwarf_Files *files;
	Dwarf_Word idx, line;
	Dwarf_Die cu;

	if (!dwarf_formudata(dwarf_attr(inl, DW_AT_call_line, &attr), &line))
		caller->line = line > INT32_MAX ? 0 : (int)line;
	if (dwarf_formudata(dwarf_attr(inl, DW_AT_call_file, &attr), &idx) ||
	    !dwarf_diecu(inl, &cu, NULL, NULL) || dwarf_getsrcfiles(&cu, &files, NULL))
		return;
	caller->file = symbolizer__intern_path(
		d->sym, dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr)),
		dwarf_filesrc(files, idx, NULL, NULL));
}

static int dso__resolve(struct hud_dso *d, uint64_t file_offset, int is_ret, struct hud_frame *out)
{
	const char *line_file = NULL, *comp_dir = NULL;
	Dwarf_Die chain[MAX_INLINE];
	Dwarf_Addr addr, dwbias;
	const struct fn_range *fn = NULL;
	Dwarf_Die *cudie = NULL, cu_buf;
	int depth = 0, line_no = 0, i, n;
	Dwfl_Line *line;
	uint64_t vaddr;

	if (!dso__vaddr(d, file_offset, &vaddr))
		return 0;
	addr = vaddr + d->bias;
	if (is_ret && addr)
		addr--;

	line = dwfl_module_getsrc(d->mod, addr);
	if (line) {
		line_file = dwfl_lineinfo(line, NULL, &line_no, NULL, NULL, NULL);
		comp_dir = dwfl_line_comp_dir(line);
	}
	if (d->dwarf)
		cudie = dwfl_module_addrdie(d->mod, addr, &dwbias);
	if (d->dwarf && !cudie) {
		/* No .debug_aranges entry: find the CU ourselves, and its line (see above). */
		dwbias = d->dwbias;
		cudie = dso__cu_of(d, addr - dwbias, &cu_buf);
		if (d->sym->err)
			return d->sym->err;
		if (cudie && !line) {
			Dwarf_Line *dl = dwarf_getsrc_die(cudie, addr - dwbias);
			Dwarf_Attribute attr;

			if (dl) {
				line_file = dwarf_linesrc(dl, NULL, NULL);
				if (dwarf_lineno(dl, &line_no))
					line_no = 0;
				comp_dir =
					dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &attr));
			}
		}
	}
	if (line_no < 0)
		line_no = 0;
	if (cudie) {
		struct cu_funcs *c = dso__cu_funcs(d, cudie);

		if (!c)
			return -ENOMEM;
		fn = cu_funcs__find(c, addr - dwbias);
	}
	if (fn) {
		Dwarf_Die sub = fn->die;

		chain[depth++] = sub;
		scope_walk(&sub, addr - dwbias, chain, &depth, 0);
	}

	if (!fn) {
		/* No DWARF function here (no DWARF, asm, a CU without subprograms). */
		out[0].function = dso__symtab_name(d, addr);
		out[0].raw = d->sym->last_raw;
		out[0].file = symbolizer__intern_path(d->sym, comp_dir, line_file);
		out[0].line = line_no;
		out[0].inlined = 0;
		if (d->sym->err)
			return d->sym->err;
		return out[0].function || out[0].file ? 1 : 0;
	}

	/* chain[0] is the real function, chain[depth - 1] the innermost inlined one. */
	for (i = depth - 1, n = 0; i >= 0; i--, n++) {
		struct hud_frame *f = &out[n];

		d->sym->last_raw = NULL;
		f->function = dso__die_name(d, &chain[i]);
		f->raw = d->sym->last_raw ? d->sym->last_raw : f->function;
		f->inlined = i > 0;
		f->file = NULL;
		f->line = 0;
		if (n == 0) {
			f->file = symbolizer__intern_path(d->sym, comp_dir, line_file);
			f->line = line_no;
		} else {
			call_site(d, &chain[i + 1], f);
		}
	}
	if (!out[n - 1].function) {
		out[n - 1].function = dso__symtab_name(d, addr);
		out[n - 1].raw = d->sym->last_raw;
	}
	if (d->sym->err)
		return d->sym->err;
	return n;
}

static size_t addr_slot_of(uint32_t dso_id, uint64_t offset, int is_ret, size_t cap)
{
	return hud_mix64(offset ^ ((uint64_t)dso_id << 40) ^ ((uint64_t)is_ret << 63)) & (cap - 1);
}

static int addrs__grow(struct hud_symbolizer *s)
{
	size_t cap = s->addrs_cap ? s->addrs_cap * 2 : 4096, i, j;
	struct addr_slot *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < s->addrs_cap; i++) {
		const struct addr_slot *e = &s->addrs[i];

		if (!e->used)
			continue;
		for (j = addr_slot_of(e->dso_id, e->offset, e->is_ret, cap); slots[j].used;
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = *e;
	}
	free(s->addrs);
	s->addrs = slots;
	s->addrs_cap = cap;
	return 0;
}

int hud_dso__lookup(struct hud_dso *d, uint64_t file_offset, int is_return_addr,
		    const struct hud_frame **frames)
{
	struct hud_frame buf[MAX_INLINE];
	struct hud_symbolizer *s = d->sym;
	struct hud_frame *copy = NULL;
	struct addr_slot *e;
	size_t i;
	int n;

	*frames = NULL;
	if (d->status != HUD_DSO_OK)
		return 0;
	is_return_addr = !!is_return_addr;
	if (2 * (s->addrs_nr + 1) > s->addrs_cap && addrs__grow(s))
		return -ENOMEM;
	for (i = addr_slot_of(d->id, file_offset, is_return_addr, s->addrs_cap); s->addrs[i].used;
	     i = (i + 1) & (s->addrs_cap - 1)) {
		e = &s->addrs[i];
		if (e->dso_id == d->id && e->offset == file_offset && e->is_ret == is_return_addr) {
			*frames = e->frames;
			return e->nr;
		}
	}

	s->err = 0;
	n = dso__resolve(d, file_offset, is_return_addr, buf);
	if (n < 0)
		return n;
	if (n > 0) {
		copy = symbolizer__alloc(s, (size_t)n * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, buf, (size_t)n * sizeof(*copy));
	}
	e = &s->addrs[i];
	e->used = 1;
	e->dso_id = d->id;
	e->offset = file_offset;
	e->is_ret = (uint8_t)is_return_addr;
	e->frames = copy;
	e->nr = n;
	s->addrs_nr++;
	*frames = copy;
	return n;
}
