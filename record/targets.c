// SPDX-License-Identifier: MIT OR Apache-2.0
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

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
		ts->t[i].exe_fp = -1;
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

int targets__any_alive(const struct targets *ts)
{
	int i;

	for (i = 0; i < ts->nr; i++)
		if (ts->t[i].alive)
			return 1;
	return 0;
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

int maps_read__add(struct maps_read *mr, const struct proc_map *m, int nofp)
{
	struct exec_range *r;

	if (!HUD_GROW(mr->r, mr->cap, mr->nr + 1))
		return -ENOMEM;
	r = &mr->r[mr->nr];
	memset(r, 0, sizeof(*r));
	r->start = m->start;
	r->end = m->end;
	r->build_id_size = m->build_id_size;
	memcpy(r->build_id, m->build_id, sizeof(r->build_id));
	r->nofp = nofp;
	r->path = strdup(m->path);
	if (!r->path)
		return -ENOMEM;
	mr->nr++;
	return 0;
}

void maps_read__free(struct maps_read *mr)
{
	ranges__free(mr->r, mr->nr);
	memset(mr, 0, sizeof(*mr));
}

static int cmp_range(const void *a, const void *b)
{
	const struct exec_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int target__maps_read(struct target *t, struct maps_read *mr, uint64_t now_ns)
{
	struct exec_range *r = mr->r;
	size_t nr = mr->nr, i, j;
	bool changed;

	if (nr)
		qsort(r, nr, sizeof(*r), cmp_range);
	/*
	 * Code outside every mapping that no re-read explains (JIT code, or a bad frame
	 * from a walk through code without frame pointers) must not make hud-record re-read
	 * the maps 10 times a second for ever: the wait doubles, up to a second, while the
	 * mappings stay the same.
	 */
	changed = nr != t->nr_ranges;
	for (i = 0; !changed && i < nr; i++)
		changed = r[i].start != t->ranges[i].start || r[i].end != t->ranges[i].end ||
			  strcmp(r[i].path, t->ranges[i].path);
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

		for (i = 0; i < nr && !kept; i++) {
			kept = t->ranges[j].start == r[i].start &&
			       !strcmp(t->ranges[j].path, r[i].path);
			if (kept && t->ranges[j].hit)
				r[i].hit = 1;
		}
		if (!kept && t->ranges[j].hit && t->ranges[j].build_id_size &&
		    target__keep_gone(t, &t->ranges[j]))
			return -ENOMEM;
	}
	free_ranges(t);
	t->ranges = r;
	t->nr_ranges = nr;
	memset(mr, 0, sizeof(*mr));
	t->maps_read_ns = now_ns;
	t->maps_stale = 0;
	return 0;
}

int target__maps_due(const struct target *t, uint64_t now_ns)
{
	uint64_t gap = t->maps_gap_ns ? t->maps_gap_ns : MAPS_REREAD_MIN_NS;

	return t->alive && t->maps_stale && now_ns - t->maps_read_ns >= gap &&
	       now_ns >= t->maps_not_before_ns;
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

int targets__named(struct targets *ts, uint32_t pid, uint32_t tid, const char *comm)
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

int targets__name_state(const struct targets *ts, uint32_t tid)
{
	if (u64set__has(&ts->named, tid))
		return 1;
	return u64set__has(&ts->nameless, tid) ? 2 : 0;
}

int targets__nameless(struct targets *ts, uint32_t tid)
{
	return u64set__add(&ts->nameless, tid) < 0 ? -ENOMEM : 0;
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

int targets__role_hint(const struct targets *ts, const char *workers, char best[HUD_COMM_LEN + 1],
		       const char **source)
{
	static const char *const tokio_names[] = {"tokio-runtime-w", "tokio-rt-worker"};
	ssize_t n;
	size_t i, k;

	best[0] = '\0';
	*source = "none";
	if (workers) {
		snprintf(best, HUD_COMM_LEN + 1, "%s", workers);
		*source = "--workers";
		return 0;
	}
	for (k = 0; k < ARRAY_SIZE(tokio_names); k++) {
		for (i = 0; i < ts->nr_names; i++) {
			if (!strcmp(ts->names[i].comm, tokio_names[k])) {
				snprintf(best, HUD_COMM_LEN + 1, "%s", tokio_names[k]);
				*source = "tokio";
				return 0;
			}
		}
	}
	/* Fallback: the largest family of threads named NAME-N (Builder::thread_name_fn). */
	n = largest_family(ts, best);
	if (n < 0)
		return (int)n;
	if (n > 0)
		*source = "group";
	return 0;
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
