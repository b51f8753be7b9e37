/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef HUD_RECORD_H
#define HUD_RECORD_H

#include <stdint.h>
#include <sys/types.h>

/* hud-record's exit codes (documented in --help and README.md). */
enum record_exit {
	RECORD_EXIT_OK = 0,
	RECORD_EXIT_FAILED = 1,	   /* BPF load/attach failed, or another runtime error */
	RECORD_EXIT_USAGE = 2,	   /* bad command line */
	RECORD_EXIT_NO_TARGET = 3, /* no such process, or the name is ambiguous */
	RECORD_EXIT_PERM = 4,	   /* not root / missing CAP_BPF + CAP_PERFMON */
	RECORD_EXIT_OUTPUT = 5,	   /* output file cannot be created or written (disk full) */
};

struct record_opts {
	pid_t pid;
	const char *output;
	double duration_s;	/* 0: until SIGINT/SIGTERM/SIGHUP or the target exits */
	uint64_t freq_hz;
	uint64_t threshold_ns;
	uint64_t ring_bytes;	/* ring buffer size, a power of two */
	int sample_kernel;	/* also capture kernel stacks in on-CPU samples */
};

/* Record until stopped; prints its own errors and a summary. Returns an enum record_exit. */
int record__run(const struct record_opts *opts);

#endif /* HUD_RECORD_H */
