// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Matching, normalization and the noise test.
 *
 * Noise. A total of n events summing to T ms over D seconds is modelled as a compound
 * Poisson process: its rate T/D has a variance of about n * m^2 / D^2 with m = T/n the
 * mean event weight, i.e. T^2 / (n D^2). For samples (every event weighs one sampling
 * period) this is the plain Poisson variance of a count; for off-CPU intervals it also
 * lets a change of their length, at a constant count, show. The difference of two rates
 * is significant when it is DIFF_NOISE_Z standard errors or more. A side with no events
 * contributes no variance, so a hotspot that appears with n events has z = sqrt(n): 9
 * events make a new hotspot, 3 do not.
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

double diff__z(uint64_t n1, double ms1, double secs1, uint64_t n2, double ms2, double secs2)
{
	double r1 = secs1 > 0 ? ms1 / secs1 : 0, r2 = secs2 > 0 ? ms2 / secs2 : 0;
	double var = 0;

	if (n1 && secs1 > 0)
		var += r1 * r1 / (double)n1;
	if (n2 && secs2 > 0)
		var += r2 * r2 / (double)n2;
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
	row->z = diff__z(row->before.count, row->before.ms, before->duration_s, row->after.count,
			 row->after.ms, after->duration_s);
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
			rows[k - 1].after.count += rows[i].after.count;
			rows[k - 1].after.ms += rows[i].after.ms;
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
		row->after.count = after->cat_count[c];
		row->after.ms = after->cat_ms[c];
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
