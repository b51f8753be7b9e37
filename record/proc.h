/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* What hud-record reads from /proc: targets, thread names, executable mappings. */
#ifndef HUD_RECORD_PROC_H
#define HUD_RECORD_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hud_writer;
struct hud_rec_map;

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

/*
 * Write a THREAD record for every thread of @pid. Returns the number of threads or
 * -errno. @seen (optional) is called with each tid so the caller can track it.
 */
int proc__write_threads(struct hud_writer *w, pid_t pid, uint64_t now_ns,
			void (*seen)(void *ctx, pid_t tid), void *ctx);

/*
 * Write a MAP record for every executable mapping in /proc/@pid/maps, with the GNU
 * build-id of its file (read through /proc/PID/map_files/ so deleted or replaced files
 * and other mount namespaces work, falling back to /proc/PID/root/PATH).
 * Returns the number of mappings written or -errno.
 */
int proc__write_maps(struct hud_writer *w, pid_t pid, uint64_t now_ns,
		     void (*seen)(void *ctx, const struct hud_rec_map *m, const char *path),
		     void *ctx);

/*
 * Read the GNU build-id note of the ELF file at @path into @id (up to @size bytes).
 * Returns the build-id length, 0 if the file has none, or -errno.
 */
int elf__build_id(const char *path, uint8_t *id, size_t size);

#endif /* HUD_RECORD_PROC_H */
