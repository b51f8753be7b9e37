// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotspots.h"
#include "htab.h"
#include "u64set.h"
#include "util.h"

/*
 * The name a stack is blamed on. The first user frame from the leaf; failing that (a
 * stack entirely in std, the runtime or libc) the leafmost symbolized frame outside the
 * system libraries, which says more than libc's syscall() or writev(); then the leafmost
 * symbolized user-space frame; failing that the leaf user frame as "[unknown] dso+0xoff",
 * so nothing is dropped.
 */
const char *hotspots__blame(const struct hud_profile *p, const struct hud_stack *s,
			    char buf[HUD_BLAME_BUF], const struct hud_sym_frame **frame)
{
	const struct hud_sym_frame *f;
	uint32_t i;
	int pass;

	*frame = NULL;
	if (s->hot_frame >= 0) {
		*frame = profile__frame(p, s, (uint32_t)s->hot_frame);
		return (*frame)->function;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < s->nr_frames; i++) {
			f = profile__frame(p, s, i);
			if (!f->kernel && f->function && (pass || f->cls != HUD_FC_SYSTEM)) {
				*frame = f;
				return f->function;
			}
		}
	}
	for (i = 0; i < s->nr_frames; i++) {
		f = profile__frame(p, s, i);
		if (!f->kernel) {
			*frame = f;
			snprintf(buf, HUD_BLAME_BUF, "[unknown] %s+0x%llx", f->dso,
				 (unsigned long long)f->offset);
			return buf;
		}
	}
	return s->nr_frames ? "[kernel only]" : "[no stack]";
}

static uint64_t str_hash(const char *s, unsigned cat)
{
	uint64_t h = 0xcbf29ce484222325ull ^ cat;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return hud_mix64(h);
}

static const struct hud_profile *sort_profile;
static enum hud_category sort_cat;

static int cmp_stack(const void *a, const void *b)
{
	const struct hud_stack *x = &sort_profile->stacks[*(const uint32_t *)a];
	const struct hud_stack *y = &sort_profile->stacks[*(const uint32_t *)b];

	if (x->ns[sort_cat] != y->ns[sort_cat])
		return x->ns[sort_cat] < y->ns[sort_cat] ? 1 : -1;
	if (x->count[sort_cat] != y->count[sort_cat])
		return x->count[sort_cat] < y->count[sort_cat] ? 1 : -1;
	/* Ties in file order, whatever the qsort: golden outputs must not depend on libc. */
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

static int cmp_hotspot(const void *a, const void *b)
{
	const struct hud_hotspot *x = a, *y = b;

	if (x->cat != y->cat)
		return x->cat < y->cat ? -1 : 1;
	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return strcmp(x->function, y->function); /* stable output for golden tests */
}

int hotspots__selected(const struct hud_stack *s, unsigned roles)
{
	return (roles >> s->role) & 1;
}

/* Distinct threads of @stacks into *@threads. 0 or -ENOMEM. */
static int count_threads(const struct hud_profile *p, const uint32_t *stacks, uint32_t n,
			 uint32_t *threads)
{
	struct u64set seen = {0};
	uint32_t i;
	int err = 0;

	for (i = 0; i < n && !err; i++) {
		const struct hud_stack *s = &p->stacks[stacks[i]];
		int added = u64set__add(&seen, ((uint64_t)s->src << 32 | s->tid) + 1);

		if (added < 0)
			err = added;
	}
	*threads = (uint32_t)seen.len;
	u64set__free(&seen);
	return err;
}

int hotspots__build(struct hud_hotspots *h, const struct hud_profile *p, unsigned roles)
{
	uint32_t *all = NULL, nr_all = 0;
	struct hud_htab index = {0};
	size_t cap = 0, i;
	char buf[HUD_BLAME_BUF];
	const char *name;
	int err = 0;
	unsigned c;

	memset(h, 0, sizeof(*h));
	all = malloc((p->nr_stacks + 1) * sizeof(*all));
	if (!all) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < p->nr_stacks; i++) {
		const struct hud_stack *s = &p->stacks[i];
		const struct hud_sym_frame *f;
		int user, any = 0;

		if (!hotspots__selected(s, roles))
			continue;
		name = hotspots__blame(p, s, buf, &f);
		user = s->hot_frame >= 0;
		for (c = 0; c < HUD_CAT_MAX; c++) {
			struct hud_htab_iter it;
			struct hud_hotspot *hs = NULL;
			int64_t k;

			if (!s->count[c])
				continue;
			any = 1;
			h->total_ns[c] = hud_sat_add_u64(h->total_ns[c], s->ns[c]);
			h->total_ns_sq[c] += s->ns_sq[c];
			h->total_count[c] += s->count[c];
			if (hud_htab__reserve(&index, 1)) {
				err = -ENOMEM;
				goto out;
			}
			hud_htab__probe(&index, str_hash(name, c), &it);
			while ((k = hud_htab__next(&index, &it)) >= 0) {
				hs = &h->items[k];
				if (hs->cat == c && !strcmp(hs->function, name))
					break;
				hs = NULL;
			}
			if (!hs) {
				if (!HUD_GROW(h->items, cap, h->nr + 1)) {
					err = -ENOMEM;
					goto out;
				}
				hs = &h->items[h->nr];
				memset(hs, 0, sizeof(*hs));
				hs->cat = c;
				hs->user = user;
				hs->function = strdup(name);
				if (!hs->function) {
					err = -ENOMEM;
					goto out;
				}
				hud_htab__insert(&index, &it, h->nr++);
			}
			hs->count += s->count[c];
			hs->ns = hud_sat_add_u64(hs->ns, s->ns[c]);
			hs->ns_sq += s->ns_sq[c];
			if (!HUD_GROW(hs->stacks, hs->cap_stacks, hs->nr_stacks + 1)) {
				err = -ENOMEM;
				goto out;
			}
			hs->stacks[hs->nr_stacks++] = (uint32_t)i;
		}
		if (any) {
			uint64_t n = 0;

			all[nr_all++] = (uint32_t)i;
			for (c = 0; c < HUD_CAT_MAX; c++)
				n += s->count[c];
			h->events += n;
			h->complete += (s->flags & HUD_STACK_COMPLETE) ? n : 0;
			h->repaired += (s->flags & HUD_STACK_REPAIRED) ? n : 0;
			h->inferred += (s->flags & HUD_STACK_INFERRED) ? n : 0;
			h->truncated += (s->flags & HUD_STACK_TRUNCATED) ? n : 0;
		}
	}
	err = count_threads(p, all, nr_all, &h->threads);
	if (!err)
		err = budget__build(&h->budget, p, roles);
	if (err)
		goto out;
	h->thread_time_s = h->budget.total.wall_s;

	/* Heaviest stacks first; the blamed frame's location comes from the heaviest one. */
	sort_profile = p;
	for (i = 0; i < h->nr; i++) {
		struct hud_hotspot *hs = &h->items[i];
		const struct hud_sym_frame *f;
		const struct hud_stack *top;

		sort_cat = hs->cat;
		qsort(hs->stacks, hs->nr_stacks, sizeof(*hs->stacks), cmp_stack);
		top = &p->stacks[hs->stacks[0]];
		hotspots__blame(p, top, buf, &f);
		if (f) {
			hs->file = f->file;
			hs->line = f->line;
			hs->dso = f->dso;
		}
		if (top->reason_frame >= 0)
			hs->reason = profile__frame(p, top, (uint32_t)top->reason_frame)->function;
		err = count_threads(p, hs->stacks, hs->nr_stacks, &hs->threads);
		if (err)
			goto out;
	}
	if (h->nr)
		qsort(h->items, h->nr, sizeof(*h->items), cmp_hotspot);
out:
	hud_htab__free(&index);
	free(all);
	if (err)
		hotspots__free(h);
	return err;
}

void hotspots__free(struct hud_hotspots *h)
{
	uint32_t i;

	for (i = 0; i < h->nr; i++) {
		free(h->items[i].function);
		free(h->items[i].stacks);
	}
	free(h->items);
	budget__free(&h->budget);
	memset(h, 0, sizeof(*h));
}
