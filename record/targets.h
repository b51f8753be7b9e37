/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * What hud-record knows about its target processes while recording: their executable
 * mappings (to notice dlopen and to archive the files hit), the names of their threads,
 * and whether they are still alive.
 */
#ifndef HUD_RECORD_TARGETS_H
#define HUD_RECORD_TARGETS_H

#include <stdint.h>
#include <sys/types.h>

#include "hud_format.h"
#include "u64set.h"

struct hud_writer;

struct exec_range {
	uint64_t start, end; /* start first: the key of hud_count_le_u64() */
	uint8_t build_id[HUD_BUILD_ID_MAX];
	uint32_t build_id_size;
	char *path;
	int hit; /* a recorded user frame fell inside */
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

/*
 * Write PROCESS, THREAD and MAP records for every live target (at start and end).
 * Returns 0, or -errno from the writer; targets that vanished are marked dead.
 */
int targets__snapshot(struct targets *ts, struct hud_writer *w, uint64_t now_ns);

/* Re-read the maps of @t and write them. 0 or -errno. */
int targets__reread_maps(struct targets *ts, struct target *t, struct hud_writer *w,
			 uint64_t now_ns);

/* A thread of @t called mmap() for code at @time_ns: re-read its maps soon after. */
void target__mapped_code(struct target *t, uint64_t time_ns);

/*
 * Note a user-space frame of @t: marks the mapping hit, or flags @t's maps as stale when
 * the address is in none of them (dlopen since the last read).
 */
void target__note_ip(struct target *t, uint64_t ip);

/* Write a THREAD record for @tid unless it is named already; reads /proc. 0 or -errno. */
int targets__name_thread(struct targets *ts, struct hud_writer *w, uint32_t pid, uint32_t tid);

/*
 * @tid exits, named @comm: write a THREAD record if it has none (it lived and died
 * between two looks at /proc). 0 or -errno.
 */
int targets__exit_thread(struct targets *ts, struct hud_writer *w, uint32_t pid, uint32_t tid,
			 uint64_t time_ns, const char *comm);

/* Write a THREAD record with @comm (a rename seen by BPF). 0 or -errno. */
int targets__rename(struct targets *ts, struct hud_writer *w, uint32_t pid, uint32_t tid,
		    uint64_t time_ns, const char *comm);

/*
 * Write the worker-role hint as META records: worker_hint (a thread-name prefix) and
 * worker_hint_source ("--workers", "tokio" for the runtime's default names, "group" for
 * the largest NAME-N family, or "none"). 0 or -errno.
 */
int targets__write_role_hint(struct targets *ts, struct hud_writer *w, const char *workers);

/*
 * Copy every ELF file with a hit mapping into @dir/.build-id/xx/yyyy... (perf's layout).
 * Returns the number of files archived or -errno.
 */
int targets__archive(struct targets *ts, const char *dir);

void targets__free(struct targets *ts);

#endif /* HUD_RECORD_TARGETS_H */
