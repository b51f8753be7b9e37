// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The json summary: what hud-diff and scripts read. Schema: docs/JSON.md. Numbers are
 * rounded (ms to the microsecond, shares to 1e-6) so that the output is stable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "output.h"

#define HUD_JSON_VERSION 1

static void frame_json(struct jsonw *w, const struct hud_sym_frame *f)
{
	char buf[512];

	jsonw__begin_object(w);
	jsonw__kv_string(w, "function", report__frame_name(f, buf, sizeof(buf)));
	jsonw__kv_string(w, "file", f->file);
	jsonw__kv_nonzero(w, "line", f->line);
	jsonw__kv_bool(w, "inlined", f->inlined);
	jsonw__kv_bool(w, "inferred", f->inferred);
	jsonw__kv_string(w, "class", hud_frame_class__name(f->cls));
	jsonw__kv_string(w, "dso", f->dso);
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)f->offset);
	jsonw__kv_string(w, "offset", buf);
	jsonw__kv_bool(w, "return_address", f->ret);
	jsonw__kv_bool(w, "symbolized", f->function != NULL);
	jsonw__end_object(w);
}

static void stack_json(struct jsonw *w, const struct hud_profile *p, const struct hud_stack *s,
		       enum hud_category cat, int max_frames)
{
	uint32_t i, user = 0;

	jsonw__begin_object(w);
	jsonw__kv_uint(w, "count", s->count[cat]);
	jsonw__kv_round(w, "total_ms", s->ns[cat] / 1e6, 1e-3);
	jsonw__kv_uint(w, "pid", s->pid);
	jsonw__kv_uint(w, "tid", s->tid);
	jsonw__kv_string(w, "thread", profile__thread_name(p, s->src, s->tid));
	jsonw__kv_string(w, "role", hud_role__name(s->role));
	jsonw__kv_bool(w, "complete", !!(s->flags & HUD_STACK_COMPLETE));
	jsonw__kv_bool(w, "cfi", !!(s->flags & HUD_STACK_REPAIRED));
	jsonw__kv_bool(w, "truncated", !!(s->flags & HUD_STACK_TRUNCATED));
	jsonw__kv_string(w, "reason",
			 s->reason_frame >= 0
				 ? profile__frame(p, s, (uint32_t)s->reason_frame)->function
				 : NULL);
	jsonw__key(w, "frames");
	jsonw__begin_array(w);
	for (i = 0; i < s->nr_frames; i++) {
		const struct hud_sym_frame *f = profile__frame(p, s, i);

		if (!f->kernel && user++ == (uint32_t)max_frames)
			break;
		frame_json(w, f);
	}
	jsonw__end_array(w);
	jsonw__end_object(w);
}

/* A count, its time and its share of the selected threads' time. */
static double share_of(const struct hud_hotspots *h, uint64_t ns)
{
	return h->thread_time_s > 0 ? ns / 1e9 / h->thread_time_s : 0;
}

static void budget_row_json(struct jsonw *w, const struct hud_budget_row *r)
{
	int c;

	jsonw__kv_round(w, "wall_s", r->wall_s, 1e-6);
	for (c = 0; c < HUD_BUDGET_PARTS; c++)
		jsonw__kv_round(w,
				c == HUD_BUDGET_UNACCOUNTED ? "unaccounted" : hud_category__name(c),
				r->wall_s > 0 ? r->s[c] / r->wall_s : 0, 1e-6);
	jsonw__kv_bool(w, "scaled", r->scaled);
	jsonw__kv_bool(w, "over", r->over);
}

/* Where each selected thread's wall time went (budget.h); only for files that say. */
static void budget_json(struct jsonw *w, const struct hud_profile *p, const struct hud_budget *b)
{
	const struct hud_source *s = &p->sources[0];
	size_t i;

	jsonw__key(w, "budget");
	if (!b->watched) {
		jsonw__null(w);
		return;
	}
	jsonw__begin_object(w);
	jsonw__kv_round(w, "threshold_ms", s->threshold_ns / 1e6, 1e-6);
	jsonw__kv_round(w, "sample_period_ms", s->grid_period_ns / 1e6, 1e-6);
	jsonw__key(w, "threads");
	jsonw__begin_array(w);
	for (i = 0; i < b->nr; i++) {
		const struct hud_budget_row *r = &b->rows[i];

		jsonw__begin_object(w);
		jsonw__kv_uint(w, "tid", r->tid);
		jsonw__kv_uint(w, "pid", r->pid);
		jsonw__kv_string(w, "name", r->name);
		budget_row_json(w, r);
		jsonw__end_object(w);
	}
	jsonw__end_array(w);
	jsonw__key(w, "total");
	jsonw__begin_object(w);
	jsonw__kv_uint(w, "threads", b->nr);
	budget_row_json(w, &b->total);
	jsonw__end_object(w);
	jsonw__end_object(w);
}

int report__json(FILE *out, const struct hud_profile *p, const struct hud_hotspots *h,
		 const struct report_opts *o)
{
	static const unsigned dflt = (1u << HUD_CAT_MAX) - 1;
	const char *roles = o->roles == HUD_ROLES_ALL	     ? "all"
			    : o->roles == HUD_ROLES_BLOCKING ? "blocking"
							     : "workers";
	struct jsonw w;
	uint32_t k, j;
	int c, i;

	jsonw__init(&w, out, 2);
	jsonw__begin_object(&w);
	jsonw__kv_uint(&w, "hud_json_version", HUD_JSON_VERSION);
	jsonw__key(&w, "inputs");
	jsonw__begin_array(&w);
	for (i = 0; i < o->nr_inputs; i++)
		jsonw__string(&w, o->inputs[i]);
	jsonw__end_array(&w);
	jsonw__key(&w, "target");
	jsonw__begin_object(&w);
	jsonw__kv_string(&w, "pid", profile__meta(p, "target_pid") ?: "");
	jsonw__kv_string(&w, "comm", profile__meta(p, "target_comm") ?: "");
	jsonw__kv_string(&w, "exe", profile__meta(p, "target_exe") ?: "");
	jsonw__kv_string(&w, "cmdline", profile__meta(p, "target_cmdline") ?: "");
	jsonw__end_object(&w);
	jsonw__kv_round(&w, "duration_s", p->duration_s, 1e-6);
	jsonw__kv_string(&w, "threads", roles);
	jsonw__kv_uint(&w, "workers", h->threads);
	jsonw__kv_round(&w, "thread_seconds", h->thread_time_s, 1e-6);
	jsonw__kv_uint(&w, "samples", p->samples);
	jsonw__kv_uint(&w, "offcpu_events", p->offcpu_events);
	jsonw__kv_uint(&w, "offcpu_sampled", p->offcpu_sampled);
	jsonw__kv_uint(&w, "lost", p->lost);
	jsonw__kv_round(&w, "symbolized",
			p->frames_total ? (double)p->frames_symbolized / p->frames_total : 1, 1e-6);
	jsonw__key(&w, "stacks");
	jsonw__begin_object(&w);
	jsonw__kv_uint(&w, "events", h->events);
	jsonw__kv_round(&w, "complete", h->events ? (double)h->complete / h->events : 0, 1e-6);
	jsonw__kv_round(&w, "cfi", h->events ? (double)h->repaired / h->events : 0, 1e-6);
	jsonw__kv_round(&w, "inferred", h->events ? (double)h->inferred / h->events : 0, 1e-6);
	jsonw__kv_round(&w, "truncated", h->events ? (double)h->truncated / h->events : 0, 1e-6);
	jsonw__end_object(&w);
	budget_json(&w, p, &h->budget);
	jsonw__key(&w, "categories");
	jsonw__begin_object(&w);
	for (c = 0; c < HUD_CAT_MAX; c++) {
		jsonw__key(&w, hud_category__name(c));
		jsonw__begin_object(&w);
		jsonw__kv_uint(&w, "count", h->total_count[c]);
		jsonw__kv_round(&w, "total_ms", h->total_ns[c] / 1e6, 1e-3);
		jsonw__kv_round(&w, "ms_sq", h->total_ns_sq[c] / 1e12, 1e-6);
		jsonw__kv_round(&w, "share", share_of(h, h->total_ns[c]), 1e-6);
		jsonw__end_object(&w);
	}
	jsonw__end_object(&w);
	jsonw__key(&w, "hotspot_categories");
	jsonw__begin_array(&w);
	for (c = 0; c < HUD_CAT_MAX; c++)
		if (report__category_on(o, c, dflt))
			jsonw__string(&w, hud_category__name(c));
	jsonw__end_array(&w);
	jsonw__key(&w, "hotspots");
	jsonw__begin_array(&w);
	for (k = 0; k < h->nr; k++) {
		const struct hud_hotspot *hs = &h->items[k];

		if (!report__category_on(o, hs->cat, dflt))
			continue;
		jsonw__begin_object(&w);
		jsonw__kv_string(&w, "category", hud_category__name(hs->cat));
		jsonw__kv_string(&w, "function", hs->function);
		jsonw__kv_bool(&w, "user", hs->user);
		jsonw__kv_uint(&w, "count", hs->count);
		jsonw__kv_round(&w, "total_ms", hs->ns / 1e6, 1e-3);
		jsonw__kv_round(&w, "ms_sq", hs->ns_sq / 1e12, 1e-6);
		jsonw__kv_round(&w, "share", share_of(h, hs->ns), 1e-6);
		jsonw__kv_uint(&w, "threads", hs->threads);
		jsonw__kv_string(&w, "file", hs->file);
		jsonw__kv_nonzero(&w, "line", hs->line);
		jsonw__kv_string(&w, "dso", hs->dso);
		jsonw__kv_string(&w, "reason", hs->cat == HUD_CAT_CPU ? NULL : hs->reason);
		jsonw__key(&w, "stacks");
		jsonw__begin_array(&w);
		for (j = 0; j < hs->nr_stacks && j < (uint32_t)o->stacks; j++)
			stack_json(&w, p, &p->stacks[hs->stacks[j]], hs->cat, o->max_frames);
		jsonw__end_array(&w);
		jsonw__end_object(&w);
	}
	jsonw__end_array(&w);
	jsonw__end_object(&w);
	fputc('\n', out);
	return jsonw__finish(&w);
}
