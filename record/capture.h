/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The BPF side of a recording (bpf/hud.bpf.c): open -> configure -> load the skeleton
 * (tp_btf programs, else raw_tp ones), set the targets, attach the programs and the
 * cpu-clock sampler, read the ring buffer and the lost-event counters, detach. Used by
 * the recorder and by --check.
 */
#ifndef HUD_RECORD_CAPTURE_H
#define HUD_RECORD_CAPTURE_H

#include <stdint.h>
#include <sys/types.h>

struct hud_bpf;
struct bpf_link;
struct ring_buffer;
struct record_opts;

struct capture {
	struct hud_bpf *skel;
	const char *attach; /* how sched_switch is attached: "tp_btf" or "raw_tp" */
	struct bpf_link **perf_links;
	int nr_perf_links;
	struct ring_buffer *rb;
	int ncpus;			    /* possible CPUs: the lost counters' width */
	uint64_t *lost_prev;		    /* per CPU, what capture__lost() reported already */
	uint64_t grid_period_ns, grid_seed; /* off-CPU sampling grid (FORMAT.md) */
};

/* Route libbpf's messages through hud's verbosity levels. */
void capture__setup_libbpf(void);

/*
 * Open, configure (threshold, kernel stacks, ring size) and load the programs into @c
 * (zeroed by the caller): tp_btf, else raw_tp. 0 or -errno.
 */
int capture__load(struct capture *c, const struct record_opts *o);

/* The per-CPU lost-event counters capture__lost() needs (after the load). 0 or -errno. */
int capture__alloc_counters(struct capture *c);

/* Where the user stack of a long off-CPU interval is taken, for the file and -v. */
const char *capture__user_stack_hook(const struct capture *c);

/* Record these processes (at most HUD_MAX_TARGETS; set before attaching). */
void capture__set_targets(struct capture *c, const pid_t *pids, int nr);

/* Target number @i (of capture__set_targets()) gets a stack copy with every event. */
void capture__copy_all(struct capture *c, int i);

/* A code range of @pid without frame pointers, to be put in the programs' table. */
struct capture_range {
	uint64_t start, end;
	uint32_t pid;
};

/*
 * Replace the programs' table of code without frame pointers with @nr ranges (at most
 * HUD_MAX_NOFP are kept; the rest are left out). Returns how many were left out.
 */
int capture__set_nofp(struct capture *c, const struct capture_range *r, int nr);

/*
 * Open the ring buffer, each event going to @fn(@ctx, data, size) (libbpf's
 * ring_buffer_sample_fn). 0 or -errno.
 */
int capture__open_ring(struct capture *c, int (*fn)(void *ctx, void *data, size_t size), void *ctx);

/* Attach the tracepoint programs. 0 or -errno. */
int capture__attach(struct capture *c);

/* Attach the sampler to a cpu-clock perf event at @freq Hz on every online CPU. 0 or -errno. */
int capture__open_perf_events(struct capture *c, uint64_t freq);

/*
 * Wait up to @timeout_ms for events, then hand every one in the ring to the callback.
 * Returns 0 or the callback's or libbpf's -errno.
 */
int capture__poll(struct capture *c, int timeout_ms);

/*
 * Per CPU, the events dropped since the last call (ring full, map full): @fn(@ctx, cpu, n)
 * for each counter that moved. 0, -errno, or @fn's non-zero value.
 */
int capture__lost(struct capture *c, int (*fn)(void *ctx, int cpu, uint64_t n), void *ctx);

/* A thread's state in the programs' table, for capture__for_each_thread(). */
struct capture_thread {
	uint32_t pid, tid;
	int offcpu;	       /* switched out and not back, or back and waiting for its stack */
	uint64_t since_ns;     /* the switch-out, when offcpu */
	uint32_t state, flags; /* at that switch-out: task state, HUD_OFFCPU_* flags */
};

/*
 * Every thread the programs watch (after capture__detach(), so the table is still): @fn
 * for each. 0, -errno, or @fn's non-zero value.
 */
int capture__for_each_thread(struct capture *c,
			     int (*fn)(void *ctx, const struct capture_thread *t), void *ctx);

/* Stop the producers: the sampler and the programs. The ring can still be drained. */
void capture__detach(struct capture *c);

void capture__free(struct capture *c);

#endif /* HUD_RECORD_CAPTURE_H */
