/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* A set of non-zero 64-bit keys: an array of them, indexed by hud_htab. */
#ifndef HUD_U64SET_H
#define HUD_U64SET_H

#include <stddef.h>
#include <stdint.h>

#include "htab.h"

struct u64set {
	uint64_t *keys; /* in the order they were added */
	size_t len, cap;
	struct hud_htab index;
};

/* Add @key (non-zero). Returns 1 if it was new, 0 if already present, -ENOMEM. */
int u64set__add(struct u64set *s, uint64_t key);

/* 1 if @key is in the set. */
int u64set__has(const struct u64set *s, uint64_t key);

/* Copy the keys into a new array sorted ascending (*out NULL when empty). 0 or -ENOMEM. */
int u64set__sorted(const struct u64set *s, uint64_t **out);

void u64set__free(struct u64set *s);

#endif /* HUD_U64SET_H */
