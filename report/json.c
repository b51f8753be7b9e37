// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The json summary: what hud-diff and scripts read. Schema: docs/JSON.md. Numbers are
 * rounded (ms to the microsecond, shares to 1e-6) so that the output is stable.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define HUD_JSON_VERSION 1

static double round_to(double v, double unit)
{
	return round(v / unit) * unit;
}

/* json_object_set_new() that remembers a failure instead of leaking or crashing. */
static void set(json_t *obj, const char *key, json_t *val, int *err)
{
	if (!val || json_object_set_new(obj, key, val))
		*err = -ENOMEM;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *frame_json(const struct hud_sym_frame *f, int *err)
{
	json_t *o = json_object();
	char buf[512];

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	set(o, "function", json_string(report__frame_name(f, buf, sizeof(buf))), err);
	set(o, "file", str_or_null(f->file), err);
	set(o, "line", f->line ? json_integer(f->line) : json_null(), err);
	set(o, "inlined", json_boolean(f->inlined), err);
	set(o, "class", json_string(hud_frame_class__name(f->cls)), err);
	set(o, "dso", json_string(f->dso), err);
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)f->offset);
	set(o, "offset", json_string(buf), err);
	set(o, "return_address", json_boolean(f->ret), err);
	set(o, "symbolized", json_boolean(f->function != NULL), err);
	return o;
}

static json_t *stack_json(const struct hud_profile *p, const struct hud_stack *s,
			  enum hud_category cat, int max_frames, int *err)
{
	json_t *o = json_object(), *frames = json_array();
	uint32_t i, user = 0;

	if (!o || !frames) {
		json_decref(o);
		json_decref(frames);
		*err = -ENOMEM;
		return NULL;
	}
	set(o, "count", json_integer((json_int_t)s->count[cat]), err);
	set(o, "total_ms", json_real(round_to(s->ns[cat] / 1e6, 1e-3)), err);
	set(o, "pid", json_integer(s->pid), err);
	set(o, "tid", json_integer(s->tid), err);
	set(o, "thread", str_or_null(profile__thread_name(p, s->src, s->tid)), err);
	set(o, "role", json_string(hud_role__name(s->role)), err);
	set(o, "reason",
	    s->reason_frame >= 0
		    ? json_string(profile__frame(p, s, (uint32_t)s->reason_frame)->function)
		    : json_null(),
	    err);
	for (i = 0; i < s->nr_frames; i++) {
		const struct hud_sym_frame *f = profile__frame(p, s, i);

		if (!f->kernel && user++ == (uint32_t)max_frames)
			break;
		if (json_array_append_new(frames, frame_json(f, err)))
			*err = -ENOMEM;
	}
	set(o, "frames", frames, err);
	return o;
}

int report__json(FILE *out, const struct hud_profile *p, const struct hud_hotspots *h,
		 const struct report_opts *o)
{
	static const unsigned dflt = (1u << HUD_CAT_MAX) - 1;
	json_t *root = json_object(), *inputs = json_array(), *cats = json_object();
	json_t *hotspots = json_array(), *target = json_object(), *selected = json_array();
	const char *roles = o->roles == HUD_ROLES_ALL	     ? "all"
			    : o->roles == HUD_ROLES_BLOCKING ? "blocking"
							     : "workers";
	int err = 0, c, i;
	uint32_t k, j;

	if (!root || !inputs || !cats || !hotspots || !target || !selected) {
		err = -ENOMEM;
		goto out;
	}
	set(root, "hud_json_version", json_integer(HUD_JSON_VERSION), &err);
	for (i = 0; i < o->nr_inputs; i++)
		if (json_array_append_new(inputs, json_string(o->inputs[i])))
			err = -ENOMEM;
	set(root, "inputs", json_incref(inputs), &err);
	set(target, "pid", json_string(profile__meta(p, "target_pid") ?: ""), &err);
	set(target, "comm", json_string(profile__meta(p, "target_comm") ?: ""), &err);
	set(target, "exe", json_string(profile__meta(p, "target_exe") ?: ""), &err);
	set(target, "cmdline", json_string(profile__meta(p, "target_cmdline") ?: ""), &err);
	set(root, "target", json_incref(target), &err);
	set(root, "duration_s", json_real(round_to(p->duration_s, 1e-6)), &err);
	set(root, "threads", json_string(roles), &err);
	set(root, "workers", json_integer(h->threads), &err);
	set(root, "thread_seconds", json_real(round_to(h->thread_time_s, 1e-6)), &err);
	set(root, "samples", json_integer((json_int_t)p->samples), &err);
	set(root, "offcpu_events", json_integer((json_int_t)p->offcpu_events), &err);
	set(root, "lost", json_integer((json_int_t)p->lost), &err);
	set(root, "symbolized",
	    json_real(round_to(p->frames_total ? (double)p->frames_symbolized / p->frames_total : 1,
			       1e-6)),
	    &err);
	for (c = 0; c < HUD_CAT_MAX; c++) {
		json_t *cat = json_object();

		if (!cat) {
			err = -ENOMEM;
			break;
		}
		set(cat, "count", json_integer((json_int_t)h->total_count[c]), &err);
		set(cat, "total_ms", json_real(round_to(h->total_ns[c] / 1e6, 1e-3)), &err);
		set(cat, "share",
		    json_real(h->thread_time_s > 0
				      ? round_to(h->total_ns[c] / 1e9 / h->thread_time_s, 1e-6)
				      : 0),
		    &err);
		set(cats, hud_category__name(c), cat, &err);
	}
	set(root, "categories", json_incref(cats), &err);
	for (c = 0; c < HUD_CAT_MAX && !err; c++)
		if (report__category_on(o, c, dflt) &&
		    json_array_append_new(selected, json_string(hud_category__name(c))))
			err = -ENOMEM;
	set(root, "hotspot_categories", json_incref(selected), &err);
	for (k = 0; k < h->nr && !err; k++) {
		const struct hud_hotspot *hs = &h->items[k];
		json_t *hj, *stacks;

		if (!report__category_on(o, hs->cat, dflt))
			continue;
		hj = json_object();
		stacks = json_array();
		if (!hj || !stacks) {
			json_decref(hj);
			json_decref(stacks);
			err = -ENOMEM;
			break;
		}
		set(hj, "category", json_string(hud_category__name(hs->cat)), &err);
		set(hj, "function", json_string(hs->function), &err);
		set(hj, "user", json_boolean(hs->user), &err);
		set(hj, "count", json_integer((json_int_t)hs->count), &err);
		set(hj, "total_ms", json_real(round_to(hs->ns / 1e6, 1e-3)), &err);
		set(hj, "share",
		    json_real(h->thread_time_s > 0 ? round_to(hs->ns / 1e9 / h->thread_time_s, 1e-6)
						   : 0),
		    &err);
		set(hj, "threads", json_integer(hs->threads), &err);
		set(hj, "file", str_or_null(hs->file), &err);
		set(hj, "line", hs->line ? json_integer(hs->line) : json_null(), &err);
		set(hj, "dso", str_or_null(hs->dso), &err);
		set(hj, "reason", hs->cat == HUD_CAT_CPU ? json_null() : str_or_null(hs->reason),
		    &err);
		for (j = 0; j < hs->nr_stacks && j < (uint32_t)o->stacks; j++)
			if (json_array_append_new(stacks, stack_json(p, &p->stacks[hs->stacks[j]],
								     hs->cat, o->max_frames, &err)))
				err = -ENOMEM;
		set(hj, "stacks", stacks, &err);
		if (json_array_append_new(hotspots, hj))
			err = -ENOMEM;
	}
	set(root, "hotspots", json_incref(hotspots), &err);
	if (!err && (json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) ||
		     fputc('\n', out) == EOF))
		err = -EIO;
out:
	json_decref(inputs);
	json_decref(cats);
	json_decref(hotspots);
	json_decref(target);
	json_decref(selected);
	json_decref(root);
	return err ? err : ferror(out) ? -EIO : 0;
}
