// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "u64set.h"
#include "util.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	return hud_mix64(key) & (cap - 1);
}

static int grow(struct u64set *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 256, i, j;
	uint64_t *n = calloc(ncap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++) {
		if (!s->slots[i])
			continue;
		for (j = slot_of(s->slots[i], ncap); n[j]; j = (j + 1) & (ncap - 1))
			;
		n[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = n;
	s->cap = ncap;
	return 0;
}

int u64set__add(struct u64set *s, uint64_t key)
{
	size_t i;

	if (!key)
		return -EINVAL;
	if ((s->len + 1) * 2 > s->cap && grow(s))
		return -ENOMEM;
	for (i = slot_of(key, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == key)
			return 0;
	s->slots[i] = key;
	s->len++;
	return 1;
}

int u64set__has(const struct u64set *s, uint64_t key)
{
	size_t i;

	if (!s->cap || !key)
		return 0;
	for (i = slot_of(key, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1))
		if (s->slots[i] == key)
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
	size_t i, n = 0;
	uint64_t *a;

	*out = NULL;
	if (!s->len)
		return 0;
	a = malloc(s->len * sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (i = 0; i < s->cap; i++)
		if (s->slots[i])
			a[n++] = s->slots[i];
	qsort(a, n, sizeof(*a), cmp_u64);
	*out = a;
	return 0;
}

void u64set__free(struct u64set *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
