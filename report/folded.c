// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Folded stacks ("root;caller;leaf value", Brendan Gregg's flamegraph.pl input), and the
 * aggregation they share with the SVG flame graph.
 *
 * --weight samples (default): on-CPU samples only, value = samples.
 * --weight time: every selected category, value = microseconds, and the category is the
 * root frame ("[blocked];main;...") so on- and off-CPU time stay apart in one graph.
 * Kernel frames carry perf's "_[k]" suffix.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folded.h"
#include "htab.h"
#include "output.h"
#include "util.h"

struct buf {
	char *s;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (!HUD_GROW(b->s, b->cap, b->len + n + 1))
		return -ENOMEM;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

/* A frame name with ';' (the separator) replaced. */
static int buf_add_frame(struct buf *b, const char *name, int kernel)
{
	size_t start = b->len, i;
	int err = buf_add(b, name, strlen(name));

	if (!err && kernel)
		err = buf_add(b, "_[k]", 4);
	for (i = start; !err && i < b->len; i++)
		if (b->s[i] == ';')
			b->s[i] = ':';
	return err;
}

static int line_for(const struct hud_profile *p, const struct hud_stack *s, int cat, int with_cat,
		    struct buf *b)
{
	char tmp[512];
	uint32_t i;
	int err = 0;

	b->len = 0;
	if (with_cat) {
		snprintf(tmp, sizeof(tmp), "[%s]", hud_category__name(cat));
		err = buf_add_frame(b, tmp, 0);
	}
	for (i = s->nr_frames; !err && i-- > 0;) {
		if (b->len)
			err = buf_add(b, ";", 1);
		if (!err) {
			const struct hud_sym_frame *f = profile__frame(p, s, i);

			err = buf_add_frame(b, report__frame_name(f, tmp, sizeof(tmp)), f->kernel);
		}
	}
	if (!err && !b->len)
		err = buf_add(b, "[no stack]", 10);
	return err;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return hud_mix64(h);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->stack,
		      ((const struct folded_line *)b)->stack);
}

int folded__build(struct folded *f, const struct hud_profile *p, const struct report_opts *o)
{
	unsigned dflt =
		o->weight_time ? (1u << HUD_CAT_MAX) - 1 - (1u << HUD_CAT_IDLE) : 1u << HUD_CAT_CPU;
	struct hud_htab index = {0};
	struct buf b = {0};
	int err = 0, c;
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < p->nr_stacks && !err; i++) {
		const struct hud_stack *s = &p->stacks[i];

		if (!hotspots__selected(s, o->roles))
			continue;
		for (c = 0; c < HUD_CAT_MAX && !err; c++) {
			struct folded_line *l = NULL;
			struct hud_htab_iter it;
			uint64_t v, h;
			int64_t k;

			if (!s->count[c] || !report__category_on(o, c, dflt))
				continue;
			/* Samples are a count; any other category needs --weight time. */
			if (!o->weight_time && c != HUD_CAT_CPU)
				continue;
			v = o->weight_time ? s->ns[c] / 1000 : s->count[c];
			if (!v)
				continue;
			err = line_for(p, s, c, o->weight_time, &b);
			if (!err && hud_htab__reserve(&index, 1))
				err = -ENOMEM;
			if (err)
				break;
			h = hash_str(b.s);
			hud_htab__probe(&index, h, &it);
			while ((k = hud_htab__next(&index, &it)) >= 0) {
				l = &f->lines[k];
				if (l->hash == h && !strcmp(l->stack, b.s))
					break;
				l = NULL;
			}
			if (!l) {
				if (!HUD_GROW(f->lines, f->cap, f->nr + 1)) {
					err = -ENOMEM;
					break;
				}
				l = &f->lines[f->nr];
				l->hash = h;
				l->value = 0;
				l->cls_leaf = s->nr_frames ? profile__frame(p, s, 0)->cls
							   : HUD_FC_UNKNOWN;
				l->stack = strdup(b.s);
				if (!l->stack) {
					err = -ENOMEM;
					break;
				}
				hud_htab__insert(&index, &it, (uint32_t)f->nr++);
			}
			l->value += v;
		}
	}
	hud_htab__free(&index);
	free(b.s);
	if (err) {
		folded__free(f);
		return err;
	}
	/* Sorted output: stable across runs, and what flamegraph.pl expects. */
	if (f->nr)
		qsort(f->lines, f->nr, sizeof(*f->lines), cmp_line);
	return 0;
}

void folded__free(struct folded *f)
{
	size_t i;

	for (i = 0; i < f->nr; i++)
		free(f->lines[i].stack);
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

int report__folded(FILE *out, const struct hud_profile *p, const struct report_opts *o)
{
	struct folded f;
	size_t i;
	int err;

	err = folded__build(&f, p, o);
	if (err)
		return err;
	for (i = 0; i < f.nr; i++)
		fprintf(out, "%s %llu\n", f.lines[i].stack, (unsigned long long)f.lines[i].value);
	folded__free(&f);
	return ferror(out) ? -EIO : 0;
}
