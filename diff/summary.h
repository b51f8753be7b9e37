/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * One side of a comparison: the json summary of hud-report (docs/JSON.md), read from a
 * json file or made from a .hud recording with the report library, so that both kinds of
 * input mean exactly the same thing.
 */
#ifndef HUD_DIFF_SUMMARY_H
#define HUD_DIFF_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "folded.h"
#include "msgs.h"
#include "options.h"
#include "profile.h"

struct diff_hotspot {
	int cat; /* enum hud_category */
	char *function;
	char *dso;  /* base name of the blamed frame's binary, "" when unknown */
	char *file; /* NULL when unknown */
	int line;
	int user;
	uint64_t count;
	double ms;    /* total time */
	double ms_sq; /* sum of the squared event weights (ms^2); 0: not in the summary */
};

struct diff_summary {
	char *name;    /* the input as given on the command line */
	char *target;  /* the recorded process's name ("" when unknown) */
	char *threads; /* the thread selection: workers, blocking or all */
	double duration_s;
	uint64_t workers; /* selected threads with at least one event */
	double thread_s;  /* their recorded time, the denominator of shares */
	uint64_t samples, offcpu_events, lost;
	uint64_t cat_count[HUD_CAT_MAX];
	double cat_ms[HUD_CAT_MAX];
	double cat_ms_sq[HUD_CAT_MAX]; /* 0: not in the summary */
	struct diff_hotspot *hot;
	size_t nr_hot, cap_hot;
	/* From recordings only: time-weighted folded stacks (µs) for the flame graph. */
	struct folded stacks;
	int has_stacks;
	int damaged; /* a recording was damaged: the summary covers the part before */
};

/*
 * Read @path, a .hud recording (read as @o says, as hud-report would) or a hud-report json
 * summary, into @s (zeroed by the caller); with @want_stacks, a recording's folded stacks
 * too (svg output). Warnings about a recording that still gives a summary go into @warn.
 * Returns 0, or -errno with a one-line message in @err: -ENOENT no such file, -EPROTO
 * neither a recording nor a hud json summary (or an unsupported version, or a recording
 * that cannot be read), -EINVAL a json summary that lacks or mistypes a field, -ENOMEM.
 */
int summary__load(struct diff_summary *s, const char *path, const struct report_read_opts *o,
		  int want_stacks, struct hud_msgs *warn, char *err, size_t err_size);

/* Parse a json summary held in memory (@name is for messages). Same returns. */
int summary__parse_json(struct diff_summary *s, const char *text, size_t len, const char *name,
			char *err, size_t err_size);

/* Time per second of recording of a total in ms. */
double summary__rate(const struct diff_summary *s, double ms);

void summary__free(struct diff_summary *s);

#endif /* HUD_DIFF_SUMMARY_H */
