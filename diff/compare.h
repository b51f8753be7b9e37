/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The comparison of two summaries: hotspots matched by category, function and binary name
 * (never by address: the binaries differ), normalized per second of recording and as a
 * share of the selected threads' time, and each difference tested against the noise of
 * its counts.
 */
#ifndef HUD_DIFF_COMPARE_H
#define HUD_DIFF_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#include "summary.h"

/*
 * Differences with |z| below this are noise. z is the difference of the two rates over its
 * standard error, each total modelled as a compound Poisson process (see compare.c):
 * 3 means a chance of about 0.3% that noise alone gives such a difference.
 */
#define DIFF_NOISE_Z 3.0

enum diff_verdict {
	DIFF_SAME,	/* zero on both sides, or exactly equal */
	DIFF_NOISE,	/* a difference the counts cannot distinguish from chance */
	DIFF_NEW,	/* absent before, significant after */
	DIFF_GONE,	/* significant before, absent after */
	DIFF_REGRESSED, /* grew, significantly */
	DIFF_IMPROVED,	/* shrank, significantly */
	DIFF_VERDICT_MAX,
};

const char *diff_verdict__name(enum diff_verdict v);

/* One side's numbers of a row. */
struct diff_side {
	uint64_t count;
	double ms;    /* total */
	double ms_sq; /* sum of the events' squared weights, ms^2; 0: unknown */
	double rate;  /* ms per second of recording */
	double share; /* of the selected threads' recorded time (workers x seconds) */
};

struct diff_row {
	int cat;	      /* enum hud_category */
	const char *function; /* category rows: the category's name */
	const char *dso, *file;
	int line, user;
	struct diff_side before, after;
	double delta; /* after.rate - before.rate, ms/s */
	double ratio; /* after.rate / before.rate; INFINITY when before is 0 */
	double z;     /* delta over its standard error; 0 when both are 0 */
	enum diff_verdict verdict;
};

struct diff_result {
	const struct diff_summary *before, *after;
	struct diff_row cats[HUD_CAT_MAX]; /* category totals */
	struct diff_row *rows;		   /* non-idle hotspots at or above min_count, by |delta| */
	size_t nr_rows;
	size_t hidden; /* hotspots below min_count on both sides */
	uint64_t min_count;
	size_t nr_verdict[DIFF_VERDICT_MAX]; /* rows per verdict */
};

/*
 * Compare @before with @after. Rows with fewer than @min_count events on both sides are
 * left out (counted in hidden). Returns 0 or -ENOMEM.
 */
int diff__compute(struct diff_result *r, const struct diff_summary *before,
		  const struct diff_summary *after, uint64_t min_count);

/*
 * The test statistic of two totals (@a over @secs1 seconds, @b over @secs2): their events'
 * counts, times and (when known) squared weights.
 */
double diff__z(const struct diff_side *a, double secs1, const struct diff_side *b, double secs2);

/* Fill @row's derived numbers (rates, shares, delta, ratio, z, verdict). */
void diff__row_finish(struct diff_row *row, const struct diff_summary *before,
		      const struct diff_summary *after);

void diff__free(struct diff_result *r);

#endif /* HUD_DIFF_COMPARE_H */
