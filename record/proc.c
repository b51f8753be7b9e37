// SPDX-License-Identifier: MIT OR Apache-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfread.h"
#include "log.h"
#include "proc.h"
#include "util.h"

static int parse_pid(const char *s, pid_t *pid)
{
	uint64_t v;

	if (hud_parse_u64(s, 1, INT_MAX, &v))
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

int proc__comm(pid_t pid, pid_t tid, char comm[16])
{
	char path[64], buf[64];
	long n;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	n = hud_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	memset(comm, 0, 16);
	memcpy(comm, buf, n < 16 ? n : 16);
	return 0;
}

long proc__cmdline(pid_t pid, char *buf, size_t size)
{
	char path[64];
	long n, i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	n = hud_read_file(path, buf, size);
	if (n < 0)
		return n;
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
	return n;
}

int proc__status(pid_t pid, pid_t *tgid, int *alive)
{
	char path[64], line[256];
	long threads = -1, tg = -1;
	char state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "State:", 6))
			sscanf(line + 6, " %c", &state);
		else if (!strncmp(line, "Tgid:", 5))
			tg = strtol(line + 5, NULL, 10);
		else if (!strncmp(line, "Threads:", 8))
			threads = strtol(line + 8, NULL, 10);
	}
	fclose(f);
	if (tg <= 0)
		return -EINVAL;
	if (tgid)
		*tgid = (pid_t)tg;
	/*
	 * An exited process its parent has not reaped yet is a zombie with one thread. A
	 * zombie leader with live threads (main called pthread_exit()) is still running.
	 */
	if (alive)
		*alive = !((state == 'Z' || state == 'X') && threads <= 1);
	return 0;
}

int proc__alive(pid_t pid)
{
	int alive = 0;

	return proc__status(pid, NULL, &alive) == 0 && alive;
}

int proc__find_by_name(const char *name, struct proc_match *out, int max)
{
	char path[64], exe[PATH_MAX], comm[16];
	struct dirent *de;
	int found = 0;
	pid_t self = getpid();
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		const char *base;
		ssize_t n;
		pid_t pid;
		int match;

		if (parse_pid(de->d_name, &pid) || pid == self)
			continue;
		if (proc__comm(pid, 0, comm))
			continue;
		match = strncmp(comm, name, sizeof(comm)) == 0;
		if (!match) {
			snprintf(path, sizeof(path), "/proc/%d/exe", pid);
			n = readlink(path, exe, sizeof(exe) - 1);
			if (n > 0) {
				exe[n] = '\0';
				/* A replaced binary reads "/path (deleted)". */
				if (n > 10 && !strcmp(exe + n - 10, " (deleted)"))
					exe[n - 10] = '\0';
				base = strrchr(exe, '/');
				base = base ? base + 1 : exe;
				match = !strcmp(base, name);
			}
		}
		if (!match)
			continue;
		if (found < max) {
			out[found].pid = pid;
			memcpy(out[found].comm, comm, sizeof(comm));
			if (proc__cmdline(pid, out[found].cmdline, sizeof(out[found].cmdline)) <= 0)
				snprintf(out[found].cmdline, sizeof(out[found].cmdline), "[%.16s]",
					 comm);
		}
		found++;
	}
	closedir(dir);
	return found;
}

void proc__info(pid_t pid, struct proc_info *pi)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, pi->exe, sizeof(pi->exe) - 1);
	pi->exe[n > 0 ? n : 0] = '\0';
	if (proc__cmdline(pid, pi->cmdline, sizeof(pi->cmdline)) < 0)
		pi->cmdline[0] = '\0';
	memset(pi->comm, 0, sizeof(pi->comm));
	proc__comm(pid, 0, pi->comm);
}

int proc__for_each_thread(pid_t pid, int (*fn)(void *ctx, pid_t tid, const char *comm), void *ctx)
{
	char path[64], comm[HUD_COMM_LEN + 1];
	struct dirent *de;
	int n = 0, ret = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (!ret && (de = readdir(dir))) {
		pid_t tid;

		if (parse_pid(de->d_name, &tid))
			continue;
		memset(comm, 0, sizeof(comm));
		if (proc__comm(pid, tid, comm))
			continue; /* exited meanwhile */
		ret = fn(ctx, tid, comm);
		n++;
	}
	closedir(dir);
	return ret ? ret : n;
}

/* Fill m->build_id for a file-backed mapping; failures leave it empty (size 0). */
static void map_build_id(pid_t pid, struct proc_map *m)
{
	char alt[PATH_MAX + 64];
	int n;

	snprintf(alt, sizeof(alt), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	n = elf__build_id(alt, m->build_id, sizeof(m->build_id));
	if (n < 0 && m->path[0] == '/') {
		snprintf(alt, sizeof(alt), "/proc/%d/root%s", pid, m->path);
		n = elf__build_id(alt, m->build_id, sizeof(m->build_id));
	}
	if (n < 0)
		dlog("no build-id for %s: %s", m->path, strerror(-n));
	m->build_id_size = n > 0 ? (uint32_t)n : 0;
}

int proc__for_each_exec_map(pid_t pid, int (*fn)(void *ctx, const struct proc_map *m), void *ctx)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int n = 0, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (!ret && getline(&line, &cap, f) > 0) {
		unsigned long long start, end, pgoff, inode;
		unsigned int major, minor;
		struct proc_map m;
		char perms[8];
		int pos = 0;
		char *file;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &pgoff,
			   &major, &minor, &inode, &pos) < 7)
			continue;
		if (perms[2] != 'x')
			continue;
		file = line + pos;
		file[strcspn(file, "\n")] = '\0';
		memset(&m, 0, sizeof(m));
		m.start = start;
		m.end = end;
		m.pgoff = pgoff;
		m.inode = inode;
		m.dev_major = major;
		m.dev_minor = minor;
		m.path = file;
		if (inode && file[0] == '/')
			map_build_id(pid, &m);
		ret = fn(ctx, &m);
		n++;
	}
	free(line);
	fclose(f);
	return ret ? ret : n;
}
