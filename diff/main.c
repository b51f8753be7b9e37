// SPDX-License-Identifier: MIT OR Apache-2.0
/* hud-diff: compare two recordings (or json summaries) and gate on the difference. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compare.h"
#include "gate.h"
#include "hotspots.h"
#include "load.h"
#include "options.h"
#include "log.h"
#include "render.h"
#include "summary.h"
#include "util.h"

/* hud-diff's exit codes (documented in --help and README.md). */
enum diff_exit {
	DIFF_EXIT_OK = 0,     /* every gate passed (or none was given) */
	DIFF_EXIT_GATE = 1,   /* a --fail-if gate tripped */
	DIFF_EXIT_USAGE = 2,  /* bad usage, unreadable or mismatched input */
	DIFF_EXIT_FAILED = 3, /* internal failure: out of memory, output not writable */
};

static const char usage_text[] =
	"Usage: hud-diff [OPTIONS] BEFORE AFTER\n"
	"\n"
	"Compare two hud recordings, or two 'hud-report -f json' summaries, and show what grew\n"
	"and what shrank: hotspots matched by category, function and binary name, in ms per\n"
	"second of recording and as a share of the selected threads' time, each difference\n"
	"tested against the noise of its counts. --fail-if turns differences into an exit\n"
	"status for CI.\n"
	"\n"
	"Reading recordings (as hud-report does; ignored for json summaries):\n"
	"      --symfs DIR        look for binaries at their recorded path under DIR first\n"
	"      --debug-dir DIR    look for binaries and debug info in DIR/.build-id/ (repeat)\n"
	"      --threads WHICH    workers (default), blocking, or all\n"
	"      --time START,END   only events between START and END seconds from the start\n"
	"      --window SECS      only the last SECS seconds of each recording\n"
	"      --user PREFIX      count functions starting with PREFIX as the program's own\n"
	"                         code; repeatable\n"
	"\n"
	"Output:\n"
	"  -f, --format FMT       text (default), json, markdown (for a pull-request comment),\n"
	"                         svg (differential flame graph, recordings only: red grew,\n"
	"                         blue shrank)\n"
	"  -o, --output FILE      write to FILE instead of standard output\n"
	"      --top N            rows per section (default: 10)\n"
	"      --min-count N      hide hotspots with fewer than N events on both sides\n"
	"                         (default: 5)\n"
	"      --no-color         no colors (also when NO_COLOR is set or not on a terminal)\n"
	"\n"
	"Gates (repeatable; each failure is printed with its numbers):\n"
	"      --fail-if EXPR     exit 1 when EXPR holds. EXPR is METRIC OP VALUE:\n"
	"                         METRIC: cpu, blocked, preempted, runqueue, idle,\n"
	"                           fn:FUNCTION, CATEGORY:fn:FUNCTION, or the counts new,\n"
	"                           gone, regressed, improved, lost\n"
	"                         OP: >, >=, <, <=\n"
	"                         VALUE: +20% or -10% (change relative to before), +5ms/s\n"
	"                           (change), 50ms/s (after value), 5% (after share of thread\n"
	"                           time), or a bare number for counts. A change that is\n"
	"                           noise never trips a gate.\n"
	"  -v, --verbose          more messages\n"
	"  -h, --help             this help\n"
	"  -V, --version          print the version\n"
	"\n"
	"Exit status:\n"
	"  0 every gate passed, 1 a gate failed, 2 bad usage or an input that is missing,\n"
	"  unreadable, not a recording or summary, or not comparable with the other,\n"
	"  3 internal failure (out of memory, output not writable)\n"
	"\n"
	"Examples:\n"
	"  hud-diff before.hud after.hud\n"
	"  hud-diff before.hud after.hud --fail-if 'blocked > +20%' --fail-if 'new > 0'\n"
	"  hud-diff base.json pr.json -f markdown -o comment.md\n"
	"  hud-diff before.hud after.hud -f svg -o diff.svg\n";

static int parse_count(const char *arg, const char *what, uint64_t max)
{
	uint64_t v;

	if (hud_parse_u64(arg, 0, max, &v))
		hud_usage_error("invalid %s '%s' (0..%llu)", what, arg, (unsigned long long)max);
	return (int)v;
}

/* Inputs that cannot be compared: a mistake to report, not a diff to print. */
static int check_comparable(const struct diff_summary *b, const struct diff_summary *a)
{
	if (strcmp(b->threads, a->threads)) {
		elog("%s covers %s threads, %s %s threads: make both summaries with the same "
		     "--threads",
		     b->name, b->threads, a->name, a->threads);
		return -1;
	}
	if (*b->target && *a->target && strcmp(b->target, a->target)) {
		elog("%s recorded '%s', %s recorded '%s': compare recordings of the same program",
		     b->name, b->target, a->name, a->target);
		return -1;
	}
	return 0;
}

enum {
	OPT_TOP = REPORT_OPT_FIRST_OWN,
	OPT_MIN_COUNT,
	OPT_FAIL_IF,
};

/* What the command line sets beside the shared options. */
struct cli {
	struct diff_render_opts *ro;
	const char *output;
	uint64_t min_count;
	const char **exprs;
	int nr_exprs;
};

/* hud-diff's own options; a bad value is a usage error. */
static void own_option(void *ctx, int opt, const char *arg)
{
	static const char *const formats[] = {"text", "json", "markdown", "svg"};
	struct cli *c = ctx;
	size_t k;

	switch (opt) {
	case 'o':
		if (!*arg)
			hud_usage_error("empty output path");
		c->output = arg;
		break;
	case 'f':
		for (k = 0; k < ARRAY_SIZE(formats); k++)
			if (!strcmp(arg, formats[k]))
				break;
		if (k == ARRAY_SIZE(formats))
			hud_usage_error("unknown format '%s' (text, json, markdown, svg)", arg);
		c->ro->format = (enum diff_format)k;
		break;
	case OPT_TOP:
		c->ro->top = parse_count(arg, "--top", 100000);
		break;
	case OPT_MIN_COUNT:
		c->min_count = (uint64_t)parse_count(arg, "--min-count", 1000000000);
		break;
	case OPT_FAIL_IF:
		c->exprs[c->nr_exprs++] = arg;
		break;
	default:
		hud_usage_error("unknown option");
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"top", required_argument, NULL, OPT_TOP},
		{"min-count", required_argument, NULL, OPT_MIN_COUNT},
		{"fail-if", required_argument, NULL, OPT_FAIL_IF},
		REPORT_SHARED_LONGOPTS,
		{0},
	};
	const char *exprs[argc + 1];
	struct report_read_opts lo;
	struct diff_render_opts ro = {.top = 10};
	struct cli cli = {.ro = &ro, .min_count = 5, .exprs = exprs};
	struct diff_summary before = {0}, after = {0};
	struct diff_gate_result *results = NULL;
	struct diff_result r = {0};
	struct hud_msgs warn = {0};
	struct gate *gates = NULL;
	const char *output = NULL, *no_color = getenv("NO_COLOR");
	uint64_t min_count;
	int err, ret = DIFF_EXIT_FAILED, nr_exprs = 0, i, failed = 0, want_stacks, code;
	char msg[1024];
	FILE *out = stdout;

	hud_progname = "hud-diff";
	report_opts__init(&lo);
	err = report_opts__getopt(&lo, argc, argv, "o:f:", longopts, usage_text, own_option, &cli,
				  &code, msg, sizeof(msg));
	if (err == -ENOMEM) {
		elog("out of memory");
		return DIFF_EXIT_FAILED;
	}
	if (err < 0)
		hud_usage_error("%s", msg);
	if (err)
		return code;
	output = cli.output;
	min_count = cli.min_count;
	nr_exprs = cli.nr_exprs;
	if (argc - optind != 2)
		hud_usage_error(argc - optind < 2 ? "two inputs needed: BEFORE AFTER (recordings "
						    "or json summaries)"
						  : "too many arguments: only BEFORE AFTER");
	if (report_opts__finish(&lo, msg, sizeof(msg)))
		hud_usage_error("%s", msg);

	/* Gates first: a typo must not cost the time of symbolizing two recordings. */
	gates = calloc((size_t)nr_exprs + 1, sizeof(*gates));
	results = calloc((size_t)nr_exprs + 1, sizeof(*results));
	if (!gates || !results) {
		elog("out of memory");
		goto cleanup;
	}
	for (i = 0; i < nr_exprs; i++) {
		err = gate__parse(&gates[i], exprs[i], msg, sizeof(msg));
		if (err == -ENOMEM) {
			elog("out of memory");
			goto cleanup;
		}
		if (err) {
			elog("--fail-if '%s': %s", exprs[i], msg);
			ret = DIFF_EXIT_USAGE;
			goto cleanup;
		}
	}

	for (i = 0; output && i < 2; i++)
		if (hud_same_file(output, argv[optind + i]))
			hud_usage_error("-o %s is an input: write the comparison to another file",
					output);
	want_stacks = ro.format == DIFF_SVG;
	for (i = 0; i < 2; i++) {
		struct diff_summary *s = i ? &after : &before;

		msg[0] = '\0';
		err = summary__load(s, argv[optind + i], &lo, want_stacks, &warn, msg, sizeof(msg));
		hud_msgs__print(&warn);
		if (err) {
			if (*msg)
				elog("%s", msg);
			ret = err == -ENOMEM ? DIFF_EXIT_FAILED : DIFF_EXIT_USAGE;
			goto cleanup;
		}
		if (want_stacks && !s->has_stacks) {
			elog("%s is a json summary: the svg needs the recordings (.hud), whose "
			     "stacks it draws",
			     s->name);
			ret = DIFF_EXIT_USAGE;
			goto cleanup;
		}
	}
	if (check_comparable(&before, &after)) {
		ret = DIFF_EXIT_USAGE;
		goto cleanup;
	}
	if (before.lost || after.lost)
		wlog("events were lost while recording (%llu before, %llu after): counts are low",
		     (unsigned long long)before.lost, (unsigned long long)after.lost);
	if (diff__compute(&r, &before, &after, min_count)) {
		elog("out of memory");
		goto cleanup;
	}
	for (i = 0; i < nr_exprs; i++) {
		results[i].expr = exprs[i];
		results[i].failed =
			gate__eval(&gates[i], &r, results[i].msg, sizeof(results[i].msg));
		failed |= results[i].failed;
	}
	ro.gates = results;
	ro.nr_gates = (size_t)nr_exprs;

	if (output) {
		out = fopen(output, "we");
		if (!out) {
			elog("cannot create %s: %s", output, strerror(errno));
			out = stdout;
			goto cleanup;
		}
	}
	ro.color = !lo.no_color && !output && ro.format == DIFF_TEXT && !(no_color && *no_color) &&
		   isatty(STDOUT_FILENO);
	switch (ro.format) {
	case DIFF_TEXT:
		err = diff__text(out, &r, &ro);
		break;
	case DIFF_JSON:
		err = diff__json(out, &r, &ro);
		break;
	case DIFF_MARKDOWN:
		err = diff__markdown(out, &r, &ro);
		break;
	case DIFF_SVG:
		err = diff__svg(out, &r, &ro);
		break;
	}
	if (!err && fflush(out))
		err = -errno;
	if (out != stdout) {
		if (fclose(out) && !err)
			err = -errno;
		out = stdout;
	}
	if (err) {
		elog("writing the comparison%s%s: %s", output ? " to " : "", output ?: "",
		     strerror(-err));
		goto cleanup;
	}
	for (i = 0; i < nr_exprs; i++)
		if (results[i].failed || hud_verbose || ro.format != DIFF_TEXT)
			hud_log(0, results[i].failed ? "gate failed" : "gate passed", "%s: %s",
				results[i].expr, results[i].msg);
	ret = failed ? DIFF_EXIT_GATE : DIFF_EXIT_OK;
cleanup:
	if (out != stdout)
		fclose(out);
	for (i = 0; gates && i < nr_exprs; i++)
		gate__free(&gates[i]);
	free(gates);
	free(results);
	diff__free(&r);
	summary__free(&before);
	summary__free(&after);
	hud_msgs__free(&warn);
	report_opts__free(&lo);
	return ret;
}
