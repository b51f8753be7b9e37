/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * What hud-record knows about its target processes while recording: their executable
 * mappings (to notice dlopen and to archive the files hit), the names of their threads,
 * and whether they are still alive. State only: record.c reads /proc and writes records.
 */
#ifndef HUD_RECORD_TARGETS_H
#define HUD_RECORD_TARGETS_H

#include <stdint.h>
#include <sys/types.h>

#include "hud_format.h"
#include "u64set.h"

struct proc_map;

struct exec_range {
	uint64_t start, end; /* start first: the key of hud_count_le_u64() */
	uint8_t build_id[HUD_BUILD_ID_MAX];
	uint32_t build_id_size;
	char *path;
	int hit;  /* a recorded user frame fell inside */
	int nofp; /* its code has no frame pointers: events with a leaf here get stack copies */
};

/* Re-reading a process's maps after a frame fell outside them: first wait, longest wait. */
#define MAPS_REREAD_MIN_NS 100000000ull
#define MAPS_REREAD_MAX_NS 1000000000ull
/* After an mmap() of code (seen as the system call starts), before the re-read. */
#define MAPS_MMAP_SETTLE_NS 5000000ull

struct target {
	pid_t pid;
	int alive;
	struct exec_range *ranges; /* sorted by start */
	size_t nr_ranges;
	struct exec_range *gone; /* hit, then unmapped (dlclose): still archived */
	size_t nr_gone, cap_gone;
	uint64_t maps_read_ns;
	uint64_t maps_gap_ns; /* wait before the next re-read: grows while they change nothing */
	int maps_stale;	      /* a frame fell outside every known mapping, or code was mapped */
	uint64_t maps_not_before_ns; /* an mmap in progress: re-read once it is done */
	int exe_fp;		     /* its executable has frame pointers: 1, 0, or -1 unknown */
};

struct thread_name {
	uint32_t pid, tid;
	char comm[HUD_COMM_LEN + 1];
};

struct targets {
	struct target *t;
	int nr;
	struct u64set named;	   /* tids with a THREAD record */
	struct u64set nameless;	   /* tids gone from /proc before they were named */
	struct thread_name *names; /* latest name per tid */
	size_t nr_names, cap_names;
};

/* Set up @ts for @pids. 0 or -ENOMEM. */
int targets__init(struct targets *ts, const pid_t *pids, int nr);

struct target *targets__find(struct targets *ts, pid_t pid);

/* True while some target runs. */
int targets__any_alive(const struct targets *ts);

/* The mappings of one read of a process's maps, collected before they replace the old. */
struct maps_read {
	struct exec_range *r;
	size_t nr, cap;
};

/* Add mapping @m to @mr, whose code has frame pointers unless @nofp. 0 or -ENOMEM. */
int maps_read__add(struct maps_read *mr, const struct proc_map *m, int nofp);

void maps_read__free(struct maps_read *mr);

/*
 * The maps of @t were read at @now_ns into @mr (taken over): they replace the known ones,
 * keeping the hit marks of mappings that survived and, for --archive, the hit mappings
 * that did not. The wait before the next re-read doubles while re-reads change nothing.
 * 0 or -ENOMEM.
 */
int target__maps_read(struct target *t, struct maps_read *mr, uint64_t now_ns);

/* Is a re-read of @t's maps due at @now_ns (stale, and the wait is over)? */
int target__maps_due(const struct target *t, uint64_t now_ns);

/* A thread of @t called mmap() for code at @time_ns: re-read its maps soon after. */
void target__mapped_code(struct target *t, uint64_t time_ns);

/*
 * Note a user-space frame of @t: marks the mapping hit, or flags @t's maps as stale when
 * the address is in none of them (dlopen since the last read).
 */
void target__note_ip(struct target *t, uint64_t ip);

/* Has @tid a THREAD record (1), is it known gone unnamed (2), or neither (0)? */
int targets__name_state(const struct targets *ts, uint32_t tid);

/* A THREAD record named @tid @comm. 0 or -ENOMEM. */
int targets__named(struct targets *ts, uint32_t pid, uint32_t tid, const char *comm);

/* @tid left /proc before it could be named: do not look for it again. 0 or -ENOMEM. */
int targets__nameless(struct targets *ts, uint32_t tid);

/*
 * The worker-role hint: a thread-name prefix into @best, and in *@source how it was found
 * ("--workers" given as @workers, "tokio" for the runtime's default names, "group" for the
 * largest NAME-N family, "none"). 0 or -ENOMEM.
 */
int targets__role_hint(const struct targets *ts, const char *workers, char best[HUD_COMM_LEN + 1],
		       const char **source);

void targets__free(struct targets *ts);

#endif /* HUD_RECORD_TARGETS_H */
