// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

int hud_htab__reserve(struct hud_htab *t, size_t n)
{
	struct hud_htab_slot *slots;
	size_t cap = t->cap ? t->cap : 64, i, j;

	if (n > HUD_HTAB_MAX_INDEX || t->nr + n > HUD_HTAB_MAX_INDEX)
		return -ENOMEM;
	if ((t->nr + n) * 2 <= t->cap)
		return 0;
	while ((t->nr + n) * 2 > cap)
		cap *= 2;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		if (!t->slots[i].id)
			continue;
		for (j = t->slots[i].hash & (cap - 1); slots[j].id; j = (j + 1) & (cap - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

void hud_htab__free(struct hud_htab *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
