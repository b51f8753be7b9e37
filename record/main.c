// SPDX-License-Identifier: MIT OR Apache-2.0
/* hud-record: capture what blocks a running Tokio process's threads, into a .hud file. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "record.h"
#include "util.h"

static const char usage_text[] =
	"Usage: hud-record [OPTIONS] (-p PID | NAME)\n"
	"\n"
	"Record on-CPU samples and off-CPU intervals of a running process (e.g. a Tokio\n"
	"service) with eBPF, into a file that hud-report reads. Needs root (or CAP_BPF and\n"
	"CAP_PERFMON). Stop with Ctrl-C, SIGTERM or SIGHUP; the file is always finalized.\n"
	"\n"
	"Target:\n"
	"  -p, --pid PID          record the process PID\n"
	"  NAME                   record the one process whose comm or executable name is NAME\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE      output file (default: hud.data; an existing one becomes FILE.old)\n"
	"  -d, --duration SECS    stop after SECS seconds (default: until interrupted)\n"
	"  -F, --freq HZ          on-CPU sampling frequency (default: 99)\n"
	"  -t, --threshold MS     record off-CPU intervals of at least MS ms (default: 5)\n"
	"      --ring-size BYTES  BPF ring buffer size, a power of two (default: 8388608)\n"
	"  -v, --verbose          more messages (-vv: libbpf debug output, verifier log)\n"
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
	"  hud-record -p 4242 -F 499 --threshold 1    # denser sampling, shorter off-CPU\n"
	"  hud-report -i before.hud                   # then read it (any machine, no root)\n";

static void __attribute__((noreturn, format(printf, 1, 2))) usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hud-record: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": see hud-record --help\n");
	exit(RECORD_EXIT_USAGE);
}

static pid_t resolve_name(const char *name)
{
	struct proc_match m[16];
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
	if (n > 1) {
		elog("%d processes are named '%s': pick one with -p PID:", n, name);
		for (i = 0; i < n && i < (int)ARRAY_SIZE(m); i++)
			fprintf(stderr, "  %7d  %s\n", m[i].pid, m[i].cmdline);
		exit(RECORD_EXIT_NO_TARGET);
	}
	return m[0].pid;
}

int main(int argc, char **argv)
{
	enum { OPT_RING = 256 };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "freq", required_argument, NULL, 'F' },
		{ "threshold", required_argument, NULL, 't' },
		{ "ring-size", required_argument, NULL, OPT_RING },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct record_opts o = {
		.output = "hud.data",
		.freq_hz = 99,
		.threshold_ns = 5000000,
		.ring_bytes = 8 << 20,
	};
	const char *name = NULL;
	uint64_t v;
	double d;
	int c;

	hud_progname = "hud-record";
	while ((c = getopt_long(argc, argv, "p:o:d:F:t:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (hud_parse_u64(optarg, 1, INT_MAX, &v))
				usage_error("invalid pid '%s'", optarg);
			o.pid = (pid_t)v;
			break;
		case 'o':
			if (!*optarg)
				usage_error("empty output path");
			o.output = optarg;
			break;
		case 'd':
			if (hud_parse_double(optarg, 0.001, 86400.0 * 365, &d))
				usage_error("invalid duration '%s' (seconds, > 0)", optarg);
			o.duration_s = d;
			break;
		case 'F':
			if (hud_parse_u64(optarg, 1, 100000, &v))
				usage_error("invalid frequency '%s' (1..100000 Hz)", optarg);
			o.freq_hz = v;
			break;
		case 't':
			if (hud_parse_double(optarg, 0, 3600000.0, &d))
				usage_error("invalid threshold '%s' (milliseconds, >= 0)", optarg);
			o.threshold_ns = (uint64_t)(d * 1e6);
			break;
		case OPT_RING:
			if (hud_parse_u64(optarg, 4096, 1ull << 30, &v) || (v & (v - 1)) ||
			    v % (uint64_t)sysconf(_SC_PAGESIZE))
				usage_error("invalid ring size '%s' (a power of two, page size to 1 GiB)",
					    optarg);
			o.ring_bytes = v;
			break;
		case 'v':
			hud_verbose++;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("hud-record %s\n", HUD_VERSION);
			return 0;
		default:
			fprintf(stderr, "hud-record: see hud-record --help\n");
			return RECORD_EXIT_USAGE;
		}
	}
	if (optind < argc)
		name = argv[optind++];
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (name && o.pid)
		usage_error("give either -p PID or a process name, not both");
	if (!name && !o.pid)
		usage_error("no target: give -p PID or a process name");
	if (geteuid() != 0) {
		/* Capabilities may still suffice; the BPF load reports the real verdict. */
		vlog("not running as root: relying on CAP_BPF and CAP_PERFMON");
	}
	if (name)
		o.pid = resolve_name(name);
	else if (!proc__alive(o.pid)) {
		elog("no process with pid %d: check it with 'ps -p %d'", o.pid, o.pid);
		return RECORD_EXIT_NO_TARGET;
	}
	return record__run(&o);
}
