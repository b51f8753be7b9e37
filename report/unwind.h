/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Unwinding a user stack from the copy of its top that hud-record takes where frame
 * pointers cannot be trusted (FORMAT.md, struct hud_rec_ustack): from the saved registers,
 * frame by frame with each binary's CFI (cfi.c), as far as the copy goes; then, if the
 * last frame keeps a frame record the kernel's frame-pointer walk read, that walk's frames,
 * for as long as each of their functions keeps its record (CFI says which do).
 */
#ifndef HUD_UNWIND_H
#define HUD_UNWIND_H

#include <stdint.h>

#include "hud_format.h"

struct hud_profile;
struct hud_symbolizer;

/* At most this many user frames come out of one unwind. */
#define HUD_UNWIND_MAX_FRAMES 512

enum hud_unwind_flags {
	HUD_UNWIND_REPAIRED = 1u << 0, /* the frames differ from the frame-pointer walk's */
};

struct hud_unwinder;

/* An unwinder that finds binaries with @sym (which must outlive it). NULL + errno. */
struct hud_unwinder *hud_unwinder__new(struct hud_symbolizer *sym);

void hud_unwinder__free(struct hud_unwinder *u);

/*
 * Unwind the user stack of an event of process @pid in source @src of @p, read after
 * @maps_seen of its MAP records: @fp (@nr_fp frames, leaf first) as the kernel's
 * frame-pointer walk gave it, @us the registers and the stack copy. Writes the user frames,
 * leaf first, into @out (room for HUD_UNWIND_MAX_FRAMES) and returns their number, with
 * enum hud_unwind_flags in *@flags; or -ENOMEM. When CFI cannot even leave the leaf, the
 * frame-pointer walk comes back as it was.
 */
int hud_unwinder__unwind(struct hud_unwinder *u, const struct hud_profile *p, uint16_t src,
			 uint32_t pid, uint32_t maps_seen, const uint64_t *fp, uint32_t nr_fp,
			 const struct hud_rec_ustack *us, uint64_t *out, unsigned *flags);

#endif /* HUD_UNWIND_H */
