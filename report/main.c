// SPDX-License-Identifier: MIT OR Apache-2.0
/* hud-report: read .hud files, symbolize, name what blocked the threads. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotspots.h"
#include "load.h"
#include "log.h"
#include "options.h"
#include "output.h"
#include "profile.h"
#include "symbolize.h"
#include "tui.h"
#include "unwind.h"
#include "util.h"

static const char usage_text[] =
	"Usage: hud-report [OPTIONS]\n"
	"\n"
	"Read recordings made by hud-record and show what kept the threads of a Tokio runtime\n"
	"busy (on-CPU) and what blocked them (off-CPU), each hotspot named by the first frame\n"
	"in the program's own code. Needs no privileges. A binary is used only if its build-id\n"
	"matches the recording; otherwise its frames print as [unknown] dso+0xoffset.\n"
	"\n"
	"Input and output:\n"
	"  -i, --input FILE       recording to read (default: hud.data); repeat to merge files\n"
	"      --symfs DIR        look for binaries at their recorded path under DIR first\n"
	"      --debug-dir DIR    look for binaries and debug info in DIR/.build-id/ (repeat;\n"
	"                         ~/.debug and /usr/lib/debug are always searched)\n"
	"  -o, --output FILE      write the report to FILE instead of standard output\n"
	"  -f, --format FMT       text (default), json, trace (Chrome Trace Event JSON for\n"
	"                         Perfetto/speedscope), folded (flame graph input), svg\n"
	"      --follow           a live screen of the input while hud-record writes it, here\n"
	"                         or streamed from elsewhere (keys as in hud-top --help)\n"
	"\n"
	"Selection:\n"
	"      --threads WHICH    workers (default), blocking (the blocking pool), or all\n"
	"      --category LIST    comma-separated: cpu, blocked, preempted, runqueue, idle\n"
	"      --time START,END   only events between START and END seconds from the start\n"
	"      --window SECS      only the last SECS seconds of the recording\n"
	"      --tid TID[,TID]    only these threads\n"
	"\n"
	"Presentation:\n"
	"      --top N            hotspots per table (default: 10)\n"
	"      --stacks N         stacks shown under each hotspot (default: 3)\n"
	"      --max-frames N     frames shown per stack (default: 16)\n"
	"      --user PREFIX      count functions starting with PREFIX (e.g. a crate name) as\n"
	"                         the program's own code; repeatable\n"
	"      --no-demangle      show raw symbol names\n"
	"      --weight WHAT      folded/svg: samples (default; on-CPU only) or time (us,\n"
	"                         every selected category)\n"
	"      --no-color         no colors (also when NO_COLOR is set or not on a terminal)\n"
	"  -v, --verbose          more messages\n"
	"  -h, --help             this help\n"
	"  -V, --version          print the version\n"
	"\n"
	"Exit status:\n"
	"  0 success (a file cut short by a crash still reports, with a warning),\n"
	"  1 internal failure (out of memory, output not writable), 2 bad usage,\n"
	"  3 input missing, unreadable, not a hud file or of an unsupported version,\n"
	"  4 input damaged: the report covers the data before the damage\n"
	"\n"
	"Examples:\n"
	"  hud-report                                # report hud.data, worker threads\n"
	"  hud-report -i before.hud --top 5          # five hotspots per table\n"
	"  hud-report -i run.hud -f json -o run.json # machine-readable summary (hud-diff)\n"
	"  hud-report -i run.hud -f trace -o t.json  # open t.json in ui.perfetto.dev\n"
	"  hud-report -i run.hud -f svg -o fg.svg --weight time   # off-CPU flame graph\n"
	"  hud-report -i a.hud -i b.hud --window 10  # two files, last 10 s of each\n"
	"  hud-report -i run.hud --debug-dir /tmp/syms  # binaries from hud-record --archive\n"
	"  hud-report --follow -i run.hud            # while 'hud-record -o run.hud' runs\n"
	"  ssh host sudo hud-record -o - app > app.hud & hud-report --follow -i app.hud\n";

static int parse_count(const char *arg, const char *what, int max)
{
	uint64_t v;

	if (hud_parse_u64(arg, 0, (uint64_t)max, &v))
		hud_usage_error("invalid %s '%s' (0..%d)", what, arg, max);
	return (int)v;
}

static unsigned parse_categories(const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	unsigned mask = 0;

	if (!copy)
		hud_usage_error("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int c = hud_category__parse(tok);

		if (c < 0)
			hud_usage_error(
				"unknown category '%s' (cpu, blocked, preempted, runqueue, idle)",
				tok);
		mask |= 1u << c;
	}
	free(copy);
	if (!mask)
		hud_usage_error("empty --category list");
	return mask;
}

static void parse_tids(const char *arg, struct hud_filter *f, size_t *cap)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint64_t v;

	if (!copy)
		hud_usage_error("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (hud_parse_u64(tok, 1, UINT32_MAX, &v))
			hud_usage_error("invalid --tid '%s'", tok);
		if (!HUD_GROW(f->tids, *cap, f->nr_tids + 1))
			hud_usage_error("out of memory");
		f->tids[f->nr_tids++] = (uint32_t)v;
	}
	free(copy);
	if (!f->nr_tids)
		hud_usage_error("empty --tid list");
}

enum {
	OPT_TOP = REPORT_OPT_FIRST_OWN,
	OPT_STACKS,
	OPT_MAX_FRAMES,
	OPT_CATEGORY,
	OPT_TID,
	OPT_WEIGHT,
	OPT_NO_DEMANGLE,
	OPT_FOLLOW,
};

/* What the command line sets beside the shared options. */
struct cli {
	struct report_opts *o;
	struct report_read_opts *ro;
	const char *output;
	size_t cap_tids;
	int follow;
};

/* hud-report's own options; a bad value is a usage error. */
static void own_option(void *ctx, int opt, const char *arg)
{
	static const char *const formats[] = {"text", "json", "trace", "folded", "svg"};
	struct cli *c = ctx;
	size_t k;

	switch (opt) {
	case 'i':
		if (!*arg)
			hud_usage_error("empty input path");
		c->o->inputs[c->o->nr_inputs++] = arg;
		break;
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
			hud_usage_error("unknown format '%s' (text, json, trace, folded, svg)",
					arg);
		c->o->format = (enum report_format)k;
		break;
	case OPT_CATEGORY:
		c->o->categories = parse_categories(arg);
		break;
	case OPT_TID:
		parse_tids(arg, &c->ro->filter, &c->cap_tids);
		break;
	case OPT_TOP:
		c->o->top = parse_count(arg, "--top", 100000);
		break;
	case OPT_STACKS:
		c->o->stacks = parse_count(arg, "--stacks", 1000);
		break;
	case OPT_MAX_FRAMES:
		c->o->max_frames = parse_count(arg, "--max-frames", 10000);
		break;
	case OPT_WEIGHT:
		if (!strcmp(arg, "time"))
			c->o->weight_time = 1;
		else if (!strcmp(arg, "samples"))
			c->o->weight_time = 0;
		else
			hud_usage_error("invalid --weight '%s' (samples or time)", arg);
		break;
	case OPT_NO_DEMANGLE:
		c->ro->no_demangle = 1;
		break;
	case OPT_FOLLOW:
		c->follow = 1;
		break;
	default:
		hud_usage_error("unknown option");
	}
}

/* --follow: the live screen on the one input, which hud-record may still be writing. */
static int follow(const struct report_opts *o, struct report_read_opts *ro, const char *output)
{
	struct tui_opts to = {.path = o->inputs[0], .ro = ro};
	char msg[512];
	int ret;

	if (o->nr_inputs > 1)
		hud_usage_error("--follow reads one file: pass one -i");
	if (output || o->format != REPORT_TEXT)
		hud_usage_error("--follow is a screen: it takes no -o or -f (run hud-report -i %s "
				"for a report)",
				o->inputs[0]);
	if (ro->have_time || ro->filter.window > 0 || ro->filter.tids)
		hud_usage_error("--follow chooses its window with the w key: no --time, --window "
				"or --tid");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		elog("--follow needs a terminal: for a report of %s so far run 'hud-report -i %s'; "
		     "to record, run 'hud-record -o %s' (or hud-top)",
		     o->inputs[0], o->inputs[0], o->inputs[0]);
		report_opts__free(ro);
		return REPORT_EXIT_USAGE;
	}
	ret = tui__run(&to, msg, sizeof(msg));
	report_opts__free(ro);
	if (ret) {
		elog("%s", msg);
		return ret == -EPROTO || ret == -EINVAL ? REPORT_EXIT_INPUT : REPORT_EXIT_FAILED;
	}
	return REPORT_EXIT_OK;
}

int main(int argc, char **argv)
{
	static char out_buf[64 << 10];
	static const struct option longopts[] = {
		{"input", required_argument, NULL, 'i'},
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, 'f'},
		{"category", required_argument, NULL, OPT_CATEGORY},
		{"tid", required_argument, NULL, OPT_TID},
		{"top", required_argument, NULL, OPT_TOP},
		{"stacks", required_argument, NULL, OPT_STACKS},
		{"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
		{"weight", required_argument, NULL, OPT_WEIGHT},
		{"no-demangle", no_argument, NULL, OPT_NO_DEMANGLE},
		{"follow", no_argument, NULL, OPT_FOLLOW},
		REPORT_SHARED_LONGOPTS,
		{0},
	};
	struct report_opts o = {
		.top = 10,
		.stacks = 3,
		.max_frames = 16,
	};
	const char *output = NULL, *no_color = getenv("NO_COLOR"), *base;
	struct hud_symbolizer *sym = NULL;
	struct hud_unwinder *unwinder = NULL;
	struct report_read_opts ro;
	struct hud_hotspots h = {0};
	struct hud_profile p = {0};
	struct hud_msgs warn = {0};
	int err, ret = REPORT_EXIT_FAILED, damaged = 0, i, code;
	const char *inputs[argc + 1];
	struct cli cli = {.o = &o, .ro = &ro};
	char msg[1024];
	FILE *out = stdout;

	base = strrchr(argv[0], '/');
	if (!strcmp(base ? base + 1 : argv[0], "hud-top"))
		return top__main(argc, argv);
	hud_progname = "hud-report";
	report_opts__init(&ro);
	o.inputs = inputs;
	err = report_opts__getopt(&ro, argc, argv, "i:o:f:", longopts, usage_text, own_option, &cli,
				  &code, msg, sizeof(msg));
	if (err == -ENOMEM) {
		elog("out of memory");
		return REPORT_EXIT_FAILED;
	}
	if (err < 0)
		hud_usage_error("%s", msg);
	if (err)
		return code;
	output = cli.output;
	if (optind < argc)
		hud_usage_error("unexpected argument '%s' (inputs are given with -i)",
				argv[optind]);
	if (report_opts__finish(&ro, msg, sizeof(msg)))
		hud_usage_error("%s", msg);
	if (!o.nr_inputs)
		o.inputs[o.nr_inputs++] = "hud.data";
	if (o.nr_inputs > REPORT_MAX_INPUTS)
		hud_usage_error("%d inputs: merge at most %d files in one report", o.nr_inputs,
				REPORT_MAX_INPUTS);
	/* -o onto an input would truncate the recording before it is read. */
	for (i = 0; output && i < o.nr_inputs; i++)
		if (hud_same_file(output, o.inputs[i]))
			hud_usage_error("-o %s is an input: write the report to another file",
					output);
	o.roles = ro.roles;
	if (cli.follow)
		return follow(&o, &ro, output);

	sym = report__symbolizer(&ro);
	if (!sym) {
		elog("cannot start the symbolizer: %s", strerror(errno));
		goto cleanup;
	}
	unwinder = hud_unwinder__new(sym);
	if (!unwinder) {
		elog("out of memory");
		goto cleanup;
	}
	o.load = (struct hud_load_opts){.filter = &ro.filter, .unwinder = unwinder};
	err = report__load(&p, o.inputs, o.nr_inputs, &ro, sym, &o.load, &warn, &damaged, msg,
			   sizeof(msg));
	hud_msgs__print(&warn);
	if (err) {
		elog("%s", msg);
		ret = err == -EINVAL ? REPORT_EXIT_INPUT : REPORT_EXIT_FAILED;
		goto cleanup;
	}
	if (output) {
		out = fopen(output, "we");
		if (!out) {
			elog("cannot create %s: %s", output, strerror(errno));
			out = stdout;
			goto cleanup;
		}
		/* A trace runs to hundreds of MB: write it in 64 KiB, not st_blksize, pieces. */
		setvbuf(out, out_buf, _IOFBF, sizeof(out_buf));
	}
	o.color = !ro.no_color && !output && o.format == REPORT_TEXT && !(no_color && *no_color) &&
		  isatty(STDOUT_FILENO);
	switch (o.format) {
	case REPORT_TEXT:
	case REPORT_JSON:
		err = hotspots__build(&h, &p, o.roles);
		if (!err)
			err = o.format == REPORT_TEXT ? report__text(out, &p, &h, &o)
						      : report__json(out, &p, &h, &o);
		break;
	case REPORT_TRACE:
		err = report__trace(out, &p, &o);
		break;
	case REPORT_FOLDED:
		err = report__folded(out, &p, &o);
		break;
	case REPORT_SVG:
		err = report__svg(out, &p, &o);
		break;
	}
	if (!err && fflush(out))
		err = -errno;
	if (!err && out != stdout && fclose(out)) {
		out = stdout;
		err = -errno;
	} else if (out != stdout) {
		if (err)
			fclose(out);
		out = stdout;
	}
	if (err) {
		elog("writing the report%s%s: %s", output ? " to " : "", output ?: "",
		     strerror(-err));
		goto cleanup;
	}
	ret = damaged ? REPORT_EXIT_PARTIAL : REPORT_EXIT_OK;
cleanup:
	if (out != stdout)
		fclose(out);
	hotspots__free(&h);
	hud_unwinder__free(unwinder);
	hud_symbolizer__free(sym);
	profile__free(&p);
	hud_msgs__free(&warn);
	report_opts__free(&ro);
	return ret;
}
