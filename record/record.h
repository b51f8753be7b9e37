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

#define RECORD_MAX_TARGETS 64 /* HUD_MAX_TARGETS: the BPF programs' target list */

struct record_opts {
	pid_t pids[RECORD_MAX_TARGETS];
	int nr_pids;
	const char *output;
	double duration_s; /* 0: until SIGINT/SIGTERM/SIGHUP or every target exits */
	uint64_t freq_hz;
	uint64_t threshold_ns;
	uint64_t ring_bytes;  /* ring buffer size, a power of two */
	int sample_kernel;    /* also capture kernel stacks in on-CPU samples */
	const char *workers;  /* --workers PREFIX: thread names of the runtime's workers */
	const char *archive;  /* --archive DIR: copy the ELF files hit, by build-id */
	const char *kallsyms; /* /proc/kallsyms (tests point elsewhere) */
};

/* Record until stopped; prints its own errors and a summary. Returns an enum record_exit. */
int record__run(const struct record_opts *opts);

/* hud-record --check: can capture work here, for this target (@pid 0: none)? */
int record__check(pid_t pid);

/* Internal to record/: shared by the recorder and --check. */
struct hud_bpf;
struct bpf_link;

/* Route libbpf's messages through hud's verbosity levels. */
void record__setup_libbpf(void);

/* Open, configure and load the BPF programs (tp_btf, else raw_tp). 0 or -errno. */
int record__load_bpf(struct hud_bpf **skel, const struct record_opts *o, const char **how);
const char *record__user_stack_hook(const struct hud_bpf *skel, const char *how);

/* Attach the sampler to a cpu-clock perf event on every online CPU. 0 or -errno. */
int record__open_perf_events(struct hud_bpf *skel, uint64_t freq, struct bpf_link ***links,
			     int *nr);

#endif /* HUD_RECORD_H */
