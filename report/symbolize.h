/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Offline symbolization of user-space addresses recorded in a .hud file: file offset in a
 * mapped ELF object -> function names (demangled, Rust hash stripped), source file:line and
 * inlined frames, from DWARF (libdw) with an ELF symbol table fallback.
 *
 * A binary is only trusted when its GNU build-id matches the one recorded with the mapping:
 * a rebuilt binary at the same path would otherwise silently give wrong names.
 *
 *	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
 *	struct hud_dso *d = hud_symbolizer__dso(s, map->path, map->build_id, map->build_id_size);
 *	const struct hud_frame *fr;
 *	int n = hud_dso__lookup(d, ip - map->start + map->pgoff, is_return_addr, &fr);
 *	for (int i = 0; i < n; i++)
 *		printf("%s %s:%d%s\n", fr[i].function, fr[i].file, fr[i].line,
 *		       fr[i].inlined ? " (inlined)" : "");
 *	hud_symbolizer__free(s);
 *
 * Not thread-safe: use one symbolizer per thread.
 */
#ifndef HUD_SYMBOLIZE_H
#define HUD_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

/* One logical frame; an address inside inlined code expands into several. */
struct hud_frame {
	const char *function; /* demangled, Rust hash stripped; NULL when unknown */
	const char *raw;      /* the symbol as written in the binary (mangled), or function */
	const char *file;     /* source file as DWARF names it (usually absolute), or NULL */
	int line;	      /* 0 when unknown */
	int inlined;	      /* 1: inlined into the next (outer) frame of the array */
};

/* Why a DSO gives no (or partial) symbols. Values index arrays: keep them dense. */
enum hud_dso_status {
	HUD_DSO_OK,		   /* symbols (DWARF and/or ELF symbol table) available */
	HUD_DSO_NOT_FOUND,	   /* no file at the path, or a pseudo path ([vdso], //anon) */
	HUD_DSO_BUILD_ID_MISMATCH, /* the file at the path is not the binary that was mapped */
	HUD_DSO_NO_SYMBOLS,	   /* stripped: neither DWARF nor function symbols */
	HUD_DSO_BAD_ELF,	   /* unreadable, or not an ELF file */
	HUD_DSO_STATUS_MAX,
};

struct hud_symbolizer;
struct hud_dso;

struct hud_symbolizer_opts {
	size_t sz; /* sizeof(struct hud_symbolizer_opts), libbpf style */
	/*
	 * Where to look for a binary, in this order, each candidate used only if its build-id
	 * matches: @symfs + recorded path; for each of @debug_dirs then ~/.debug and
	 * /usr/lib/debug, DIR/.build-id/xx/yyyy (the binary, perf's and hud-record
	 * --archive's layout; or yyyy/elf) and DIR/.build-id/xx/yyyy.debug; the recorded
	 * path. Separate debug info is then found through .gnu_debuglink and the same
	 * directories, and through debuginfod when DEBUGINFOD_URLS is set.
	 */
	const char *symfs;
	const char *const *debug_dirs;
	size_t nr_debug_dirs;
};

/*
 * Create a symbolizer. @opts may be NULL for defaults. Returns NULL with errno set (ENOMEM,
 * or EINVAL for a bad opts->sz).
 */
struct hud_symbolizer *hud_symbolizer__new(const struct hud_symbolizer_opts *opts);

/* Free @s, every DSO it opened and every string and frame it returned. Accepts NULL. */
void hud_symbolizer__free(struct hud_symbolizer *s);

/*
 * Get the DSO that was mapped from @path with GNU build-id @build_id (@build_id_size bytes,
 * at most 32). Cached by (path, build-id): the file is opened on the first call only, and
 * its symbols are used only if its build-id matches; build_id_size 0 (unknown) accepts the
 * file unverified (see hud_dso__verified()). Pseudo paths ("[vdso]", "//anon", "", relative
 * paths) are HUD_DSO_NOT_FOUND without touching the filesystem. A path ending in
 * " (deleted)" is retried without the suffix when a build-id can prove it is the same file.
 * Separate debug info is found like perf/gdb do (.gnu_debuglink, /usr/lib/debug/.build-id).
 *
 * Never returns NULL except on allocation failure (errno = ENOMEM); a DSO that cannot be
 * used is still returned, with a status saying why (hud_dso__status()).
 */
struct hud_dso *hud_symbolizer__dso(struct hud_symbolizer *s, const char *path,
				    const uint8_t *build_id, size_t build_id_size);

enum hud_dso_status hud_dso__status(const struct hud_dso *d);

/* Short human-readable status: "ok", "no binary", "build-id mismatch", ... */
const char *hud_dso__status_str(enum hud_dso_status st);

/* The path as recorded (the key of the DSO, not the path finally opened). */
const char *hud_dso__path(const struct hud_dso *d);

/* 1 if the file's build-id was checked against the recorded one, 0 if none was recorded. */
int hud_dso__verified(const struct hud_dso *d);

/*
 * Symbolize the code at @file_offset in @d (an offset in the ELF file, i.e.
 * ip - map.start + map.pgoff). With @is_return_addr set, the address is a return address
 * from a stack walk and file_offset - 1 is looked up instead, so that the call instruction
 * (not the one after it) gives the function, line and inline chain; pass 1 for every user
 * frame but the leaf, like perf.
 *
 * Returns the number of frames (>= 1) and points *@frames at them: the innermost inlined
 * function first, the real (out-of-line) function containing the address last; every frame
 * but the last has inlined = 1. A frame's file:line is where execution is in that function:
 * for outer frames, the call site of the next inner frame. Frames and strings are owned by
 * the symbolizer and stay valid until hud_symbolizer__free(). Returns 0 when nothing is known
 * (DSO not usable, offset outside any loaded segment, no symbol), or -ENOMEM.
 *
 * Each distinct (dso, offset, is_return_addr) is resolved once; later calls hit a cache.
 */
int hud_dso__lookup(struct hud_dso *d, uint64_t file_offset, int is_return_addr,
		    const struct hud_frame **frames);

/* A copy of @str that lives as long as @s (one per distinct string), or NULL on ENOMEM. */
const char *hud_symbolizer__intern(struct hud_symbolizer *s, const char *str);

/* ---- unwinding (cfi.c) ---------------------------------------------------------- */

/* x86-64 registers as the unwinder knows them. */
enum hud_cfi_reg {
	HUD_REG_BP = 6, /* DWARF register numbers */
	HUD_REG_SP = 7,
};

enum hud_cfi_how {
	HUD_CFI_NONE,	   /* no rule here (no CFI, or one hud cannot follow) */
	HUD_CFI_OK,	   /* the caller's frame follows from the rule */
	HUD_CFI_OUTERMOST, /* the return address is undefined: the thread's first frame */
};

/*
 * How to find the caller of a frame at one address, in the forms compilers emit for
 * x86-64 code: CFA = sp or bp + cfa_off; the return address at CFA + ra_off; the caller's
 * bp at CFA + bp_off when saved, else unchanged.
 */
struct hud_cfi_rule {
	uint8_t how;	 /* enum hud_cfi_how */
	uint8_t cfa_reg; /* enum hud_cfi_reg */
	uint8_t bp_saved;
	int32_t cfa_off, ra_off, bp_off;
};

/*
 * The unwind rule of the code at @file_offset in @d (.eh_frame, else .debug_frame), with
 * @is_return_addr as in hud_dso__lookup() (the rule of the call, not of what follows it).
 * Rules are read once per row of CFI. Returns 0 with *@rule filled (how = HUD_CFI_NONE when
 * there is none), or -ENOMEM.
 */
int hud_dso__cfi(struct hud_dso *d, uint64_t file_offset, int is_return_addr,
		 struct hud_cfi_rule *rule);

/* ---- call sites (callsite.c) ------------------------------------------------------- */

enum hud_call_kind {
	HUD_CALL_UNKNOWN,  /* no code to read (no binary, a debug file only) */
	HUD_CALL_NONE,	   /* no call ends there: not a return address */
	HUD_CALL_INDIRECT, /* a call through a register or memory: the callee is not known */
	HUD_CALL_DIRECT,   /* to a function of this binary: target */
	HUD_CALL_IMPORT,   /* to a symbol another binary defines (GOT, PLT): raw */
};

/* The call instruction before a return address, and what it reaches. */
struct hud_call {
	uint8_t kind;	 /* enum hud_call_kind */
	uint8_t ifunc;	 /* the callee is a GNU IFUNC: its implementation is not known */
	uint64_t target; /* DIRECT: the callee's ELF vaddr (its symbol's start) */
	const char *raw; /* the callee's symbol as written (DIRECT: NULL if none) */
};

/*
 * The call that ends at the return address @file_offset of @d (cached). Returns 0 with
 * *@call filled, or -ENOMEM.
 */
int hud_dso__call_before(struct hud_dso *d, uint64_t file_offset, struct hud_call *call);

/*
 * The function symbol holding ELF vaddr @vaddr of @d: its start into *@start and its raw
 * name into *@raw (if @raw). 1, or 0 if none.
 */
int hud_dso__function_at(struct hud_dso *d, uint64_t vaddr, uint64_t *start, const char **raw);

/*
 * The function @d defines under the raw name @raw (a version suffix is ignored): its ELF
 * vaddr, and whether it is a GNU IFUNC. 1, 0 if none, or -ENOMEM.
 */
int hud_dso__function_named(struct hud_dso *d, const char *raw, uint64_t *vaddr, int *ifunc);

/* The file offset of ELF vaddr @vaddr of @d. 1, or 0 outside its segments. */
int hud_dso__offset_of(const struct hud_dso *d, uint64_t vaddr, uint64_t *file_offset);

/* The ELF vaddr of file offset @file_offset of @d. 1, or 0 outside its segments. */
int hud_dso__vaddr_of(const struct hud_dso *d, uint64_t file_offset, uint64_t *vaddr);

#endif /* HUD_SYMBOLIZE_H */
