// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "u64set.h"
#include "util.h"

int u64set__add(struct u64set *s, uint64_t key)
{
	struct hud_htab_iter it;
	int64_t i;

	if (!key)
		return -EINVAL;
	if (hud_htab__reserve(&s->index, 1))
		return -ENOMEM;
	hud_htab__probe(&s->index, hud_mix64(key), &it);
	while ((i = hud_htab__next(&s->index, &it)) >= 0)
		if (s->keys[i] == key)
			return 0;
	if (!HUD_GROW(s->keys, s->cap, s->len + 1))
		return -ENOMEM;
	s->keys[s->len] = key;
	hud_htab__insert(&s->index, &it, (uint32_t)s->len++);
	return 1;
}

int u64set__has(const struct u64set *s, uint64_t key)
{
	struct hud_htab_iter it;
	int64_t i;

	if (!key)
		return 0;
	hud_htab__probe(&s->index, hud_mix64(key), &it);
	while ((i = hud_htab__next(&s->index, &it)) >= 0)
		if (s->keys[i] == key)
			return 1;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int u64set__sorted(const struct u64set *s, uint64_t **out)
{
	uint64_t *a;

	*out = NULL;
	if (!s->len)
		return 0;
	a = malloc(s->len * sizeof(*a));
	if (!a)
		return -ENOMEM;
	memcpy(a, s->keys, s->len * sizeof(*a));
	qsort(a, s->len, sizeof(*a), cmp_u64);
	*out = a;
	return 0;
}

void u64set__free(struct u64set *s)
{
	free(s->keys);
	hud_htab__free(&s->index);
	memset(s, 0, sizeof(*s));
}
