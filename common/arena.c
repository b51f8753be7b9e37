// SPDX-License-Identifier: MIT OR Apache-2.0
#include <stdlib.h>

#include "arena.h"

struct hud_arena_chunk {
	struct hud_arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *hud_arena_alloc(struct hud_arena *a, size_t size, size_t align)
{
	struct hud_arena_chunk *c = a->head;
	void *p;

	if (c)
		c->used = (c->used + align - 1) & ~(align - 1);
	if (!c || c->used > c->cap || c->cap - c->used < size) {
		size_t cap = size > a->chunk / 4 ? size : a->chunk;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		if (cap != a->chunk && a->head) {
			/* A big one-off: keep filling the current chunk afterwards. */
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += size;
	return p;
}

void hud_arena_free(struct hud_arena *a)
{
	while (a->head) {
		struct hud_arena_chunk *next = a->head->next;

		free(a->head);
		a->head = next;
	}
}
