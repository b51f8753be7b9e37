// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "hud_format.h"
#include "profile.h"
#include "symbolize.h"
#include "util.h"

static const char *const category_names[] = {
	[HUD_CAT_CPU] = "cpu",
	[HUD_CAT_BLOCKED] = "blocked",
	[HUD_CAT_PREEMPTED] = "preempted",
	[HUD_CAT_RUNQUEUE] = "runqueue",
	[HUD_CAT_IDLE] = "idle",
};

const char *hud_category__name(enum hud_category c)
{
	return c < HUD_CAT_MAX ? category_names[c] : "?";
}

int hud_category__parse(const char *name)
{
	int c;

	for (c = 0; c < HUD_CAT_MAX; c++)
		if (!strcmp(name, category_names[c]))
			return c;
	return -1;
}

const char *hud_role__name(enum hud_role r)
{
	static const char *const names[] = {
		[HUD_ROLE_OTHER] = "other",
		[HUD_ROLE_WORKER] = "worker",
		[HUD_ROLE_BLOCKING] = "blocking",
	};

	return r < HUD_ROLE_MAX ? names[r] : "?";
}

/* The stacks' index arrays: millions of small arrays, all freed at once. */
#define ARENA_CHUNK_BYTES (256u << 10)

static uint32_t *arena_alloc(struct hud_profile *p, size_t n)
{
	p->arena.chunk = ARENA_CHUNK_BYTES;
	return hud_arena_alloc(&p->arena, n * sizeof(uint32_t), _Alignof(uint32_t));
}

/*
 * Grow @arr of *@cap elements to hold @need, by half again (not doubling, and without
 * zeroing the new space: pages that are never used then never count in the RSS).
 */
static void *grow_lazy(void *arr, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap : first;
	void *n;

	if (need <= *cap)
		return arr;
	while (ncap < need)
		ncap += ncap / 2;
	n = realloc(arr, ncap * elem);
	if (n)
		*cap = ncap;
	return n;
}

#define GROW_LAZY(arr, cap, need, first)                                            \
	({                                                                          \
		void *g_ = grow_lazy((arr), &(cap), (need), sizeof(*(arr)), first); \
		if (g_)                                                             \
			(arr) = g_;                                                 \
		g_ != NULL;                                                         \
	})

/* ---- unique addresses -------------------------------------------------------------- */

static uint64_t loc_hash(uint16_t src, uint32_t pid, uint64_t ip, uint8_t kind, uint32_t epoch)
{
	return hud_mix64(ip ^ hud_mix64((uint64_t)src << 40 | (uint64_t)kind << 32 | pid) ^
			 (uint64_t)epoch << 48);
}

static int loc_index_rebuild(struct hud_profile *p, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));
	size_t i;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < p->nr_locs; i++) {
		const struct hud_loc *l = &p->locs[i];
		size_t j = loc_hash(l->src, l->pid, l->ip, l->kind, l->epoch) & (cap - 1);

		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = (uint32_t)i + 1;
	}
	free(p->loc_index);
	p->loc_index = idx;
	p->loc_index_cap = cap;
	return 0;
}

/*
 * The index of the unique address (src, pid, ip, kind, epoch), created on first sight with
 * @maps_seen; -ENOMEM.
 */
static int64_t loc_intern(struct hud_profile *p, uint16_t src, uint32_t pid, uint64_t ip,
			  uint8_t kind, uint32_t epoch, uint32_t maps_seen)
{
	size_t j, mask;
	struct hud_loc *l;

	if ((p->nr_locs + 1) * 2 > p->loc_index_cap &&
	    loc_index_rebuild(p, p->loc_index_cap ? p->loc_index_cap * 2 : 4096))
		return -ENOMEM;
	mask = p->loc_index_cap - 1;
	for (j = loc_hash(src, pid, ip, kind, epoch) & mask; p->loc_index[j]; j = (j + 1) & mask) {
		l = &p->locs[p->loc_index[j] - 1];
		if (l->ip == ip && l->pid == pid && l->src == src && l->kind == kind &&
		    l->epoch == epoch)
			return p->loc_index[j] - 1;
	}
	if (p->nr_locs >= UINT32_MAX - 1 || !GROW_LAZY(p->locs, p->cap_locs, p->nr_locs + 1, 4096))
		return -ENOMEM;
	p->locs[p->nr_locs] = (struct hud_loc){.ip = ip,
					       .pid = pid,
					       .src = src,
					       .kind = kind,
					       .epoch = epoch,
					       .maps_seen = maps_seen};
	p->loc_index[j] = (uint32_t)++p->nr_locs;
	return (int64_t)p->nr_locs - 1;
}

/* ---- unique stacks ---------------------------------------------------------------- */

struct stack_key {
	uint16_t src;
	uint32_t pid, tid;
	uint16_t nk, nu;
	const uint64_t *ips;
	const uint32_t *epochs; /* per frame, see hud_loc; NULL: all 0 */
	uint32_t maps_seen;	/* MAP records of the source read before this event */
};

static uint64_t stack_hash(const struct stack_key *k)
{
	uint64_t h = 0xcbf29ce484222325ull ^ k->src ^ ((uint64_t)k->pid << 16) ^
		     ((uint64_t)k->tid << 40) ^ ((uint64_t)k->nk << 20) ^ ((uint64_t)k->nu << 52);
	uint32_t i;

	for (i = 0; i < (uint32_t)k->nk + k->nu; i++) {
		h ^= k->ips[i] ^ (k->epochs ? (uint64_t)k->epochs[i] << 56 : 0);
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

static int index_rebuild(struct hud_profile *p, size_t cap)
{
	uint32_t *idx = calloc(cap, sizeof(*idx));
	size_t i;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < p->nr_stacks; i++) {
		size_t j = p->stacks[i].hash & (cap - 1);

		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = (uint32_t)i + 1;
	}
	free(p->index);
	p->index = idx;
	p->index_cap = cap;
	return 0;
}

/*
 * Addresses are compared through the stack's locs: within one (src, pid) and position,
 * equal addresses of one epoch are the same loc, so this is an exact comparison.
 */
static int stack_eq(const struct hud_profile *p, const struct hud_stack *s,
		    const struct stack_key *k, uint64_t h)
{
	uint32_t i, n = (uint32_t)k->nk + k->nu;

	if (s->hash != h || s->src != k->src || s->pid != k->pid || s->tid != k->tid ||
	    s->nr_kernel != k->nk || s->nr_user != k->nu)
		return 0;
	for (i = 0; i < n; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		if (l->ip != k->ips[i] || l->epoch != (k->epochs ? k->epochs[i] : 0))
			return 0;
	}
	return 1;
}

static struct hud_stack *stack_find(const struct hud_profile *p, const struct stack_key *k)
{
	uint64_t h = stack_hash(k);
	size_t j;

	if (!p->index_cap)
		return NULL;
	for (j = h & (p->index_cap - 1); p->index[j]; j = (j + 1) & (p->index_cap - 1))
		if (stack_eq(p, &p->stacks[p->index[j] - 1], k, h))
			return &p->stacks[p->index[j] - 1];
	return NULL;
}

static uint8_t loc_kind(const struct stack_key *k, uint32_t i)
{
	if (i < k->nk)
		return HUD_LOC_KERNEL;
	/* Every user frame but the leaf is a return address. */
	return i == k->nk ? HUD_LOC_LEAF : HUD_LOC_RETURN;
}

/* The unique stack for @k, created on first sight. NULL on ENOMEM. */
static struct hud_stack *stack_intern(struct hud_profile *p, const struct stack_key *k)
{
	uint64_t h = stack_hash(k);
	size_t j, n = (size_t)k->nk + k->nu, i;
	struct hud_stack *s;
	uint32_t *locs;

	if ((p->nr_stacks + 1) * 2 > p->index_cap &&
	    index_rebuild(p, p->index_cap ? p->index_cap * 2 : 1024))
		return NULL;
	for (j = h & (p->index_cap - 1); p->index[j]; j = (j + 1) & (p->index_cap - 1))
		if (stack_eq(p, &p->stacks[p->index[j] - 1], k, h))
			return &p->stacks[p->index[j] - 1];
	if (p->nr_stacks >= UINT32_MAX - 1 ||
	    !GROW_LAZY(p->stacks, p->cap_stacks, p->nr_stacks + 1, 1024))
		return NULL;
	locs = arena_alloc(p, n);
	if (!locs)
		return NULL;
	for (i = 0; i < n; i++) {
		int64_t id = loc_intern(p, k->src, k->pid, k->ips[i], loc_kind(k, (uint32_t)i),
					k->epochs ? k->epochs[i] : 0, k->maps_seen);

		if (id < 0)
			return NULL;
		locs[i] = (uint32_t)id;
	}
	s = &p->stacks[p->nr_stacks];
	memset(s, 0, sizeof(*s));
	s->locs = locs;
	s->src = k->src;
	s->pid = k->pid;
	s->tid = k->tid;
	s->nr_kernel = k->nk;
	s->nr_user = k->nu;
	s->hash = h;
	s->hot_frame = -1;
	s->reason_frame = -1;
	p->index[j] = (uint32_t)++p->nr_stacks;
	return s;
}

/* ---- loading ---------------------------------------------------------------------- */

struct load_ctx {
	struct hud_profile *p;
	struct hud_source *src;
	uint16_t src_idx;
	const struct hud_filter *f;
	uint64_t lo_ns, hi_ns; /* absolute monotonic bounds of the filter */
	uint64_t first_ns, last_ns;
	int scan;	    /* only find where the recording ends (for --window) */
	uint32_t maps_seen; /* MAP records read so far */
	uint32_t *epochs;   /* room for a stack's epochs, once the source has remaps */
	/* replay */
	int (*cb)(void *ctx, const struct hud_event *e);
	void *cb_ctx;
};

static int add_meta(struct hud_profile *p, uint16_t src, const char *key, const char *value)
{
	struct hud_meta *m = NULL;
	size_t i;
	char *v;

	for (i = 0; i < p->nr_meta; i++)
		if (p->meta[i].src == src && !strcmp(p->meta[i].key, key))
			m = &p->meta[i];
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	if (m) { /* the last value wins */
		free(m->value);
		m->value = v;
		return 0;
	}
	if (!HUD_GROW(p->meta, p->cap_meta, p->nr_meta + 1)) {
		free(v);
		return -ENOMEM;
	}
	m = &p->meta[p->nr_meta];
	m->src = src;
	m->value = v;
	m->key = strdup(key);
	if (!m->key) {
		free(v);
		return -ENOMEM;
	}
	p->nr_meta++;
	return 0;
}

/* Every THREAD record is kept until the source is loaded (threads_settle()). */
static int add_thread(struct hud_profile *p, uint16_t src, const struct hud_rec_thread *t)
{
	struct hud_thread *th;

	if (!HUD_GROW(p->threads, p->cap_threads, p->nr_threads + 1))
		return -ENOMEM;
	th = &p->threads[p->nr_threads];
	th->src = src;
	th->pid = t->pid;
	th->tid = t->tid;
	th->seq = (uint32_t)p->nr_threads++;
	memcpy(th->comm, t->comm, HUD_COMM_LEN);
	th->comm[HUD_COMM_LEN] = '\0';
	return 0;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct hud_thread *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The threads of the source just loaded (from @first on): one entry per (pid, tid), with
 * the latest name, sorted by tid. Sources load in order, so the whole array is sorted by
 * (src, tid, pid) for profile__thread_name().
 */
static void threads_settle(struct hud_profile *p, size_t first)
{
	struct hud_thread *t = p->threads;
	size_t i, n = first;

	if (p->nr_threads - first > 1)
		qsort(t + first, p->nr_threads - first, sizeof(*t), cmp_thread);
	for (i = first; i < p->nr_threads; i++) {
		/* A later name of the same thread follows: that one stays. */
		if (i + 1 < p->nr_threads && t[i + 1].tid == t[i].tid && t[i + 1].pid == t[i].pid)
			continue;
		t[n++] = t[i];
	}
	p->nr_threads = n;
}

/* Same file, same build-id, same file offset at each address. */
static int same_mapping(const struct hud_map *a, const struct hud_map *b)
{
	return a->start - a->pgoff == b->start - b->pgoff && a->build_id_size == b->build_id_size &&
	       !memcmp(a->build_id, b->build_id, a->build_id_size) && !strcmp(a->path, b->path);
}

/*
 * Does the new mapping @m replace part of an older one with another file? Then it starts
 * an epoch of its range: addresses there mean something else from now on. Only the newest
 * overlapping mapping counts (hud-record writes every mapping again at each re-read).
 */
static int note_remap(struct hud_profile *p, struct hud_source *s, size_t m)
{
	const struct hud_map *nm = &p->maps[m];
	size_t i = m;

	while (i-- > s->first_map) {
		const struct hud_map *o = &p->maps[i];

		if (o->pid != nm->pid || o->end <= nm->start || o->start >= nm->end)
			continue;
		if (same_mapping(o, nm))
			return 0;
		if (!HUD_GROW(s->remaps, s->cap_remaps, s->nr_remaps + 1))
			return -ENOMEM;
		s->remaps[s->nr_remaps++] = (struct hud_remap){
			.pid = nm->pid, .start = nm->start, .end = nm->end, .map = m};
		return 0;
	}
	return 0;
}

/*
 * The key of an event's stack: its thread and frames, and the epochs of its user frames
 * (see struct hud_loc), how many remaps read so far cover each address. NULL epochs, the
 * usual case, when the source has none yet. 0 or -ENOMEM.
 */
static int event_key(struct load_ctx *c, struct stack_key *k, uint32_t pid, uint32_t tid,
		     uint16_t nk, uint16_t nu, const uint64_t *ips)
{
	const struct hud_source *s = c->src;
	size_t limit = s->first_map + c->maps_seen, r;
	uint32_t i, n = (uint32_t)nk + nu;

	*k = (struct stack_key){.src = c->src_idx,
				.pid = pid,
				.tid = tid,
				.nk = nk,
				.nu = nu,
				.ips = ips,
				.maps_seen = c->maps_seen};
	if (!s->nr_remaps || s->remaps[0].map >= limit)
		return 0;
	if (!c->epochs) {
		c->epochs = malloc(2 * (UINT16_MAX + 1) * sizeof(*c->epochs));
		if (!c->epochs)
			return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		c->epochs[i] = 0;
		for (r = 0; i >= k->nk && r < s->nr_remaps && s->remaps[r].map < limit; r++)
			c->epochs[i] += s->remaps[r].pid == k->pid &&
					k->ips[i] >= s->remaps[r].start &&
					k->ips[i] < s->remaps[r].end;
	}
	k->epochs = c->epochs;
	return 0;
}

static int add_map(struct hud_profile *p, uint16_t src, const struct hud_rec_map *m)
{
	struct hud_map *hm;

	if (!HUD_GROW(p->maps, p->cap_maps, p->nr_maps + 1))
		return -ENOMEM;
	hm = &p->maps[p->nr_maps];
	hm->src = src;
	hm->pid = m->pid;
	hm->start = m->start;
	hm->end = m->end;
	hm->pgoff = m->pgoff;
	hm->build_id_size = m->build_id_size;
	memcpy(hm->build_id, m->build_id, sizeof(hm->build_id));
	hm->path = strdup(m->path);
	if (!hm->path)
		return -ENOMEM;
	p->nr_maps++;
	return note_remap(p, &p->sources[src], p->nr_maps - 1);
}

static int add_ksym(struct hud_source *s, const struct hud_rec_ksym *k)
{
	const char *module = k->names + strlen(k->names) + 1;
	struct hud_ksym *ks;
	size_t len;

	if (!HUD_GROW(s->ksyms, s->cap_ksyms, s->nr_ksyms + 1))
		return -ENOMEM;
	ks = &s->ksyms[s->nr_ksyms];
	ks->start = k->start;
	ks->end = k->end;
	len = strlen(k->names) + (*module ? strlen(module) + 3 : 0) + 1;
	ks->name = malloc(len);
	if (!ks->name)
		return -ENOMEM;
	if (*module)
		snprintf(ks->name, len, "%s [%s]", k->names, module);
	else
		snprintf(ks->name, len, "%s", k->names);
	s->nr_ksyms++;
	return 0;
}

static int tid_selected(const struct load_ctx *c, uint32_t tid)
{
	size_t i;

	if (!c->f || !c->f->tids)
		return 1;
	for (i = 0; i < c->f->nr_tids; i++)
		if (c->f->tids[i] == tid)
			return 1;
	return 0;
}

static int in_filter(const struct load_ctx *c, uint32_t tid, uint64_t t)
{
	return t >= c->lo_ns && t <= c->hi_ns && tid_selected(c, tid);
}

/* Count one measurement, or hand it to the replay callback. */
static int measure(struct load_ctx *c, const struct stack_key *k, enum hud_category cat,
		   uint64_t start, uint64_t dur, uint32_t cpu, uint32_t state)
{
	struct hud_stack *s;
	struct hud_event e;

	if (!c->cb) {
		s = stack_intern(c->p, k);
		if (!s)
			return -ENOMEM;
		s->count[cat]++;
		if (cat != HUD_CAT_CPU) /* CPU weighted at the end */
			s->ns[cat] = hud_sat_add_u64(s->ns[cat], dur);
		return 0;
	}
	s = stack_find(c->p, k);
	if (!s)
		return 0;
	/* The stack decided it: runtime parking is idle, not blocked. */
	if (cat == HUD_CAT_BLOCKED && s->count[HUD_CAT_IDLE] && !s->count[HUD_CAT_BLOCKED])
		cat = HUD_CAT_IDLE;
	e = (struct hud_event){.cat = cat,
			       .src = c->src_idx,
			       .pid = k->pid,
			       .tid = k->tid,
			       .cpu = cpu,
			       .state = state,
			       .start_ns = start - c->src->start_ns,
			       .dur_ns = dur,
			       .stack = s};
	return c->cb(c->cb_ctx, &e);
}

/*
 * The part of [start, end] inside --time/--window: an interval that crosses an edge of the
 * selection counts only for its time inside, and one wholly outside not at all.
 */
static int measure_clipped(struct load_ctx *c, const struct stack_key *k, enum hud_category cat,
			   uint64_t start, uint64_t end, uint32_t cpu, uint32_t state)
{
	int empty = end == start;

	if (end < c->lo_ns || start > c->hi_ns)
		return 0;
	if (start < c->lo_ns)
		start = c->lo_ns;
	if (end > c->hi_ns)
		end = c->hi_ns;
	/* Only touching an edge of the selection is not being in it. */
	if (end == start && !empty)
		return 0;
	return measure(c, k, cat, start, end - start, cpu, state);
}

/* Only for OFFCPU records for which offcpu_wraps() is false. */
static int add_offcpu(struct load_ctx *c, const struct hud_rec_offcpu *o)
{
	struct stack_key k;
	uint64_t runq = o->runq_ns <= o->duration_ns ? o->runq_ns : o->duration_ns;
	uint64_t start = o->start_ns, end = o->start_ns + o->duration_ns;
	int err;

	if (end < c->lo_ns || start > c->hi_ns || !tid_selected(c, o->tid))
		return 0;
	err = event_key(c, &k, o->pid, o->tid, o->nr_kernel, o->nr_user, o->ips);
	if (err)
		return err;
	if (!c->cb)
		c->p->offcpu_events++;
	/* Runnable at switch-out, or switched involuntarily: all of it is scheduling latency. */
	if ((o->flags & HUD_OFFCPU_PREEMPTED) || o->state == 0)
		return measure_clipped(c, &k, HUD_CAT_PREEMPTED, start, end, o->cpu, o->state);
	/* Slept, then waited for a CPU once woken: two measurements, back to back. */
	if (runq && runq >= c->src->threshold_ns) {
		err = measure_clipped(c, &k, HUD_CAT_BLOCKED, start, end - runq, o->cpu, o->state);
		if (err)
			return err;
		return measure_clipped(c, &k, HUD_CAT_RUNQUEUE, end - runq, end, o->cpu, 0);
	}
	return measure_clipped(c, &k, HUD_CAT_BLOCKED, start, end, o->cpu, o->state);
}

static void seen_time(struct load_ctx *c, uint64_t t)
{
	if (!c->first_ns || t < c->first_ns)
		c->first_ns = t;
	if (t > c->last_ns)
		c->last_ns = t;
}

/* Numbers of the META keys that set the time base and weights of a source. */
static void source_meta(struct load_ctx *c, const char *key, const char *value)
{
	struct hud_source *s = c->src;
	uint64_t v = strtoull(value, NULL, 10);

	if (!strcmp(key, "start_monotonic_ns")) {
		s->start_ns = v;
		if (c->f && c->f->time_start > 0)
			c->lo_ns = v + (uint64_t)(c->f->time_start * 1e9);
		if (c->f && c->f->time_end >= 0)
			c->hi_ns = v + (uint64_t)(c->f->time_end * 1e9);
	} else if (!strcmp(key, "sample_freq_hz") && v) {
		s->freq_hz = v;
	} else if (!strcmp(key, "offcpu_threshold_ns")) {
		s->threshold_ns = v;
	}
}

/*
 * An interval ending past 2^64 ns is no interval hud-record can write: the record is
 * damage, skipped (and counted) so that no sum wraps.
 */
static int offcpu_wraps(const struct hud_rec_offcpu *o)
{
	return o->duration_ns > UINT64_MAX - o->start_ns;
}

/* --window's first pass: the end of the recording, and nothing else. */
static int scan_record(struct load_ctx *c, const struct hud_record *rec)
{
	const struct hud_rec_sample *s = rec->payload;
	const struct hud_rec_offcpu *o = rec->payload;
	const struct hud_rec_finish *f = rec->payload;

	switch (rec->type) {
	case HUD_REC_SAMPLE:
		seen_time(c, s->time_ns);
		break;
	case HUD_REC_OFFCPU:
		if (offcpu_wraps(o)) /* damage, as in add_record() */
			break;
		seen_time(c, o->start_ns);
		seen_time(c, o->start_ns + o->duration_ns);
		break;
	case HUD_REC_FINISH:
		c->src->finished = 1;
		c->src->end_ns = f->end_ns;
		break;
	}
	return 0;
}

static int add_record(struct load_ctx *c, const struct hud_record *rec)
{
	struct hud_profile *p = c->p;

	if (c->scan)
		return scan_record(c, rec);
	switch (rec->type) {
	case HUD_REC_META:
		source_meta(c, hud_meta_key(rec), hud_meta_value(rec));
		return c->cb ? 0 : add_meta(p, c->src_idx, hud_meta_key(rec), hud_meta_value(rec));
	case HUD_REC_THREAD:
		return c->cb ? 0 : add_thread(p, c->src_idx, rec->payload);
	case HUD_REC_MAP:
		c->maps_seen++;
		return c->cb ? 0 : add_map(p, c->src_idx, rec->payload);
	case HUD_REC_KSYM:
		return c->cb ? 0 : add_ksym(c->src, rec->payload);
	case HUD_REC_SAMPLE: {
		const struct hud_rec_sample *s = rec->payload;
		struct stack_key k;
		int err;

		seen_time(c, s->time_ns);
		if (!in_filter(c, s->tid, s->time_ns))
			return 0;
		err = event_key(c, &k, s->pid, s->tid, s->nr_kernel, s->nr_user, s->ips);
		if (err)
			return err;
		if (!c->cb)
			p->samples++;
		return measure(c, &k, HUD_CAT_CPU, s->time_ns, 0, s->cpu, 0);
	}
	case HUD_REC_OFFCPU: {
		const struct hud_rec_offcpu *o = rec->payload;

		if (offcpu_wraps(o)) {
			if (!c->cb)
				c->src->bad_offcpu++;
			return 0;
		}
		seen_time(c, o->start_ns);
		seen_time(c, o->start_ns + o->duration_ns);
		return add_offcpu(c, o);
	}
	case HUD_REC_LOST: {
		const struct hud_rec_lost *l = rec->payload;

		if (!c->cb)
			p->lost += l->count;
		return 0;
	}
	case HUD_REC_FINISH: {
		const struct hud_rec_finish *f = rec->payload;

		c->src->finished = 1;
		c->src->end_ns = f->end_ns;
		return 0;
	}
	default:
		return 0; /* PROCESS is informational here; unknown types are skipped */
	}
}

/* Stream one file through add_record(). Returns 0, 1 if damaged (partial), or -errno. */
static int read_file(struct load_ctx *c, const char *path, char *err, size_t err_size)
{
	struct hud_record rec;
	struct hud_reader *r;
	int ret, any = 0;

	r = hud_reader__from_path(path);
	if (!r) {
		ret = -errno;
		snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	while ((ret = hud_reader__next(r, &rec)) > 0) {
		any = 1;
		ret = add_record(c, &rec);
		if (ret) {
			if (ret < 0)
				snprintf(err, err_size, "reading %s: %s", path, strerror(-ret));
			goto out;
		}
	}
	if (ret == -EPROTO || (ret < 0 && !any)) {
		snprintf(err, err_size, "%s", hud_reader__error(r) ?: path);
		ret = ret == -EPROTO ? -EPROTO : -EBADMSG;
		goto out;
	}
	if (ret < 0 && !c->cb) {
		c->src->damage = strdup(hud_reader__error(r) ?: "damaged file");
		if (!c->src->damage) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (!c->cb)
		c->src->truncated = hud_reader__truncated(r);
	ret = 0;
out:
	hud_reader__free(r);
	return ret;
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct hud_ksym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int profile__load(struct hud_profile *p, const char *path, const struct hud_filter *f, char *err,
		  size_t err_size)
{
	struct load_ctx c = {.p = p, .f = f, .hi_ns = UINT64_MAX};
	struct hud_source *s;
	uint64_t end, lo, hi;
	size_t i, first_thread;
	int ret;

	if (p->nr_sources >= UINT16_MAX) {
		snprintf(err, err_size, "too many input files");
		return -E2BIG;
	}
	if (!HUD_GROW(p->sources, p->cap_sources, p->nr_sources + 1)) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	s = &p->sources[p->nr_sources];
	memset(s, 0, sizeof(*s));
	s->freq_hz = 99;
	s->threshold_ns = 5000000;
	s->path = strdup(path);
	if (!s->path) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	c.src = s;
	c.src_idx = (uint16_t)p->nr_sources++;
	s->first_map = p->nr_maps;
	first_thread = p->nr_threads;
	if (f && f->window > 0) {
		/* The last N seconds: a first pass finds where the recording ends. */
		struct load_ctx scan = c;

		scan.scan = 1;
		ret = read_file(&scan, path, err, err_size);
		if (ret < 0)
			return ret;
		end = s->finished ? s->end_ns : scan.last_ns;
		free(s->damage); /* the real pass reports damage again */
		s->damage = NULL;
		c.lo_ns = end > (uint64_t)(f->window * 1e9) ? end - (uint64_t)(f->window * 1e9) : 0;
	}
	ret = read_file(&c, path, err, err_size);
	free(c.epochs);
	threads_settle(p, first_thread);
	if (ret < 0)
		return ret;
	if (!s->start_ns)
		s->start_ns = c.first_ns;
	if (!s->finished)
		s->end_ns = c.last_ns;
	if (s->nr_ksyms) /* no KSYM in a file cut short before its end */
		qsort(s->ksyms, s->nr_ksyms, sizeof(*s->ksyms), cmp_ksym);

	/* CPU samples weigh one sampling period each. */
	for (i = 0; i < p->nr_stacks; i++)
		if (p->stacks[i].src == c.src_idx)
			p->stacks[i].ns[HUD_CAT_CPU] =
				p->stacks[i].count[HUD_CAT_CPU] * 1000000000ull / s->freq_hz;

	/* Recorded time inside the filter. */
	lo = c.lo_ns > s->start_ns ? c.lo_ns : s->start_ns;
	hi = c.hi_ns < s->end_ns ? c.hi_ns : s->end_ns;
	if (hi > lo) {
		s->duration_s = (hi - lo) / 1e9;
		p->duration_s += s->duration_s;
	}
	return 0;
}

int profile__replay(const struct hud_profile *p, const struct hud_filter *f,
		    int (*cb)(void *ctx, const struct hud_event *e), void *ctx)
{
	char err[512];
	size_t i;
	int ret;

	for (i = 0; i < p->nr_sources; i++) {
		struct hud_source *s = &p->sources[i];
		struct load_ctx c = {.p = (struct hud_profile *)p,
				     .src = s,
				     .src_idx = (uint16_t)i,
				     .f = f,
				     .hi_ns = UINT64_MAX,
				     .cb = cb,
				     .cb_ctx = ctx};

		if (f && f->window > 0)
			c.lo_ns = s->end_ns > (uint64_t)(f->window * 1e9)
					  ? s->end_ns - (uint64_t)(f->window * 1e9)
					  : 0;
		ret = read_file(&c, s->path, err, sizeof(err));
		free(c.epochs);
		if (ret)
			return ret;
	}
	return 0;
}

const char *profile__meta(const struct hud_profile *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->nr_meta; i++)
		if (p->meta[i].src == 0 && !strcmp(p->meta[i].key, key))
			return p->meta[i].value;
	return NULL;
}

const char *profile__thread_name(const struct hud_profile *p, uint16_t src, uint32_t tid)
{
	size_t lo = 0, hi = p->nr_threads;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hud_thread *t = &p->threads[mid];

		if (t->src < src || (t->src == src && t->tid < tid))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nr_threads && p->threads[lo].src == src && p->threads[lo].tid == tid)
		return p->threads[lo].comm;
	return NULL;
}

/* ---- symbolization ---------------------------------------------------------------- */

/*
 * The mapping @l's address was in: the newest one read before @l's first event, so that
 * an address range mapped again to another file (dlclose, then dlopen) names the right
 * file on each side of the remap. Else, for code mapped after the maps were last read, the
 * first one read after the event.
 */
static const struct hud_map *find_map(const struct hud_profile *p, const struct hud_loc *l)
{
	size_t seen = p->sources[l->src].first_map + l->maps_seen, i, k;

	if (seen > p->nr_maps)
		seen = p->nr_maps;
	/* Read before the event, newest first; then read after it, oldest first. */
	for (k = 0; k < p->nr_maps; k++) {
		const struct hud_map *m;

		i = k < seen ? seen - 1 - k : k;
		m = &p->maps[i];
		if (m->pid == l->pid && m->src == l->src && l->ip >= m->start && l->ip < m->end)
			return m;
	}
	return NULL;
}

static const struct hud_ksym *find_ksym(const struct hud_source *s, uint64_t ip)
{
	size_t lo = hud_count_le_u64(s->ksyms, s->nr_ksyms, sizeof(*s->ksyms), ip);

	if (lo && ip < s->ksyms[lo - 1].end)
		return &s->ksyms[lo - 1];
	return NULL;
}

/* How to fix a binary that could not be used, by reason. */
static const char *dso_fix(enum hud_dso_status st)
{
	switch (st) {
	case HUD_DSO_NOT_FOUND:
		return ": copy it here, or pass --symfs DIR or --debug-dir DIR "
		       "(hud-record --archive DIR collects binaries)";
	case HUD_DSO_BUILD_ID_MISMATCH:
		return ": the file was rebuilt or replaced; point --symfs or --debug-dir at the "
		       "recorded build";
	case HUD_DSO_NO_SYMBOLS:
		return ": it is stripped; install its debug info (e.g. a -dbgsym package) or pass "
		       "--debug-dir";
	default:
		return "";
	}
}

static int note_dso_failure(struct hud_profile *p, struct hud_dso *d)
{
	enum hud_dso_status st = hud_dso__status(d);
	size_t i, len;
	const char *path = hud_dso__path(d);
	char *msg;

	if (st == HUD_DSO_OK || path[0] != '/')
		return 0; /* [vdso] and friends are expected to be unknown */
	len = strlen(path) + 200;
	for (i = 0; i < p->nr_failed_dsos; i++)
		if (!strncmp(p->failed_dsos[i], path, strlen(path)) &&
		    p->failed_dsos[i][strlen(path)] == ':')
			return 0;
	msg = malloc(len);
	if (!msg || !HUD_GROW(p->failed_dsos, p->cap_failed_dsos, p->nr_failed_dsos + 1)) {
		free(msg);
		return -ENOMEM;
	}
	snprintf(msg, len, "%s: %s%s", path, hud_dso__status_str(st), dso_fix(st));
	p->failed_dsos[p->nr_failed_dsos++] = msg;
	if (st < 8)
		p->dso_failures[st]++;
	return 0;
}

/* --user PREFIX: "my_crate" matches my_crate::f and <my_crate::T as Trait>::f. */
static int is_user_prefix(const struct hud_profile *p, const char *fn)
{
	size_t i, n;

	if (!fn)
		return 0;
	if (*fn == '<')
		fn++;
	for (i = 0; i < p->nr_user_prefixes; i++) {
		n = strlen(p->user_prefixes[i]);
		if (!strncmp(fn, p->user_prefixes[i], n))
			return 1;
	}
	return 0;
}

/* What roles, idleness and blocking reasons look for in a frame, decided once per frame. */
enum {
	FF_WORKER = 1 << 0,   /* a runtime scheduler frame: the thread works as a worker */
	FF_BLOCKING = 1 << 1, /* a blocking-pool frame */
	FF_BLOCK_ON = 1 << 2, /* the runtime's block_on, a runtime frame (by its shown name) */
	FF_SYSCALL = 1 << 3,  /* kernel: a system call or page fault: why it blocked */
	FF_SCHED = 1 << 4,    /* kernel: the scheduler itself, never the reason */
};

static int has_needle(const char *fn, const char *const *needles)
{
	int k;

	for (k = 0; needles[k]; k++)
		if (strstr(fn, needles[k]))
			return 1;
	return 0;
}

static int has_prefix(const char *fn, const char *const *prefixes)
{
	int k;

	for (k = 0; prefixes[k]; k++)
		if (!strncmp(fn, prefixes[k], strlen(prefixes[k])))
			return 1;
	return 0;
}

/*
 * Roles come from the stack of each event, not from thread names: Tokio 1.24 starts its
 * workers through the blocking pool (so both kinds of frames are on a worker's stack),
 * block_in_place moves the worker role to another thread, and names are configurable.
 */
static const char *const worker_frames[] = {
	"tokio::runtime::scheduler::multi_thread::worker::",
	"tokio::runtime::scheduler::current_thread::",
	"tokio::runtime::thread_pool::worker::", /* Tokio before 1.21 */
	"tokio::runtime::basic_scheduler::",	 /* Tokio before 1.21 */
	"tokio::runtime::park::CachedParkThread::block_on",
	"tokio::runtime::runtime::Runtime::block_on",
	NULL,
};
static const char *const blocking_frames[] = {
	"tokio::runtime::blocking::pool::Inner::run",
	"tokio::runtime::blocking::pool::Spawner::spawn_thread",
	NULL,
};
/* Where the runtime parks a thread that entered it (see is_runtime_idle()). */
static const char *const block_on_frames[] = {
	"tokio::runtime::runtime::Runtime::block_on",
	"tokio::runtime::handle::Handle::block_on",
	"tokio::runtime::scheduler::current_thread::",
	"tokio::runtime::scheduler::multi_thread::MultiThread::block_on",
	"tokio::runtime::basic_scheduler::", /* Tokio before 1.21 */
	NULL,
};
static const char *const sched_frames[] = {
	"schedule", "__schedule", "__switch_to", "finish_task_switch", "preempt_schedule", NULL,
};

static uint8_t kernel_flags(const char *fn)
{
	if (!fn)
		return 0;
	if (strstr(fn, "_sys_") &&
	    (!strncmp(fn, "__x64_sys_", 10) || !strncmp(fn, "__arm64_sys_", 12) ||
	     !strncmp(fn, "__se_sys_", 9) || !strncmp(fn, "__do_sys_", 9)))
		return FF_SYSCALL;
	if (!strcmp(fn, "asm_exc_page_fault") || !strcmp(fn, "exc_page_fault"))
		return FF_SYSCALL;
	return has_prefix(fn, sched_frames) ? FF_SCHED : 0;
}

/*
 * Put @f in the frame table at @slot (p->nr_frames: appended), classified, with its flags,
 * and with the name it is shown under (--no-demangle: the raw one; classes and roles still
 * use the demangled one).
 */
static int add_frame(struct hud_profile *p, uint32_t slot, struct hud_sym_frame *f)
{
	size_t cap, cap_flags;
	uint8_t flags = 0;

	if (f->kernel) {
		flags = kernel_flags(f->function);
	} else if (f->function) {
		f->cls = is_user_prefix(p, f->function)
				 ? HUD_FC_USER
				 : hud_classify_frame(f->function, f->file, f->dso, 0);
		if (has_needle(f->function, worker_frames))
			flags |= FF_WORKER;
		if (has_needle(f->function, blocking_frames))
			flags |= FF_BLOCKING;
	}
	if (f->cls == HUD_FC_RUNTIME && f->function && has_prefix(f->function, block_on_frames))
		flags |= FF_BLOCK_ON;
	if (p->no_demangle && f->raw)
		f->function = f->raw;
	if (slot == p->nr_frames) {
		if (p->nr_frames >= UINT32_MAX - 1)
			return -E2BIG;
		if (p->nr_frames == p->cap_frames) {
			/* Two arrays of one capacity: both grow alike. */
			cap = p->cap_frames;
			cap_flags = p->cap_frames;
			if (!GROW_LAZY(p->frames, cap, p->nr_frames + 1, 1024) ||
			    !GROW_LAZY(p->frame_flags, cap_flags, p->nr_frames + 1, 1024))
				return -ENOMEM;
			p->cap_frames = cap;
		}
		p->nr_frames++;
	}
	p->frames[slot] = *f;
	p->frame_flags[slot] = flags;
	return 0;
}

/*
 * Symbolize unique address @id into its frames: the innermost one in frame slot @id, the
 * functions it is inlined into (if any) appended at l->first (see profile__symbolize()).
 */
static int loc_symbolize(struct hud_profile *p, struct hud_symbolizer *sym, uint32_t id)
{
	struct hud_loc *l = &p->locs[id];
	struct hud_sym_frame f = {0};
	const struct hud_frame *fr;
	const struct hud_map *m;
	struct hud_dso *dso;
	int k, nr, err;

	l->nr = 1;
	if (l->kind == HUD_LOC_KERNEL) {
		const struct hud_ksym *ks = find_ksym(&p->sources[l->src], l->ip);

		f.dso = "[kernel.kallsyms]";
		f.offset = l->ip;
		f.kernel = 1;
		f.cls = HUD_FC_KERNEL;
		if (ks) {
			f.function = ks->name;
			l->symbolized = 1;
		}
		return add_frame(p, id, &f);
	}
	m = find_map(p, l);
	if (!m) {
		f.dso = "[unmapped]";
		f.offset = l->ip;
		f.cls = HUD_FC_UNKNOWN;
		return add_frame(p, id, &f);
	}
	f.dso = m->path;
	f.offset = l->ip - m->start + m->pgoff;
	dso = hud_symbolizer__dso(sym, m->path, m->build_id, m->build_id_size);
	if (!dso)
		return -ENOMEM;
	err = note_dso_failure(p, dso);
	if (err)
		return err;
	/* Every frame but the leaf is a return address: look up the call (perf does). */
	f.ret = l->kind == HUD_LOC_RETURN;
	nr = hud_dso__lookup(dso, f.offset, f.ret, &fr);
	if (nr < 0)
		return nr;
	if (nr == 0) {
		f.cls = HUD_FC_UNKNOWN;
		return add_frame(p, id, &f);
	}
	l->symbolized = 1;
	l->nr = (uint32_t)nr;
	l->first = (uint32_t)p->nr_frames;
	for (k = 0; k < nr; k++) {
		f.function = fr[k].function;
		f.raw = fr[k].raw;
		f.file = fr[k].file;
		f.line = fr[k].line;
		f.inlined = fr[k].inlined ? 1 : 0;
		f.cls = HUD_FC_UNKNOWN;
		err = add_frame(p, k ? (uint32_t)p->nr_frames : id, &f);
		if (err)
			return err;
	}
	return 0;
}

/* Symbolize the addresses of @s not seen before, and point its frames at them. */
static int symbolize_stack(struct hud_profile *p, struct hud_symbolizer *sym, struct hud_stack *s)
{
	uint32_t i, j, k, n = (uint32_t)s->nr_kernel + s->nr_user;
	uint64_t total = 0;
	int err;

	for (i = 0; i < n; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		if (!l->nr) {
			err = loc_symbolize(p, sym, s->locs[i]);
			if (err)
				return err;
		}
		p->frames_total++;
		p->frames_symbolized += l->symbolized;
		total += l->nr;
	}
	if (total > UINT32_MAX)
		return -E2BIG;
	s->nr_frames = (uint32_t)total;
	if (total == n) {
		/* No inlined frames: loc i's frame is frame slot i, so the locs are the frames. */
		s->frame_ids = s->locs;
		return 0;
	}
	s->frame_ids = arena_alloc(p, total);
	if (!s->frame_ids)
		return -ENOMEM;
	for (i = 0, k = 0; i < n; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		s->frame_ids[k++] = s->locs[i];
		for (j = 1; j < l->nr; j++)
			s->frame_ids[k++] = l->first + j - 1;
	}
	return 0;
}

static uint8_t frame_flags(const struct hud_profile *p, const struct hud_stack *s, uint32_t i)
{
	return p->frame_flags[s->frame_ids[i]];
}

static enum hud_role stack_role(const struct hud_profile *p, const struct hud_stack *s)
{
	unsigned flags = 0;
	uint32_t i;

	for (i = 0; i < s->nr_frames; i++)
		flags |= frame_flags(p, s, i);
	if (flags & FF_WORKER)
		return HUD_ROLE_WORKER;
	if (flags & FF_BLOCKING)
		return HUD_ROLE_BLOCKING;
	return HUD_ROLE_OTHER;
}

static const char *meta_of(const struct hud_profile *p, uint16_t src, const char *key)
{
	size_t i;

	for (i = 0; i < p->nr_meta; i++)
		if (p->meta[i].src == src && !strcmp(p->meta[i].key, key))
			return p->meta[i].value;
	return NULL;
}

/*
 * When the stack cannot tell (its binary could not be symbolized), fall back on the
 * recording's worker hint: the thread-name prefix hud-record found for the workers.
 */
static enum hud_role hinted_role(const struct hud_profile *p, const struct hud_stack *s)
{
	const char *hint, *comm;
	uint32_t i;

	/*
	 * Only a stack that could not be read at all defers to the hint: one with runtime
	 * frames was judged on them (blocking-pool threads carry the workers' names in
	 * Tokio 1.24, so the hint must not overrule a blocking verdict).
	 */
	for (i = 0; i < s->nr_frames; i++)
		if (profile__frame(p, s, i)->cls == HUD_FC_RUNTIME)
			return HUD_ROLE_OTHER;
	for (i = 0; i < s->nr_frames; i++)
		if (!profile__frame(p, s, i)->kernel && !profile__frame(p, s, i)->function)
			break;
	if (i == s->nr_frames)
		return HUD_ROLE_OTHER; /* fully symbolized: the stack's verdict stands */
	hint = meta_of(p, s->src, "worker_hint");
	comm = profile__thread_name(p, s->src, s->tid);
	if (hint && *hint && comm && !strncmp(comm, hint, strlen(hint)))
		return HUD_ROLE_WORKER;
	return HUD_ROLE_OTHER;
}

/*
 * The kernel frame that says why a thread left the CPU: the system call it was in
 * (__x64_sys_futex -> "futex"), else the leafmost frame outside the scheduler itself.
 */
static int32_t reason_frame(const struct hud_profile *p, const struct hud_stack *s)
{
	int32_t i, leaf = -1;

	for (i = 0; i < (int32_t)s->nr_frames && profile__frame(p, s, i)->kernel; i++) {
		uint8_t fl = frame_flags(p, s, i);

		if (!profile__frame(p, s, i)->function)
			continue;
		if (fl & FF_SYSCALL)
			return i;
		if (!(fl & FF_SCHED) && leaf < 0)
			leaf = i;
	}
	return leaf;
}

/*
 * Off-CPU time with no user frame and runtime frames on the stack is the runtime parking
 * an idle thread (or the blocking pool waiting for work): not a blocker. So is a thread
 * waiting inside the runtime's block_on, which user code (main, usually) called: the
 * `current_thread` runtime, or the thread that entered a multi-thread runtime, parks there
 * when its tasks have nothing to do. Only frames leafward of the user frame count: a
 * block_on rootward of it is the runtime running a task that blocked.
 */
static int is_runtime_idle(const struct hud_profile *p, const struct hud_stack *s)
{
	uint32_t i;

	if (s->hot_frame < 0) {
		for (i = 0; i < s->nr_frames; i++)
			if (profile__frame(p, s, i)->cls == HUD_FC_RUNTIME)
				return 1;
		return 0;
	}
	for (i = 0; i < (uint32_t)s->hot_frame; i++)
		if (frame_flags(p, s, i) & FF_BLOCK_ON)
			return 1;
	return 0;
}

int profile__symbolize(struct hud_profile *p, struct hud_symbolizer *sym)
{
	size_t i;
	uint32_t k;
	int err;

	/*
	 * Each unique address is symbolized and classified once, the first time a stack
	 * holds it (so unusable binaries are listed in the order stacks reach them). Frame
	 * slot i is the innermost frame of loc i; the outer frames of inline expansions
	 * follow all of those. So a stack without inlined frames needs no array of its own.
	 */
	if (p->nr_locs) {
		size_t cap = p->cap_frames, cap_flags = p->cap_frames;

		if (!GROW_LAZY(p->frames, cap, p->nr_locs, p->nr_locs) ||
		    !GROW_LAZY(p->frame_flags, cap_flags, p->nr_locs, p->nr_locs))
			return -ENOMEM;
		p->cap_frames = cap;
		p->nr_frames = p->nr_locs;
	}
	for (i = 0; i < p->nr_stacks; i++) {
		struct hud_stack *s = &p->stacks[i];

		err = symbolize_stack(p, sym, s);
		if (err)
			return err;
		for (k = 0; k < s->nr_frames; k++) {
			if (profile__frame(p, s, k)->cls == HUD_FC_USER) {
				s->hot_frame = (int32_t)k;
				break;
			}
		}
		s->role = stack_role(p, s);
		if (s->role == HUD_ROLE_OTHER)
			s->role = hinted_role(p, s);
		s->reason_frame = reason_frame(p, s);
		if (s->count[HUD_CAT_BLOCKED] && is_runtime_idle(p, s)) {
			s->count[HUD_CAT_IDLE] += s->count[HUD_CAT_BLOCKED];
			s->ns[HUD_CAT_IDLE] += s->ns[HUD_CAT_BLOCKED];
			s->count[HUD_CAT_BLOCKED] = 0;
			s->ns[HUD_CAT_BLOCKED] = 0;
		}
	}
	return 0;
}

void profile__free(struct hud_profile *p)
{
	size_t i, j;

	for (i = 0; i < p->nr_sources; i++) {
		for (j = 0; j < p->sources[i].nr_ksyms; j++)
			free(p->sources[i].ksyms[j].name);
		free(p->sources[i].ksyms);
		free(p->sources[i].path);
		free(p->sources[i].damage);
		free(p->sources[i].remaps);
	}
	for (i = 0; i < p->nr_meta; i++) {
		free(p->meta[i].key);
		free(p->meta[i].value);
	}
	for (i = 0; i < p->nr_maps; i++)
		free(p->maps[i].path);
	hud_arena_free(&p->arena);
	for (i = 0; i < p->nr_failed_dsos; i++)
		free(p->failed_dsos[i]);
	free(p->failed_dsos);
	free(p->sources);
	free(p->meta);
	free(p->threads);
	free(p->maps);
	free(p->stacks);
	free(p->index);
	free(p->locs);
	free(p->loc_index);
	free(p->frames);
	free(p->frame_flags);
	memset(p, 0, sizeof(*p));
}
