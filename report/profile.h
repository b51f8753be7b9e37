/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * hud-report's model of one or more recordings: metadata, processes, thread names,
 * mappings, kernel symbols, and every unique (thread, stack) with what was measured on it.
 * Built by streaming each file once, so memory grows with the number of unique stacks,
 * not with the number of events. A stack is an array of indices of unique addresses
 * (struct hud_loc), and each unique address is symbolized, classified and stored once, in
 * a frame table that every stack holding it shares: about 4 bytes per recorded frame of a
 * unique stack (8 with inlined frames), plus the 184-byte struct hud_stack.
 */
#ifndef HUD_PROFILE_H
#define HUD_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "classify.h"
#include "htab.h"

/* What an event measured. Off-CPU intervals are split by why the thread was off-CPU. */
enum hud_category {
	HUD_CAT_CPU,	   /* on-CPU samples */
	HUD_CAT_BLOCKED,   /* voluntary sleep (S/D) outside the runtime's idle parking */
	HUD_CAT_PREEMPTED, /* involuntary switch: runnable, but another task took the CPU */
	HUD_CAT_RUNQUEUE,  /* woken, then waiting for a CPU (scheduling latency) */
	HUD_CAT_IDLE,	   /* the runtime parking a thread that has nothing to do */
	HUD_CAT_MAX,
};

const char *hud_category__name(enum hud_category c);
/* Parse a category name. Returns the category or -1. */
int hud_category__parse(const char *name);

/* The role of a thread when an event happened, decided from the event's stack. */
enum hud_role {
	HUD_ROLE_OTHER,
	HUD_ROLE_WORKER,   /* runtime scheduler frames (multi-thread worker, block_on) */
	HUD_ROLE_BLOCKING, /* blocking-pool frames without scheduler frames */
	HUD_ROLE_MAX,
};

const char *hud_role__name(enum hud_role r);

/*
 * One symbolized frame. Frames live once in the profile's frame table (p->frames): each
 * unique address of a stack symbolizes into a run of them (its inline expansion), shared
 * by every stack it appears in. Use profile__frame() to reach a stack's frames.
 */
struct hud_sym_frame {
	const char *function; /* NULL: unknown, print dso+offset */
	const char *raw;      /* the symbol as in the binary (for --no-demangle) */
	const char *file;
	const char *dso; /* path of the mapped file, "[kernel]" for kernel frames */
	uint64_t offset; /* file offset (user) or address (kernel) */
	int line;
	uint8_t cls; /* enum hud_frame_class */
	uint8_t inlined;
	uint8_t kernel;
	uint8_t ret;	  /* a return address: looked up at offset - 1 */
	uint8_t inferred; /* no address of the stack: a call site says it ran (resolve.c) */
};

/* What is known of how a stack was found (struct hud_stack's flags). */
enum hud_stack_flags {
	HUD_STACK_REPAIRED = 1u << 0,  /* unwound with CFI from a stack copy (unwind.h) */
	HUD_STACK_COMPLETE = 1u << 1,  /* the outermost user frame starts a thread or the program */
	HUD_STACK_INFERRED = 1u << 2,  /* holds frames the call sites tell of (resolve.c) */
	HUD_STACK_TRUNCATED = 1u << 3, /* frames past a return address no call precedes dropped */
	HUD_STACK_IDLE = 1u << 4, /* the runtime parking: its blocked time is idle (classify.c) */
};

struct hud_stack {
	/* The key, first: what a lookup reads. */
	uint64_t hash;
	/* nr_kernel + nr_user indices into p->locs: the recorded addresses, leaf first. */
	uint32_t *locs;
	uint32_t pid, tid;
	uint16_t src; /* index of the input file */
	uint16_t nr_kernel, nr_user;
	uint8_t flags;	      /* enum hud_stack_flags: REPAIRED is part of the key */
	uint8_t role;	      /* enum hud_role */
	uint32_t nr_frames;   /* after profile__symbolize(), inlined frames expanded */
	int32_t hot_frame;    /* the first user frame from the leaf, or -1 */
	int32_t reason_frame; /* the kernel frame that says why it blocked, or -1 */
	/*
	 * Measurements per category; ns is sampling-period weighted for CPU samples and for
	 * sampled off-CPU intervals (grid points), and ns_sq the sum of the squared weights
	 * (the variance of a compound Poisson total, for hud-diff's noise test).
	 */
	uint64_t count[HUD_CAT_MAX];
	uint64_t ns[HUD_CAT_MAX];
	double ns_sq[HUD_CAT_MAX];
	uint64_t ns_sampled; /* the part of ns, over all categories, from sampled intervals */
	/*
	 * Filled by profile__symbolize(): nr_frames indices into p->frames, leaf first (the
	 * same array as locs when no address expands into inlined frames).
	 */
	uint32_t *frame_ids;
};

/*
 * A unique address of the recording: where a stack's instruction pointer symbolizes the
 * same way everywhere (same process, same kind of frame). Stacks hold indices of these.
 */
struct hud_loc {
	uint64_t ip;
	uint32_t pid;
	uint16_t src;
	uint8_t kind;	    /* HUD_LOC_KERNEL, HUD_LOC_LEAF or HUD_LOC_RETURN */
	uint8_t symbolized; /* 1 once resolved to a name (counted in frames_symbolized) */
	/*
	 * Which mapping the address belongs to when a range was mapped again to another
	 * file during the recording: the number of such remaps of it seen before the event
	 * (0 almost always), and how many MAP records had been read then (see find_map()).
	 */
	uint32_t epoch;
	uint32_t maps_seen;
	/*
	 * After profile__symbolize(): its nr frames, innermost first, are p->frames[its
	 * index], then (inlined code) p->frames[first .. first + nr - 2].
	 */
	uint32_t first;
	uint32_t nr; /* 0: not symbolized yet */
};

enum hud_loc_kind {
	HUD_LOC_KERNEL, /* a kernel address */
	HUD_LOC_LEAF,	/* the leaf user frame: the interrupted instruction */
	HUD_LOC_RETURN, /* any other user frame: a return address */
};

/* After loading: one per (src, pid, tid), its latest name; sorted by (src, tid, pid). */
struct hud_thread {
	uint16_t src;
	uint32_t pid, tid;
	uint32_t seq;	   /* order of the THREAD records while loading */
	uint64_t first_ns; /* its first THREAD record's time */
	char comm[17];
};

/*
 * When a thread's scheduling was watched (THREAD_STATE records, format 1.2), for the time
 * budget. After loading: one per (src, tid), sorted by them.
 */
struct hud_thread_clock {
	uint16_t src;
	uint32_t pid, tid;
	uint64_t seen_ns; /* SEEN: watched from here on; 0 never */
	uint64_t exit_ns; /* EXIT; 0: alive at the end */
	uint64_t open_ns; /* OPEN: off-CPU from here to the end; 0 not */
	/*
	 * A live view's file: the thread's events are known up to here, and an interval
	 * from then on may still be open (unaccounted until it ends). 0: all are known.
	 */
	uint64_t known_ns;
	uint32_t open_state; /* OPEN: task state at that switch-out */
	uint32_t seq;	     /* order of the records while loading */
};

struct hud_map {
	uint16_t src;
	uint32_t pid;
	uint64_t start, end, pgoff;
	uint8_t build_id[32];
	uint32_t build_id_size;
	char *path;
};

/* A MAP record that mapped another file over part of an older mapping (dlclose, dlopen). */
struct hud_remap {
	uint32_t pid;
	uint64_t start, end;
	size_t map; /* its index in hud_profile.maps */
};

struct hud_ksym {
	uint64_t start, end; /* start first: the key of hud_count_le_u64() */
	char *name;
};

struct hud_meta {
	uint16_t src;
	char *key, *value;
};

struct hud_source {
	char *path;
	uint64_t start_ns, end_ns; /* monotonic: start of recording, end (FINISH or last event) */
	uint64_t freq_hz, threshold_ns;
	uint64_t grid_period_ns, grid_seed; /* off-CPU sampling (1.2); period 0: none */
	uint64_t sel_lo_ns, sel_hi_ns;	    /* the filter's time selection, this clock */
	int finished, truncated;
	double duration_s;	/* recorded time inside the filter */
	uint64_t bad_offcpu;	/* OFFCPU records whose end overflows: skipped */
	char *damage;		/* reader error when the file is damaged past some point */
	struct hud_ksym *ksyms; /* sorted by start */
	size_t nr_ksyms, cap_ksyms;
	size_t first_map;	  /* its MAP records are hud_profile.maps[first_map...] */
	struct hud_remap *remaps; /* in file order */
	size_t nr_remaps, cap_remaps;
};

/* Which events to keep while loading. */
struct hud_filter {
	double time_start, time_end; /* seconds from the start of the recording; end < 0: none */
	double window;		     /* > 0: only the last @window seconds */
	uint32_t *tids;		     /* NULL: every thread */
	size_t nr_tids;
};

struct hud_profile {
	struct hud_source *sources;
	size_t nr_sources, cap_sources;
	struct hud_meta *meta;
	size_t nr_meta, cap_meta;
	struct hud_thread *threads;
	size_t nr_threads, cap_threads;
	struct hud_thread_clock *clocks;
	size_t nr_clocks, cap_clocks;
	struct hud_map *maps;
	size_t nr_maps, cap_maps;

	struct hud_stack *stacks;
	size_t nr_stacks, cap_stacks;
	struct hud_htab stack_index;

	/* Unique addresses, and the symbolized frames they expand to (profile__symbolize()). */
	struct hud_loc *locs;
	size_t nr_locs, cap_locs;
	struct hud_htab loc_index;
	/*
	 * The frame table: frames[i] is the innermost frame of loc i; the outer frames of
	 * inline expansions and inferred frames are in xframes, their ids HUD_XFRAME + index
	 * (so loc ids stay frame ids as locs are added: a live view symbolizes as it goes).
	 */
	struct hud_sym_frame *frames;
	size_t nr_frames, cap_frames;
	uint8_t *frame_flags; /* per frame: enum hud_frame_flag bits (classify.h) */
	struct hud_sym_frame *xframes;
	size_t nr_xframes, cap_xframes;
	uint8_t *xframe_flags;
	/* profile__symbolize(): stacks done so far, and resolve.c's facts per loc. */
	size_t nr_stacks_symbolized, nr_ksyms_symbolized;
	void *loc_calls;
	size_t cap_loc_calls;
	struct hud_arena arena; /* the stacks' locs and frame_ids arrays */

	uint64_t samples, offcpu_events, lost;
	uint64_t offcpu_sampled; /* of offcpu_events: sampled below the threshold */
	double duration_s;	 /* sum over sources of the (filtered) recorded time */

	/* Frame statistics from profile__symbolize(). */
	uint64_t frames_total, frames_symbolized;
	uint32_t dso_failures[8]; /* unique binaries per enum hud_dso_status */
	char **failed_dsos;	  /* "path: reason", one per unusable binary */
	size_t nr_failed_dsos, cap_failed_dsos;
};

struct hud_unwinder;

/* How recordings are read. */
struct hud_load_opts {
	const struct hud_filter *filter; /* NULL: every event */
	/* Unwinds the events that carry a user stack copy; NULL: the frame-pointer walks. */
	struct hud_unwinder *unwinder;
	/*
	 * Called with every measurement kept, as it is counted on stack p->stacks[@stack]: a
	 * sample (@dur_ns 0, weighed later), or an interval's part in @cat, @sampled when it
	 * stands for grid points. The live view keeps its time windows with it. NULL: none.
	 */
	void (*on_measure)(void *ctx, uint32_t stack, enum hud_category cat, uint64_t start_ns,
			   uint64_t dur_ns, int sampled);
	void *ctx;
};

/*
 * Read @path as source number p->nr_sources into @p (zeroed by the caller before the
 * first file) as @o says (NULL: defaults). Returns 0, or -errno with a one-line message in
 * @err (EPROTO: not a hud file or unsupported version). A damaged or truncated file still
 * returns 0 with what could be read, and sets damage / truncated on its source.
 */
int profile__load(struct hud_profile *p, const char *path, const struct hud_load_opts *o, char *err,
		  size_t err_size);

/*
 * Follow @path, a file that hud-record may still be writing (hud-report --follow, hud-top),
 * as the next source of @p: open it here, then profile__feed() reads what has arrived
 * since, into the model, as profile__load() would. A filter's time selection is not
 * applied (the live view keeps its windows with on_measure). 0, or -errno with a
 * one-line message in @err; @o must outlive the feed.
 */
struct profile_feed;
int profile__feed_open(struct hud_profile *p, const char *path, const struct hud_load_opts *o,
		       struct profile_feed **out, char *err, size_t err_size);
/*
 * Read up to @max_records of what was written since the last call, and settle the model
 * (threads, clocks, time base, weights). Returns how many records were read (0: nothing
 * new), or -errno with a message in @err (-EPROTO: not a hud file). Damage after some
 * data ends the feed with the source's damage set, as a load does.
 */
int profile__feed(struct profile_feed *fd, size_t max_records, char *err, size_t err_size);
/* FINISH was read (the recording ended), or the file ended in damage. */
int profile__feed_ended(const struct profile_feed *fd);
void profile__feed_free(struct profile_feed *fd);

/* Callback of profile__replay(): one event and the (symbolized) stack it belongs to. */
struct hud_event {
	enum hud_category cat;
	uint16_t src;
	uint32_t pid, tid, cpu, state;
	uint64_t start_ns; /* from the start of its recording */
	uint64_t dur_ns;   /* 0 for samples; for a sampled interval, its weight */
	int sampled;	   /* a sampled off-CPU interval: not on a timeline */
	const struct hud_stack *stack;
};

/*
 * Stream the events of every source again, in file order, with their stacks (trace
 * output). Same options as the load. Returns 0, the callback's non-zero value, or -errno.
 */
int profile__replay(const struct hud_profile *p, const struct hud_load_opts *o,
		    int (*cb)(void *ctx, const struct hud_event *e), void *ctx);

/* Frame ids at or above this are of p->xframes. */
#define HUD_XFRAME 0x80000000u

/* Frame @i (0 = leaf) of a symbolized stack, i < s->nr_frames. */
static inline const struct hud_sym_frame *profile__frame(const struct hud_profile *p,
							 const struct hud_stack *s, uint32_t i)
{
	uint32_t id = s->frame_ids[i];

	return id >= HUD_XFRAME ? &p->xframes[id - HUD_XFRAME] : &p->frames[id];
}

/* The enum hud_frame_flag bits of frame @i of a symbolized stack. */
static inline uint8_t profile__frame_flags(const struct hud_profile *p, const struct hud_stack *s,
					   uint32_t i)
{
	uint32_t id = s->frame_ids[i];

	return id >= HUD_XFRAME ? p->xframe_flags[id - HUD_XFRAME] : p->frame_flags[id];
}

/*
 * The mapping address @ip of process @pid was in, for an event that came after @maps_seen
 * MAP records of source @src (see FORMAT.md), or NULL; with @later_too, a mapping read
 * after the event when none before holds @ip (code mapped since the last read). Without
 * it, the answer does not depend on what is read later: the same while loading and after.
 */
const struct hud_map *profile__find_map(const struct hud_profile *p, uint16_t src, uint32_t pid,
					uint64_t ip, uint32_t maps_seen, int later_too);

/* Value of a META key of the first source, or NULL. */
const char *profile__meta(const struct hud_profile *p, const char *key);

/* Value of a META key of source @src, or NULL. */
const char *profile__source_meta(const struct hud_profile *p, uint16_t src, const char *key);

/* Latest known name of a thread, or NULL. */
const char *profile__thread_name(const struct hud_profile *p, uint16_t src, uint32_t tid);

/* The thread: its latest name, and when it was first named (first_ns); or NULL. */
const struct hud_thread *profile__thread(const struct hud_profile *p, uint16_t src, uint32_t tid);

/* When the thread's scheduling was watched, or NULL (no THREAD_STATE record). */
const struct hud_thread_clock *profile__thread_clock(const struct hud_profile *p, uint16_t src,
						     uint32_t tid);

/* Room for @n frame or loc indices that live as long as @p, or NULL. */
uint32_t *profile__alloc_ids(struct hud_profile *p, size_t n);

void profile__free(struct hud_profile *p);

#endif /* HUD_PROFILE_H */
