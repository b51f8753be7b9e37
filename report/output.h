/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* hud-report's renderers: text, json, trace, folded, svg. */
#ifndef HUD_OUTPUT_H
#define HUD_OUTPUT_H

#include <stdio.h>

#include "hotspots.h"
#include "profile.h"

/* hud-report's exit codes (documented in --help and README.md). */
enum report_exit {
	REPORT_EXIT_OK = 0,
	REPORT_EXIT_FAILED = 1,	 /* out of memory, cannot write the output */
	REPORT_EXIT_USAGE = 2,	 /* bad command line */
	REPORT_EXIT_INPUT = 3,	 /* input missing, unreadable, not a hud file, or unsupported */
	REPORT_EXIT_PARTIAL = 4, /* input damaged: a partial report was printed */
};

/* Inputs merged into one report: a trace gives each its own range of 2^22 pids. */
#define REPORT_MAX_INPUTS 1023

enum report_format {
	REPORT_TEXT,
	REPORT_JSON,
	REPORT_TRACE,
	REPORT_FOLDED,
	REPORT_SVG,
};

struct report_opts {
	const char **inputs;
	int nr_inputs;
	enum report_format format;
	unsigned roles;		   /* HUD_ROLES_* */
	unsigned categories;	   /* bit per enum hud_category; 0 = the format's default */
	int top;		   /* hotspots per table */
	int stacks;		   /* stacks per hotspot */
	int max_frames;		   /* user frames per stack */
	int weight_time;	   /* folded/svg: weigh by time (µs) instead of samples */
	int color;		   /* ANSI colors in text output */
	struct hud_load_opts load; /* how the recordings were read: trace reads them again */
};

/* Each returns 0 or -errno (-EIO when writing @out failed). */
int report__text(FILE *out, const struct hud_profile *p, const struct hud_hotspots *h,
		 const struct report_opts *o);
int report__json(FILE *out, const struct hud_profile *p, const struct hud_hotspots *h,
		 const struct report_opts *o);
int report__trace(FILE *out, const struct hud_profile *p, const struct report_opts *o);
int report__folded(FILE *out, const struct hud_profile *p, const struct report_opts *o);
int report__svg(FILE *out, const struct hud_profile *p, const struct report_opts *o);

/* Helpers shared by the renderers (output.c). JSON is written with jsonw.h. */

/* Keep the last @parts components of a path. */
const char *report__short_path(const char *path, int parts);

/* Whether category @c is selected by @o (with @dflt the format's default mask). */
int report__category_on(const struct report_opts *o, enum hud_category c, unsigned dflt);

/* Display name of a frame: function, or "[unknown] dso+0xoff". Returns @buf or the name. */
const char *report__frame_name(const struct hud_sym_frame *f, char *buf, size_t size);

#endif /* HUD_OUTPUT_H */
