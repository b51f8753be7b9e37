// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Per-thread time budgets (budget.h).
 *
 * A thread's wall time inside the selection runs from when it was first known (its first
 * THREAD record or its SEEN, whichever is first: the start of the recording for threads
 * that were there) to its exit or the end. hud-record watches its scheduling from SEEN
 * on: from then, every off-CPU interval that reaches the threshold is in the file, and
 * each shorter one is in it when it holds a point of the thread's sampling grid, weighted
 * by its points. So the watched time is the off-CPU time of its stacks (an unbiased
 * estimate, error about sqrt(k) periods for k points), plus on-CPU time, which is what is
 * left. Only an interval still open at the end (OPEN) is off-CPU of no known kind: it
 * counts as unaccounted, with the time before SEEN.
 *
 * CPU is what is left, so it carries the error of the sampled part: k points have a
 * standard error of at most sqrt(k) periods (each interval shorter than a period holds 0
 * or 1 point, variance d/P (1 - d/P) <= d/P; summed over the thread's intervals, <= k). A
 * thread that was off-CPU nearly all the time can then come out above 100%. Within
 * 3 sigma plus two periods (the edges of the thread's life) that is noise, and the off-CPU
 * parts are scaled to the watched time, CPU 0; beyond it, the row is marked over and left
 * as measured, since then something was counted twice.
 */
#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "util.h"

/* The length of [a, b) inside [lo, hi), in seconds. */
static double overlap_s(uint64_t a, uint64_t b, uint64_t lo, uint64_t hi)
{
	if (a < lo)
		a = lo;
	if (b > hi)
		b = hi;
	return b > a ? (b - a) / 1e9 : 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct hud_budget_row *x = a, *y = b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* The row of (src, tid) in the sorted @b, or NULL. */
static struct hud_budget_row *find_row(struct hud_budget *b, uint16_t src, uint32_t tid)
{
	struct hud_budget_row key = {.src = src, .tid = tid};

	return bsearch(&key, b->rows, b->nr, sizeof(*b->rows), cmp_row);
}

/* Wall time, unaccounted time and CPU of @r, once its off-CPU parts are summed. */
static void finish_row(struct hud_budget_row *r, const struct hud_profile *p)
{
	const struct hud_source *s = &p->sources[r->src];
	const struct hud_thread_clock *k = profile__thread_clock(p, r->src, r->tid);
	const struct hud_thread *t = profile__thread(p, r->src, r->tid);
	uint64_t lo = s->sel_lo_ns, hi = s->sel_hi_ns, begin, end;
	double off = 0, rest, period_s, scale;
	int c;

	r->name = t ? t->comm : NULL;
	for (c = HUD_CAT_BLOCKED; c < HUD_CAT_MAX; c++)
		off += r->s[c];
	if (!k || !k->seen_ns) {
		/* An older file: CPU from the samples, the rest unaccounted. */
		r->wall_s = s->duration_s;
		rest = r->wall_s - off - r->s[HUD_CAT_CPU];
		r->s[HUD_BUDGET_UNACCOUNTED] = rest > 0 ? rest : 0;
		r->over = rest < 0;
		return;
	}
	r->watched = 1;
	begin = t && t->first_ns && t->first_ns < k->seen_ns ? t->first_ns : k->seen_ns;
	if (begin < s->start_ns)
		begin = s->start_ns;
	end = k->exit_ns ? k->exit_ns : s->end_ns;
	r->wall_s = overlap_s(begin, end, lo, hi);
	r->s[HUD_BUDGET_UNACCOUNTED] = overlap_s(begin, k->seen_ns, lo, hi);
	if (k->open_ns)
		r->s[HUD_BUDGET_UNACCOUNTED] += overlap_s(k->open_ns, end, lo, hi);
	else if (k->known_ns && k->known_ns < end) /* live: what may be an open interval */
		r->s[HUD_BUDGET_UNACCOUNTED] +=
			overlap_s(k->known_ns > k->seen_ns ? k->known_ns : k->seen_ns, end, lo, hi);
	rest = r->wall_s - r->s[HUD_BUDGET_UNACCOUNTED] - off;
	r->s[HUD_CAT_CPU] = rest > 0 ? rest : 0;
	if (rest >= 0)
		return;
	period_s = (s->grid_period_ns ? s->grid_period_ns : 1e7) / 1e9;
	if (-rest > 3 * sqrt(period_s * r->sampled_s) + 2 * period_s) {
		r->over = 1;
		return;
	}
	scale = off > 0 ? (off + rest) / off : 0;
	for (c = HUD_CAT_BLOCKED; c < HUD_CAT_MAX; c++)
		r->s[c] *= scale;
	r->scaled = 1;
}

int budget__build(struct hud_budget *b, const struct hud_profile *p, unsigned roles)
{
	size_t i, cap = 0, n;
	int c;

	memset(b, 0, sizeof(*b));
	/* The threads: those with a stack of the selected roles. */
	for (i = 0; i < p->nr_stacks; i++) {
		const struct hud_stack *s = &p->stacks[i];

		if (!((roles >> s->role) & 1))
			continue;
		if (!HUD_GROW(b->rows, cap, b->nr + 1))
			return -ENOMEM;
		b->rows[b->nr++] =
			(struct hud_budget_row){.src = s->src, .pid = s->pid, .tid = s->tid};
	}
	if (b->nr > 1)
		qsort(b->rows, b->nr, sizeof(*b->rows), cmp_row);
	for (i = n = 0; i < b->nr; i++)
		if (!n || cmp_row(&b->rows[n - 1], &b->rows[i]))
			b->rows[n++] = b->rows[i];
	b->nr = n;
	/* Their off-CPU time: every stack of theirs, whatever its role. */
	for (i = 0; i < p->nr_stacks; i++) {
		const struct hud_stack *s = &p->stacks[i];
		struct hud_budget_row *r = find_row(b, s->src, s->tid);

		if (!r)
			continue;
		for (c = 0; c < HUD_CAT_MAX; c++)
			r->s[c] += s->ns[c] / 1e9;
		r->sampled_s += s->ns_sampled / 1e9;
	}
	b->watched = b->nr > 0;
	for (i = 0; i < b->nr; i++) {
		struct hud_budget_row *r = &b->rows[i];

		finish_row(r, p);
		b->watched &= r->watched;
		b->total.wall_s += r->wall_s;
		for (c = 0; c < HUD_BUDGET_PARTS; c++)
			b->total.s[c] += r->s[c];
		b->total.over |= r->over;
		b->total.scaled |= r->scaled;
	}
	b->total.watched = b->watched;
	return 0;
}

void budget__free(struct hud_budget *b)
{
	free(b->rows);
	memset(b, 0, sizeof(*b));
}
