// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The live screen (tui.h), drawn with ncurses. Once a second the live model reads what
 * hud-record wrote since and the screen is drawn again from a view of it; keys act at
 * once. Nothing here knows the file format: live.c and the report library do.
 */
#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "load.h"
#include "output.h"
#include "tui.h"
#include "unwind.h"
#include "util.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* Windows the w key cycles through, like the seed tool's --window. */
static const struct {
	double secs;
	const char *label;
} windows[] = {
	{0, "whole recording"},
	{10, "last 10 s"},
	{30, "last 30 s"},
};

#define NR_WINDOWS   (sizeof(windows) / sizeof(windows[0]))
#define CAT_ALL	     -1
#define BUDGET_ROWS  4
#define STACKS_SHOWN 5
#define COLOR_HOT    1
#define COLOR_BAD    2

struct screen {
	const struct tui_opts *o;
	struct hud_symbolizer *sym;
	struct hud_unwinder *unwinder;
	struct hud_live live;
	struct hud_live_view view;
	int have_view;
	int cat;      /* CAT_ALL or an enum hud_category */
	size_t win;   /* index into windows */
	int paused;   /* the display, not the recording */
	int stacks;   /* showing the selected hotspot's stacks */
	int sel, top; /* selected row, first row shown */
	int scroll;   /* first line of the stack view */
	uint32_t *rows;
	size_t nr_rows, cap_rows;
	double started; /* monotonic seconds when the screen opened */
	char status[256];
	char target[256];
	uint32_t sel_key_cat; /* the selected hotspot, to keep it selected across refreshes */
	char sel_key_fn[512];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *cat_label(int cat)
{
	return cat == CAT_ALL ? "all but idle" : hud_category__name((enum hud_category)cat);
}

/* Table rows by time, heaviest first (qsort_r: @ctx is the hotspots). */
static int cmp_rows(const void *a, const void *b, void *ctx)
{
	const struct hud_hotspots *h = ctx;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	const struct hud_hotspot *x = &h->items[ia], *y = &h->items[ib];

	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/* The hotspots the table shows, in time order: one category, or all but idle. */
static int build_rows(struct screen *sc, int anchor)
{
	const struct hud_hotspots *h = &sc->view.h;
	uint32_t i;

	sc->nr_rows = 0;
	for (i = 0; i < h->nr; i++) {
		const struct hud_hotspot *hs = &h->items[i];

		if (sc->cat == CAT_ALL ? hs->cat == HUD_CAT_IDLE : (int)hs->cat != sc->cat)
			continue;
		if (!HUD_GROW(sc->rows, sc->cap_rows, sc->nr_rows + 1))
			return -ENOMEM;
		sc->rows[sc->nr_rows++] = i;
	}
	if (sc->nr_rows > 1)
		qsort_r(sc->rows, sc->nr_rows, sizeof(*sc->rows), cmp_rows, (void *)h);
	/* The same hotspot stays selected while the numbers move. */
	for (i = 0; anchor && sc->sel_key_fn[0] && i < sc->nr_rows; i++) {
		const struct hud_hotspot *hs = &h->items[sc->rows[i]];

		if (hs->cat == sc->sel_key_cat && !strcmp(hs->function, sc->sel_key_fn)) {
			sc->sel = (int)i;
			break;
		}
	}
	if (sc->sel >= (int)sc->nr_rows)
		sc->sel = sc->nr_rows ? (int)sc->nr_rows - 1 : 0;
	return 0;
}

static void remember_selection(struct screen *sc)
{
	const struct hud_hotspot *hs;

	sc->sel_key_fn[0] = '\0';
	if (!sc->nr_rows)
		return;
	hs = &sc->view.h.items[sc->rows[sc->sel]];
	sc->sel_key_cat = hs->cat;
	snprintf(sc->sel_key_fn, sizeof(sc->sel_key_fn), "%s", hs->function);
}

static int refresh_view(struct screen *sc)
{
	int err;

	if (sc->have_view)
		live__view_free(&sc->view);
	sc->have_view = 0;
	err = live__view(&sc->live, windows[sc->win].secs, sc->o->ro->roles, &sc->view);
	if (err)
		return err;
	sc->have_view = 1;
	return build_rows(sc, 1);
}

/* ---- drawing ------------------------------------------------------------------------ */

/* printw that stops at the right edge instead of wrapping. */
static void line_at(int y, int x, int attr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void line_at(int y, int x, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (y < 0 || y >= LINES || x >= COLS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (attr)
		attron(attr);
	mvaddnstr(y, x, buf, COLS - x);
	if (attr)
		attroff(attr);
}

static double pct(double part, double whole)
{
	return whole > 0 ? 100.0 * part / whole : 0;
}

static int draw_budget(struct screen *sc, int y)
{
	const struct hud_budget *b = &sc->view.h.budget;
	size_t i;
	int c;

	if (!b->watched || !b->nr) {
		line_at(y++, 0, 0, "budget: %s",
			b->nr ? "not in this file (recorded before format 1.2)"
			      : "no worker seen yet");
		return y;
	}
	line_at(y++, 0, A_BOLD, "  %-24s %7s %7s %7s %7s %7s %7s %7s", "TID THREAD", "WALL S",
		"CPU", "BLOCKED", "PREEMPT", "RUNQ", "IDLE", "UNACCT");
	for (i = 0; i <= b->nr && i <= BUDGET_ROWS; i++) {
		const struct hud_budget_row *r;
		char label[64], cells[128];
		int n = 0;

		if (i == BUDGET_ROWS && b->nr > BUDGET_ROWS) {
			r = &b->total;
			snprintf(label, sizeof(label), "all %zu (%zu more)", b->nr,
				 b->nr - BUDGET_ROWS);
		} else if (i == b->nr) {
			r = &b->total;
			snprintf(label, sizeof(label), "all %zu", b->nr);
		} else {
			r = &b->rows[i];
			snprintf(label, sizeof(label), "%u %s", r->tid, r->name ? r->name : "?");
		}
		for (c = 0; c < HUD_BUDGET_PARTS; c++)
			n += snprintf(cells + n, sizeof(cells) - (size_t)n, " %6.1f%%",
				      pct(r->s[c], r->wall_s));
		line_at(y++, 0, 0, "  %-24.24s %7.2f%s", label, r->wall_s, cells);
		if (r == &b->total)
			break;
	}
	return y;
}

static void location(const struct hud_hotspot *hs, char *buf, size_t size)
{
	if (hs->file && hs->line)
		snprintf(buf, size, "%s:%d", report__short_path(hs->file, 2), hs->line);
	else if (hs->file)
		snprintf(buf, size, "%s", report__short_path(hs->file, 2));
	else if (hs->dso)
		snprintf(buf, size, "%s", report__short_path(hs->dso, 1));
	else
		buf[0] = '\0';
}

static void draw_header(struct screen *sc)
{
	const struct hud_profile *p = &sc->live.p;
	const struct hud_hotspots *h = &sc->view.h;
	const struct hud_source *s = p->nr_sources ? &p->sources[0] : NULL;
	double rec = s && s->end_ns > s->start_ns ? (s->end_ns - s->start_ns) / 1e9 : 0;
	int ended = live__ended(&sc->live);

	line_at(0, 0, A_BOLD, "%s  %s", sc->o->recorder ? "hud-top" : "hud-report --follow",
		sc->target);
	line_at(1, 0, 0, "%s %.1f s   window: %s   workers: %u   events: %llu   lost: %llu%s",
		ended ? "recording ended after" : "recording", rec, windows[sc->win].label,
		h->threads, (unsigned long long)(p->samples + p->offcpu_events),
		(unsigned long long)p->lost, sc->paused ? "   [paused]" : "");
	if (ended)
		line_at(2, 0, COLOR_PAIR(COLOR_BAD) | A_BOLD,
			"recording ended: the screen stays until q (hud-report -i %s)",
			sc->o->path);
	else if (sc->status[0])
		line_at(2, 0, COLOR_PAIR(COLOR_BAD), "%s", sc->status);
}

static void draw_table(struct screen *sc, int y)
{
	const struct hud_hotspots *h = &sc->view.h;
	int rows = LINES - 1 - (y + 2), i;
	/* The function takes what the fixed columns leave, the reason only on wide screens. */
	int reason_w = COLS - 93 > 24 ? 24 : COLS - 93 > 8 ? COLS - 93 : 0;
	int fn_w = COLS - 53 - (reason_w ? reason_w + 1 : 0);
	char loc[256];

	if (fn_w < 16)
		fn_w = 16;
	line_at(y++, 0, A_BOLD, "Hotspots: %s (keys 1-5, 0 or Tab)   share of %s time",
		cat_label(sc->cat), sc->o->ro->roles == HUD_ROLES_WORKERS ? "worker" : "thread");
	line_at(y++, 0, A_BOLD, "  %-9s %6s %7s  %-*s %-24s %s", "CATEGORY", "SHARE", "THREADS",
		fn_w, "FUNCTION", "LOCATION", reason_w ? "REASON" : "");
	if (!sc->nr_rows) {
		line_at(y, 2, 0, "%s",
			live__ended(&sc->live) || sc->live.records ? "no hotspot in this window"
								   : "waiting for events ...");
		return;
	}
	if (rows < 1)
		return;
	if (sc->sel < sc->top)
		sc->top = sc->sel;
	if (sc->sel >= sc->top + rows)
		sc->top = sc->sel - rows + 1;
	for (i = 0; i < rows && sc->top + i < (int)sc->nr_rows; i++) {
		const struct hud_hotspot *hs = &h->items[sc->rows[sc->top + i]];
		int selected = sc->top + i == sc->sel;

		location(hs, loc, sizeof(loc));
		line_at(y + i, 0, selected ? A_REVERSE : 0,
			"%c %-9s %5.1f%% %7u  %-*.*s %-24.24s %.*s", selected ? '>' : ' ',
			hud_category__name(hs->cat), pct(hs->ns / 1e9, h->thread_time_s),
			hs->threads, fn_w, fn_w, hs->function, loc, reason_w,
			reason_w && hs->reason && hs->cat != HUD_CAT_CPU ? hs->reason : "");
		if (selected)
			mvchgat(y + i, 0, -1, A_REVERSE, 0, NULL);
	}
}

/* The stack view's lines: built each time it is drawn, scrolled by the arrow keys. */
static void draw_stacks(struct screen *sc, int y)
{
	const struct hud_profile *p = &sc->view.v;
	const struct hud_hotspots *h = &sc->view.h;
	const struct hud_hotspot *hs;
	int line = 0, bottom = LINES - 1;
	uint32_t k, i;
	char buf[512], loc[300];

	if (!sc->nr_rows) {
		sc->stacks = 0;
		return;
	}
	hs = &h->items[sc->rows[sc->sel]];
	line_at(y++, 0, A_BOLD, "%s: %s, %.1f%% of the time, %u thread%s (Esc: back)", hs->function,
		hud_category__name(hs->cat), pct(hs->ns / 1e9, h->thread_time_s), hs->threads,
		hs->threads == 1 ? "" : "s");
#define EMIT(attr, ...)                                                       \
	do {                                                                  \
		if (line >= sc->scroll && y + line - sc->scroll < bottom)     \
			line_at(y + line - sc->scroll, 0, attr, __VA_ARGS__); \
		line++;                                                       \
	} while (0)
	for (k = 0; k < hs->nr_stacks && k < STACKS_SHOWN; k++) {
		const struct hud_stack *s = &p->stacks[hs->stacks[k]];
		uint32_t nk = 0;

		EMIT(A_BOLD, "stack %u of %u: %llu %s, %.1f ms, thread %u (%s)", k + 1,
		     hs->nr_stacks, (unsigned long long)s->count[hs->cat],
		     hs->cat == HUD_CAT_CPU ? (s->count[hs->cat] == 1 ? "sample" : "samples")
					    : (s->count[hs->cat] == 1 ? "interval" : "intervals"),
		     s->ns[hs->cat] / 1e6, s->tid, profile__thread_name(p, s->src, s->tid) ?: "?");
		for (i = 0; i < s->nr_frames && profile__frame(p, s, i)->kernel; i++)
			nk++;
		if (nk && s->reason_frame >= 0)
			EMIT(A_DIM, "    [kernel] %s (+%u frames)",
			     profile__frame(p, s, (uint32_t)s->reason_frame)->function, nk - 1);
		else if (nk)
			EMIT(A_DIM, "    [kernel: %u frames]", nk);
		for (i = nk; i < s->nr_frames; i++) {
			const struct hud_sym_frame *f = profile__frame(p, s, i);
			int hot = (int32_t)i == s->hot_frame;

			loc[0] = '\0';
			if (f->file && f->line)
				snprintf(loc, sizeof(loc), "  %s:%d",
					 report__short_path(f->file, 3), f->line);
			else if (f->file)
				snprintf(loc, sizeof(loc), "  %s", report__short_path(f->file, 3));
			EMIT(hot ? COLOR_PAIR(COLOR_HOT) | A_BOLD : 0, "  %s %s%s%s%s",
			     hot ? ">" : " ", report__frame_name(f, buf, sizeof(buf)),
			     f->inlined ? " (inlined)" : "", f->inferred ? " (tail call)" : "",
			     loc);
		}
		EMIT(0, "%s", "");
	}
#undef EMIT
	if (sc->scroll > line - 1)
		sc->scroll = line > 0 ? line - 1 : 0;
}

static void draw(struct screen *sc)
{
	int y;

	erase();
	if (!sc->have_view) {
		line_at(0, 0, A_BOLD, "%s  waiting for %s",
			sc->o->recorder ? "hud-top" : "hud-report --follow", sc->o->path);
		if (sc->status[0])
			line_at(2, 0, 0, "%s", sc->status);
	} else {
		draw_header(sc);
		y = draw_budget(sc, 3) + 1;
		if (sc->stacks)
			draw_stacks(sc, y);
		else
			draw_table(sc, y);
	}
	line_at(LINES - 1, 0, A_REVERSE, "%-*s", COLS,
		sc->stacks ? " Esc back  Up/Down scroll  q quit"
			   : " q quit  Up/Down select  Enter stacks  1-5/0/Tab category  w window  "
			     "p pause");
	refresh();
}

/* ---- the loop ----------------------------------------------------------------------- */

static void target_label(struct screen *sc)
{
	const struct hud_profile *p = &sc->live.p;
	const char *comm = profile__meta(p, "target_comm"), *pids = profile__meta(p, "target_pids");

	if (sc->o->target)
		snprintf(sc->target, sizeof(sc->target), "%s", sc->o->target);
	else if (comm || pids)
		snprintf(sc->target, sizeof(sc->target), "%s (pid %s)", comm ?: "?", pids ?: "?");
}

/* Read what is new; the first time, open the file once it exists. */
static int poll_live(struct screen *sc, int *opened, char *err, size_t err_size)
{
	struct hud_resolve_opts ro = {
		.user_prefixes = sc->o->ro->user_prefixes,
		.nr_user_prefixes = sc->o->ro->nr_user_prefixes,
		.no_demangle = sc->o->ro->no_demangle,
	};
	char path[4200];
	int ret;

	if (!*opened) {
		if (live__find_file(sc->o->path, sc->o->since, path, sizeof(path)))
			return 0;
		ret = live__open(&sc->live, path, sc->sym, sc->unwinder, &ro, err, err_size);
		if (ret == -ENOENT) /* renamed meanwhile (hud-record started): the next time */
			return 0;
		if (ret)
			return ret;
		*opened = 1;
	}
	ret = live__poll(&sc->live, err, err_size);
	if (ret == 1)
		target_label(sc);
	return ret;
}

static void key(struct screen *sc, int ch)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		if (sc->stacks && sc->scroll > 0)
			sc->scroll--;
		else if (!sc->stacks && sc->sel > 0)
			sc->sel--;
		break;
	case KEY_DOWN:
	case 'j':
		if (sc->stacks)
			sc->scroll++;
		else if (sc->sel + 1 < (int)sc->nr_rows)
			sc->sel++;
		break;
	case KEY_ENTER:
	case '\n':
	case '\r':
		if (sc->nr_rows) {
			sc->stacks = 1;
			sc->scroll = 0;
		}
		break;
	case 27: /* Esc */
	case KEY_BACKSPACE:
		sc->stacks = 0;
		break;
	case '\t':
		sc->cat = sc->cat == CAT_ALL	       ? 0
			  : sc->cat + 1 == HUD_CAT_MAX ? CAT_ALL
						       : sc->cat + 1;
		sc->sel = 0;
		sc->stacks = 0;
		break;
	case '0':
		sc->cat = CAT_ALL;
		sc->sel = 0;
		sc->stacks = 0;
		break;
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
		sc->cat = ch - '1';
		sc->sel = 0;
		sc->stacks = 0;
		break;
	case 'w':
		sc->win = (sc->win + 1) % NR_WINDOWS;
		break;
	case 'p':
		sc->paused = !sc->paused;
		break;
	}
	if (ch != 'p' && ch != KEY_UP && ch != KEY_DOWN && ch != 'j' && ch != 'k')
		sc->sel_key_fn[0] = '\0';
}

int tui__run(const struct tui_opts *o, char *err, size_t err_size)
{
	struct screen sc = {.o = o, .cat = CAT_ALL};
	struct sigaction sa = {.sa_handler = on_stop_signal};
	double next_poll = 0;
	int opened = 0, ret = 0, ch, dirty = 1;

	err[0] = '\0';
	sc.sym = report__symbolizer(o->ro);
	if (sc.sym)
		sc.unwinder = hud_unwinder__new(sc.sym);
	if (!sc.sym || !sc.unwinder) {
		snprintf(err, err_size, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	setlocale(LC_CTYPE, "");
	if (!initscr()) {
		snprintf(err, err_size, "cannot set up the terminal (TERM=%s)",
			 getenv("TERM") ?: "");
		ret = -ENOTTY;
		goto out;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	timeout(100);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(COLOR_HOT, COLOR_YELLOW, -1);
		init_pair(COLOR_BAD, COLOR_RED, -1);
	}
	sc.started = now_s();
	while (!stop_requested) {
		double t = now_s();

		/* Paused, the view's model stays as it is: nothing is read meanwhile. */
		if (t >= next_poll && !sc.paused) {
			int n = poll_live(&sc, &opened, err, err_size);

			if (n < 0) {
				ret = n;
				break;
			}
			next_poll = t + 1.0;
			if (!opened)
				snprintf(sc.status, sizeof(sc.status), "waiting for %s (%.0f s)",
					 o->path, t - sc.started);
			else
				sc.status[0] = '\0';
			if (opened) {
				remember_selection(&sc);
				ret = refresh_view(&sc);
				if (ret) {
					snprintf(err, err_size, "%s", strerror(-ret));
					break;
				}
			}
			/* hud-top's recorder gone before the end was read: say so. */
			if (o->recorder && !live__ended(&sc.live) && kill(o->recorder, 0) &&
			    errno == ESRCH)
				snprintf(sc.status, sizeof(sc.status),
					 "hud-record is not running: the file may be incomplete");
			dirty = 1;
		}
		if (dirty)
			draw(&sc);
		dirty = 0;
		ch = getch();
		if (ch == ERR)
			continue;
		if (ch == 'q' || ch == 'Q')
			break;
		dirty = 1;
		if (ch == KEY_RESIZE)
			continue;
		key(&sc, ch);
		/* Only the window needs another view: the model does not move while paused. */
		if (sc.have_view && ch == 'w')
			ret = refresh_view(&sc);
		else if (sc.have_view)
			ret = build_rows(&sc, 0);
		if (ret) {
			snprintf(err, err_size, "%s", strerror(-ret));
			break;
		}
	}
	endwin();
out:
	if (sc.have_view)
		live__view_free(&sc.view);
	free(sc.rows);
	if (opened)
		live__free(&sc.live);
	hud_unwinder__free(sc.unwinder);
	hud_symbolizer__free(sc.sym);
	return ret;
}
