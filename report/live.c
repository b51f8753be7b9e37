// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The live model (live.h). The profile is the one hud-report builds, fed as the file
 * grows; what a window needs besides is the measurements of the last HUD_LIVE_KEEP_S
 * seconds, in the order they were read, so a window's view is rebuilt from them in time
 * proportional to its events, not to the recording's.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "live.h"
#include "util.h"

/* Records read per poll at most: a long backlog is read over several refreshes. */
#define LIVE_POLL_RECORDS 200000

int live__find_file(const char *path, long since, char *out, size_t out_size)
{
	struct stat st, best_st = {0};
	char pattern[4200];
	glob_t g;
	size_t i;
	int have = 0, have_path;

	have_path = !stat(path, &st) && S_ISREG(st.st_mode) && st.st_mtime >= since;
	if (snprintf(pattern, sizeof(pattern), "%s.tmp-??????", path) >= (int)sizeof(pattern))
		return -ENAMETOOLONG;
	if (!glob(pattern, GLOB_NOSORT, NULL, &g)) {
		for (i = 0; i < g.gl_pathc; i++) {
			struct stat t;

			if (stat(g.gl_pathv[i], &t) || !S_ISREG(t.st_mode) || t.st_mtime < since ||
			    (have_path && t.st_mtime < st.st_mtime))
				continue;
			if (have && t.st_mtime < best_st.st_mtime)
				continue;
			best_st = t;
			snprintf(out, out_size, "%s", g.gl_pathv[i]);
			have = 1;
		}
		globfree(&g);
	}
	if (have)
		return 0;
	if (!have_path)
		return -ENOENT;
	snprintf(out, out_size, "%s", path);
	return 0;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct hud_live_thread *x = a, *y = b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static struct hud_live_thread *find_thread(struct hud_live *l, uint16_t src, uint32_t tid)
{
	struct hud_live_thread key = {.src = src, .tid = tid};

	return l->nr_threads
		       ? bsearch(&key, l->threads, l->nr_threads, sizeof(*l->threads), cmp_thread)
		       : NULL;
}

/* Where the thread's events are known up to: the end of the latest one. */
static int note_known(struct hud_live *l, uint16_t src, uint32_t tid, uint64_t t)
{
	struct hud_live_thread *k = find_thread(l, src, tid);
	size_t i;

	if (k) {
		if (t > k->known_ns)
			k->known_ns = t;
		return 0;
	}
	if (!HUD_GROW(l->threads, l->cap_threads, l->nr_threads + 1))
		return -ENOMEM;
	/* Keep the array sorted: threads are few, and new ones rare. */
	for (i = l->nr_threads;
	     i > 0 &&
	     cmp_thread(&l->threads[i - 1], &(struct hud_live_thread){.src = src, .tid = tid}) > 0;
	     i--)
		l->threads[i] = l->threads[i - 1];
	l->threads[i] = (struct hud_live_thread){.src = src, .tid = tid, .known_ns = t};
	l->nr_threads++;
	return 0;
}

static void on_measure(void *ctx, uint32_t stack, enum hud_category cat, uint64_t start_ns,
		       uint64_t dur_ns, int sampled)
{
	struct hud_live *l = ctx;
	const struct hud_stack *s = &l->p.stacks[stack];
	size_t n = l->first_recent + l->nr_recent;

	if (l->err)
		return;
	if (!HUD_GROW(l->recent, l->cap_recent, n + 1)) {
		l->err = -ENOMEM;
		return;
	}
	l->recent[n] = (struct hud_live_meas){.start_ns = start_ns,
					      .dur_ns = dur_ns,
					      .stack = stack,
					      .cat = (uint8_t)cat,
					      .sampled = (uint8_t)sampled};
	l->nr_recent++;
	if (note_known(l, s->src, s->tid, start_ns + dur_ns))
		l->err = -ENOMEM;
}

/* Forget measurements that ended before any window can reach. */
static void trim_recent(struct hud_live *l, uint64_t end_ns)
{
	uint64_t keep = (uint64_t)HUD_LIVE_KEEP_S * 1000000000ull;
	uint64_t lo = end_ns > keep ? end_ns - keep : 0;

	while (l->nr_recent) {
		const struct hud_live_meas *m = &l->recent[l->first_recent];

		if (m->start_ns + m->dur_ns >= lo)
			break;
		l->first_recent++;
		l->nr_recent--;
	}
	if (l->first_recent > 4096 && l->first_recent > l->nr_recent) {
		memmove(l->recent, l->recent + l->first_recent, l->nr_recent * sizeof(*l->recent));
		l->first_recent = 0;
	}
}

int live__open(struct hud_live *l, const char *path, struct hud_symbolizer *sym,
	       struct hud_unwinder *unwinder, const struct hud_resolve_opts *ro, char *err,
	       size_t err_size)
{
	memset(l, 0, sizeof(*l));
	l->sym = sym;
	l->resolve = *ro;
	l->load = (struct hud_load_opts){.unwinder = unwinder, .on_measure = on_measure, .ctx = l};
	return profile__feed_open(&l->p, path, &l->load, &l->feed, err, err_size);
}

int live__poll(struct hud_live *l, char *err, size_t err_size)
{
	const struct hud_source *s;
	size_t i;
	int n, ret;

	n = profile__feed(l->feed, LIVE_POLL_RECORDS, err, err_size);
	if (n < 0)
		return n;
	if (l->err) {
		snprintf(err, err_size, "out of memory");
		return l->err;
	}
	if (!n)
		return 0;
	l->records += (uint64_t)n;
	ret = profile__symbolize(&l->p, l->sym, &l->resolve);
	if (ret) {
		snprintf(err, err_size, "symbolizing: %s", strerror(-ret));
		return ret;
	}
	/* Until the end, a thread's latest interval may still be open. */
	for (i = 0; i < l->p.nr_clocks; i++) {
		struct hud_thread_clock *k = &l->p.clocks[i];
		const struct hud_live_thread *t = find_thread(l, k->src, k->tid);
		uint64_t known = t && t->known_ns > k->seen_ns ? t->known_ns : k->seen_ns;

		k->known_ns = profile__feed_ended(l->feed) || k->exit_ns ? 0 : known;
	}
	s = &l->p.sources[0];
	trim_recent(l, s->end_ns);
	return 1;
}

int live__ended(const struct hud_live *l)
{
	return l->feed && profile__feed_ended(l->feed);
}

/* Add measurement @m to the view's copy of its stack, its part inside [lo, ...). */
static void view_add(struct hud_live_view *v, const struct hud_live_meas *m, uint64_t lo,
		     double period_ns)
{
	struct hud_stack *s = &v->stacks[m->stack];
	double w;

	if (!m->dur_ns) { /* a sample */
		if (m->start_ns < lo)
			return;
		s->count[m->cat]++;
		s->ns[m->cat] += (uint64_t)period_ns;
		s->ns_sq[m->cat] += period_ns * period_ns;
		return;
	}
	if (m->start_ns + m->dur_ns <= lo)
		return;
	w = (double)m->dur_ns;
	/* A sampled interval stands for its points: it is in the window where it starts. */
	if (m->start_ns < lo) {
		if (m->sampled)
			return;
		w = (double)(m->start_ns + m->dur_ns - lo);
	}
	s->count[m->cat]++;
	s->ns[m->cat] += (uint64_t)w;
	s->ns_sq[m->cat] += w * w;
	if (m->sampled)
		s->ns_sampled += (uint64_t)w;
}

int live__view(struct hud_live *l, double window_s, unsigned roles, struct hud_live_view *out)
{
	const struct hud_profile *p = &l->p;
	struct hud_live_view *v = out;
	uint64_t lo, hi;
	size_t i;
	int c;

	memset(v, 0, sizeof(*v));
	v->v = *p;
	v->window_s = window_s;
	if (window_s > 0 && p->nr_sources) {
		const struct hud_source *s0 = &p->sources[0];
		double period = 1e9 / (double)(s0->freq_hz ? s0->freq_hz : 99);

		hi = s0->end_ns;
		lo = hi > (uint64_t)(window_s * 1e9) ? hi - (uint64_t)(window_s * 1e9) : 0;
		if (lo < s0->start_ns)
			lo = s0->start_ns;
		v->sources = malloc(p->nr_sources * sizeof(*v->sources));
		v->stacks = malloc((p->nr_stacks ? p->nr_stacks : 1) * sizeof(*v->stacks));
		if (!v->sources || !v->stacks) {
			live__view_free(v);
			return -ENOMEM;
		}
		memcpy(v->sources, p->sources, p->nr_sources * sizeof(*v->sources));
		memcpy(v->stacks, p->stacks, p->nr_stacks * sizeof(*v->stacks));
		v->v.duration_s = 0;
		for (i = 0; i < p->nr_sources; i++) {
			struct hud_source *s = &v->sources[i];

			s->sel_lo_ns = lo > s->start_ns ? lo : s->start_ns;
			s->sel_hi_ns = hi < s->end_ns ? hi : s->end_ns;
			s->duration_s = s->sel_hi_ns > s->sel_lo_ns
						? (s->sel_hi_ns - s->sel_lo_ns) / 1e9
						: 0;
			v->v.duration_s += s->duration_s;
		}
		for (i = 0; i < p->nr_stacks; i++) {
			struct hud_stack *s = &v->stacks[i];

			for (c = 0; c < HUD_CAT_MAX; c++) {
				s->count[c] = 0;
				s->ns[c] = 0;
				s->ns_sq[c] = 0;
			}
			s->ns_sampled = 0;
		}
		for (i = 0; i < l->nr_recent; i++)
			view_add(v, &l->recent[l->first_recent + i], lo, period);
		v->v.sources = v->sources;
		v->v.stacks = v->stacks;
	}
	c = hotspots__build(&v->h, &v->v, roles);
	if (c) {
		live__view_free(v);
		return c;
	}
	return 0;
}

void live__view_free(struct hud_live_view *v)
{
	hotspots__free(&v->h);
	free(v->stacks);
	free(v->sources);
	memset(v, 0, sizeof(*v));
}

void live__free(struct hud_live *l)
{
	profile__feed_free(l->feed);
	profile__free(&l->p);
	free(l->recent);
	free(l->threads);
	memset(l, 0, sizeof(*l));
}
