// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Chrome Trace Event JSON (the "JSON Object Format"), which Perfetto, chrome://tracing and
 * speedscope open. Every event is a complete ("X") event on its thread's track: off-CPU
 * intervals with their real duration, on-CPU samples as one sampling period each, clipped
 * so that events of a thread never partly overlap (viewers reject or misdraw that).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "util.h"

struct tev {
	uint64_t start, dur; /* ns from the start of the recording */
	const struct hud_stack *stack;
	uint32_t cpu, state;
	uint8_t cat;
};

struct tthread {
	uint16_t src;
	uint32_t pid, tid;
	struct tev *ev;
	size_t nr, cap;
	int worker; /* worker number, or -1 */
	uint8_t role;
};

struct tctx {
	const struct hud_profile *p;
	const struct report_opts *o;
	struct tthread *th;
	size_t nr, cap;
};

void report__json_str(FILE *out, const char *s)
{
	const unsigned char *c = (const unsigned char *)s;

	fputc('"', out);
	for (; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static struct tthread *thread_of(struct tctx *t, uint16_t src, uint32_t pid, uint32_t tid)
{
	size_t i;

	for (i = t->nr; i-- > 0;)
		if (t->th[i].tid == tid && t->th[i].src == src)
			return &t->th[i];
	if (!HUD_GROW(t->th, t->cap, t->nr + 1))
		return NULL;
	t->th[t->nr].src = src;
	t->th[t->nr].pid = pid;
	t->th[t->nr].tid = tid;
	t->th[t->nr].worker = -1;
	return &t->th[t->nr++];
}

static int collect(void *ctx, const struct hud_event *e)
{
	static const unsigned dflt = (1u << HUD_CAT_MAX) - 1 - (1u << HUD_CAT_IDLE);
	struct tctx *t = ctx;
	struct tthread *th;

	if (!hotspots__selected(e->stack, t->o->roles) || !report__category_on(t->o, e->cat, dflt))
		return 0;
	th = thread_of(t, e->src, e->pid, e->tid);
	if (!th)
		return -ENOMEM;
	if (!HUD_GROW(th->ev, th->cap, th->nr + 1))
		return -ENOMEM;
	if (e->stack->role == HUD_ROLE_WORKER)
		th->role = HUD_ROLE_WORKER;
	else if (th->role != HUD_ROLE_WORKER)
		th->role = e->stack->role;
	th->ev[th->nr++] = (struct tev){.start = e->start_ns,
					.dur = e->dur_ns,
					.stack = e->stack,
					.cpu = e->cpu,
					.state = e->state,
					.cat = (uint8_t)e->cat};
	return 0;
}

static int cmp_tev(const void *a, const void *b)
{
	const struct tev *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->dur > y->dur ? -1 : x->dur < y->dur; /* the enclosing one first */
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
	return e->state & 2 ? "D" : "S";
}

static void write_event(FILE *out, const struct tctx *t, const struct tthread *th,
			const struct tev *e, uint64_t dur)
{
	const struct hud_stack *s = e->stack;
	const struct hud_sym_frame *f = NULL;
	char name[1024];
	uint32_t i, n = 0;

	hotspots__blame(s, name, sizeof(name), &f);
	fprintf(out, ",\n{\"ph\":\"X\",\"name\":");
	report__json_str(out, name);
	/*
	 * Whole microseconds: ts + dur is then exact in a viewer's floating point, so an event
	 * that ends where the next begins never seems to overlap it (with three decimals,
	 * 72453.953 + 0.047 > 72454.0, and speedscope misnests the two).
	 */
	fprintf(out, ",\"cat\":\"%s\",\"ts\":%llu,\"dur\":%llu,\"pid\":%u,\"tid\":%u,\"args\":{",
		hud_category__name(e->cat), (unsigned long long)(e->start / 1000),
		(unsigned long long)((e->start + dur) / 1000 - e->start / 1000), th->pid, th->tid);
	if (th->worker >= 0)
		fprintf(out, "\"worker\":%d,\"worker_id\":%d,", th->worker, th->worker);
	else
		fprintf(out, "\"worker\":null,\"worker_id\":null,");
	fprintf(out, "\"role\":\"%s\",\"category\":\"%s\",\"cpu\":%u,\"state\":\"%s\",",
		hud_role__name(s->role), hud_category__name(e->cat), e->cpu, state_name(e));
	fprintf(out, "\"detection_method\":\"%s\",",
		e->cat == HUD_CAT_CPU ? "cpu_sample" : "sched_switch");
	fprintf(out, "\"reason\":");
	if (s->reason_frame >= 0 && e->cat != HUD_CAT_CPU)
		report__json_str(out, s->frames[s->reason_frame].function);
	else
		fputs("null", out);
	fprintf(out, ",\"file\":");
	if (f && f->file)
		report__json_str(out, f->file);
	else
		fputs("null", out);
	fprintf(out, ",\"line\":");
	if (f && f->line)
		fprintf(out, "%d", f->line);
	else
		fputs("null", out);
	fprintf(out, ",\"duration_ms\":%.3f,\"stack\":[", e->dur ? e->dur / 1e6 : dur / 1e6);
	for (i = 0; i < s->nr_frames && n < (uint32_t)t->o->max_frames; i++) {
		if (s->frames[i].kernel)
			continue;
		fputs(n++ ? "," : "", out);
		report__json_str(out, report__frame_name(&s->frames[i], name, sizeof(name)));
	}
	fputs("]}}", out);
}

int report__trace(FILE *out, const struct hud_profile *p, const struct report_opts *o)
{
	struct tctx t = {.p = p, .o = o};
	size_t i, j;
	int err, workers = 0;

	err = profile__replay(p, &o->filter, collect, &t);
	if (err)
		goto out;
	if (t.nr)
		qsort(t.th, t.nr, sizeof(*t.th), cmp_thread);
	for (i = 0; i < t.nr; i++)
		if (t.th[i].role == HUD_ROLE_WORKER)
			t.th[i].worker = workers++;

	fprintf(out,
		"{\"displayTimeUnit\":\"ms\",\"otherData\":{\"tool\":\"hud-report %s\"},\n"
		"\"traceEvents\":[\n",
		HUD_VERSION);
	fprintf(out,
		"{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"tid\":0,\"args\":{\"name\":",
		t.nr ? t.th[0].pid : 0);
	report__json_str(out, profile__meta(p, "target_comm") ?: "target");
	fputs("}}", out);
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
		fprintf(out,
			",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%u,"
			"\"args\":{\"name\":",
			th->pid, th->tid);
		report__json_str(out, name);
		fprintf(out,
			"}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%u,"
			"\"tid\":%u,\"args\":{\"sort_index\":%zu}}",
			th->pid, th->tid, i);

		qsort(th->ev, th->nr, sizeof(*th->ev), cmp_tev);
		for (j = 0; j < th->nr; j++) {
			struct tev *e = &th->ev[j];
			uint64_t dur = e->dur,
				 next = j + 1 < th->nr ? th->ev[j + 1].start : UINT64_MAX;

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
			write_event(out, &t, th, e, dur);
		}
	}
	fputs("\n]}\n", out);
	err = ferror(out) ? -EIO : 0;
out:
	for (i = 0; i < t.nr; i++)
		free(t.th[i].ev);
	free(t.th);
	return err;
}
