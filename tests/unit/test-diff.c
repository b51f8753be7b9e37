// SPDX-License-Identifier: MIT OR Apache-2.0
/* diff/: the json summary loader, matching and normalization, the noise test, the gates. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "gate.h"
#include "summary.h"
#include "tap.h"

TAP_DEFINE_GLOBALS;

/* A summary with categories and hotspots given as json fragments. */
static int make(struct diff_summary *s, double secs, int workers, const char *cats,
		const char *hotspots)
{
	char text[8192], err[256];
	int ret;

	snprintf(text, sizeof(text),
		 "{\"hud_json_version\": 1, \"target\": {\"comm\": \"svc\"}, \"duration_s\": %g,"
		 " \"threads\": \"workers\", \"workers\": %d, \"samples\": 1, \"offcpu_events\": 1,"
		 " \"lost\": 0, \"categories\": {%s}, \"hotspots\": [%s]}",
		 secs, workers, cats, hotspots);
	memset(s, 0, sizeof(*s));
	ret = summary__parse_json(s, text, strlen(text), "t.json", err, sizeof(err));
	if (ret)
		printf("# parse: %s\n", err);
	return ret;
}

#define CATS(cpu_n, cpu_ms, blk_n, blk_ms)                                              \
	"\"cpu\": {\"count\": " #cpu_n ", \"total_ms\": " #cpu_ms "},"                  \
	"\"blocked\": {\"count\": " #blk_n ", \"total_ms\": " #blk_ms "},"              \
	"\"preempted\": {\"count\": 0, \"total_ms\": 0}, \"runqueue\": {\"count\": 0, " \
	"\"total_ms\": 0}, \"idle\": {\"count\": 0, \"total_ms\": 0}"

#define HOT(cat, fn, dso, n, ms)                                                                 \
	"{\"category\": \"" cat "\", \"function\": \"" fn "\", \"dso\": \"" dso "\", \"user\": " \
	"true, \"count\": " #n ", \"total_ms\": " #ms ", \"file\": null, \"line\": null}"

static void t_loader_errors(void)
{
	static const struct {
		const char *text;
		int err;
		const char *says;
	} cases[] = {
		{"not json", -EPROTO, "not valid json"},
		{"{\"a\": 1}", -EPROTO, "not a hud-report json summary"},
		{"{\"hud_json_version\": 2}", -EPROTO, "version"},
		{"{\"hud_json_version\": \"1\"}", -EPROTO, "version"},
		{"{\"hud_json_version\": 1}", -EINVAL, "duration_s"},
		{"{\"hud_json_version\": 1, \"duration_s\": 1, \"workers\": -1}", -EINVAL,
		 "workers"},
		{"[1, 2]", -EPROTO, "not a hud-report json summary"},
		{"{\"hud_json_version\": 1, \"hud_json_version\": 1}", -EPROTO, "not valid json"},
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct diff_summary s = {0};
		int ret = summary__parse_json(&s, cases[i].text, strlen(cases[i].text), "x.json",
					      err, sizeof(err));

		check_int(ret, ==, cases[i].err);
		if (!strstr(err, cases[i].says) || strncmp(err, "x.json: ", 8))
			check_str(err, cases[i].says);
		summary__free(&s);
	}
}

static void t_loader_fields(void)
{
	struct diff_summary s;

	check_int(make(&s, 2, 4, CATS(10, 100, 2, 50),
		       HOT("blocked", "app::write", "/usr/bin/app", 2,
			   50) "," HOT("cpu", "app::hash", "/usr/bin/app", 10, 100)),
		  ==, 0);
	check_uint(s.nr_hot, ==, 2);
	check_str(s.hot[0].dso, "app");
	check_str(s.target, "svc");
	check_int(s.hot[0].cat, ==, HUD_CAT_BLOCKED);
	check(s.cat_ms[HUD_CAT_CPU] == 100);
	check(summary__rate(&s, 100) == 50);
	summary__free(&s);
	/* A bad hotspot is named with its index. */
	check_int(make(&s, 2, 4, CATS(0, 0, 0, 0), HOT("sleepy", "f", "d", 1, 1)), ==, -EINVAL);
	summary__free(&s);
	/* Nothing recorded: nothing to normalize by. */
	check_int(make(&s, 0, 4, CATS(0, 0, 0, 0), ""), ==, -EINVAL);
	summary__free(&s);
}

/* z of two sides given as (count, ms, ms_sq) over (secs) each; ms_sq 0: unknown. */
static double z_of(uint64_t n1, double ms1, double sq1, double secs1, uint64_t n2, double ms2,
		   double sq2, double secs2)
{
	struct diff_side a = {.count = n1, .ms = ms1, .ms_sq = sq1};
	struct diff_side b = {.count = n2, .ms = ms2, .ms_sq = sq2};

	return diff__z(&a, secs1, &b, secs2);
}

static void t_noise(void)
{
	/* Samples: 100 vs 100 in the same time is no change; 100 vs 200 is. */
	check(z_of(100, 1000, 0, 1, 100, 1000, 0, 1) == 0);
	check(fabs(z_of(100, 1000, 0, 1, 120, 1200, 0, 1)) < 3);
	check(z_of(100, 1000, 0, 1, 200, 2000, 0, 1) > 3);
	/* Same rate over different lengths is no change. */
	check(z_of(100, 1000, 0, 1, 300, 3000, 0, 3) == 0);
	/* A new hotspot needs about 9 events to be more than noise. */
	check(z_of(0, 0, 0, 1, 4, 40, 0, 1) < 3);
	check(z_of(0, 0, 0, 1, 9, 90, 0, 1) >= 3);
	/* Off-CPU: the same count, each interval ten times longer, is a change. */
	check(z_of(50, 500, 0, 1, 50, 5000, 0, 1) > 3);
	/* Shrinking gives a negative z. */
	check(z_of(200, 2000, 0, 1, 100, 1000, 0, 1) < -3);
	/* Equal weights: ms_sq = n w^2 gives the same z as without it. */
	check(fabs(z_of(100, 1000, 100 * 100.0, 1, 200, 2000, 200 * 100.0, 1) -
		   z_of(100, 1000, 0, 1, 200, 2000, 0, 1)) < 1e-9);
	/*
	 * Unequal weights: 100 events of which one is 901 ms and 99 are 1 ms, against 100 of
	 * 20 ms. Equal-weight noise calls it a change (z about 4.5); the compound Poisson
	 * variance of one long interval does not (z about 1.1).
	 */
	check(z_of(100, 1000, 0, 1, 100, 2000, 0, 1) > 3);
	check(z_of(100, 1000, 901.0 * 901 + 99, 1, 100, 2000, 100 * 20.0 * 20, 1) < 3);
	/* Sampled short intervals: points of 10 ms, (10 ms)^2 each, are a count's noise. */
	check(z_of(400, 4000, 400 * 100.0, 1, 500, 5000, 500 * 100.0, 1) > 3);
	check(z_of(400, 4000, 400 * 100.0, 1, 440, 4400, 440 * 100.0, 1) < 3);
}

static const struct diff_row *row_of(const struct diff_result *r, const char *fn, int cat)
{
	size_t i;

	for (i = 0; i < r->nr_rows; i++)
		if (!strcmp(r->rows[i].function, fn) && r->rows[i].cat == cat)
			return &r->rows[i];
	return NULL;
}

static void t_compare(void)
{
	struct diff_summary b, a;
	struct diff_result r;
	const struct diff_row *row;

	/* After: twice as long, twice the workers. */
	make(&b, 2, 2, CATS(300, 3000, 40, 800),
	     HOT("cpu", "app::hash", "/v1/app", 200,
		 2000) "," HOT("cpu", "app::parse", "/v1/app", 100,
			       1000) "," HOT("blocked", "app::write", "/v1/app", 40,
					     800) "," HOT("cpu", "app::tiny", "/v1/app", 2, 20));
	make(&a, 4, 4, CATS(1000, 10000, 0, 0),
	     HOT("cpu", "app::hash", "/v2/app", 400,
		 4000) "," HOT("cpu", "app::parse", "/v2/app", 580,
			       5800) "," HOT("cpu", "app::fresh", "/v2/app", 20, 200));
	check_int(diff__compute(&r, &b, &a, 5), ==, 0);
	/* Matched across binaries by name; the rate (per second) is unchanged. */
	row = row_of(&r, "app::hash", HUD_CAT_CPU);
	check(row != NULL);
	if (row) {
		check(row->before.rate == 1000 && row->after.rate == 1000);
		check_int(row->verdict, ==, DIFF_SAME);
		/* Share of thread time halves: twice the workers. */
		check(fabs(row->before.share - 0.5) < 1e-9 && fabs(row->after.share - 0.25) < 1e-9);
	}
	row = row_of(&r, "app::parse", HUD_CAT_CPU);
	check(row && row->verdict == DIFF_REGRESSED && fabs(row->ratio - 2.9) < 1e-9);
	row = row_of(&r, "app::write", HUD_CAT_BLOCKED);
	check(row && row->verdict == DIFF_GONE && row->delta == -400);
	row = row_of(&r, "app::fresh", HUD_CAT_CPU);
	check(row && row->verdict == DIFF_NEW && isinf(row->ratio));
	/* Below --min-count on both sides: hidden. */
	check(row_of(&r, "app::tiny", HUD_CAT_CPU) == NULL);
	check_uint(r.hidden, ==, 1);
	/* Sorted by |delta|: parse +950, write -400, fresh +50, hash 0. */
	check_str(r.rows[0].function, "app::parse");
	check_str(r.rows[1].function, "app::write");
	check_int(r.cats[HUD_CAT_BLOCKED].verdict, ==, DIFF_GONE);
	check_int(r.cats[HUD_CAT_CPU].verdict, ==, DIFF_REGRESSED);
	check_uint(r.nr_verdict[DIFF_NEW], ==, 1);
	diff__free(&r);
	summary__free(&b);
	summary__free(&a);
}

static void t_same(void)
{
	struct diff_summary b, a;
	struct diff_result r;
	size_t i;

	make(&b, 2, 2, CATS(30, 300, 4, 80),
	     HOT("cpu", "app::hash", "/a/app", 30, 300) "," HOT("blocked", "app::write", "/a/app",
								4, 80));
	make(&a, 2, 2, CATS(30, 300, 4, 80),
	     HOT("cpu", "app::hash", "/a/app", 30, 300) "," HOT("blocked", "app::write", "/a/app",
								4, 80));
	check_int(diff__compute(&r, &b, &a, 0), ==, 0);
	for (i = 0; i < r.nr_rows; i++)
		check_int(r.rows[i].verdict, ==, DIFF_SAME);
	diff__free(&r);
	summary__free(&b);
	summary__free(&a);
}

/* A (hand-made) summary that names a hotspot twice gives one row, on either side. */
static void t_duplicates(void)
{
	struct diff_summary b, a;
	struct diff_result r;
	const struct diff_row *row;

	make(&b, 2, 2, CATS(30, 300, 0, 0),
	     HOT("cpu", "app::old", "/a/app", 10, 100) "," HOT("cpu", "app::old", "/a/app", 20,
							       200));
	make(&a, 2, 2, CATS(30, 300, 0, 0),
	     HOT("cpu", "app::new", "/a/app", 10, 100) "," HOT("cpu", "app::new", "/a/app", 20,
							       200));
	check_int(diff__compute(&r, &b, &a, 0), ==, 0);
	check_uint(r.nr_rows, ==, 2);
	row = row_of(&r, "app::old", HUD_CAT_CPU);
	check(row && row->before.count == 30 && row->verdict == DIFF_GONE);
	row = row_of(&r, "app::new", HUD_CAT_CPU);
	check(row && row->after.count == 30 && row->verdict == DIFF_NEW);
	check_uint(r.nr_verdict[DIFF_NEW], ==, 1);
	diff__free(&r);
	summary__free(&b);
	summary__free(&a);
}

static void t_gate_parse(void)
{
	static const struct {
		const char *expr;
		enum gate_metric metric;
		int cat;
		enum gate_op op;
		enum gate_unit unit;
		int change;
		double value;
		const char *function;
	} ok[] = {
		{"blocked > +20%", GATE_CATEGORY, HUD_CAT_BLOCKED, GATE_GT, GATE_UNIT_PCT, 1, 20,
		 NULL},
		{"blocked > 50ms/s", GATE_CATEGORY, HUD_CAT_BLOCKED, GATE_GT, GATE_UNIT_RATE, 0, 50,
		 NULL},
		{"cpu>+10%", GATE_CATEGORY, HUD_CAT_CPU, GATE_GT, GATE_UNIT_PCT, 1, 10, NULL},
		{"  cpu <= -2.5ms/s ", GATE_CATEGORY, HUD_CAT_CPU, GATE_LE, GATE_UNIT_RATE, 1, -2.5,
		 NULL},
		{"runqueue >= 1500us/s", GATE_CATEGORY, HUD_CAT_RUNQUEUE, GATE_GE, GATE_UNIT_RATE,
		 0, 1.5, NULL},
		{"idle < 5%", GATE_CATEGORY, HUD_CAT_IDLE, GATE_LT, GATE_UNIT_PCT, 0, 5, NULL},
		{"new > 0", GATE_NEW, -1, GATE_GT, GATE_UNIT_COUNT, 0, 0, NULL},
		{"regressed >= 2", GATE_REGRESSED, -1, GATE_GE, GATE_UNIT_COUNT, 0, 2, NULL},
		{"lost > 0", GATE_LOST, -1, GATE_GT, GATE_UNIT_COUNT, 0, 0, NULL},
		{"fn:my_app::sync_write > 0ms/s", GATE_FUNCTION, -1, GATE_GT, GATE_UNIT_RATE, 0, 0,
		 "my_app::sync_write"},
		{"blocked:fn:my_app::sync_write > +0ms/s", GATE_FUNCTION, HUD_CAT_BLOCKED, GATE_GT,
		 GATE_UNIT_RATE, 1, 0, "my_app::sync_write"},
		/* Names end in '>' and hold spaces: the value and operator are read from the end. */
		{"fn:<Vec<T> as Drop>::drop>0ms/s", GATE_FUNCTION, -1, GATE_GT, GATE_UNIT_RATE, 0,
		 0, "<Vec<T> as Drop>::drop"},
	};
	static const char *const bad[] = {
		"",
		"   ",
		"blocked",
		"blocked >",
		"> 5ms/s",
		"blocked = 5%",
		"blocked > 20",
		"blocked >> 5%",
		"foo > 5%",
		"fn: > 0ms/s",
		"new > +1",
		"new > 1%",
		"lost > 2ms/s",
		"cpu > 5ms",
		"cpu > .5%",
		"cpu > 1.2.3%",
		"x:fn:f > 0ms/s",
		"cpu > 5%%",
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct gate g;
		int ret = gate__parse(&g, ok[i].expr, err, sizeof(err));

		if (ret) {
			printf("# '%s': %s\n", ok[i].expr, err);
			check_int(ret, ==, 0);
			continue;
		}
		check_int(g.metric, ==, ok[i].metric);
		check_int(g.cat, ==, ok[i].cat);
		check_int(g.op, ==, ok[i].op);
		check_int(g.unit, ==, ok[i].unit);
		check_int(g.change, ==, ok[i].change);
		check(fabs(g.value - ok[i].value) < 1e-9);
		if (ok[i].function)
			check_str(g.function, ok[i].function);
		gate__free(&g);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gate g;
		int ret = gate__parse(&g, bad[i], err, sizeof(err));

		if (ret != -EINVAL)
			printf("# '%s' was accepted\n", bad[i]);
		check_int(ret, ==, -EINVAL);
		check(strlen(err) > 10);
		gate__free(&g);
	}
}

static int eval(const char *expr, const struct diff_result *r)
{
	char err[256], msg[256];
	struct gate g;
	int ret;

	if (gate__parse(&g, expr, err, sizeof(err))) {
		printf("# '%s': %s\n", expr, err);
		return -1;
	}
	ret = gate__eval(&g, r, msg, sizeof(msg));
	gate__free(&g);
	return ret;
}

static void t_gate_eval(void)
{
	struct diff_summary b, a;
	struct diff_result r, rr;

	/* blocked: 400 -> 200 ms/s, significant; cpu: 100 -> 104 ms/s, noise. */
	make(&b, 2, 2, CATS(20, 200, 80, 800),
	     HOT("blocked", "app::write", "/a/app", 80, 800) "," HOT("cpu", "app::hash", "/a/app",
								     20, 200));
	make(&a, 2, 2, CATS(21, 208, 40, 400),
	     HOT("blocked", "app::write", "/a/app", 40,
		 400) "," HOT("cpu", "app::hash", "/a/app", 21, 208) "," HOT("cpu", "app::new1",
									     "/a/app", 12, 120));
	diff__compute(&r, &b, &a, 5);
	diff__compute(&rr, &a, &b, 5);
	/* Relative change: passes in the improving direction, fails in the reverse one. */
	check_int(eval("blocked > +20%", &r), ==, 0);
	check_int(eval("blocked > +20%", &rr), ==, 1);
	check_int(eval("blocked < -20%", &r), ==, 1);
	/* A noisy change (+4%) never trips a gate, however low the threshold. */
	check_int(eval("cpu > +1%", &r), ==, 0);
	check_int(eval("cpu > +0.1ms/s", &r), ==, 0);
	/* After values are not changes: no noise test. */
	check_int(eval("cpu > 100ms/s", &r), ==, 1);
	check_int(eval("cpu > 110ms/s", &r), ==, 0);
	check_int(eval("blocked > 9%", &r), ==, 1); /* 200 ms/s over 2 workers: 10% */
	check_int(eval("blocked > 11%", &r), ==, 0);
	check_int(eval("new > 0", &r), ==, 1);
	check_int(eval("new > 0", &rr), ==, 0);
	check_int(eval("gone > 0", &rr), ==, 1);
	check_int(eval("lost > 0", &r), ==, 0);
	check_int(eval("fn:app::write > 0ms/s", &r), ==, 1);
	check_int(eval("fn:app::gone > 0ms/s", &r), ==, 0);
	check_int(eval("cpu:fn:app::write > 0ms/s", &r), ==, 0);
	check_int(eval("fn:app::write > +0ms/s", &r), ==, 0);
	check_int(eval("fn:app::write >= -300ms/s", &r), ==, 1);
	diff__free(&r);
	diff__free(&rr);
	summary__free(&b);
	summary__free(&a);
}

int main(void)
{
	TEST(t_loader_errors(), "json loader: each malformed summary is refused with the reason");
	TEST(t_loader_fields(), "json loader: fields, binary base names, bad hotspots, no time");
	TEST(t_noise(), "noise: z-test on counts, rates and interval lengths");
	TEST(t_compare(), "compare: matched by name, normalized, sorted, verdicts, --min-count");
	TEST(t_same(), "compare: the same input twice gives no difference");
	TEST(t_duplicates(), "compare: a hotspot named twice is one row, before or after");
	TEST(t_gate_parse(), "gates: every documented form parses; malformed ones are refused");
	TEST(t_gate_eval(), "gates: direction, noise, after values, counts, functions");
	return test_done();
}
