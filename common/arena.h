/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * A bump allocator for many small objects freed all at once: chunks of @chunk bytes, no
 * per-object malloc overhead or padding beyond the alignment asked for.
 *
 *	struct hud_arena a = {.chunk = 64 << 10};
 *	uint32_t *ids = hud_arena_alloc(&a, n * sizeof(*ids), _Alignof(uint32_t));
 *	hud_arena_free(&a);
 */
#ifndef HUD_ARENA_H
#define HUD_ARENA_H

#include <stddef.h>

struct hud_arena_chunk;

struct hud_arena {
	size_t chunk; /* bytes per chunk; a larger allocation gets a chunk of its own */
	struct hud_arena_chunk *head;
};

/* @size bytes aligned to @align (a power of two, at most that of max_align_t), or NULL. */
void *hud_arena_alloc(struct hud_arena *a, size_t size, size_t align);

/* Free every allocation; the arena can be used again. */
void hud_arena_free(struct hud_arena *a);

#endif /* HUD_ARENA_H */
