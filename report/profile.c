// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The model (unique addresses and stacks, metadata) and how recordings are read into it.
 * Symbolization and the runtime's rules come after, in resolve.c and classify.c.
 *
 * A file is read in one of three passes, all through add_record():
 *   scan    only where the recording ends (--window needs it before the real pass);
 *   build   metadata into the model, and every measurement counted on its unique stack;
 *   replay  every measurement again, in file order, handed to a callback with its
 *           (by then symbolized) stack: the trace output.
 * The passes share the bookkeeping that gives events their meaning (the time base, the
 * filter, the MAP records read so far); only the build pass keeps records in the model,
 * and the two event passes differ only in where a measurement goes (struct load_pass).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hud_format.h"
#include "profile.h"
#include "unwind.h"
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

uint32_t *profile__alloc_ids(struct hud_profile *p, size_t n)
{
	p->arena.chunk = ARENA_CHUNK_BYTES;
	return hud_arena_alloc(&p->arena, n * sizeof(uint32_t), _Alignof(uint32_t));
}

/* ---- unique addresses -------------------------------------------------------------- */

static uint64_t loc_hash(uint16_t src, uint32_t pid, uint64_t ip, uint8_t kind, uint32_t epoch)
{
	return hud_mix64(ip ^ hud_mix64((uint64_t)src << 40 | (uint64_t)kind << 32 | pid) ^
			 (uint64_t)epoch << 48);
}

/*
 * The index of the unique address (src, pid, ip, kind, epoch), created on first sight with
 * @maps_seen; -ENOMEM.
 */
static int64_t loc_intern(struct hud_profile *p, uint16_t src, uint32_t pid, uint64_t ip,
			  uint8_t kind, uint32_t epoch, uint32_t maps_seen)
{
	struct hud_htab_iter it;
	struct hud_loc *l;
	int64_t i;

	if (hud_htab__reserve(&p->loc_index, 1))
		return -ENOMEM;
	hud_htab__probe(&p->loc_index, loc_hash(src, pid, ip, kind, epoch), &it);
	while ((i = hud_htab__next(&p->loc_index, &it)) >= 0) {
		l = &p->locs[i];
		if (l->ip == ip && l->pid == pid && l->src == src && l->kind == kind &&
		    l->epoch == epoch)
			return i;
	}
	if (p->nr_locs >= HUD_HTAB_MAX_INDEX || !HUD_GROW(p->locs, p->cap_locs, p->nr_locs + 1))
		return -ENOMEM;
	p->locs[p->nr_locs] = (struct hud_loc){.ip = ip,
					       .pid = pid,
					       .src = src,
					       .kind = kind,
					       .epoch = epoch,
					       .maps_seen = maps_seen};
	hud_htab__insert(&p->loc_index, &it, (uint32_t)p->nr_locs);
	return (int64_t)p->nr_locs++;
}

/* ---- unique stacks ---------------------------------------------------------------- */

struct stack_key {
	uint16_t src;
	uint32_t pid, tid;
	uint16_t nk, nu;
	const uint64_t *ips;
	const uint32_t *epochs; /* per frame, see hud_loc; NULL: all 0 */
	uint32_t maps_seen;	/* MAP records of the source read before this event */
	uint8_t flags;		/* HUD_STACK_REPAIRED, or 0 */
	uint64_t hash;
};

static uint64_t stack_hash(const struct stack_key *k)
{
	uint64_t h = 0xcbf29ce484222325ull ^ k->src ^ ((uint64_t)k->pid << 16) ^
		     ((uint64_t)k->tid << 40) ^ ((uint64_t)k->nk << 20) ^ ((uint64_t)k->nu << 52) ^
		     ((uint64_t)k->flags << 36);
	uint32_t i;

	for (i = 0; i < (uint32_t)k->nk + k->nu; i++) {
		h ^= k->ips[i] ^ (k->epochs ? (uint64_t)k->epochs[i] << 56 : 0);
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return hud_mix64(h);
}

/*
 * Addresses are compared through the stack's locs: within one (src, pid) and position,
 * equal addresses of one epoch are the same loc, so this is an exact comparison.
 */
static int stack_eq(const struct hud_profile *p, const struct hud_stack *s,
		    const struct stack_key *k)
{
	uint32_t i, n = (uint32_t)k->nk + k->nu;

	if (s->hash != k->hash || s->src != k->src || s->pid != k->pid || s->tid != k->tid ||
	    s->nr_kernel != k->nk || s->nr_user != k->nu ||
	    (s->flags & HUD_STACK_REPAIRED) != k->flags)
		return 0;
	for (i = 0; i < n; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		if (l->ip != k->ips[i] || l->epoch != (k->epochs ? k->epochs[i] : 0))
			return 0;
	}
	return 1;
}

/* The stack of @k, or NULL; @it is left where a new one would be indexed. */
static struct hud_stack *stack_lookup(const struct hud_profile *p, const struct stack_key *k,
				      struct hud_htab_iter *it)
{
	int64_t i;

	hud_htab__probe(&p->stack_index, k->hash, it);
	while ((i = hud_htab__next(&p->stack_index, it)) >= 0)
		if (stack_eq(p, &p->stacks[i], k))
			return &p->stacks[i];
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
	size_t n = (size_t)k->nk + k->nu, i;
	struct hud_htab_iter it;
	struct hud_stack *s;
	uint32_t *locs;

	if (hud_htab__reserve(&p->stack_index, 1))
		return NULL;
	s = stack_lookup(p, k, &it);
	if (s)
		return s;
	if (p->nr_stacks >= HUD_HTAB_MAX_INDEX ||
	    !HUD_GROW(p->stacks, p->cap_stacks, p->nr_stacks + 1))
		return NULL;
	locs = profile__alloc_ids(p, n);
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
	s->flags = k->flags;
	s->hash = k->hash;
	s->hot_frame = -1;
	s->reason_frame = -1;
	hud_htab__insert(&p->stack_index, &it, (uint32_t)p->nr_stacks++);
	return s;
}

/* ---- the model's records ---------------------------------------------------------- */

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
	th->first_ns = t->time_ns;
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
		if (i + 1 < p->nr_threads && t[i + 1].tid == t[i].tid && t[i + 1].pid == t[i].pid) {
			if (t[i].first_ns < t[i + 1].first_ns)
				t[i + 1].first_ns = t[i].first_ns;
			continue;
		}
		t[n++] = t[i];
	}
	p->nr_threads = n;
}

static int add_clock(struct hud_profile *p, uint16_t src, const struct hud_rec_thread_state *r)
{
	struct hud_thread_clock *k;

	if (r->kind < HUD_TSTATE_SEEN || r->kind > HUD_TSTATE_OPEN)
		return 0; /* a kind of a later version */
	if (!HUD_GROW(p->clocks, p->cap_clocks, p->nr_clocks + 1))
		return -ENOMEM;
	k = &p->clocks[p->nr_clocks];
	*k = (struct hud_thread_clock){
		.src = src, .pid = r->pid, .tid = r->tid, .seq = (uint32_t)p->nr_clocks++};
	if (r->kind == HUD_TSTATE_SEEN)
		k->seen_ns = r->time_ns;
	else if (r->kind == HUD_TSTATE_EXIT)
		k->exit_ns = r->time_ns;
	else if (r->since_ns) {
		k->open_ns = r->since_ns;
		k->open_state = r->state;
	}
	return 0;
}

static int cmp_clock(const void *a, const void *b)
{
	const struct hud_thread_clock *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The clocks of the source just loaded (from @first on), one per tid: its first SEEN, its
 * EXIT, its OPEN. A tid used again by a new thread after an exit keeps the first thread's
 * SEEN and the last one's end: the budget then counts the gap as unaccounted time of one.
 */
static void clocks_settle(struct hud_profile *p, size_t first)
{
	struct hud_thread_clock *k = p->clocks;
	size_t i, n = first;

	if (p->nr_clocks - first > 1)
		qsort(k + first, p->nr_clocks - first, sizeof(*k), cmp_clock);
	for (i = first; i < p->nr_clocks; i++) {
		if (n > first && k[n - 1].tid == k[i].tid) {
			struct hud_thread_clock *m = &k[n - 1];

			if (k[i].seen_ns && (!m->seen_ns || k[i].seen_ns < m->seen_ns))
				m->seen_ns = k[i].seen_ns;
			if (k[i].exit_ns > m->exit_ns)
				m->exit_ns = k[i].exit_ns;
			if (k[i].open_ns) {
				m->open_ns = k[i].open_ns;
				m->open_state = k[i].open_state;
			}
			if (k[i].pid)
				m->pid = k[i].pid;
			continue;
		}
		k[n++] = k[i];
	}
	p->nr_clocks = n;
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

/* ---- reading a file ---------------------------------------------------------------- */

struct load_ctx;

/* Where a pass sends one measurement (a sample, or an interval's part of one category). */
struct load_pass {
	int (*measure)(struct load_ctx *c, const struct stack_key *k, enum hud_category cat,
		       uint64_t start, uint64_t dur, uint32_t cpu, uint32_t state);
	int build; /* the build pass: keep the model's records and counts */
};

struct load_ctx {
	struct hud_profile *p;
	struct hud_source *src;
	uint16_t src_idx;
	const struct load_pass *pass; /* NULL: the scan pass */
	const struct hud_filter *f;
	struct hud_unwinder *unwinder;
	const struct hud_load_opts *o; /* on_measure (the build pass) */
	uint64_t *unwound;     /* room for a stack's kernel frames and its unwound user frames */
	uint64_t lo_ns, hi_ns; /* absolute monotonic bounds of the filter */
	uint64_t first_ns, last_ns;
	uint32_t maps_seen; /* MAP records read so far */
	uint32_t *epochs;   /* room for a stack's epochs, once the source has remaps */
	int sampled;	    /* the measurement being made is of a sampled interval */
	/* replay */
	int (*cb)(void *ctx, const struct hud_event *e);
	void *cb_ctx;
};

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
	if (s->nr_remaps && s->remaps[0].map < limit) {
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
	}
	k->hash = stack_hash(k);
	return 0;
}

/*
 * The key of an event's stack (event_key()), its user frames unwound with CFI first when
 * the event carries a stack copy and there is an unwinder (unwind.h). 0 or -ENOMEM.
 */
static int stack_event_key(struct load_ctx *c, struct stack_key *k, const struct hud_record *rec,
			   size_t fixed, uint32_t pid, uint32_t tid, uint16_t nk, uint16_t nu,
			   const uint64_t *ips)
{
	const struct hud_rec_ustack *us =
		c->unwinder ? hud_rec_ustack(rec, fixed, (size_t)nk + nu) : NULL;
	unsigned flags = 0;
	int n, err;

	if (us) {
		if (!c->unwound) {
			c->unwound =
				malloc((UINT16_MAX + HUD_UNWIND_MAX_FRAMES) * sizeof(uint64_t));
			if (!c->unwound)
				return -ENOMEM;
		}
		memcpy(c->unwound, ips, nk * sizeof(*ips));
		n = hud_unwinder__unwind(c->unwinder, c->p, c->src_idx, pid, c->maps_seen, ips + nk,
					 nu, us, c->unwound + nk, &flags);
		if (n < 0)
			return n;
		ips = c->unwound;
		nu = (uint16_t)n;
	}
	err = event_key(c, k, pid, tid, nk, nu, ips);
	if (err)
		return err;
	if (flags & HUD_UNWIND_REPAIRED) {
		k->flags = HUD_STACK_REPAIRED;
		k->hash = stack_hash(k);
	}
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

/* The build pass: count the measurement on its unique stack. */
static int count_measure(struct load_ctx *c, const struct stack_key *k, enum hud_category cat,
			 uint64_t start, uint64_t dur, uint32_t cpu, uint32_t state)
{
	struct hud_stack *s = stack_intern(c->p, k);

	if (!s)
		return -ENOMEM;
	/* A stack already classified as the runtime parking (a live view's later events). */
	if (cat == HUD_CAT_BLOCKED && (s->flags & HUD_STACK_IDLE))
		cat = HUD_CAT_IDLE;
	if (c->o && c->o->on_measure)
		c->o->on_measure(c->o->ctx, (uint32_t)(s - c->p->stacks), cat, start, dur,
				 c->sampled);
	s->count[cat]++;
	if (cat != HUD_CAT_CPU) { /* CPU weighted at the end */
		s->ns[cat] = hud_sat_add_u64(s->ns[cat], dur);
		s->ns_sq[cat] += (double)dur * (double)dur;
		if (c->sampled)
			s->ns_sampled = hud_sat_add_u64(s->ns_sampled, dur);
	}
	return 0;
}

/* The replay pass: hand the measurement, with its stack, to the callback. */
static int replay_measure(struct load_ctx *c, const struct stack_key *k, enum hud_category cat,
			  uint64_t start, uint64_t dur, uint32_t cpu, uint32_t state)
{
	struct hud_htab_iter it;
	const struct hud_stack *s = stack_lookup(c->p, k, &it);
	struct hud_event e;

	if (!s)
		return 0;
	/* The stack decided it: runtime parking is idle, not blocked. */
	if (cat == HUD_CAT_BLOCKED && (s->flags & HUD_STACK_IDLE))
		cat = HUD_CAT_IDLE;
	e = (struct hud_event){.cat = cat,
			       .src = c->src_idx,
			       .pid = k->pid,
			       .tid = k->tid,
			       .cpu = cpu,
			       .state = state,
			       .start_ns = start - c->src->start_ns,
			       .dur_ns = dur,
			       .sampled = c->sampled,
			       .stack = s};
	return c->cb(c->cb_ctx, &e);
}

static const struct load_pass build_pass = {.measure = count_measure, .build = 1};
static const struct load_pass replay_pass = {.measure = replay_measure};

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
	return c->pass->measure(c, k, cat, start, end - start, cpu, state);
}

static void seen_time(struct load_ctx *c, uint64_t t)
{
	if (!c->first_ns || t < c->first_ns)
		c->first_ns = t;
	if (t > c->last_ns)
		c->last_ns = t;
}

static int add_sample(struct load_ctx *c, const struct hud_record *rec)
{
	const struct hud_rec_sample *s = rec->payload;
	struct stack_key k;
	int err;

	if (s->time_ns < c->lo_ns || s->time_ns > c->hi_ns || !tid_selected(c, s->tid))
		return 0;
	err = stack_event_key(c, &k, rec, sizeof(*s), s->pid, s->tid, s->nr_kernel, s->nr_user,
			      s->ips);
	if (err)
		return err;
	if (c->pass->build)
		c->p->samples++;
	return c->pass->measure(c, &k, HUD_CAT_CPU, s->time_ns, 0, s->cpu, 0);
}

/* Only for OFFCPU records for which offcpu_wraps() is false. */
static int add_offcpu(struct load_ctx *c, const struct hud_record *rec)
{
	const struct hud_rec_offcpu *o = rec->payload;
	struct stack_key k;
	uint64_t runq = o->runq_ns <= o->duration_ns ? o->runq_ns : o->duration_ns;
	uint64_t start = o->start_ns, end = o->start_ns + o->duration_ns;
	int err;

	if (end < c->lo_ns || start > c->hi_ns || !tid_selected(c, o->tid))
		return 0;
	err = stack_event_key(c, &k, rec, sizeof(*o), o->pid, o->tid, o->nr_kernel, o->nr_user,
			      o->ips);
	if (err)
		return err;
	if (c->pass->build)
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

/*
 * A sampled interval (OFFCPU_SAMPLED): it stands for the sampling period once per grid
 * point of its thread it holds inside the selection. Points in the run-queue wait after a
 * wake-up weigh as run-queue time, the others as the interval's own category; the
 * measurement starts at the first point of its part.
 */
static int measure_points(struct load_ctx *c, const struct stack_key *k, enum hud_category cat,
			  uint32_t tid, uint64_t a, uint64_t b, uint32_t cpu, uint32_t state)
{
	const struct hud_source *s = c->src;
	uint64_t n;

	if (a < c->lo_ns)
		a = c->lo_ns;
	if (b > c->hi_ns)
		b = c->hi_ns;
	n = hud_grid_points(s->grid_seed, s->grid_period_ns, tid, a, b);
	if (!n)
		return 0;
	return c->pass->measure(c, k, cat, a, n * s->grid_period_ns, cpu, state);
}

static int add_offcpu_sampled(struct load_ctx *c, const struct hud_record *rec)
{
	const struct hud_rec_offcpu *o = rec->payload;
	uint64_t runq = o->runq_ns <= o->duration_ns ? o->runq_ns : o->duration_ns;
	uint64_t start = o->start_ns, end = o->start_ns + o->duration_ns, mid = end - runq;
	struct stack_key k;
	int err;

	/* A file without the grid's META cannot say what its samples weigh. */
	if (!c->src->grid_period_ns || end <= c->lo_ns || start >= c->hi_ns ||
	    !tid_selected(c, o->tid))
		return 0;
	err = stack_event_key(c, &k, rec, sizeof(*o), o->pid, o->tid, o->nr_kernel, o->nr_user,
			      o->ips);
	if (err)
		return err;
	if (c->pass->build) {
		c->p->offcpu_events++;
		c->p->offcpu_sampled++;
	}
	c->sampled = 1;
	if ((o->flags & HUD_OFFCPU_PREEMPTED) || o->state == 0)
		err = measure_points(c, &k, HUD_CAT_PREEMPTED, o->tid, start, end, o->cpu,
				     o->state);
	else if (!(err = measure_points(c, &k, HUD_CAT_BLOCKED, o->tid, start, mid, o->cpu,
					o->state)))
		err = measure_points(c, &k, HUD_CAT_RUNQUEUE, o->tid, mid, end, o->cpu, 0);
	c->sampled = 0;
	return err;
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
	} else if (!strcmp(key, "offcpu_sample_period_ns")) {
		s->grid_period_ns = v;
	} else if (!strcmp(key, "offcpu_sample_seed")) {
		s->grid_seed = v;
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

/* The records only the build pass keeps: what the model holds besides the stacks. */
static int model_record(struct load_ctx *c, const struct hud_record *rec)
{
	struct hud_profile *p = c->p;

	switch (rec->type) {
	case HUD_REC_META:
		return add_meta(p, c->src_idx, hud_meta_key(rec), hud_meta_value(rec));
	case HUD_REC_THREAD:
		return add_thread(p, c->src_idx, rec->payload);
	case HUD_REC_MAP:
		return add_map(p, c->src_idx, rec->payload);
	case HUD_REC_KSYM:
		return add_ksym(c->src, rec->payload);
	case HUD_REC_LOST:
		p->lost += ((const struct hud_rec_lost *)rec->payload)->count;
		return 0;
	case HUD_REC_OFFCPU:
	case HUD_REC_OFFCPU_SAMPLED:
		if (offcpu_wraps(rec->payload))
			c->src->bad_offcpu++;
		return 0;
	case HUD_REC_THREAD_STATE:
		return add_clock(p, c->src_idx, rec->payload);
	default:
		return 0; /* PROCESS is informational here; unknown types are skipped */
	}
}

static int add_record(struct load_ctx *c, const struct hud_record *rec)
{
	const struct hud_rec_offcpu *o = rec->payload;
	int err;

	/*
	 * What the passes need to know where events are, in time and in the maps. The scan
	 * pass looks for the end only: the time base and weights come from the event passes,
	 * as each event's META records precede it.
	 */
	switch (rec->type) {
	case HUD_REC_META:
		if (c->pass)
			source_meta(c, hud_meta_key(rec), hud_meta_value(rec));
		break;
	case HUD_REC_MAP:
		c->maps_seen++;
		break;
	case HUD_REC_SAMPLE:
		seen_time(c, ((const struct hud_rec_sample *)rec->payload)->time_ns);
		break;
	case HUD_REC_OFFCPU:
	case HUD_REC_OFFCPU_SAMPLED:
		if (offcpu_wraps(o)) /* damage: counted by the build pass, measured by none */
			break;
		seen_time(c, o->start_ns);
		seen_time(c, o->start_ns + o->duration_ns);
		break;
	case HUD_REC_FINISH:
		c->src->finished = 1;
		c->src->end_ns = ((const struct hud_rec_finish *)rec->payload)->end_ns;
		break;
	}
	if (!c->pass)
		return 0; /* the scan pass */
	if (c->pass->build) {
		err = model_record(c, rec);
		if (err)
			return err;
	}
	switch (rec->type) {
	case HUD_REC_SAMPLE:
		return add_sample(c, rec);
	case HUD_REC_OFFCPU:
		return offcpu_wraps(o) ? 0 : add_offcpu(c, rec);
	case HUD_REC_OFFCPU_SAMPLED:
		return offcpu_wraps(o) ? 0 : add_offcpu_sampled(c, rec);
	default:
		return 0;
	}
}

/*
 * Stream one file through add_record(). Returns 0, or -errno with a message in @err. The
 * build pass notes damage and truncation on the source; the others see the same file.
 */
static int read_file(struct load_ctx *c, const char *path, char *err, size_t err_size)
{
	int build = c->pass && c->pass->build;
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
	if (ret < 0 && build) {
		c->src->damage = strdup(hud_reader__error(r) ?: "damaged file");
		if (!c->src->damage) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (build)
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

/* The start of --window's selection, in @s's clock, once its end is known. */
static uint64_t window_start(const struct hud_filter *f, uint64_t end)
{
	return end > (uint64_t)(f->window * 1e9) ? end - (uint64_t)(f->window * 1e9) : 0;
}

/* A new source for @path, the next of @p, with @c set up to read it. 0 or -errno. */
static int source_begin(struct hud_profile *p, const char *path, const struct hud_load_opts *o,
			struct load_ctx *c, char *err, size_t err_size)
{
	struct hud_source *s;

	*c = (struct load_ctx){.p = p,
			       .f = o ? o->filter : NULL,
			       .unwinder = o ? o->unwinder : NULL,
			       .o = o,
			       .hi_ns = UINT64_MAX,
			       .pass = &build_pass};
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
	c->src = s;
	c->src_idx = (uint16_t)p->nr_sources++;
	s->first_map = p->nr_maps;
	return 0;
}

/*
 * What follows from the records of source @c read so far (all of them, or those a live
 * view has): threads and clocks in order, the time base, CPU weights, the selection.
 */
static void source_settle(struct load_ctx *c, size_t first_thread, size_t first_clock)
{
	struct hud_profile *p = c->p;
	struct hud_source *s = c->src;
	double period = 1e9 / (double)s->freq_hz;
	uint64_t lo, hi;
	size_t i;

	threads_settle(p, first_thread);
	clocks_settle(p, first_clock);
	if (!s->start_ns)
		s->start_ns = c->first_ns;
	if (!s->finished)
		s->end_ns = c->last_ns;
	if (s->nr_ksyms) /* no KSYM in a file cut short before its end */
		qsort(s->ksyms, s->nr_ksyms, sizeof(*s->ksyms), cmp_ksym);

	/* CPU samples weigh one sampling period each. */
	for (i = 0; i < p->nr_stacks; i++) {
		struct hud_stack *st = &p->stacks[i];

		if (st->src != c->src_idx)
			continue;
		st->ns[HUD_CAT_CPU] = st->count[HUD_CAT_CPU] * 1000000000ull / s->freq_hz;
		st->ns_sq[HUD_CAT_CPU] = (double)st->count[HUD_CAT_CPU] * period * period;
	}

	/* Recorded time inside the filter. */
	lo = c->lo_ns > s->start_ns ? c->lo_ns : s->start_ns;
	hi = c->hi_ns < s->end_ns ? c->hi_ns : s->end_ns;
	s->sel_lo_ns = lo;
	s->sel_hi_ns = hi;
	p->duration_s -= s->duration_s;
	s->duration_s = hi > lo ? (hi - lo) / 1e9 : 0;
	p->duration_s += s->duration_s;
}

int profile__load(struct hud_profile *p, const char *path, const struct hud_load_opts *o, char *err,
		  size_t err_size)
{
	const struct hud_filter *f = o ? o->filter : NULL;
	struct load_ctx c;
	size_t first_thread = p->nr_threads, first_clock = p->nr_clocks;
	int ret;

	ret = source_begin(p, path, o, &c, err, err_size);
	if (ret)
		return ret;
	if (f && f->window > 0) {
		/* The last N seconds: a first pass finds where the recording ends. */
		struct load_ctx scan = c;

		scan.pass = NULL;
		ret = read_file(&scan, path, err, err_size);
		if (ret < 0)
			return ret;
		c.lo_ns = window_start(f, c.src->finished ? c.src->end_ns : scan.last_ns);
	}
	ret = read_file(&c, path, err, err_size);
	free(c.epochs);
	free(c.unwound);
	if (ret < 0) {
		threads_settle(p, first_thread);
		clocks_settle(p, first_clock);
		return ret;
	}
	source_settle(&c, first_thread, first_clock);
	return 0;
}

/* ---- following a file being written ------------------------------------------------ */

struct profile_feed {
	struct load_ctx c;
	struct hud_reader *r;
	char *path;
	size_t first_thread, first_clock;
	int ended; /* FINISH read, or the reader's end: nothing more will come */
};

int profile__feed_open(struct hud_profile *p, const char *path, const struct hud_load_opts *o,
		       struct profile_feed **out, char *err, size_t err_size)
{
	struct profile_feed *fd;
	int ret;

	*out = NULL;
	fd = calloc(1, sizeof(*fd));
	if (!fd) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	fd->first_thread = p->nr_threads;
	fd->first_clock = p->nr_clocks;
	fd->r = hud_reader__from_path(path);
	if (!fd->r) {
		ret = -errno;
		snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
		goto fail;
	}
	if (hud_reader__follow(fd->r)) {
		ret = -EINVAL;
		snprintf(err, err_size, "%s: not a regular file: --follow reads a file on disk",
			 path);
		goto fail;
	}
	ret = source_begin(p, path, o, &fd->c, err, err_size);
	if (ret)
		goto fail;
	*out = fd;
	return 0;
fail:
	hud_reader__free(fd->r);
	free(fd);
	return ret;
}

int profile__feed(struct profile_feed *fd, size_t max_records, char *err, size_t err_size)
{
	struct load_ctx *c = &fd->c;
	struct hud_record rec;
	size_t n = 0;
	int ret = 0;

	if (fd->ended)
		return 0;
	c->src = &c->p->sources[c->src_idx]; /* the array may have moved */
	while (n < max_records && (ret = hud_reader__next(fd->r, &rec)) > 0) {
		n++;
		ret = add_record(c, &rec);
		if (ret < 0) {
			snprintf(err, err_size, "reading %s: %s", c->src->path, strerror(-ret));
			return ret;
		}
		if (rec.type == HUD_REC_FINISH) {
			fd->ended = 1;
			break;
		}
	}
	if (ret < 0 && ret != -EAGAIN) {
		const char *why = hud_reader__error(fd->r) ?: "unreadable";

		fd->ended = 1;
		if (!n && !c->first_ns && ret == -EPROTO) {
			snprintf(err, err_size, "%s", why);
			return ret;
		}
		if (!c->src->damage && !(c->src->damage = strdup(why)))
			return -ENOMEM;
	}
	if (n)
		source_settle(c, fd->first_thread, fd->first_clock);
	return n > INT_MAX ? INT_MAX : (int)n;
}

int profile__feed_ended(const struct profile_feed *fd)
{
	return fd->ended;
}

void profile__feed_free(struct profile_feed *fd)
{
	if (!fd)
		return;
	free(fd->c.epochs);
	free(fd->c.unwound);
	hud_reader__free(fd->r);
	free(fd);
}

int profile__replay(const struct hud_profile *p, const struct hud_load_opts *o,
		    int (*cb)(void *ctx, const struct hud_event *e), void *ctx)
{
	const struct hud_filter *f = o ? o->filter : NULL;
	char err[512];
	size_t i;
	int ret;

	for (i = 0; i < p->nr_sources; i++) {
		struct hud_source *s = &p->sources[i];
		struct load_ctx c = {.p = (struct hud_profile *)p,
				     .src = s,
				     .src_idx = (uint16_t)i,
				     .pass = &replay_pass,
				     .f = f,
				     .unwinder = o ? o->unwinder : NULL,
				     .hi_ns = UINT64_MAX,
				     .cb = cb,
				     .cb_ctx = ctx};

		if (f && f->window > 0)
			c.lo_ns = window_start(f, s->end_ns);
		ret = read_file(&c, s->path, err, sizeof(err));
		free(c.epochs);
		free(c.unwound);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- reading the model ------------------------------------------------------------- */

/*
 * The newest mapping read before the event (@maps_seen MAP records of its source), so
 * that an address range mapped again to another file (dlclose, then dlopen) names the
 * right file on each side of the remap. Else, for code mapped after the maps were last
 * read, the first one read after the event.
 */
const struct hud_map *profile__find_map(const struct hud_profile *p, uint16_t src, uint32_t pid,
					uint64_t ip, uint32_t maps_seen, int later_too)
{
	size_t seen = p->sources[src].first_map + maps_seen, i, k;

	if (seen > p->nr_maps)
		seen = p->nr_maps;
	/* Read before the event, newest first; then read after it, oldest first. */
	for (k = 0; k < (later_too ? p->nr_maps : seen); k++) {
		const struct hud_map *m;

		i = k < seen ? seen - 1 - k : k;
		m = &p->maps[i];
		if (m->pid == pid && m->src == src && ip >= m->start && ip < m->end)
			return m;
	}
	return NULL;
}

const char *profile__source_meta(const struct hud_profile *p, uint16_t src, const char *key)
{
	size_t i;

	for (i = 0; i < p->nr_meta; i++)
		if (p->meta[i].src == src && !strcmp(p->meta[i].key, key))
			return p->meta[i].value;
	return NULL;
}

const char *profile__meta(const struct hud_profile *p, const char *key)
{
	return profile__source_meta(p, 0, key);
}

const struct hud_thread *profile__thread(const struct hud_profile *p, uint16_t src, uint32_t tid)
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
		return &p->threads[lo];
	return NULL;
}

const char *profile__thread_name(const struct hud_profile *p, uint16_t src, uint32_t tid)
{
	const struct hud_thread *t = profile__thread(p, src, tid);

	return t ? t->comm : NULL;
}

const struct hud_thread_clock *profile__thread_clock(const struct hud_profile *p, uint16_t src,
						     uint32_t tid)
{
	size_t lo = 0, hi = p->nr_clocks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hud_thread_clock *k = &p->clocks[mid];

		if (k->src < src || (k->src == src && k->tid < tid))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nr_clocks && p->clocks[lo].src == src && p->clocks[lo].tid == tid)
		return &p->clocks[lo];
	return NULL;
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
	free(p->clocks);
	free(p->maps);
	free(p->stacks);
	hud_htab__free(&p->stack_index);
	free(p->locs);
	hud_htab__free(&p->loc_index);
	free(p->frames);
	free(p->frame_flags);
	free(p->xframes);
	free(p->xframe_flags);
	free(p->loc_calls);
	memset(p, 0, sizeof(*p));
}
