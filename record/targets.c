// SPDX-License-Identifier: MIT OR Apache-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "targets.h"
#include "util.h"

int targets__init(struct targets *ts, const pid_t *pids, int nr)
{
	int i;

	memset(ts, 0, sizeof(*ts));
	ts->t = calloc(nr, sizeof(*ts->t));
	if (!ts->t)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		ts->t[i].pid = pids[i];
		ts->t[i].alive = 1;
	}
	ts->nr = nr;
	return 0;
}

struct target *targets__find(struct targets *ts, pid_t pid)
{
	int i;

	for (i = 0; i < ts->nr; i++)
		if (ts->t[i].pid == pid)
			return &ts->t[i];
	return NULL;
}

/* Free @n ranges at @r and their paths. */
static void ranges__free(struct exec_range *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i].path);
	free(r);
}

static void free_ranges(struct target *t)
{
	ranges__free(t->ranges, t->nr_ranges);
	t->ranges = NULL;
	t->nr_ranges = 0;
}

/*
 * Keep @e, a mapping that a frame hit and that a re-read no longer finds (dlclose), for
 * --archive. Takes its path. 0 or -ENOMEM.
 */
static int target__keep_gone(struct target *t, struct exec_range *e)
{
	struct exec_range *g;

	if (!HUD_GROW(t->gone, t->cap_gone, t->nr_gone + 1))
		return -ENOMEM;
	g = &t->gone[t->nr_gone++];
	*g = *e;
	/* Its address range may hold another file by now: only the path (and build-id) count. */
	g->start = g->end = 0;
	e->path = NULL;
	return 0;
}

struct maps_ctx {
	struct target *t;
	struct exec_range *r;
	size_t nr, cap;
	int err;
};

static void range_seen(void *ctx, const struct hud_rec_map *m, const char *path)
{
	struct maps_ctx *c = ctx;
	struct exec_range *r;

	if (c->err)
		return;
	if (!HUD_GROW(c->r, c->cap, c->nr + 1)) {
		c->err = -ENOMEM;
		return;
	}
	r = &c->r[c->nr];
	memset(r, 0, sizeof(*r));
	r->start = m->start;
	r->end = m->end;
	r->build_id_size = m->build_id_size;
	memcpy(r->build_id, m->build_id, sizeof(r->build_id));
	r->path = strdup(path);
	if (!r->path) {
		c->err = -ENOMEM;
		return;
	}
	c->nr++;
}

static int cmp_range(const void *a, const void *b)
{
	const struct exec_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int targets__reread_maps(struct targets *ts, struct target *t, struct hud_writer *w,
			 uint64_t now_ns)
{
	struct maps_ctx c = {.t = t};
	bool changed;
	size_t i, j;
	int n;

	n = proc__write_maps(w, t->pid, now_ns, range_seen, &c);
	if (n < 0 || c.err) {
		ranges__free(c.r, c.nr);
		if (n == -ENOENT || n == -ESRCH) {
			t->alive = 0;
			return 0;
		}
		return n < 0 ? n : c.err;
	}
	if (c.nr)
		qsort(c.r, c.nr, sizeof(*c.r), cmp_range);
	/*
	 * Code outside every mapping that no re-read explains (JIT code, or a bad frame
	 * from a walk through code without frame pointers) must not make hud-record re-read
	 * the maps 10 times a second for ever: the wait doubles, up to a second, while the
	 * mappings stay the same.
	 */
	changed = c.nr != t->nr_ranges;
	for (i = 0; !changed && i < c.nr; i++)
		changed = c.r[i].start != t->ranges[i].start || c.r[i].end != t->ranges[i].end ||
			  strcmp(c.r[i].path, t->ranges[i].path);
	if (changed || !t->maps_gap_ns)
		t->maps_gap_ns = MAPS_REREAD_MIN_NS;
	else if (t->maps_gap_ns < MAPS_REREAD_MAX_NS)
		t->maps_gap_ns *= 2;
	/*
	 * Keep the hit marks of mappings that survived the re-read, and the mappings hit
	 * that did not, for --archive.
	 */
	for (j = 0; j < t->nr_ranges; j++) {
		bool kept = false;

		for (i = 0; i < c.nr && !kept; i++) {
			kept = t->ranges[j].start == c.r[i].start &&
			       !strcmp(t->ranges[j].path, c.r[i].path);
			if (kept && t->ranges[j].hit)
				c.r[i].hit = 1;
		}
		if (!kept && t->ranges[j].hit && t->ranges[j].build_id_size &&
		    target__keep_gone(t, &t->ranges[j])) {
			ranges__free(c.r, c.nr);
			return -ENOMEM;
		}
	}
	free_ranges(t);
	t->ranges = c.r;
	t->nr_ranges = c.nr;
	t->maps_read_ns = now_ns;
	t->maps_stale = 0;
	return 0;
}

void target__mapped_code(struct target *t, uint64_t time_ns)
{
	/*
	 * The first mmap() since the last re-read sets the time: later ones must not push
	 * it back, or a process that maps code every few ms would never be re-read. The
	 * usual back-off applies (a JIT maps code all the time).
	 */
	if (!t->maps_stale || t->maps_not_before_ns <= t->maps_read_ns)
		t->maps_not_before_ns = time_ns + MAPS_MMAP_SETTLE_NS;
	t->maps_stale = 1;
}

void target__note_ip(struct target *t, uint64_t ip)
{
	size_t lo = hud_count_le_u64(t->ranges, t->nr_ranges, sizeof(*t->ranges), ip);

	if (lo && ip < t->ranges[lo - 1].end) {
		t->ranges[lo - 1].hit = 1;
		return;
	}
	t->maps_stale = 1;
}

static int remember_name(struct targets *ts, uint32_t pid, uint32_t tid, const char *comm)
{
	struct thread_name *n = NULL;
	size_t i, known = u64set__has(&ts->named, tid);

	/* Only a renamed thread has an entry to update: most are named once. */
	for (i = 0; known && i < ts->nr_names; i++)
		if (ts->names[i].tid == tid && ts->names[i].pid == pid)
			n = &ts->names[i];
	if (!n) {
		if (!HUD_GROW(ts->names, ts->cap_names, ts->nr_names + 1))
			return -ENOMEM;
		n = &ts->names[ts->nr_names++];
		n->pid = pid;
		n->tid = tid;
	}
	memcpy(n->comm, comm, HUD_COMM_LEN);
	n->comm[HUD_COMM_LEN] = '\0';
	return u64set__add(&ts->named, tid) < 0 ? -ENOMEM : 0;
}

int targets__rename(struct targets *ts, struct hud_writer *w, uint32_t pid, uint32_t tid,
		    uint64_t time_ns, const char *comm)
{
	struct hud_rec_thread t = {.pid = pid, .tid = tid, .time_ns = time_ns};
	int err;

	memcpy(t.comm, comm, sizeof(t.comm));
	err = hud_writer__add(w, HUD_REC_THREAD, &t, sizeof(t), NULL, 0);
	return err ? err : remember_name(ts, pid, tid, t.comm);
}

int targets__name_thread(struct targets *ts, struct hud_writer *w, uint32_t pid, uint32_t tid)
{
	char comm[HUD_COMM_LEN];

	if (u64set__has(&ts->named, tid) || u64set__has(&ts->nameless, tid))
		return 0;
	if (proc__comm(pid, tid, comm)) {
		/* Gone already: its exit event names it; do not ask /proc again. */
		return u64set__add(&ts->nameless, tid) < 0 ? -ENOMEM : 0;
	}
	return targets__rename(ts, w, pid, tid, hud_now_ns(), comm);
}

int targets__exit_thread(struct targets *ts, struct hud_writer *w, uint32_t pid, uint32_t tid,
			 uint64_t time_ns, const char *comm)
{
	if (u64set__has(&ts->named, tid))
		return 0;
	return targets__rename(ts, w, pid, tid, time_ns, comm);
}

static int write_process(struct hud_writer *w, pid_t pid, uint32_t flags, uint64_t now_ns)
{
	struct hud_rec_process r = {.pid = pid, .flags = flags, .time_ns = now_ns};
	char exe[PATH_MAX], cmd[4096], comm[HUD_COMM_LEN + 1] = "", buf[PATH_MAX + 4096 + 32];
	char path[64];
	size_t a, b, c;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (proc__cmdline(pid, cmd, sizeof(cmd)) < 0)
		cmd[0] = '\0';
	proc__comm(pid, 0, comm);
	a = strlen(exe);
	b = strlen(cmd);
	c = strlen(comm);
	memcpy(buf, exe, a + 1);
	memcpy(buf + a + 1, cmd, b + 1);
	memcpy(buf + a + b + 2, comm, c + 1);
	return hud_writer__add(w, HUD_REC_PROCESS, &r, sizeof(r), buf, a + b + c + 3);
}

struct threads_ctx {
	struct targets *ts;
	pid_t pid;
	int err;
};

static void thread_seen(void *ctx, pid_t tid)
{
	struct threads_ctx *c = ctx;
	char comm[HUD_COMM_LEN] = "";

	/* proc__write_threads() just wrote the record; remember the name for role hints. */
	if (!c->err && !proc__comm(c->pid, tid, comm))
		c->err = remember_name(c->ts, c->pid, tid, comm);
}

int targets__snapshot(struct targets *ts, struct hud_writer *w, uint64_t now_ns)
{
	int i, err;

	for (i = 0; i < ts->nr; i++) {
		struct target *t = &ts->t[i];
		struct threads_ctx c = {.ts = ts, .pid = t->pid};
		int n;

		if (!t->alive)
			continue;
		err = write_process(w, t->pid, 0, now_ns);
		if (err)
			return err;
		n = proc__write_threads(w, t->pid, now_ns, thread_seen, &c);
		if (c.err)
			return c.err;
		if (n == -ENOENT || n == -ESRCH) {
			t->alive = 0;
			continue;
		}
		if (n < 0)
			return n;
		err = targets__reread_maps(ts, t, w, now_ns);
		if (err)
			return err;
	}
	return 0;
}

/* "name-12" -> length of "name-" (the family prefix), else 0. */
static size_t family_prefix(const char *comm)
{
	size_t n = strlen(comm), i = n;

	while (i > 0 && isdigit((unsigned char)comm[i - 1]))
		i--;
	if (i == n || i < 2 || comm[i - 1] != '-')
		return 0;
	return i;
}

struct family {
	const char *comm;
	size_t len;   /* of the prefix */
	size_t first; /* index of its first name */
};

static int cmp_family(const void *a, const void *b)
{
	const struct family *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = strncmp(x->comm, y->comm, x->len);
	if (c)
		return c;
	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * The largest family of threads named NAME-N (Builder::thread_name_fn) into @best, ties
 * to the family named first. Sorted, not pairwise: a process may have named 100k threads.
 * Returns its size, 0 if none, -ENOMEM.
 */
static ssize_t largest_family(const struct targets *ts, char best[HUD_COMM_LEN + 1])
{
	struct family *f = malloc((ts->nr_names + 1) * sizeof(*f));
	size_t i, j, n = 0, best_n = 0, best_first = SIZE_MAX;

	if (!f)
		return -ENOMEM;
	for (i = 0; i < ts->nr_names; i++) {
		size_t len = family_prefix(ts->names[i].comm);

		if (len)
			f[n++] = (struct family){ts->names[i].comm, len, i};
	}
	qsort(f, n, sizeof(*f), cmp_family);
	for (i = 0; i < n; i = j) {
		j = i + 1;
		while (j < n && f[j].len == f[i].len && !strncmp(f[j].comm, f[i].comm, f[i].len))
			j++;
		/* f[i] is the family's first name: ties go to the family seen first. */
		if (j - i > best_n || (j - i == best_n && f[i].first < best_first)) {
			best_n = j - i;
			best_first = f[i].first;
			snprintf(best, HUD_COMM_LEN + 1, "%.*s", (int)f[i].len, f[i].comm);
		}
	}
	free(f);
	return (ssize_t)best_n;
}

int targets__write_role_hint(struct targets *ts, struct hud_writer *w, const char *workers)
{
	static const char *const tokio_names[] = {"tokio-runtime-w", "tokio-rt-worker"};
	char best[HUD_COMM_LEN + 1] = "";
	const char *source = "none";
	ssize_t n;
	size_t i, k;
	int err;

	if (workers) {
		snprintf(best, sizeof(best), "%s", workers);
		source = "--workers";
		goto write;
	}
	for (k = 0; k < ARRAY_SIZE(tokio_names); k++) {
		for (i = 0; i < ts->nr_names; i++) {
			if (!strcmp(ts->names[i].comm, tokio_names[k])) {
				snprintf(best, sizeof(best), "%s", tokio_names[k]);
				source = "tokio";
				goto write;
			}
		}
	}
	/* Fallback: the largest family of threads named NAME-N (Builder::thread_name_fn). */
	n = largest_family(ts, best);
	if (n < 0)
		return (int)n;
	if (n > 0)
		source = "group";
write:
	err = hud_writer__add_meta(w, "worker_hint", best);
	return err ? err : hud_writer__add_meta(w, "worker_hint_source", source);
}

static void chown_dir_to_sudo_user(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		if (hud_chown_to_sudo_user(fd))
			vlog("cannot give %s to the sudo user: %s", path, strerror(errno));
		close(fd);
	}
}

static int mkdirs(char *path)
{
	char *p;

	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (!mkdir(path, 0755)) {
			chown_dir_to_sudo_user(path); /* under sudo, the user's, like the copies */
		} else if (errno != EEXIST) {
			int err = -errno;

			*p = '/';
			return err;
		}
		*p = '/';
	}
	return 0;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536], tmp[PATH_MAX + 8];
	int in, out, err = 0;
	struct stat sb;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	if (fstat(in, &sb)) {
		err = -errno;
		close(in);
		return err;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	/*
	 * The copy is no more readable than the binary (a private 0700 one stays private),
	 * never set-id, and under sudo it belongs to the user, like the recording.
	 */
	if (fchmod(out, sb.st_mode & 0777) || hud_chown_to_sudo_user(out))
		vlog("cannot set the owner or mode of %s: %s", tmp, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (write(out, buf, n) != n) {
			err = errno ? -errno : -EIO;
			break;
		}
	}
	close(in);
	if (close(out) && !err)
		err = -errno;
	if (!err && rename(tmp, to))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int targets__archive(struct targets *ts, const char *dir)
{
	char dst[PATH_MAX], src[PATH_MAX + 64];
	int i, n = 0, err;
	size_t r, k;

	for (i = 0; i < ts->nr; i++) {
		struct target *t = &ts->t[i];

		for (r = 0; r < t->nr_ranges + t->nr_gone; r++) {
			struct exec_range *e =
				r < t->nr_ranges ? &t->ranges[r] : &t->gone[r - t->nr_ranges];
			int len;

			if (!e->hit || !e->build_id_size || e->path[0] != '/')
				continue;
			len = snprintf(dst, sizeof(dst), "%s/.build-id/%02x/", dir, e->build_id[0]);
			for (k = 1; k < e->build_id_size && len < (int)sizeof(dst) - 3; k++)
				len += snprintf(dst + len, sizeof(dst) - len, "%02x",
						e->build_id[k]);
			if (access(dst, F_OK) == 0)
				continue; /* same build-id, same file */
			err = mkdirs(dst);
			if (err)
				return err;
			/* The mapping itself first: right even if the path was replaced. */
			err = -ENOENT;
			if (e->start) {
				snprintf(src, sizeof(src), "/proc/%d/map_files/%llx-%llx", t->pid,
					 (unsigned long long)e->start, (unsigned long long)e->end);
				err = copy_file(src, dst);
			}
			if (err) {
				uint8_t id[HUD_BUILD_ID_MAX];
				int m = elf__build_id(e->path, id, sizeof(id));

				/* The path only counts if it still holds the same build. */
				if (m != (int)e->build_id_size || memcmp(id, e->build_id, m)) {
					wlog("cannot archive %s: the mapped file is gone and the "
					     "path now holds another build",
					     e->path);
					continue;
				}
				err = copy_file(e->path, dst);
			}
			if (err)
				return err;
			vlog("archived %s as %s", e->path, dst);
			n++;
		}
	}
	return n;
}

void targets__free(struct targets *ts)
{
	int i;

	for (i = 0; i < ts->nr; i++) {
		free_ranges(&ts->t[i]);
		ranges__free(ts->t[i].gone, ts->t[i].nr_gone);
	}
	free(ts->t);
	free(ts->names);
	u64set__free(&ts->nameless);
	u64set__free(&ts->named);
	memset(ts, 0, sizeof(*ts));
}
