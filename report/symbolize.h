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

#endif /* HUD_SYMBOLIZE_H */
