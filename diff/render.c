// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * hud-diff's outputs. Every number is a rate (ms per second of recording) or a share of
 * the selected threads' time, so recordings of different lengths and worker counts
 * compare; raw counts are shown next to them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "jsonw.h"
#include "output.h"
#include "render.h"

/* Sections in the order they are printed. */
static const enum diff_verdict sections[] = {DIFF_REGRESSED, DIFF_NEW, DIFF_IMPROVED, DIFF_GONE,
					     DIFF_NOISE};

static const char *const section_titles[DIFF_VERDICT_MAX] = {
	[DIFF_REGRESSED] = "Regressed",
	[DIFF_NEW] = "New",
	[DIFF_IMPROVED] = "Improved",
	[DIFF_GONE] = "Gone",
	[DIFF_NOISE] = "Noise (differences the counts cannot tell from chance)",
};

/* More idle time is not a regression: the idle row says what happened in plain words. */
static const char *verdict_name(const struct diff_row *row)
{
	if (row->cat == HUD_CAT_IDLE &&
	    (row->verdict == DIFF_REGRESSED || row->verdict == DIFF_NEW))
		return "more idle";
	if (row->cat == HUD_CAT_IDLE &&
	    (row->verdict == DIFF_IMPROVED || row->verdict == DIFF_GONE))
		return "less idle";
	return diff_verdict__name(row->verdict);
}

static void format_ratio(char *buf, size_t size, double ratio)
{
	if (isinf(ratio))
		snprintf(buf, size, "new");
	else
		snprintf(buf, size, "%.2fx", ratio);
}

static void format_location(char *buf, size_t size, const struct diff_row *row)
{
	if (!row->file)
		buf[0] = '\0';
	else if (row->line)
		snprintf(buf, size, "  (%s:%d)", report__short_path(row->file, 3), row->line);
	else
		snprintf(buf, size, "  (%s)", report__short_path(row->file, 3));
}

static void side_header(FILE *out, const char *label, const struct diff_summary *s)
{
	fprintf(out, "  %-7s %s: %s, %.2f s, %llu threads (%s), %llu samples, %llu off-CPU events",
		label, s->name, *s->target ? s->target : "?", s->duration_s,
		(unsigned long long)s->workers, s->threads, (unsigned long long)s->samples,
		(unsigned long long)s->offcpu_events);
	if (s->lost)
		fprintf(out, ", %llu LOST", (unsigned long long)s->lost);
	fputc('\n', out);
}

int diff__text(FILE *out, const struct diff_result *r, const struct diff_render_opts *o)
{
	const char *bold = o->color ? "\033[1m" : "", *reset = o->color ? "\033[0m" : "";
	const char *red = o->color ? "\033[1;31m" : "", *green = o->color ? "\033[1;32m" : "";
	char ratio[32], loc[256];
	size_t i, k;
	int c, shown;

	fprintf(out, "%shud-diff%s: before -> after, in ms per second of recording\n", bold, reset);
	side_header(out, "before", r->before);
	side_header(out, "after", r->after);
	fprintf(out,
		"  share: of the selected threads' time; noise: a difference under %.0f standard "
		"errors of its counts\n",
		DIFF_NOISE_Z);

	fprintf(out, "\n%sCategory totals%s\n", bold, reset);
	fprintf(out, "  %-10s %10s %10s %10s %8s %8s %8s  %s\n", "CATEGORY", "BEFORE", "AFTER",
		"DELTA", "RATIO", "SHARE", "->", "VERDICT");
	for (c = 0; c < HUD_CAT_MAX; c++) {
		const struct diff_row *row = &r->cats[c];
		const char *col = c == HUD_CAT_IDLE					       ? ""
				  : row->verdict == DIFF_REGRESSED || row->verdict == DIFF_NEW ? red
				  : row->verdict == DIFF_IMPROVED || row->verdict == DIFF_GONE
					  ? green
					  : "";

		format_ratio(ratio, sizeof(ratio), row->ratio);
		fprintf(out, "  %-10s %10.1f %10.1f %+10.1f %8s %7.2f%% %7.2f%%  %s%s%s\n",
			row->function, row->before.rate, row->after.rate, row->delta, ratio,
			100 * row->before.share, 100 * row->after.share, col, verdict_name(row),
			*col ? reset : "");
	}

	for (k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
		enum diff_verdict v = sections[k];
		const char *col = v == DIFF_REGRESSED || v == DIFF_NEW	 ? red
				  : v == DIFF_IMPROVED || v == DIFF_GONE ? green
									 : "";

		fprintf(out, "\n%s%s%s%s: %zu", bold, col, section_titles[v], reset,
			r->nr_verdict[v]);
		if (!r->nr_verdict[v]) {
			fputc('\n', out);
			continue;
		}
		if ((int)r->nr_verdict[v] > o->top)
			fprintf(out, " (top %d by |delta|)", o->top);
		fprintf(out, "\n  %-10s %10s %10s %10s %8s %15s  %s\n", "CATEGORY", "BEFORE",
			"AFTER", "DELTA", "RATIO", "EVENTS", "FUNCTION (LOCATION)");
		for (i = 0, shown = 0; i < r->nr_rows && shown < o->top; i++) {
			const struct diff_row *row = &r->rows[i];
			char events[48];

			if (row->verdict != v)
				continue;
			shown++;
			format_ratio(ratio, sizeof(ratio), row->ratio);
			format_location(loc, sizeof(loc), row);
			snprintf(events, sizeof(events), "%llu->%llu",
				 (unsigned long long)row->before.count,
				 (unsigned long long)row->after.count);
			fprintf(out, "  %-10s %10.1f %10.1f %+10.1f %8s %15s  %s%s\n",
				hud_category__name(row->cat), row->before.rate, row->after.rate,
				row->delta, ratio, events, row->function, loc);
		}
	}
	if (r->hidden)
		fprintf(out,
			"\n%zu hotspots with fewer than %llu events on both sides are hidden "
			"(--min-count)\n",
			r->hidden, (unsigned long long)r->min_count);
	for (i = 0; i < o->nr_gates; i++) {
		if (!i)
			fprintf(out, "\n%sGates%s\n", bold, reset);
		fprintf(out, "  %s%s%s  %s: %s\n", o->gates[i].failed ? red : green,
			o->gates[i].failed ? "FAILED" : "passed", reset, o->gates[i].expr,
			o->gates[i].msg);
	}
	return ferror(out) ? -EIO : 0;
}

/* --- json --------------------------------------------------------------------------- */

static void side_json(struct jsonw *w, const struct diff_summary *s)
{
	jsonw__begin_object(w);
	jsonw__kv_string(w, "input", s->name);
	jsonw__kv_string(w, "target", s->target);
	jsonw__kv_string(w, "threads", s->threads);
	jsonw__kv_round(w, "duration_s", s->duration_s, 1e-3);
	jsonw__kv_uint(w, "workers", s->workers);
	jsonw__kv_uint(w, "samples", s->samples);
	jsonw__kv_uint(w, "offcpu_events", s->offcpu_events);
	jsonw__kv_uint(w, "lost", s->lost);
	jsonw__end_object(w);
}

static void row_json(struct jsonw *w, const struct diff_row *row, int is_cat)
{
	jsonw__begin_object(w);
	jsonw__kv_string(w, "category", hud_category__name(row->cat));
	if (!is_cat) {
		jsonw__kv_string(w, "function", row->function);
		jsonw__kv_string(w, "dso", row->dso);
		jsonw__kv_string(w, "file", row->file);
		jsonw__kv_nonzero(w, "line", row->line);
	}
	jsonw__kv_uint(w, "before_count", row->before.count);
	jsonw__kv_uint(w, "after_count", row->after.count);
	jsonw__kv_round(w, "before_ms", row->before.ms, 1e-3);
	jsonw__kv_round(w, "after_ms", row->after.ms, 1e-3);
	jsonw__kv_round(w, "before_ms_per_s", row->before.rate, 1e-3);
	jsonw__kv_round(w, "after_ms_per_s", row->after.rate, 1e-3);
	jsonw__kv_round(w, "delta_ms_per_s", row->delta, 1e-3);
	jsonw__kv_round(w, "ratio", row->ratio, 1e-4); /* null when new: infinite */
	jsonw__kv_round(w, "before_share", row->before.share, 1e-6);
	jsonw__kv_round(w, "after_share", row->after.share, 1e-6);
	jsonw__kv_round(w, "z", row->z, 1e-3);
	jsonw__kv_string(w, "verdict", diff_verdict__name(row->verdict));
	jsonw__end_object(w);
}

int diff__json(FILE *out, const struct diff_result *r, const struct diff_render_opts *o)
{
	struct jsonw w;
	size_t i;
	int c;

	jsonw__init(&w, out, 2);
	jsonw__begin_object(&w);
	jsonw__kv_uint(&w, "hud_diff_version", 1);
	jsonw__key(&w, "before");
	side_json(&w, r->before);
	jsonw__key(&w, "after");
	side_json(&w, r->after);
	jsonw__key(&w, "noise_z");
	jsonw__real(&w, DIFF_NOISE_Z);
	jsonw__kv_uint(&w, "min_count", r->min_count);
	jsonw__key(&w, "categories");
	jsonw__begin_array(&w);
	for (c = 0; c < HUD_CAT_MAX; c++)
		row_json(&w, &r->cats[c], 1);
	jsonw__end_array(&w);
	jsonw__key(&w, "verdicts");
	jsonw__begin_object(&w);
	for (i = 0; i < DIFF_VERDICT_MAX; i++)
		jsonw__kv_uint(&w, diff_verdict__name(i), r->nr_verdict[i]);
	jsonw__end_object(&w);
	jsonw__kv_uint(&w, "hidden", r->hidden);
	jsonw__key(&w, "hotspots");
	jsonw__begin_array(&w);
	for (i = 0; i < r->nr_rows; i++)
		row_json(&w, &r->rows[i], 0);
	jsonw__end_array(&w);
	jsonw__key(&w, "gates");
	jsonw__begin_array(&w);
	for (i = 0; i < o->nr_gates; i++) {
		jsonw__begin_object(&w);
		jsonw__kv_string(&w, "expr", o->gates[i].expr);
		jsonw__kv_bool(&w, "failed", o->gates[i].failed);
		jsonw__kv_string(&w, "detail", o->gates[i].msg);
		jsonw__end_object(&w);
	}
	jsonw__end_array(&w);
	jsonw__end_object(&w);
	fputc('\n', out);
	return jsonw__finish(&w);
}

/* --- markdown ----------------------------------------------------------------------- */

/* A name as a code span in a table cell: only pipes need escaping (GFM), backticks go. */
static void md_code(FILE *out, const char *s)
{
	fputc('`', out);
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '`')
			fputc('\'', out);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
	fputc('`', out);
}

/* Text in a table cell: pipes escaped, HTML-looking characters as entities. */
static void md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '|':
			fputs("\\|", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '`':
		case '*':
		case '_':
		case '[':
		case ']':
			fputc('\\', out);
			fputc(*s, out);
			break;
		default:
			if ((unsigned char)*s >= 0x20)
				fputc(*s, out);
		}
	}
}

int diff__markdown(FILE *out, const struct diff_result *r, const struct diff_render_opts *o)
{
	const struct diff_summary *b = r->before, *a = r->after;
	char ratio[32];
	size_t i, k;
	int c, shown;

	fputs("### hud-diff: ", out);
	md_cell(out, b->name);
	fputs(" → ", out);
	md_cell(out, a->name);
	fputs("\n\n", out);
	for (i = 0; i < o->nr_gates; i++) {
		fprintf(out, "- %s `", o->gates[i].failed ? "**FAILED**" : "passed");
		fputs(o->gates[i].expr, out);
		fputs("`: ", out);
		md_cell(out, o->gates[i].msg);
		fputc('\n', out);
	}
	if (o->nr_gates)
		fputc('\n', out);
	fputs("| | before | after |\n|---|---:|---:|\n| target | ", out);
	md_cell(out, b->target);
	fputs(" | ", out);
	md_cell(out, a->target);
	fprintf(out,
		" |\n| recorded | %.2f s | %.2f s |\n| threads (%s) | %llu | %llu |\n"
		"| samples | %llu | %llu |\n| off-CPU events | %llu | %llu |\n"
		"| lost events | %llu | %llu |\n\n",
		b->duration_s, a->duration_s, a->threads, (unsigned long long)b->workers,
		(unsigned long long)a->workers, (unsigned long long)b->samples,
		(unsigned long long)a->samples, (unsigned long long)b->offcpu_events,
		(unsigned long long)a->offcpu_events, (unsigned long long)b->lost,
		(unsigned long long)a->lost);

	fputs("**Category totals** (ms per second of recording)\n\n"
	      "| category | before | after | delta | ratio | share before → after | verdict |\n"
	      "|---|---:|---:|---:|---:|---:|---|\n",
	      out);
	for (c = 0; c < HUD_CAT_MAX; c++) {
		const struct diff_row *row = &r->cats[c];

		format_ratio(ratio, sizeof(ratio), row->ratio);
		fprintf(out, "| %s | %.1f | %.1f | %+.1f | %s | %.2f%% → %.2f%% | %s |\n",
			row->function, row->before.rate, row->after.rate, row->delta, ratio,
			100 * row->before.share, 100 * row->after.share, verdict_name(row));
	}
	for (k = 0; k < sizeof(sections) / sizeof(sections[0]); k++) {
		enum diff_verdict v = sections[k];

		if (!r->nr_verdict[v] || v == DIFF_NOISE)
			continue;
		fprintf(out, "\n**%s (%zu)**\n\n", section_titles[v], r->nr_verdict[v]);
		fputs("| category | function | before | after | delta | ratio | events |\n"
		      "|---|---|---:|---:|---:|---:|---:|\n",
		      out);
		for (i = 0, shown = 0; i < r->nr_rows && shown < o->top; i++) {
			const struct diff_row *row = &r->rows[i];

			if (row->verdict != v)
				continue;
			shown++;
			format_ratio(ratio, sizeof(ratio), row->ratio);
			fprintf(out, "| %s | ", hud_category__name(row->cat));
			md_code(out, row->function);
			fprintf(out, " | %.1f | %.1f | %+.1f | %s | %llu → %llu |\n",
				row->before.rate, row->after.rate, row->delta, ratio,
				(unsigned long long)row->before.count,
				(unsigned long long)row->after.count);
		}
		if ((int)r->nr_verdict[v] > shown)
			fprintf(out, "\n%zu more not shown.\n", r->nr_verdict[v] - (size_t)shown);
	}
	fprintf(out,
		"\n%zu hotspots within noise (under %.0f standard errors), %zu below "
		"--min-count %llu.\n",
		r->nr_verdict[DIFF_NOISE] + r->nr_verdict[DIFF_SAME], DIFF_NOISE_Z, r->hidden,
		(unsigned long long)r->min_count);
	return ferror(out) ? -EIO : 0;
}

/* --- differential flame graph ------------------------------------------------------- */

/* Both values are µs per second of recording; a frame is as wide as both together. */
static double width_both(const struct flame_node *n)
{
	return n->value + n->before;
}

/* Red when it grew, blue when it shrank, by how much of the frame changed; white: equal. */
static void delta_color(const struct flame_node *n, void *ctx, char *buf, size_t size)
{
	double sum = n->value + n->before, d = sum > 0 ? (n->value - n->before) / sum : 0;
	unsigned fade = (unsigned)(210 * (1 - fabs(d)));

	if (d > 0)
		snprintf(buf, size, "rgb(255,%u,%u)", 45 + fade, 45 + fade);
	else if (d < 0)
		snprintf(buf, size, "rgb(%u,%u,255)", 45 + fade, 45 + fade);
	else
		snprintf(buf, size, "rgb(255,255,255)");
}

static void delta_describe(FILE *out, const struct flame_node *n, double total, void *ctx)
{
	fprintf(out, "before %.3f ms/s, after %.3f ms/s, %+.3f ms/s", n->before / 1e3,
		n->value / 1e3, (n->value - n->before) / 1e3);
}

int diff__svg(FILE *out, const struct diff_result *r, const struct diff_render_opts *o)
{
	struct flame_node *root;
	char title[512];
	struct flame_style st = {
		.title = title,
		.color = delta_color,
		.describe = delta_describe,
		.width = width_both,
	};
	size_t i;
	int err = 0;

	if (!r->before->has_stacks || !r->after->has_stacks)
		return -EINVAL;
	root = flame__new();
	if (!root)
		return -ENOMEM;
	snprintf(title, sizeof(title),
		 "hud-diff: time per second of recording, red grew, blue shrank (%s -> %s)",
		 r->before->name, r->after->name);
	for (i = 0; !err && i < r->before->stacks.nr; i++)
		err = flame__add(root, r->before->stacks.lines[i].stack, 0,
				 r->before->stacks.lines[i].value / r->before->duration_s);
	for (i = 0; !err && i < r->after->stacks.nr; i++)
		err = flame__add(root, r->after->stacks.lines[i].stack,
				 r->after->stacks.lines[i].value / r->after->duration_s, 0);
	if (!err)
		err = flame__write(out, root, &st);
	flame__free(root);
	return err;
}
