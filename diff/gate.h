/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * --fail-if gates. Grammar (README.md, "hud-diff gates"):
 *
 *   EXPR   := METRIC OP VALUE
 *   METRIC := CATEGORY | fn:FUNCTION | CATEGORY:fn:FUNCTION
 *           | new | gone | regressed | improved | lost
 *   CATEGORY := cpu | blocked | preempted | runqueue | idle
 *   OP     := > | >= | < | <=
 *   VALUE  := [+|-]NUMBER [ms/s | us/s | %]
 *
 * A signed VALUE compares the change from before to after: "+20%" relative to the before
 * rate, "+5ms/s" absolute; a change only counts when it is not noise. An unsigned VALUE
 * compares the after value: "50ms/s" a rate, "5%" a share of the selected threads' time.
 * new, gone, regressed and improved count hotspots with that verdict (at or above
 * --min-count); lost counts the events lost in either recording; they take a bare number.
 * fn: sums the function's hotspots over every category but idle, or over one category.
 */
#ifndef HUD_DIFF_GATE_H
#define HUD_DIFF_GATE_H

#include <stddef.h>

#include "compare.h"

enum gate_metric {
	GATE_CATEGORY,
	GATE_FUNCTION,
	GATE_NEW,
	GATE_GONE,
	GATE_REGRESSED,
	GATE_IMPROVED,
	GATE_LOST,
};

enum gate_op { GATE_GT, GATE_GE, GATE_LT, GATE_LE };

enum gate_unit {
	GATE_UNIT_COUNT, /* bare number */
	GATE_UNIT_RATE,	 /* ms per second of recording (us/s converted) */
	GATE_UNIT_PCT,	 /* signed: relative change; unsigned: share of thread time */
};

struct gate {
	enum gate_metric metric;
	int cat;	/* GATE_CATEGORY, or GATE_FUNCTION with a category; else -1 */
	char *function; /* GATE_FUNCTION */
	enum gate_op op;
	enum gate_unit unit;
	int change;   /* the value was signed: compare the change, not the after value */
	double value; /* in the unit; percentages as percent */
};

/*
 * Parse @expr into @g. Returns 0, or -EINVAL with a one-line message naming the problem
 * and the expected form in @err (the caller prefixes the expression), or -ENOMEM.
 */
int gate__parse(struct gate *g, const char *expr, char *err, size_t err_size);

/*
 * Evaluate @g on @r: 1 when the gate trips (the expression is true and, for a change,
 * significant), 0 when it passes. @msg gets the numbers either way.
 */
int gate__eval(const struct gate *g, const struct diff_result *r, char *msg, size_t msg_size);

void gate__free(struct gate *g);

#endif /* HUD_DIFF_GATE_H */
