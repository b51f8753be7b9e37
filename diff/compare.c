// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Matching, normalization and the noise test.
 *
 * Noise. A total of events with weights w_i (ms) over D seconds is modelled as a compound
 * Poisson process: its rate T/D has a variance of sum(w_i^2) / D^2, which summaries carry
 * as ms_sq. For samples (every event weighs one sampling period) this is the plain
 * Poisson variance of a count; off-CPU intervals of unequal lengths, and sampled short
 * ones (each weighs its grid points times the period), vary more than their count says,
 * and a few long ones cannot make a change significant alone. Summaries without ms_sq
 * (older ones) fall back to equal weights: T^2 / (n D^2). The difference of two rates
 * is significant when it is DIFF_NOISE_Z standard errors or more. A side with no events
 * contributes no variance, so a hotspot that appears with n equal events has z = sqrt(n):
 * 9 events make a new hotspot, 3 do not.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "util.h"

const char *diff_verdict__name(enum diff_verdict v)
{
	static const char *const names[] = {
		[DIFF_SAME] = "same", [DIFF_NOISE] = "noise",	      [DIFF_NEW] = "new",
		[DIFF_GONE] = "gone", [DIFF_REGRESSED] = "regressed", [DIFF_IMPROVED] = "improved",
	};

	return v < DIFF_VERDICT_MAX ? names[v] : "?";
}

/* The variance of @d's rate over @secs: sum(w^2) / D^2, or with equal weights T^2 / (n D^2). */
static double rate_var(const struct diff_side *d, double secs)
{
	if (!d->count || secs <= 0)
		return 0;
	if (d->ms_sq > 0)
		return d->ms_sq / (secs * secs);
	return d->ms * d->ms / (double)d->count / (secs * secs);
}

double diff__z(const struct diff_side *a, double secs1, const struct diff_side *b, double secs2)
{
	double r1 = secs1 > 0 ? a->ms / secs1 : 0, r2 = secs2 > 0 ? b->ms / secs2 : 0;
	double var = rate_var(a, secs1) + rate_var(b, secs2);

	if (r1 == r2)
		return 0;
	if (var <= 0) /* time without events: no basis for a test */
		return 0;
	return (r2 - r1) / sqrt(var);
}

static void side_finish(struct diff_side *d, const struct diff_summary *s)
{
	double thread_s = s->thread_s;

	d->rate = summary__rate(s, d->ms);
	d->share = thread_s > 0 ? d->ms / 1e3 / thread_s : 0;
}

void diff__row_finish(struct diff_row *row, const struct diff_summary *before,
		      const struct diff_summary *after)
{
	side_finish(&row->before, before);
	side_finish(&row->after, after);
	row->delta = row->after.rate - row->before.rate;
	row->ratio = row->before.rate > 0  ? row->after.rate / row->before.rate
		     : row->after.rate > 0 ? INFINITY
					   : 1;
	row->z = diff__z(&row->before, before->duration_s, &row->after, after->duration_s);
	if (row->before.ms == row->after.ms && row->before.count == row->after.count &&
	    before->duration_s == after->duration_s)
		row->verdict = DIFF_SAME;
	else if (row->delta == 0 && row->z == 0)
		row->verdict = DIFF_SAME;
	else if (fabs(row->z) < DIFF_NOISE_Z)
		row->verdict = DIFF_NOISE;
	else if (!row->before.count)
		row->verdict = DIFF_NEW;
	else if (!row->after.count)
		row->verdict = DIFF_GONE;
	else
		row->verdict = row->delta > 0 ? DIFF_REGRESSED : DIFF_IMPROVED;
}

static int cmp_key(const struct diff_row *a, const struct diff_row *b)
{
	int c;

	if (a->cat != b->cat)
		return a->cat < b->cat ? -1 : 1;
	c = strcmp(a->function, b->function);
	return c ? c : strcmp(a->dso, b->dso);
}

static int cmp_row_key(const void *a, const void *b)
{
	return cmp_key(a, b);
}

/* By |delta|, then by key so that the order never depends on the input order. */
static int cmp_row_delta(const void *a, const void *b)
{
	const struct diff_row *x = a, *y = b;
	double dx = fabs(x->delta), dy = fabs(y->delta);

	if (dx != dy)
		return dx > dy ? -1 : 1;
	return cmp_key(x, y);
}

static void from_hotspot(struct diff_row *row, const struct diff_hotspot *h)
{
	row->cat = h->cat;
	row->function = h->function;
	row->dso = h->dso;
	row->file = h->file;
	row->line = h->line;
	row->user = h->user;
}

/*
 * Sort @n rows by key and make one row per key, adding up both sides, even if a
 * (hand-made) summary names a hotspot twice. Returns the number of rows left.
 */
static size_t rows_merge(struct diff_row *rows, size_t n)
{
	size_t i, k;

	if (n < 2)
		return n;
	qsort(rows, n, sizeof(*rows), cmp_row_key);
	for (i = 1, k = 1; i < n; i++) {
		if (!cmp_key(&rows[k - 1], &rows[i])) {
			rows[k - 1].before.count += rows[i].before.count;
			rows[k - 1].before.ms += rows[i].before.ms;
			rows[k - 1].before.ms_sq += rows[i].before.ms_sq;
			rows[k - 1].after.count += rows[i].after.count;
			rows[k - 1].after.ms += rows[i].after.ms;
			rows[k - 1].after.ms_sq += rows[i].after.ms_sq;
		} else {
			rows[k++] = rows[i];
		}
	}
	return k;
}

int diff__compute(struct diff_result *r, const struct diff_summary *before,
		  const struct diff_summary *after, uint64_t min_count)
{
	size_t i, nb = before->nr_hot, n = 0, k;
	struct diff_row *rows = NULL;
	int c;

	memset(r, 0, sizeof(*r));
	r->before = before;
	r->after = after;
	r->min_count = min_count;
	for (c = 0; c < HUD_CAT_MAX; c++) {
		struct diff_row *row = &r->cats[c];

		row->cat = c;
		row->function = hud_category__name(c);
		row->dso = "";
		row->before.count = before->cat_count[c];
		row->before.ms = before->cat_ms[c];
		row->before.ms_sq = before->cat_ms_sq[c];
		row->after.count = after->cat_count[c];
		row->after.ms = after->cat_ms[c];
		row->after.ms_sq = after->cat_ms_sq[c];
		diff__row_finish(row, before, after);
	}

	/* Zeroed: each side adds its numbers to rows the other side may have made. */
	rows = calloc(nb + after->nr_hot + 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (i = 0; i < nb; i++) {
		from_hotspot(&rows[n], &before->hot[i]);
		rows[n].before.count = before->hot[i].count;
		rows[n].before.ms = before->hot[i].ms;
		rows[n].before.ms_sq = before->hot[i].ms_sq;
		n++;
	}
	n = nb = rows_merge(rows, n);
	for (i = 0; i < after->nr_hot; i++) {
		struct diff_row key = {0}, *hit;

		from_hotspot(&key, &after->hot[i]);
		hit = bsearch(&key, rows, nb, sizeof(*rows), cmp_row_key);
		if (!hit) {
			hit = &rows[n++];
			*hit = key;
		}
		hit->after.count += after->hot[i].count;
		hit->after.ms += after->hot[i].ms;
		hit->after.ms_sq += after->hot[i].ms_sq;
	}
	/* Keys only the after side has were appended one per hotspot: merge them too. */
	n = nb + rows_merge(rows + nb, n - nb);
	for (i = 0, k = 0; i < n; i++) {
		/* Idle parking is the runtime waiting for work: a total, never a hotspot. */
		if (rows[i].cat == HUD_CAT_IDLE)
			continue;
		if (rows[i].before.count < min_count && rows[i].after.count < min_count) {
			r->hidden++;
			continue;
		}
		rows[k] = rows[i];
		diff__row_finish(&rows[k], before, after);
		r->nr_verdict[rows[k].verdict]++;
		k++;
	}
	if (k)
		qsort(rows, k, sizeof(*rows), cmp_row_delta);
	r->rows = rows;
	r->nr_rows = k;
	return 0;
}

void diff__free(struct diff_result *r)
{
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
