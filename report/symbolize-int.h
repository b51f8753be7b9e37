/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Inside the symbolizer (symbolize.h): what symbolize.c (names, lines, inline chains) and
 * dso.c (finding and opening the binaries) share. Nothing outside those two includes it.
 */
#ifndef HUD_SYMBOLIZE_INT_H
#define HUD_SYMBOLIZE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include "arena.h"
#include "htab.h"
#include "symbolize.h"

#define BUILD_ID_MAX 32

/* A resolved (dso, offset, is_ret): what hud_dso__lookup() returns again from its cache. */
struct addr_entry {
	uint64_t offset;
	const struct hud_frame *frames;
	uint32_t dso_id;
	int32_t nr;
	uint8_t is_ret;
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

	/* cfi.c: unwind rules by ELF vaddr range, from .eh_frame, else .debug_frame. */
	int cfi_opened;
	Dwarf_CFI *eh_cfi, *dw_cfi;  /* owned by the Dwfl module */
	Dwarf_Addr eh_bias, dw_bias; /* their address = Dwfl address - bias */
	struct cfi_row *cfi_rows;    /* sorted by start; rows never overlap */
	size_t nr_cfi_rows, cap_cfi_rows;

	/* callsite.c: the code around return addresses, and what calls there reach. */
	struct callsite_cache *calls;
};

/* A row of CFI: the rule for ELF vaddrs [start, end). */
struct cfi_row {
	uint64_t start, end;
	struct hud_cfi_rule rule;
};

struct hud_symbolizer {
	const char *last_raw; /* raw name behind the last symbolizer__func_name() result */
	char *symfs;
	char **dirs; /* --debug-dir ones, then the defaults */
	size_t nr_dirs, cap_dirs;
	char *debuginfo_path; /* the same for libdwfl, ':'-separated */
	Dwfl_Callbacks callbacks;
	int err; /* sticky -ENOMEM from a helper that returns a pointer */

	struct hud_arena arena;

	const char **strs; /* interned strings, in the arena */
	size_t nr_strs, cap_strs;
	struct hud_htab str_index;

	struct addr_entry *addrs;
	size_t nr_addrs, cap_addrs;
	struct hud_htab addr_index;

	struct hud_dso **dsos;
	size_t nr_dsos, cap_dsos;
	struct hud_htab dso_index;
};

/* symbolize.c */

/* One copy per distinct string, in the arena. NULL for NULL, or on ENOMEM (s->err set). */
const char *symbolizer__intern(struct hud_symbolizer *s, const char *str);

/* FNV-1a of @len bytes, continuing from @h (HUD_HASH_INIT to start). */
#define HUD_HASH_INIT 0xcbf29ce484222325ull
uint64_t symbolizer__hash(const void *data, size_t len, uint64_t h);

/* dso.c */

/* The search directories of @o and the defaults, and libdwfl's callbacks. 0 or -ENOMEM. */
int symbolizer__setup_dirs(struct hud_symbolizer *s, const struct hud_symbolizer_opts *o);

void dso__free(struct hud_dso *d);

/* The ELF vaddr of file offset @off in @d, into *@vaddr. 1 if inside a segment, else 0. */
int dso__vaddr(const struct hud_dso *d, uint64_t off, uint64_t *vaddr);

/* cfi.c, callsite.c */
void dso__free_cfi(struct hud_dso *d);
void dso__free_calls(struct hud_dso *d);

#endif /* HUD_SYMBOLIZE_INT_H */
