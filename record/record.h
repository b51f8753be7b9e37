/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * A recording session (record.c): start it, poll it until it is over or stopped, stop it.
 * The session prints nothing: its errors come back in the caller's buffer, what it has to
 * say meanwhile (a target exited, a warning at the end) as notes, and its counts as
 * stats. hud-record's main.c runs the loop and prints.
 */
#ifndef HUD_RECORD_H
#define HUD_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "msgs.h"

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

/* Where user stacks come from (--call-graph). */
enum record_ustack_mode {
	RECORD_USTACK_AUTO,  /* frame pointers; a stack copy where they cannot be trusted */
	RECORD_USTACK_FP,    /* frame pointers only */
	RECORD_USTACK_DWARF, /* a stack copy with every event */
};

/*
 * Bytes of user stack copied by default (docs/PERFORMANCE.md says why these sizes): the
 * whole stack's worth, for a target without frame pointers or with --call-graph dwarf;
 * and at a leaf without them in a target that has them (auto), only as far as the first
 * caller that keeps a frame record, where the kernel's walk takes over.
 */
#define RECORD_USTACK_DEFAULT	   (16 << 10)
#define RECORD_USTACK_LEAF_DEFAULT (2 << 10)
/* The least copied at such a leaf, even when rbp says less would do (it may lie). */
#define RECORD_USTACK_LEAF_MIN 256

struct record_opts {
	pid_t pids[RECORD_MAX_TARGETS];
	int nr_pids;
	const char *output;
	double duration_s; /* 0: until stopped or every target exits */
	uint64_t freq_hz;
	uint64_t threshold_ns;
	uint64_t ring_bytes; /* ring buffer size, a power of two */
	int sample_kernel;   /* also capture kernel stacks in on-CPU samples */
	enum record_ustack_mode ustack_mode;
	uint32_t ustack_size;	   /* bytes of stack per whole-stack copy, up to HUD_USTACK_MAX */
	uint32_t ustack_leaf_size; /* bytes per copy at a leaf without frame pointers (auto) */
	const char *workers;	   /* --workers PREFIX: thread names of the runtime's workers */
	const char *archive;	   /* --archive DIR: copy the ELF files hit, by build-id */
	const char *kallsyms;	   /* /proc/kallsyms (tests point elsewhere) */
};

struct record_session;

/* How the session records, once started (for -v). */
struct record_info {
	const char *attach;	 /* sched_switch: "tp_btf" or "raw_tp" */
	const char *ustack_hook; /* where deferred user stacks are taken */
};

/* What the session counted so far. */
struct record_stats {
	uint64_t samples, offcpu, lost, bad_events;
	uint64_t elapsed_ns;
};

/*
 * Start recording as @o says into *@s: load the BPF programs, open the output, write the
 * metadata and the targets' state, attach. Returns RECORD_EXIT_OK, or another enum
 * record_exit with a one-line message in @err (nothing is left behind then: the output
 * and its .old are as they were).
 */
int record__start(struct record_session **s, const struct record_opts *o, struct record_info *info,
		  char *err, size_t err_size);

/*
 * Record for up to @timeout_ms. Returns 0 to go on, 1 when the recording is over, with
 * *@reason why (enum hud_finish_reason: its duration elapsed, its targets exited, or
 * writing failed, which record__stop() reports), or -errno when the events cannot be read
 * (message in @err).
 */
int record__poll(struct record_session *s, int timeout_ms, uint32_t *reason, char *err,
		 size_t err_size);

/* Notes since the last call (a target exited): the caller prints and clears them. */
struct hud_msgs *record__notes(struct record_session *s);

void record__stats(const struct record_session *s, struct record_stats *st);

/*
 * Stop: detach, drain, write the final state and the end marker, close the output.
 * @stopped says why (enum hud_finish_reason: the caller's signal, or what record__poll()
 * ended on). The errors, warnings and the summary go into the notes. Returns an enum
 * record_exit.
 */
int record__stop(struct record_session *s, uint32_t stopped);

/*
 * After record__stop() returned @stopped, with --archive: copy the binaries hit
 * (archive.c), unless writing the file failed. Its warnings and result go into the notes.
 * Returns @stopped, or the enum record_exit of a failed archive.
 */
int record__archive(struct record_session *s, int stopped);

/*
 * Free @s: a session that was started must have been stopped, or its file has no end
 * marker (hud-report then says so). Accepts NULL.
 */
void record__free(struct record_session *s);

/*
 * hud-record --check: can capture work here, for this target (@pid 0: none)? Each line of
 * the verdict goes to @line(@ctx, text) as soon as it is known. Returns an enum
 * record_exit.
 */
int record__check(pid_t pid, void (*line)(void *ctx, const char *text), void *ctx);

#endif /* HUD_RECORD_H */
