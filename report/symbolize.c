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

#include "demangle.h"
#include "symbolize-int.h"
#include "util.h"

#define MAX_INLINE	64  /* inline depth kept per address; deeper ones are dropped */
#define MAX_DIE_NESTING 128 /* recursion bound against malformed DWARF */
#define ARENA_CHUNK	(64 << 10)

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

uint64_t symbolizer__hash(const void *data, size_t len, uint64_t h)
{
	const unsigned char *p = data;

	/* FNV-1a */
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

const char *symbolizer__intern(struct hud_symbolizer *s, const char *str)
{
	struct hud_htab_iter it;
	size_t len;
	char *copy;
	int64_t i;

	if (!str)
		return NULL;
	if (hud_htab__reserve(&s->str_index, 1) ||
	    !HUD_GROW(s->strs, s->cap_strs, s->nr_strs + 1)) {
		s->err = -ENOMEM;
		return NULL;
	}
	len = strlen(str);
	hud_htab__probe(&s->str_index, hud_mix64(symbolizer__hash(str, len, HUD_HASH_INIT)), &it);
	while ((i = hud_htab__next(&s->str_index, &it)) >= 0)
		if (!strcmp(s->strs[i], str))
			return s->strs[i];
	copy = symbolizer__alloc(s, len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, str, len + 1);
	s->strs[s->nr_strs] = copy;
	hud_htab__insert(&s->str_index, &it, (uint32_t)s->nr_strs++);
	return copy;
}

const char *hud_symbolizer__intern(struct hud_symbolizer *s, const char *str)
{
	return symbolizer__intern(s, str);
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

/*
 * Intern a linkage or symbol name, demangled: classes and roles are decided on demangled
 * names (the raw one is kept in s->last_raw for --no-demangle).
 */
static const char *symbolizer__func_name(struct hud_symbolizer *s, const char *raw)
{
	const char *ret;
	char *dem;

	s->last_raw = NULL;
	if (!raw || !*raw)
		return NULL;
	s->last_raw = symbolizer__intern(s, raw);
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

void hud_symbolizer__free(struct hud_symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nr_dsos; i++)
		dso__free(s->dsos[i]);
	free(s->dsos);
	hud_htab__free(&s->dso_index);
	free(s->addrs);
	hud_htab__free(&s->addr_index);
	free(s->strs);
	hud_htab__free(&s->str_index);
	hud_arena_free(&s->arena);
	for (i = 0; i < s->nr_dirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
	free(s->debuginfo_path);
	free(s->symfs);
	free(s);
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
		if (!HUD_GROW(v->r, v->cap, v->nr + 1))
			return -ENOMEM;
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

	if (!HUD_GROW(d->cus, d->cap_cus, d->nr_cus + 1))
		return NULL;
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
			if (!HUD_GROW(d->cu_ranges, cap, d->nr_cu_ranges + 1))
				return -ENOMEM;
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

int dso__vaddr(const struct hud_dso *d, uint64_t off, uint64_t *vaddr)
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

int hud_dso__lookup(struct hud_dso *d, uint64_t file_offset, int is_return_addr,
		    const struct hud_frame **frames)
{
	struct hud_frame buf[MAX_INLINE];
	struct hud_symbolizer *s = d->sym;
	struct hud_frame *copy = NULL;
	struct hud_htab_iter it;
	struct addr_entry *e;
	int64_t i;
	int n;

	*frames = NULL;
	if (d->status != HUD_DSO_OK)
		return 0;
	is_return_addr = !!is_return_addr;
	if (hud_htab__reserve(&s->addr_index, 1) ||
	    !HUD_GROW(s->addrs, s->cap_addrs, s->nr_addrs + 1))
		return -ENOMEM;
	hud_htab__probe(
		&s->addr_index,
		hud_mix64(file_offset ^ ((uint64_t)d->id << 40) ^ ((uint64_t)is_return_addr << 63)),
		&it);
	while ((i = hud_htab__next(&s->addr_index, &it)) >= 0) {
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
	e = &s->addrs[s->nr_addrs];
	e->dso_id = d->id;
	e->offset = file_offset;
	e->is_ret = (uint8_t)is_return_addr;
	e->frames = copy;
	e->nr = n;
	hud_htab__insert(&s->addr_index, &it, (uint32_t)s->nr_addrs++);
	*frames = copy;
	return n;
}
