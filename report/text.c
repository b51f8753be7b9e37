// SPDX-License-Identifier: MIT OR Apache-2.0
/* The text report: a header, then one hotspot table per category with its top stacks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"

struct colors {
	const char *bold, *hot, *dim, *warn, *reset;
};

static const struct colors no_colors = {"", "", "", "", ""};
static const struct colors ansi_colors = {"\033[1m", "\033[1;33m", "\033[2m", "\033[1;31m",
					  "\033[0m"};

static void print_location(FILE *out, const char *file, int line)
{
	if (!file)
		return;
	if (line)
		fprintf(out, "%s:%d", report__short_path(file, 3), line);
	else
		fprintf(out, "%s", report__short_path(file, 3));
}

static void print_frame(FILE *out, const struct hud_sym_frame *f, const struct colors *c, int hot)
{
	char buf[512];

	fprintf(out, "%s%s%s", hot ? c->hot : "", report__frame_name(f, buf, sizeof(buf)),
		hot ? c->reset : "");
	if (f->inlined)
		fprintf(out, " (inlined)");
	if (f->inferred)
		fprintf(out, " (tail call)");
	if (f->file) {
		fprintf(out, "  %s", c->dim);
		print_location(out, f->file, f->line);
		fprintf(out, "%s", c->reset);
	}
	fputc('\n', out);
}

static void print_stack(FILE *out, const struct hud_profile *p, const struct hud_stack *s,
			int max_frames, const struct colors *c)
{
	uint32_t i = 0, nk = 0, shown = 0;

	/* Kernel frames: only the one that says why, the rest are scheduler plumbing. */
	while (i < s->nr_frames && profile__frame(p, s, i)->kernel) {
		nk++;
		i++;
	}
	if (nk && s->reason_frame >= 0)
		fprintf(out, "          [kernel] %s (+%u frames)\n",
			profile__frame(p, s, (uint32_t)s->reason_frame)->function, nk - 1);
	else if (nk)
		fprintf(out, "          [kernel: %u frames]\n", nk);
	for (; i < s->nr_frames; i++) {
		if (shown == (uint32_t)max_frames) {
			fprintf(out, "          ... %u more frames\n", s->nr_frames - i);
			break;
		}
		fprintf(out, "          %s", (int32_t)i == s->hot_frame ? "> " : "  ");
		print_frame(out, profile__frame(p, s, i), c, (int32_t)i == s->hot_frame);
		shown++;
	}
}

static const char *const titles[HUD_CAT_MAX] = {
	[HUD_CAT_CPU] = "On-CPU hotspots",
	[HUD_CAT_BLOCKED] = "Blocked hotspots (off-CPU: sleep, I/O, locks)",
	[HUD_CAT_PREEMPTED] = "Preempted hotspots (runnable, another task took the CPU)",
	[HUD_CAT_RUNQUEUE] = "Run-queue hotspots (woken, waiting for a CPU)",
};

static void print_table(FILE *out, const struct hud_profile *p, const struct hud_hotspots *h,
			enum hud_category cat, const struct report_opts *o, const struct colors *c)
{
	const char *unit = cat == HUD_CAT_CPU ? "samples" : "intervals";
	uint32_t i, rows = 0;

	if (!h->total_count[cat]) {
		fprintf(out, "\n%s%s%s: none\n", c->bold, titles[cat], c->reset);
		return;
	}
	fprintf(out, "\n%s%s%s: %llu %s, %.1f ms\n", c->bold, titles[cat], c->reset,
		(unsigned long long)h->total_count[cat], unit, h->total_ns[cat] / 1e6);
	fprintf(out, "  %8s %10s %6s %7s  %s\n", cat == HUD_CAT_CPU ? "SAMPLES" : "EVENTS",
		"TOTAL MS", "SHARE", "THREADS", "FUNCTION (LOCATION)");
	for (i = 0; i < h->nr; i++) {
		const struct hud_hotspot *hs = &h->items[i];
		uint32_t k;

		if (hs->cat != cat)
			continue;
		if (rows++ == (uint32_t)o->top) {
			fprintf(out, "  ... more hotspots: raise --top\n");
			break;
		}
		/* Share of the selected threads' recorded time: what the blocker cost them. */
		fprintf(out, "  %8llu %10.1f %5.1f%% %7u  %s%s%s", (unsigned long long)hs->count,
			hs->ns / 1e6,
			h->thread_time_s > 0 ? 100.0 * hs->ns / 1e9 / h->thread_time_s : 0.0,
			hs->threads, hs->user ? c->hot : "", hs->function,
			hs->user ? c->reset : "");
		if (hs->file) {
			fprintf(out, " (");
			print_location(out, hs->file, hs->line);
			fputc(')', out);
		}
		if (hs->reason && cat != HUD_CAT_CPU)
			fprintf(out, " %sin %s%s", c->dim, hs->reason, c->reset);
		fputc('\n', out);
		for (k = 0; k < hs->nr_stacks && k < (uint32_t)o->stacks; k++) {
			const struct hud_stack *s = &p->stacks[hs->stacks[k]];

			fprintf(out, "      stack %u: %llu %s, %.1f ms, thread %u (%s)\n", k + 1,
				(unsigned long long)s->count[cat], unit, s->ns[cat] / 1e6, s->tid,
				profile__thread_name(p, s->src, s->tid) ?: "?");
			print_stack(out, p, s, o->max_frames, c);
		}
	}
}

static const char *roles_name(unsigned roles, uint32_t n)
{
	if (roles == HUD_ROLES_ALL)
		return n == 1 ? "thread" : "threads";
	if (roles == HUD_ROLES_WORKERS)
		return n == 1 ? "worker thread" : "worker threads";
	if (roles == HUD_ROLES_BLOCKING)
		return n == 1 ? "blocking-pool thread" : "blocking-pool threads";
	return n == 1 ? "selected thread" : "selected threads";
}

/* ", N% cut short" when any stack lost frames to a return address no call precedes. */
static const char *truncated_note(const struct hud_hotspots *h)
{
	static char buf[64];

	if (!h->truncated)
		return "";
	snprintf(buf, sizeof(buf), ", %.1f%% cut short", 100.0 * h->truncated / h->events);
	return buf;
}

#define BUDGET_MAX_ROWS 16

static void print_budget_row(FILE *out, const struct hud_budget_row *r, const char *label)
{
	int c;

	fprintf(out, "  %-26s %7.2f", label, r->wall_s);
	for (c = 0; c < HUD_BUDGET_PARTS; c++)
		fprintf(out, " %6.1f%%", r->wall_s > 0 ? 100.0 * r->s[c] / r->wall_s : 0.0);
	fprintf(out, "%s\n",
		r->over	    ? "  (off-CPU estimates exceed the watched time)"
		: r->scaled ? "  (off-CPU scaled down to the wall time: sampling noise)"
			    : "");
}

/*
 * Where each selected thread's wall time went (budget.h), and how that was estimated: one
 * line per thread (the first BUDGET_MAX_ROWS), then the total.
 */
static void print_budget(FILE *out, const struct hud_profile *p, const struct hud_hotspots *h,
			 const struct report_opts *o)
{
	const struct hud_budget *b = &h->budget;
	const struct hud_source *s = &p->sources[0];
	char label[64];
	size_t i;

	if (!b->watched)
		return;
	fprintf(out,
		"budget:     each %s's wall time. Off-CPU: intervals of %.1f ms or more exact, "
		"shorter ones\n"
		"            sampled at %.0f Hz (each point weighs %.1f ms; error about "
		"sqrt(points) "
		"of them);\n"
		"            CPU: the rest of the watched time; unaccounted: not watched (before "
		"the first\n"
		"            switch seen, or off-CPU at the end)\n",
		roles_name(o->roles, 1), s->threshold_ns / 1e6,
		s->grid_period_ns ? 1e9 / s->grid_period_ns : 0.0, s->grid_period_ns / 1e6);
	fprintf(out, "  %-26s %7s %7s %7s %7s %7s %7s %7s\n", "TID THREAD", "WALL S", "CPU",
		"BLOCKED", "PREEMPT", "RUNQ", "IDLE", "UNACCT");
	for (i = 0; i < b->nr && i < BUDGET_MAX_ROWS; i++) {
		const struct hud_budget_row *r = &b->rows[i];

		snprintf(label, sizeof(label), "%u %s", r->tid, r->name ? r->name : "?");
		print_budget_row(out, r, label);
	}
	if (b->nr > BUDGET_MAX_ROWS)
		fprintf(out, "  ... %zu more (json has them all)\n", b->nr - BUDGET_MAX_ROWS);
	snprintf(label, sizeof(label), "all %zu", b->nr);
	print_budget_row(out, &b->total, label);
}

static void print_header(FILE *out, const struct hud_profile *p, const struct hud_hotspots *h,
			 const struct report_opts *o, const struct colors *c)
{
	const char *comm = profile__meta(p, "target_comm"), *pid = profile__meta(p, "target_pid");
	const char *rt = profile__meta(p, "start_realtime_ns");
	const char *cmd = profile__meta(p, "target_cmdline");
	char when[64] = "unknown time";
	size_t i;

	if (rt) {
		time_t t = (time_t)(strtoull(rt, NULL, 10) / 1000000000ull);
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	fprintf(out, "%shud report%s: %s", c->bold, c->reset, o->inputs[0]);
	for (i = 1; i < (size_t)o->nr_inputs; i++)
		fprintf(out, " + %s", o->inputs[i]);
	fputc('\n', out);
	fprintf(out, "target:     %s (pid %s)%s%s\n", comm ?: "?", pid ?: "?",
		cmd && *cmd ? "  " : "", cmd ?: "");
	fprintf(out, "recorded:   %s on %s, kernel %s, %.2f s\n", when,
		profile__meta(p, "hostname") ?: "?", profile__meta(p, "kernel") ?: "?",
		p->duration_s);
	fprintf(out, "threads:    %u %s with events (of %zu named)\n", h->threads,
		roles_name(o->roles, h->threads), p->nr_threads);
	fprintf(out, "samples:    %llu on-CPU at %s Hz\n", (unsigned long long)p->samples,
		profile__meta(p, "sample_freq_hz") ?: "?");
	if (p->offcpu_sampled || (p->nr_sources && p->sources[0].grid_period_ns))
		fprintf(out,
			"off-CPU:    %llu intervals of at least %.1f ms, %llu shorter ones sampled "
			"at %.0f Hz\n",
			(unsigned long long)(p->offcpu_events - p->offcpu_sampled),
			p->sources[0].threshold_ns / 1e6, (unsigned long long)p->offcpu_sampled,
			p->sources[0].grid_period_ns ? 1e9 / p->sources[0].grid_period_ns : 0.0);
	else
		fprintf(out, "off-CPU:    %llu intervals of at least %.1f ms\n",
			(unsigned long long)p->offcpu_events,
			p->nr_sources ? p->sources[0].threshold_ns / 1e6 : 0.0);
	fprintf(out, "lost:       %s%llu events%s\n", p->lost ? c->warn : "",
		(unsigned long long)p->lost,
		p->lost ? " (counts are low: record again with a larger --ring-size)" : "");
	if (p->lost)
		fprintf(out, "%s", c->reset);
	fprintf(out, "symbolized: %.1f%% of %llu frames\n",
		p->frames_total ? 100.0 * p->frames_symbolized / p->frames_total : 100.0,
		(unsigned long long)p->frames_total);
	if (h->events)
		fprintf(out,
			"stacks:     %.1f%% complete, %.1f%% unwound with CFI, %.1f%% with frames "
			"inferred from call sites%s\n",
			100.0 * h->complete / h->events, 100.0 * h->repaired / h->events,
			100.0 * h->inferred / h->events, truncated_note(h));
	print_budget(out, p, h, o);
	for (i = 0; i < p->nr_failed_dsos; i++)
		fprintf(out, "%sunresolved%s: %s\n", c->warn, c->reset, p->failed_dsos[i]);
}

int report__text(FILE *out, const struct hud_profile *p, const struct hud_hotspots *h,
		 const struct report_opts *o)
{
	const struct colors *c = o->color ? &ansi_colors : &no_colors;
	unsigned dflt = (1u << HUD_CAT_MAX) - 1;
	int cat;

	print_header(out, p, h, o, c);
	for (cat = 0; cat < HUD_CAT_IDLE; cat++)
		if (report__category_on(o, cat, dflt))
			print_table(out, p, h, cat, o, c);
	if (report__category_on(o, HUD_CAT_IDLE, dflt) && h->total_count[HUD_CAT_IDLE])
		fprintf(out,
			"\n%sIdle%s (runtime parking, not a blocker): %llu intervals, %.1f ms\n",
			c->bold, c->reset, (unsigned long long)h->total_count[HUD_CAT_IDLE],
			h->total_ns[HUD_CAT_IDLE] / 1e6);
	return ferror(out) ? -EIO : 0;
}
