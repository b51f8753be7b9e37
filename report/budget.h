/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The time budget of each selected thread: where its wall time went, in parts that add up
 * to all of it. Off-CPU parts are the measurements of its stacks (exact intervals at or
 * above the threshold, sampled ones below it, by category); unaccounted is the time
 * hud-record did not watch the thread's scheduling (before its SEEN, and an off-CPU
 * interval still open at the end); CPU is the rest of the watched time. That is the
 * "busy ratio" of a worker, from outside the process.
 */
#ifndef HUD_BUDGET_H
#define HUD_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#include "profile.h"

/* The parts of a budget: the categories (HUD_CAT_*), then unaccounted time. */
#define HUD_BUDGET_UNACCOUNTED HUD_CAT_MAX
#define HUD_BUDGET_PARTS       (HUD_CAT_MAX + 1)

struct hud_budget_row {
	uint16_t src;
	uint32_t pid, tid; /* tid 0: the total */
	const char *name;  /* the thread's name, or NULL */
	double wall_s;	   /* its lifetime inside the selection */
	double s[HUD_BUDGET_PARTS];
	double sampled_s; /* the part of the off-CPU time estimated from grid points */
	int watched;	  /* its scheduling was watched (THREAD_STATE records): CPU is the rest */
	int scaled;	  /* the estimates overshot the watched time within their error: scaled */
	int over;	  /* ... beyond their error (a measurement error): CPU 0, parts > 100% */
};

struct hud_budget {
	struct hud_budget_row *rows; /* one per thread with a selected event, by (src, tid) */
	size_t nr;
	struct hud_budget_row total;
	int watched; /* every row is watched: the budget can be shown */
};

/*
 * The budget of every thread with a stack of @roles (enum hud_role bits) in @p, whose
 * stacks are classified (profile__symbolize()). 0 or -ENOMEM.
 */
int budget__build(struct hud_budget *b, const struct hud_profile *p, unsigned roles);

void budget__free(struct hud_budget *b);

#endif /* HUD_BUDGET_H */
