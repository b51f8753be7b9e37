// SPDX-License-Identifier: MIT OR Apache-2.0
/* hud-record: capture what blocks a running Tokio process's threads, into a .hud file. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/types.h>

#include "hud_events.h"
#include "hud_format.h"
#include "log.h"
#include "proc.h"
#include "record.h"
#include "util.h"

static const char usage_text[] =
	"Usage: hud-record [OPTIONS] (-p PID[,PID...] | NAME)\n"
	"       hud-record --check [PID | NAME]\n"
	"\n"
	"Record on-CPU samples and off-CPU intervals of a running process (e.g. a Tokio\n"
	"service) with eBPF, into a file that hud-report reads. Needs root (or CAP_BPF and\n"
	"CAP_PERFMON). Stop with Ctrl-C, SIGTERM or SIGHUP; the file is always finalized.\n"
	"\n"
	"Target:\n"
	"  -p, --pid PID[,PID]    record these processes\n"
	"  NAME                   record the process whose comm or executable name is NAME\n"
	"      --all              with NAME: record every matching process into one file\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE      output file (default: hud.data; an existing one becomes "
	"FILE.old);\n"
	"                         - for standard output, to stream it (ssh, a pipe)\n"
	"  -d, --duration SECS    stop after SECS seconds (default: until interrupted)\n"
	"  -F, --freq HZ          sampling frequency, of on-CPU time and of off-CPU time\n"
	"                         below the threshold (default: 99)\n"
	"  -t, --threshold MS     off-CPU intervals of at least MS ms are recorded each, exactly\n"
	"                         (the timeline); shorter ones are sampled (default: 5)\n"
	"  -g, --call-graph WHAT  comma-separated: user (default) or kernel (kernel stacks\n"
	"                         in samples too); and auto[,SIZE] (default: frame\n"
	"                         pointers, and where they fail a SIZE-byte copy of the\n"
	"                         stack top for CFI, default 2048; every event of a program\n"
	"                         built without them gets a 16384-byte copy), fp (frame\n"
	"                         pointers only) or dwarf[,SIZE] (a SIZE-byte stack copy\n"
	"                         with every event; default 16384)\n"
	"      --workers PREFIX   thread-name prefix of the runtime's workers (default: Tokio's\n"
	"                         names, else the largest NAME-N thread family)\n"
	"      --archive DIR      after recording, copy the binaries hit into DIR/.build-id/\n"
	"                         for hud-report --debug-dir DIR on another machine\n"
	"      --ring-size BYTES  BPF ring buffer size, a power of two (default: 8388608)\n"
	"      --check            check that capture can work here (and for the target)\n"
	"  -v, --verbose          more messages (-v: the verifier log on load failure,\n"
	"                         -vv: libbpf debug output)\n"
	"  -h, --help             this help\n"
	"  -V, --version          print the version\n"
	"\n"
	"Exit status:\n"
	"  0 success, 1 recording failed, 2 bad usage, 3 no such process (or NAME is\n"
	"  ambiguous), 4 insufficient privileges, 5 output cannot be written (e.g. disk full)\n"
	"\n"
	"Examples:\n"
	"  hud-record my-service --duration 10        # 10 s of the process named my-service\n"
	"  hud-record -p 4242 -o before.hud           # until Ctrl-C, into before.hud\n"
	"  hud-record -p 4242 -F 499 --threshold 1    # denser sampling, more exact intervals\n"
	"  hud-record my-service --all -g kernel      # every my-service, with kernel stacks\n"
	"  hud-record --check my-service              # will recording work here?\n"
	"  hud-record -p 4242 --archive /tmp/syms     # keep the binaries for offline reports\n"
	"  ssh host sudo hud-record -o - app > app.hud # streamed; hud-report --follow\n"
	"  hud-report -i before.hud                   # then read it (any machine, no root)\n";

/* The pids of NAME: exactly one, or all of them with --all. Exits on failure. */
static void resolve_name(const char *name, int all, struct record_opts *o)
{
	struct proc_match m[RECORD_MAX_TARGETS];
	int n, i;

	n = proc__find_by_name(name, m, (int)ARRAY_SIZE(m));
	if (n < 0) {
		elog("cannot scan /proc: %s", strerror(-n));
		exit(RECORD_EXIT_FAILED);
	}
	if (n == 0) {
		elog("no process named '%s': check the name with 'ps -e', or use -p PID", name);
		exit(RECORD_EXIT_NO_TARGET);
	}
	if (n > 1 && !all) {
		elog("%d processes are named '%s': pick one with -p PID, or record all with --all:",
		     n, name);
		for (i = 0; i < n && i < (int)ARRAY_SIZE(m); i++)
			fprintf(stderr, "  %7d  %s\n", m[i].pid, m[i].cmdline);
		exit(RECORD_EXIT_NO_TARGET);
	}
	if (n > RECORD_MAX_TARGETS) {
		elog("%d processes are named '%s'; hud-record takes at most %d: use -p", n, name,
		     RECORD_MAX_TARGETS);
		exit(RECORD_EXIT_NO_TARGET);
	}
	for (i = 0; i < n; i++)
		o->pids[i] = m[i].pid;
	o->nr_pids = n;
}

/*
 * -g, --call-graph WHAT[,WHAT...]: user (the default) or kernel (user and kernel stacks in
 * samples); auto[,SIZE] (the default), fp or dwarf[,SIZE] for where user stacks come from.
 */
static void parse_call_graph(const char *arg, struct record_opts *o)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint32_t *size = NULL;
	uint64_t v;

	if (!copy) {
		elog("out of memory");
		exit(RECORD_EXIT_FAILED);
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (size && !hud_parse_u64(tok, 0, UINT32_MAX, &v)) {
			if (v < 512 || v > HUD_USTACK_MAX || v % 8)
				hud_usage_error("invalid stack copy size '%s' (512 to %d bytes, a "
						"multiple of 8)",
						tok, HUD_USTACK_MAX);
			*size = (uint32_t)v;
			size = NULL;
			continue;
		} else if (!strcmp(tok, "kernel")) {
			o->sample_kernel = 1;
		} else if (!strcmp(tok, "user")) {
			o->sample_kernel = 0;
		} else if (!strcmp(tok, "auto")) {
			o->ustack_mode = RECORD_USTACK_AUTO;
		} else if (!strcmp(tok, "fp")) {
			o->ustack_mode = RECORD_USTACK_FP;
		} else if (!strcmp(tok, "dwarf")) {
			o->ustack_mode = RECORD_USTACK_DWARF;
		} else {
			hud_usage_error("invalid call graph '%s' (user, kernel, auto[,SIZE], fp "
					"or dwarf[,SIZE])",
					tok);
		}
		size = !strcmp(tok, "dwarf")  ? &o->ustack_size
		       : !strcmp(tok, "auto") ? &o->ustack_leaf_size
					      : NULL;
	}
	free(copy);
}

/* "-p 1,2,3" */
static void parse_pids(const char *arg, struct record_opts *o)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	uint64_t v;

	if (!copy) {
		elog("out of memory");
		exit(RECORD_EXIT_FAILED);
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (hud_parse_u64(tok, 1, INT_MAX, &v))
			hud_usage_error("invalid pid '%s'", tok);
		if (o->nr_pids == RECORD_MAX_TARGETS)
			hud_usage_error("more than %d pids", RECORD_MAX_TARGETS);
		o->pids[o->nr_pids++] = (pid_t)v;
	}
	free(copy);
	if (!o->nr_pids)
		hud_usage_error("invalid pid list '%s'", arg);
}

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* One status line on a terminal, rewritten in place at most once a second. */
static void print_status(const struct record_stats *st, int final)
{
	static int shown;

	if (!isatty(STDERR_FILENO))
		return;
	if (final) {
		if (shown)
			fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[Khud-record: %.0f s, %llu samples, %llu off-CPU events, %llu lost",
		st->elapsed_ns / 1e9, (unsigned long long)st->samples,
		(unsigned long long)st->offcpu, (unsigned long long)st->lost);
	shown = 1;
}

/* A line of --check's verdict, as soon as it is known. */
static void print_check_line(void *ctx, const char *line)
{
	puts(line);
	fflush(stdout);
}

/* Record until the duration elapses, every target exits, or a signal stops it. */
static int record(const struct record_opts *o)
{
	struct record_session *s = NULL;
	struct record_info info;
	struct record_stats st;
	struct sigaction sa = {0};
	uint32_t reason = HUD_FINISH_ERROR;
	uint64_t next_status = 1000000000ull; /* the first after a second, like every other */
	char err[PATH_MAX + 256];
	int ret;

	/*
	 * From the start: a signal that arrives while the programs load must still end in a
	 * finalized file, not a torn one. A closed stderr or output pipe gives EPIPE to the
	 * writes, which report it, instead of killing hud-record mid-file.
	 */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	ret = record__start(&s, o, &info, err, sizeof(err));
	if (ret) {
		elog("%s", err);
		record__free(s);
		return ret;
	}
	vlog("recording %d process(es) (%s sched_switch, user stacks of long waits at %s, %llu Hz, "
	     "threshold %.1f ms) into %s",
	     o->nr_pids, info.attach, info.ustack_hook, (unsigned long long)o->freq_hz,
	     o->threshold_ns / 1e6, o->output);
	for (;;) {
		ret = record__poll(s, 100, &reason, err, sizeof(err));
		hud_msgs__print(record__notes(s));
		/* A failed read first, then a signal, then what the session ended on. */
		if (ret < 0) {
			elog("%s", err);
			reason = HUD_FINISH_ERROR;
			break;
		}
		if (stop_signal) {
			reason = HUD_FINISH_SIGNAL;
			break;
		}
		if (ret)
			break;
		record__stats(s, &st);
		if (st.elapsed_ns >= next_status) {
			print_status(&st, 0);
			next_status = st.elapsed_ns + 1000000000ull;
		}
	}
	print_status(NULL, 1);
	ret = record__stop(s, reason);
	hud_msgs__print(record__notes(s));
	if (o->archive) {
		ret = record__archive(s, ret);
		hud_msgs__print(record__notes(s));
	}
	record__free(s);
	return ret;
}

int main(int argc, char **argv)
{
	enum { OPT_RING = 256, OPT_ALL, OPT_WORKERS, OPT_ARCHIVE, OPT_CHECK };
	static const struct option longopts[] = {
		{"pid", required_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"duration", required_argument, NULL, 'd'},
		{"freq", required_argument, NULL, 'F'},
		{"threshold", required_argument, NULL, 't'},
		{"ring-size", required_argument, NULL, OPT_RING},
		{"call-graph", required_argument, NULL, 'g'},
		{"all", no_argument, NULL, OPT_ALL},
		{"workers", required_argument, NULL, OPT_WORKERS},
		{"archive", required_argument, NULL, OPT_ARCHIVE},
		{"check", no_argument, NULL, OPT_CHECK},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct record_opts o = {
		.output = "hud.data",
		.freq_hz = 99,
		.threshold_ns = 5000000,
		.ring_bytes = 8 << 20,
		.ustack_size = RECORD_USTACK_DEFAULT,
		.ustack_leaf_size = RECORD_USTACK_LEAF_DEFAULT,
	};
	const char *name = NULL;
	int c, all = 0, check = 0, code;
	uint64_t v;
	double d;

	hud_progname = "hud-record";
	while ((c = getopt_long(argc, argv, "p:o:d:F:t:g:vhV", longopts, NULL)) != -1) {
		if (hud_common_option(c, usage_text, &code)) {
			if (code >= 0)
				return code;
			continue;
		}
		switch (c) {
		case 'p':
			parse_pids(optarg, &o);
			break;
		case 'g':
			parse_call_graph(optarg, &o);
			break;
		case OPT_ALL:
			all = 1;
			break;
		case OPT_WORKERS:
			if (!*optarg || strlen(optarg) > 15)
				hud_usage_error("invalid --workers prefix '%s' (1 to 15 "
						"characters, as thread names)",
						optarg);
			o.workers = optarg;
			break;
		case OPT_ARCHIVE:
			if (!*optarg)
				hud_usage_error("empty --archive directory");
			o.archive = optarg;
			break;
		case OPT_CHECK:
			check = 1;
			break;
		case 'o':
			if (!*optarg)
				hud_usage_error("empty output path");
			o.output = optarg;
			break;
		case 'd':
			if (hud_parse_double(optarg, 0.001, 86400.0 * 365, &d))
				hud_usage_error("invalid duration '%s' (seconds, > 0)", optarg);
			o.duration_s = d;
			break;
		case 'F':
			if (hud_parse_u64(optarg, 1, 100000, &v))
				hud_usage_error("invalid frequency '%s' (1..100000 Hz)", optarg);
			o.freq_hz = v;
			break;
		case 't':
			if (hud_parse_double(optarg, 0, 3600000.0, &d))
				hud_usage_error("invalid threshold '%s' (milliseconds, >= 0)",
						optarg);
			o.threshold_ns = (uint64_t)(d * 1e6);
			break;
		case OPT_RING:
			if (hud_parse_u64(optarg, 4096, 1ull << 30, &v) || (v & (v - 1)) ||
			    v % (uint64_t)sysconf(_SC_PAGESIZE))
				hud_usage_error("invalid ring size '%s' (a power of two, page size "
						"to 1 GiB)",
						optarg);
			o.ring_bytes = v;
			break;
		default:
			hud_usage_error("unknown option");
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		hud_usage_error("unexpected argument '%s'", argv[optind]);
	if (name && o.nr_pids)
		hud_usage_error("give either -p PID or a process name, not both");
	if (all && !name)
		hud_usage_error("--all goes with a process NAME");
	if (check) {
		if (o.nr_pids > 1)
			hud_usage_error("--check takes one target");
		/* --check PID, as the usage line has it: a number names a pid, not a process. */
		if (name && name[strspn(name, "0123456789")] == '\0')
			parse_pids(name, &o);
		else if (name)
			resolve_name(name, 0, &o);
		return record__check(o.nr_pids ? o.pids[0] : 0, print_check_line, NULL);
	}
	if (!name && !o.nr_pids)
		hud_usage_error("no target: give -p PID or a process name");
	if (geteuid() != 0) {
		/* Capabilities may still suffice; the BPF load reports the real verdict. */
		vlog("not running as root: relying on CAP_BPF and CAP_PERFMON");
	}
	if (name) {
		resolve_name(name, all, &o);
	} else {
		for (c = 0; c < o.nr_pids; c++) {
			pid_t tgid = 0;
			int alive = 0;

			if (proc__status(o.pids[c], &tgid, &alive) || !alive) {
				elog("no process with pid %d: check it with 'ps -p %d'", o.pids[c],
				     o.pids[c]);
				return RECORD_EXIT_NO_TARGET;
			}
			if (tgid != o.pids[c]) {
				elog("%d is a thread of process %d: give -p %d (hud-record records "
				     "every thread of a process)",
				     o.pids[c], tgid, tgid);
				return RECORD_EXIT_NO_TARGET;
			}
		}
	}
	return record(&o);
}
