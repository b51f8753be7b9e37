// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Chrome Trace Event JSON (the "JSON Object Format"), which Perfetto, chrome://tracing and
 * speedscope open. Every event is a complete ("X") event on its thread's track: off-CPU
 * intervals with their real duration, on-CPU samples as one sampling period each, clipped
 * so that events of a thread never partly overlap (viewers reject or misdraw that).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "output.h"
#include "u64set.h"
#include "util.h"

/*
 * Events are kept per thread until the end (each thread's track is written in time order,
 * and workers are numbered once every thread's role is known), packed: a varint stream of
 * (start delta, duration, stack, cpu, category) in chunks that grow with the thread, 8 to
 * 10 bytes an event. One thread at a time is unpacked into struct tev to be sorted.
 */
#define TCHUNK_MIN    256
#define TCHUNK_MAX    (64u << 10)
#define TEV_MAX_BYTES (4 * 10 + 1) /* four varints and the category byte */

#define TRACE_PID_SPAN (1u << 22) /* PID_MAX_LIMIT: no pid reaches it */

struct tchunk {
	struct tchunk *next;
	uint32_t len, cap;
	uint8_t data[];
};

struct tev {
	uint64_t start, dur; /* ns from the start of the recording */
	uint32_t stack;	     /* index into p->stacks */
	uint32_t cpu;
	uint32_t seq; /* file order: ties keep it, whatever the qsort */
	uint8_t cat;
	uint8_t d_state; /* state had TASK_UNINTERRUPTIBLE */
};

struct tthread {
	uint16_t src;
	uint32_t pid, tid;
	struct tchunk *head, *tail;
	size_t nr;
	uint64_t last_start; /* of the last event packed */
	int worker;	     /* worker number, or -1 */
	uint8_t role;
};

struct tctx {
	const struct hud_profile *p;
	const struct report_opts *o;
	struct tthread *th;
	size_t nr, cap;
};

static uint8_t *put_varint(uint8_t *b, uint64_t v)
{
	while (v >= 0x80) {
		*b++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*b++ = (uint8_t)v;
	return b;
}

static const uint8_t *get_varint(const uint8_t *b, uint64_t *v)
{
	uint64_t x = 0;
	int shift = 0;

	while (*b & 0x80) {
		x |= (uint64_t)(*b++ & 0x7f) << shift;
		shift += 7;
	}
	*v = x | (uint64_t)*b++ << shift;
	return b;
}

/* Append one event to @th's stream. 0 or -ENOMEM. */
static int tthread__put(struct tthread *th, const struct tev *e)
{
	uint8_t buf[TEV_MAX_BYTES], *end = buf;
	int64_t delta = (int64_t)(e->start - th->last_start);
	size_t len;

	/* zigzag: file order is nearly time order, so deltas are small either way */
	end = put_varint(end, ((uint64_t)delta << 1) ^ (uint64_t)(delta >> 63));
	end = put_varint(end, e->dur);
	end = put_varint(end, e->stack);
	end = put_varint(end, e->cpu);
	*end++ = (uint8_t)(e->cat | e->d_state << 4);
	len = (size_t)(end - buf);
	if (!th->tail || th->tail->cap - th->tail->len < len) {
		uint32_t cap = th->tail ? th->tail->cap * 2 : TCHUNK_MIN;
		struct tchunk *c;

		if (cap > TCHUNK_MAX)
			cap = TCHUNK_MAX;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return -ENOMEM;
		c->next = NULL;
		c->len = 0;
		c->cap = cap;
		if (th->tail)
			th->tail->next = c;
		else
			th->head = c;
		th->tail = c;
	}
	memcpy(th->tail->data + th->tail->len, buf, len);
	th->tail->len += (uint32_t)len;
	th->last_start = e->start;
	th->nr++;
	return 0;
}

/* Unpack @th's events into @ev (th->nr of them, file order), freeing its stream. */
static void tthread__unpack(struct tthread *th, struct tev *ev)
{
	uint64_t start = 0, v;
	struct tchunk *c, *next;
	size_t n = 0;

	for (c = th->head; c; c = next) {
		const uint8_t *b = c->data, *end = c->data + c->len;

		while (b < end) {
			struct tev *e = &ev[n];

			b = get_varint(b, &v);
			start += (uint64_t)((int64_t)(v >> 1) ^ -(int64_t)(v & 1));
			e->start = start;
			b = get_varint(b, &e->dur);
			b = get_varint(b, &v);
			e->stack = (uint32_t)v;
			b = get_varint(b, &v);
			e->cpu = (uint32_t)v;
			e->cat = *b & 0xf;
			e->d_state = *b++ >> 4;
			e->seq = (uint32_t)n++;
		}
		next = c->next;
		free(c);
	}
	th->head = th->tail = NULL;
}

static void tthread__free(struct tthread *th)
{
	struct tchunk *c, *next;

	for (c = th->head; c; c = next) {
		next = c->next;
		free(c);
	}
	th->head = th->tail = NULL;
}

static struct tthread *thread_of(struct tctx *t, uint16_t src, uint32_t pid, uint32_t tid)
{
	size_t i;

	for (i = t->nr; i-- > 0;)
		if (t->th[i].tid == tid && t->th[i].src == src)
			return &t->th[i];
	if (!HUD_GROW(t->th, t->cap, t->nr + 1))
		return NULL;
	memset(&t->th[t->nr], 0, sizeof(t->th[t->nr]));
	t->th[t->nr].src = src;
	/*
	 * Each input's timestamps start at 0: were two inputs of the same process to share
	 * its pid, their events would overlap on one track. Later inputs' pids are moved
	 * past the kernel's ceiling for pids (PID_MAX_LIMIT, 2^22), into a range of their own.
	 */
	t->th[t->nr].pid = pid + (uint32_t)src * TRACE_PID_SPAN;
	t->th[t->nr].tid = tid;
	t->th[t->nr].worker = -1;
	return &t->th[t->nr++];
}

static int collect(void *ctx, const struct hud_event *e)
{
	static const unsigned dflt = (1u << HUD_CAT_MAX) - 1 - (1u << HUD_CAT_IDLE);
	struct tctx *t = ctx;
	struct tthread *th;

	/*
	 * A timeline shows intervals as they happened: the exact ones. A sampled interval is
	 * one of the short ones that happened to hold a grid point, and stands for more time
	 * than its own: the summaries weigh it, the timeline leaves it out.
	 */
	if (e->sampled || !hotspots__selected(e->stack, t->o->roles) ||
	    !report__category_on(t->o, e->cat, dflt))
		return 0;
	th = thread_of(t, e->src, e->pid, e->tid);
	if (!th)
		return -ENOMEM;
	if (th->nr >= UINT32_MAX)
		return -E2BIG;
	if (e->stack->role == HUD_ROLE_WORKER)
		th->role = HUD_ROLE_WORKER;
	else if (th->role != HUD_ROLE_WORKER)
		th->role = e->stack->role;
	return tthread__put(th, &(struct tev){.start = e->start_ns,
					      .dur = e->dur_ns,
					      .stack = (uint32_t)(e->stack - t->p->stacks),
					      .cpu = e->cpu,
					      .cat = (uint8_t)e->cat,
					      .d_state = (e->state & 2) != 0});
}

static int cmp_tev(const void *a, const void *b)
{
	const struct tev *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->dur != y->dur)
		return x->dur > y->dur ? -1 : 1; /* the enclosing one first */
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_thread(const void *a, const void *b)
{
	const struct tthread *x = a, *y = b;

	if (x->src != y->src)
		return x->src < y->src ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static const char *state_name(const struct tev *e)
{
	if (e->cat == HUD_CAT_CPU)
		return "running";
	if (e->cat == HUD_CAT_PREEMPTED || e->cat == HUD_CAT_RUNQUEUE)
		return "runnable";
	return e->d_state ? "D" : "S";
}

static void write_event(struct jsonw *w, const struct tctx *t, const struct tthread *th,
			const struct tev *e, uint64_t dur)
{
	const struct hud_profile *p = t->p;
	const struct hud_stack *s = &p->stacks[e->stack];
	const struct hud_sym_frame *f = NULL;
	char buf[HUD_BLAME_BUF];
	uint32_t i, n = 0;

	jsonw__break(w);
	jsonw__begin_object(w);
	jsonw__kv_string(w, "ph", "X");
	jsonw__kv_string(w, "name", hotspots__blame(p, s, buf, &f));
	jsonw__kv_string(w, "cat", hud_category__name(e->cat));
	/*
	 * Whole microseconds: ts + dur is then exact in a viewer's floating point, so an event
	 * that ends where the next begins never seems to overlap it (with three decimals,
	 * 72453.953 + 0.047 > 72454.0, and speedscope misnests the two).
	 */
	jsonw__kv_uint(w, "ts", e->start / 1000);
	jsonw__kv_uint(w, "dur", (e->start + dur) / 1000 - e->start / 1000);
	jsonw__kv_uint(w, "pid", th->pid);
	jsonw__kv_uint(w, "tid", th->tid);
	jsonw__key(w, "args");
	jsonw__begin_object(w);
	jsonw__key(w, "worker");
	if (th->worker >= 0)
		jsonw__int(w, th->worker);
	else
		jsonw__null(w);
	jsonw__key(w, "worker_id");
	if (th->worker >= 0)
		jsonw__int(w, th->worker);
	else
		jsonw__null(w);
	jsonw__kv_string(w, "role", hud_role__name(s->role));
	jsonw__kv_string(w, "category", hud_category__name(e->cat));
	jsonw__kv_uint(w, "cpu", e->cpu);
	jsonw__kv_string(w, "state", state_name(e));
	jsonw__kv_string(w, "detection_method",
			 e->cat == HUD_CAT_CPU ? "cpu_sample" : "sched_switch");
	jsonw__kv_string(w, "reason",
			 s->reason_frame >= 0 && e->cat != HUD_CAT_CPU
				 ? profile__frame(p, s, (uint32_t)s->reason_frame)->function
				 : NULL);
	jsonw__kv_string(w, "file", f ? f->file : NULL);
	jsonw__kv_nonzero(w, "line", f ? f->line : 0);
	jsonw__key(w, "duration_ms");
	jsonw__ns_as_ms(w, e->dur ? e->dur : dur);
	jsonw__key(w, "stack");
	jsonw__begin_array(w);
	for (i = 0; i < s->nr_frames && n < (uint32_t)t->o->max_frames; i++) {
		const struct hud_sym_frame *fr = profile__frame(p, s, i);

		if (fr->kernel)
			continue;
		n++;
		jsonw__string(w, report__frame_name(fr, buf, sizeof(buf)));
	}
	jsonw__end_array(w);
	jsonw__end_object(w);
	jsonw__end_object(w);
}

/* A metadata event: {"ph":"M","name":@name,"pid":..,"tid":..,"args":{@key: value}}. */
static void write_meta(struct jsonw *w, const char *name, uint32_t pid, uint32_t tid,
		       const char *key, const char *str, uint64_t num)
{
	jsonw__break(w);
	jsonw__begin_object(w);
	jsonw__kv_string(w, "ph", "M");
	jsonw__kv_string(w, "name", name);
	jsonw__kv_uint(w, "pid", pid);
	jsonw__kv_uint(w, "tid", tid);
	jsonw__key(w, "args");
	jsonw__begin_object(w);
	jsonw__key(w, key);
	if (str)
		jsonw__string(w, str);
	else
		jsonw__uint(w, num);
	jsonw__end_object(w);
	jsonw__end_object(w);
}

int report__trace(FILE *out, const struct hud_profile *p, const struct report_opts *o)
{
	struct tctx t = {.p = p, .o = o};
	struct u64set named = {0};
	struct jsonw w;
	struct tev *ev = NULL;
	size_t i, j, most = 0;
	int err, workers = 0;

	err = profile__replay(p, &o->load, collect, &t);
	if (err)
		goto out;
	if (t.nr)
		qsort(t.th, t.nr, sizeof(*t.th), cmp_thread);
	for (i = 0; i < t.nr; i++) {
		if (t.th[i].role == HUD_ROLE_WORKER)
			t.th[i].worker = workers++;
		if (t.th[i].nr > most)
			most = t.th[i].nr;
	}
	ev = malloc((most ? most : 1) * sizeof(*ev));
	if (!ev) {
		err = -ENOMEM;
		goto out;
	}

	jsonw__init(&w, out, 0);
	jsonw__begin_object(&w);
	jsonw__kv_string(&w, "displayTimeUnit", "ms");
	jsonw__key(&w, "otherData");
	jsonw__begin_object(&w);
	jsonw__kv_string(&w, "tool", "hud-report " HUD_VERSION);
	jsonw__end_object(&w);
	jsonw__break(&w);
	jsonw__key(&w, "traceEvents");
	jsonw__begin_array(&w);
	write_meta(&w, "process_name", t.nr ? t.th[0].pid : 0, 0, "name",
		   profile__meta(p, "target_comm") ?: "target", 0);
	/* Every other process (--all, or another input) is named by its pid and input. */
	if (t.nr && u64set__add(&named, (uint64_t)t.th[0].pid + 1) < 0)
		err = -ENOMEM;
	for (i = 1; i < t.nr && !err; i++) {
		char name[PATH_MAX + 32];
		int added = u64set__add(&named, (uint64_t)t.th[i].pid + 1);

		if (added <= 0) {
			err = added;
			continue;
		}
		snprintf(name, sizeof(name), "pid %u (%s)", t.th[i].pid % TRACE_PID_SPAN,
			 p->sources[t.th[i].src].path);
		write_meta(&w, "process_name", t.th[i].pid, 0, "name", name, 0);
	}
	if (err)
		goto out;
	for (i = 0; i < t.nr; i++) {
		struct tthread *th = &t.th[i];
		const char *comm = profile__thread_name(p, th->src, th->tid);
		char name[96];
		uint64_t busy_until = 0;

		/* Viewers show the tid next to the name themselves. */
		if (th->worker >= 0)
			snprintf(name, sizeof(name), "worker %d", th->worker);
		else
			snprintf(name, sizeof(name), "%s %s", comm ?: "thread",
				 hud_role__name(th->role));
		write_meta(&w, "thread_name", th->pid, th->tid, "name", name, 0);
		write_meta(&w, "thread_sort_index", th->pid, th->tid, "sort_index", NULL, i);

		tthread__unpack(th, ev);
		qsort(ev, th->nr, sizeof(*ev), cmp_tev);
		for (j = 0; j < th->nr; j++) {
			struct tev *e = &ev[j];
			uint64_t dur = e->dur, next = j + 1 < th->nr ? ev[j + 1].start : UINT64_MAX;

			if (e->cat == HUD_CAT_CPU) {
				/* A sample stands for one period on CPU, up to the next event. */
				uint64_t freq = p->sources[th->src].freq_hz;

				if (e->start < busy_until)
					continue; /* inside an off-CPU interval: clock skew */
				dur = 1000000000ull / (freq ? freq : 99);
				if (dur > next - e->start)
					dur = next - e->start;
				if (!dur)
					continue;
			} else {
				/* Off-CPU intervals of one thread are sequential; trim any skew. */
				if (e->start < busy_until) {
					if (e->start + dur <= busy_until)
						continue;
					dur -= busy_until - e->start;
					e->start = busy_until;
				}
				busy_until = e->start + dur;
			}
			write_event(&w, &t, th, e, dur);
		}
	}
	jsonw__break(&w);
	jsonw__end_array(&w);
	jsonw__end_object(&w);
	fputc('\n', out);
	err = jsonw__finish(&w);
out:
	for (i = 0; i < t.nr; i++)
		tthread__free(&t.th[i]);
	free(t.th);
	free(ev);
	u64set__free(&named);
	return err;
}
