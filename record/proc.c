// SPDX-License-Identifier: MIT OR Apache-2.0
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hud_format.h"
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

int proc__write_threads(struct hud_writer *w, pid_t pid, uint64_t now_ns,
			void (*seen)(void *ctx, pid_t tid), void *ctx)
{
	struct hud_rec_thread t;
	char path[64];
	struct dirent *de;
	int n = 0, err = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		pid_t tid;

		if (parse_pid(de->d_name, &tid))
			continue;
		memset(&t, 0, sizeof(t));
		t.pid = pid;
		t.tid = tid;
		t.time_ns = now_ns;
		if (proc__comm(pid, tid, t.comm))
			continue; /* exited meanwhile */
		err = hud_writer__add(w, HUD_REC_THREAD, &t, sizeof(t), NULL, 0);
		if (err)
			break;
		if (seen)
			seen(ctx, tid);
		n++;
	}
	closedir(dir);
	return err ? err : n;
}

int elf__build_id(const char *path, uint8_t *id, size_t size)
{
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	int fd, ret = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = -ENOEXEC;
		goto cleanup;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		Elf_Data *data;
		GElf_Nhdr nhdr;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
			if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4))
				continue;
			if (nhdr.n_descsz > size) {
				ret = -E2BIG;
				goto cleanup;
			}
			memcpy(id, (char *)data->d_buf + desc_off, nhdr.n_descsz);
			ret = (int)nhdr.n_descsz;
			goto cleanup;
		}
	}
cleanup:
	elf_end(elf);
	close(fd);
	return ret;
}

/* Fill m->build_id for a file-backed mapping; failures leave it empty (size 0). */
static void map_build_id(pid_t pid, struct hud_rec_map *m, const char *path)
{
	char alt[PATH_MAX + 64];
	int n;

	snprintf(alt, sizeof(alt), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	n = elf__build_id(alt, m->build_id, sizeof(m->build_id));
	if (n < 0 && path[0] == '/') {
		snprintf(alt, sizeof(alt), "/proc/%d/root%s", pid, path);
		n = elf__build_id(alt, m->build_id, sizeof(m->build_id));
	}
	if (n < 0)
		dlog("no build-id for %s: %s", path, strerror(-n));
	m->build_id_size = n > 0 ? (uint32_t)n : 0;
}

int proc__write_maps(struct hud_writer *w, pid_t pid, uint64_t now_ns,
		     void (*seen)(void *ctx, const struct hud_rec_map *m, const char *path),
		     void *ctx)
{
	char path[64], *line = NULL;
	size_t cap = 0;
	int n = 0, err = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		unsigned long long start, end, pgoff, inode;
		unsigned int major, minor;
		struct hud_rec_map m;
		char perms[8];
		int pos = 0;
		char *file;
		size_t len;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &pgoff,
			   &major, &minor, &inode, &pos) < 7)
			continue;
		if (perms[2] != 'x')
			continue;
		file = line + pos;
		len = strcspn(file, "\n");
		file[len] = '\0';
		memset(&m, 0, sizeof(m));
		m.pid = pid;
		m.start = start;
		m.end = end;
		m.pgoff = pgoff;
		m.inode = inode;
		m.dev_major = major;
		m.dev_minor = minor;
		m.time_ns = now_ns;
		if (inode && file[0] == '/')
			map_build_id(pid, &m, file);
		err = hud_writer__add(w, HUD_REC_MAP, &m, sizeof(m), file, len + 1);
		if (err)
			break;
		if (seen)
			seen(ctx, &m, file);
		n++;
	}
	free(line);
	fclose(f);
	return err ? err : n;
}
