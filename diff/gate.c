// SPDX-License-Identifier: MIT OR Apache-2.0
/* --fail-if: parsing (grammar in gate.h) and evaluation. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"

#define FORMS "e.g. 'blocked > +20%%', 'cpu > 50ms/s', 'new > 0' or 'fn:my_app::write > 0ms/s'"

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

static int parse_metric(struct gate *g, const char *m, size_t len, char *err, size_t size)
{
	static const struct {
		const char *name;
		enum gate_metric metric;
	} counts[] = {
		{"new", GATE_NEW},	     {"gone", GATE_GONE}, {"regressed", GATE_REGRESSED},
		{"improved", GATE_IMPROVED}, {"lost", GATE_LOST},
	};
	char name[32];
	const char *colon;
	size_t i;
	int c;

	g->cat = -1;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (strlen(counts[i].name) == len && !memcmp(m, counts[i].name, len)) {
			g->metric = counts[i].metric;
			return 0;
		}
	}
	colon = memchr(m, ':', len);
	if (colon && colon != m && !strncmp(colon, ":fn:", 4)) {
		/* CATEGORY:fn:FUNCTION */
		if ((size_t)(colon - m) >= sizeof(name))
			goto unknown;
		memcpy(name, m, (size_t)(colon - m));
		name[colon - m] = '\0';
		g->cat = hud_category__parse(name);
		if (g->cat < 0)
			return fail(err, size,
				    "unknown category '%s' before ':fn:' (cpu, blocked, "
				    "preempted, runqueue, idle)",
				    name);
		len -= (size_t)(colon + 1 - m);
		m = colon + 1;
	}
	if (len >= 3 && !memcmp(m, "fn:", 3)) {
		if (len == 3)
			return fail(err, size,
				    "'fn:' needs a function name, e.g. 'fn:my_app::write'");
		g->metric = GATE_FUNCTION;
		g->function = strndup(m + 3, len - 3);
		return g->function ? 0 : -ENOMEM;
	}
	if (len < sizeof(name)) {
		memcpy(name, m, len);
		name[len] = '\0';
		c = hud_category__parse(name);
		if (c >= 0) {
			g->metric = GATE_CATEGORY;
			g->cat = c;
			return 0;
		}
	}
unknown:
	return fail(err, size,
		    "unknown metric '%.*s' (cpu, blocked, preempted, runqueue, idle, new, gone, "
		    "regressed, improved, lost, fn:FUNCTION, CATEGORY:fn:FUNCTION)",
		    (int)(len > 80 ? 80 : len), m);
}

int gate__parse(struct gate *g, const char *expr, char *err, size_t err_size)
{
	size_t len = strlen(expr), start = 0, vend, num;
	const char *s = expr;
	char digits[64];
	int sign = 0;
	char *end;

	memset(g, 0, sizeof(*g));
	g->cat = -1;
	while (start < len && isspace((unsigned char)s[start]))
		start++;
	while (len > start && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == start)
		return fail(err, err_size, "empty expression: expected METRIC OP VALUE, " FORMS);

	/* The value, from the end: NUMBER then an optional unit. */
	vend = len;
	if (ends_with(s + start, len - start, "ms/s")) {
		g->unit = GATE_UNIT_RATE;
		vend -= 4;
	} else if (ends_with(s + start, len - start, "us/s")) {
		g->unit = GATE_UNIT_RATE;
		vend -= 4;
	} else if (ends_with(s + start, len - start, "%")) {
		g->unit = GATE_UNIT_PCT;
		vend -= 1;
	}
	num = vend;
	while (num > start && (isdigit((unsigned char)s[num - 1]) || s[num - 1] == '.'))
		num--;
	if (num == vend || vend - num >= sizeof(digits))
		return fail(err, err_size,
			    "no value at the end: expected a number with an optional unit "
			    "(ms/s, us/s or %%), " FORMS);
	memcpy(digits, s + num, vend - num);
	digits[vend - num] = '\0';
	errno = 0;
	g->value = strtod(digits, &end);
	if (*end || errno || !isfinite(g->value) || digits[0] == '.')
		return fail(err, err_size, "invalid number '%s'", digits);
	if (g->unit == GATE_UNIT_RATE && ends_with(s + start, len - start, "us/s"))
		g->value /= 1000;
	if (num > start && (s[num - 1] == '+' || s[num - 1] == '-')) {
		sign = s[num - 1] == '-' ? -1 : 1;
		num--;
	}
	if (sign) {
		g->change = 1;
		g->value *= sign;
	}

	/* The operator, then the metric. */
	while (num > start && isspace((unsigned char)s[num - 1]))
		num--;
	if (num > start && s[num - 1] == '=' && num - 1 > start &&
	    (s[num - 2] == '>' || s[num - 2] == '<')) {
		g->op = s[num - 2] == '>' ? GATE_GE : GATE_LE;
		num -= 2;
	} else if (num > start && (s[num - 1] == '>' || s[num - 1] == '<')) {
		g->op = s[num - 1] == '>' ? GATE_GT : GATE_LT;
		num--;
	} else {
		return fail(err, err_size,
			    "no comparison before the value: use >, >=, < or <=, " FORMS);
	}
	while (num > start && isspace((unsigned char)s[num - 1]))
		num--;
	if (num == start)
		return fail(err, err_size, "no metric before the comparison, " FORMS);
	if (parse_metric(g, s + start, num - start, err, err_size)) {
		gate__free(g);
		return -EINVAL;
	}

	switch (g->metric) {
	case GATE_CATEGORY:
	case GATE_FUNCTION:
		if (g->unit == GATE_UNIT_COUNT) {
			gate__free(g);
			return fail(
				err, err_size,
				"a time metric needs a unit: ms/s or us/s (rate), %% (share, or "
				"relative change with a sign), e.g. 'blocked > +20%%'");
		}
		break;
	default:
		if (g->unit != GATE_UNIT_COUNT || g->change)
			return fail(err, err_size,
				    "new, gone, regressed, improved and lost are counts: compare "
				    "them with a bare number, e.g. 'new > 0'");
	}
	return 0;
}

static int compare(double a, enum gate_op op, double b)
{
	switch (op) {
	case GATE_GT:
		return a > b;
	case GATE_GE:
		return a >= b;
	case GATE_LT:
		return a < b;
	case GATE_LE:
		return a <= b;
	}
	return 0;
}

/* The row of a function: its hotspots summed over the gate's categories, unfiltered. */
static void function_row(const struct gate *g, const struct diff_result *r, struct diff_row *row)
{
	const struct diff_summary *sides[2] = {r->before, r->after};
	int k;
	size_t i;

	memset(row, 0, sizeof(*row));
	row->function = g->function;
	row->cat = g->cat;
	for (k = 0; k < 2; k++) {
		struct diff_side *d = k ? &row->after : &row->before;

		for (i = 0; i < sides[k]->nr_hot; i++) {
			const struct diff_hotspot *h = &sides[k]->hot[i];

			if (strcmp(h->function, g->function))
				continue;
			if (g->cat >= 0 ? h->cat != g->cat : h->cat == HUD_CAT_IDLE)
				continue;
			d->count += h->count;
			d->ms += h->ms;
		}
	}
	diff__row_finish(row, r->before, r->after);
}

int gate__eval(const struct gate *g, const struct diff_result *r, char *msg, size_t msg_size)
{
	struct diff_row row;
	const char *name;
	double v, rel;
	uint64_t n;
	int trips;

	switch (g->metric) {
	case GATE_NEW:
	case GATE_GONE:
	case GATE_REGRESSED:
	case GATE_IMPROVED:
		n = r->nr_verdict[g->metric == GATE_NEW		? DIFF_NEW
				  : g->metric == GATE_GONE	? DIFF_GONE
				  : g->metric == GATE_REGRESSED ? DIFF_REGRESSED
								: DIFF_IMPROVED];
		snprintf(msg, msg_size, "%llu hotspots with this verdict (at least %llu events)",
			 (unsigned long long)n, (unsigned long long)r->min_count);
		return compare((double)n, g->op, g->value);
	case GATE_LOST:
		n = r->before->lost + r->after->lost;
		snprintf(msg, msg_size, "%llu events lost before, %llu after",
			 (unsigned long long)r->before->lost, (unsigned long long)r->after->lost);
		return compare((double)n, g->op, g->value);
	case GATE_CATEGORY:
		row = r->cats[g->cat];
		break;
	case GATE_FUNCTION:
		function_row(g, r, &row);
		break;
	}
	name = g->metric == GATE_FUNCTION ? g->function : hud_category__name(g->cat);
	rel = row.before.rate > 0  ? 100 * row.delta / row.before.rate
	      : row.after.rate > 0 ? INFINITY
				   : 0;
	if (g->change) {
		v = g->unit == GATE_UNIT_PCT ? rel : row.delta;
		trips = compare(v, g->op, g->value) && row.verdict != DIFF_NOISE &&
			row.verdict != DIFF_SAME;
	} else {
		v = g->unit == GATE_UNIT_PCT ? 100 * row.after.share : row.after.rate;
		trips = compare(v, g->op, g->value);
	}
	if (isinf(rel))
		snprintf(msg, msg_size, "%s: 0 -> %.3f ms/s (new), share %.2f%%, z=%.1f, %s", name,
			 row.after.rate, 100 * row.after.share, row.z,
			 diff_verdict__name(row.verdict));
	else
		snprintf(msg, msg_size,
			 "%s: %.3f -> %.3f ms/s (%+.1f%%), share %.2f%% -> %.2f%%, z=%.1f, %s",
			 name, row.before.rate, row.after.rate, rel, 100 * row.before.share,
			 100 * row.after.share, row.z, diff_verdict__name(row.verdict));
	return trips;
}

void gate__free(struct gate *g)
{
	free(g->function);
	g->function = NULL;
}
