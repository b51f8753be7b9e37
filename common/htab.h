/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The one hash table of hud: an open-addressing index over an array that its user owns.
 * It maps a hash to the positions of the array's elements with that hash; the user keeps
 * the elements (and their keys) and compares the candidates itself. So one table serves
 * unique stacks and addresses, interned strings, DSOs, hotspots, folded lines and sets of
 * integers (u64set), whatever their keys.
 *
 *	struct hud_htab t = {0};
 *	struct hud_htab_iter it;
 *	int64_t i;
 *
 *	if (hud_htab__reserve(&t, 1))		// before a lookup that may insert
 *		return -ENOMEM;
 *	hud_htab__probe(&t, hash, &it);
 *	while ((i = hud_htab__next(&t, &it)) >= 0)
 *		if (same_key(&items[i], key))
 *			return i;
 *	items[n] = new_item;			// not found: append it,
 *	hud_htab__insert(&t, &it, n);		// and index it where the probe ended
 *
 * Each slot holds 32 bits of the hash and the element's index, so growing the table never
 * asks the user for hashes, and most probes of other keys end without a comparison. The
 * table stays at most half full; elements are never removed.
 */
#ifndef HUD_HTAB_H
#define HUD_HTAB_H

#include <stddef.h>
#include <stdint.h>

struct hud_htab_slot {
	uint32_t hash;
	uint32_t id; /* element index + 1; 0: empty */
};

struct hud_htab {
	struct hud_htab_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t nr;  /* elements indexed */
};

struct hud_htab_iter {
	size_t pos;
	uint32_t hash;
};

/* The largest element index the table can hold. */
#define HUD_HTAB_MAX_INDEX (UINT32_MAX - 1)

/* Make room for @n more elements, so that the next @n inserts cannot fail. 0 or -ENOMEM. */
int hud_htab__reserve(struct hud_htab *t, size_t n);

static inline uint32_t hud_htab__fold(uint64_t hash)
{
	return (uint32_t)(hash ^ (hash >> 32));
}

/* Start looking for the elements with @hash (a well-mixed 64-bit hash of the key). */
static inline void hud_htab__probe(const struct hud_htab *t, uint64_t hash,
				   struct hud_htab_iter *it)
{
	it->hash = hud_htab__fold(hash);
	it->pos = t->cap ? it->hash & (t->cap - 1) : 0;
}

/*
 * The index of the next element whose hash matches, or -1 when there is none: @it then
 * points at the free slot where hud_htab__insert() indexes a new element with that hash.
 */
static inline int64_t hud_htab__next(const struct hud_htab *t, struct hud_htab_iter *it)
{
	while (t->cap && t->slots[it->pos].id) {
		const struct hud_htab_slot *s = &t->slots[it->pos];

		it->pos = (it->pos + 1) & (t->cap - 1);
		if (s->hash == it->hash)
			return (int64_t)s->id - 1;
	}
	return -1;
}

/*
 * Index element @index at the end of the probe @it (hud_htab__next() returned -1, and
 * the table was reserved before the probe started).
 */
static inline void hud_htab__insert(struct hud_htab *t, const struct hud_htab_iter *it,
				    uint32_t index)
{
	t->slots[it->pos].hash = it->hash;
	t->slots[it->pos].id = index + 1;
	t->nr++;
}

void hud_htab__free(struct hud_htab *t);

#endif /* HUD_HTAB_H */
