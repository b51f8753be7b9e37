/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * What hud-record reads from /proc: targets, their executables and command lines, thread
 * names and executable mappings (with their files' build-ids). Readers only: the records
 * are written by emit.c.
 */
#ifndef HUD_RECORD_PROC_H
#define HUD_RECORD_PROC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hud_format.h"

struct proc_match {
	pid_t pid;
	char comm[16];
	char cmdline[256];
};

/*
 * Find processes whose comm or executable basename equals @name (hud-record itself is
 * never matched). Fills up to @max entries of @out; returns the number found (which may
 * exceed @max) or -errno.
 */
int proc__find_by_name(const char *name, struct proc_match *out, int max);

/*
 * Read /proc/@pid/status: the thread group id into *@tgid (it differs from @pid when @pid
 * is a thread), and into *@alive whether the process still runs (not an unreaped zombie).
 * Either pointer may be NULL. Returns 0 or -errno (-ENOENT: no such pid).
 */
int proc__status(pid_t pid, pid_t *tgid, int *alive);

/* True if the process @pid runs: it exists and is not an exited, unreaped zombie. */
int proc__alive(pid_t pid);

/* Text of /proc/PID/cmdline with arguments joined by spaces. Returns length or -errno. */
long proc__cmdline(pid_t pid, char *buf, size_t size);

/* comm of a process or thread (@tid == 0: the process). Returns 0 or -errno. */
int proc__comm(pid_t pid, pid_t tid, char comm[16]);

/* What describes a process: its executable, command line and name. */
struct proc_info {
	char exe[PATH_MAX];
	char cmdline[4096];
	char comm[HUD_COMM_LEN + 1];
};

/* Fill @pi for @pid; a field that cannot be read is left empty (the process may be gone). */
void proc__info(pid_t pid, struct proc_info *pi);

/*
 * Call @fn with each thread of @pid and its name, until @fn returns non-zero. Returns the
 * number of threads seen, @fn's non-zero value, or -errno.
 */
int proc__for_each_thread(pid_t pid, int (*fn)(void *ctx, pid_t tid, const char *comm), void *ctx);

/* An executable mapping of /proc/PID/maps. */
struct proc_map {
	uint64_t start, end, pgoff, inode;
	uint32_t dev_major, dev_minor;
	uint8_t build_id[HUD_BUILD_ID_MAX];
	uint32_t build_id_size; /* 0: unknown */
	const char *path;	/* as /proc shows it ("[vdso]" for special mappings) */
};

/*
 * Call @fn with each executable mapping of @pid, with the GNU build-id of its file (read
 * through /proc/PID/map_files/ so deleted or replaced files and other mount namespaces
 * work, falling back to /proc/PID/root/PATH), until @fn returns non-zero. Returns the
 * number of mappings seen, @fn's non-zero value, or -errno.
 */
int proc__for_each_exec_map(pid_t pid, int (*fn)(void *ctx, const struct proc_map *m), void *ctx);

#endif /* HUD_RECORD_PROC_H */
