/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* hud-diff's outputs: text, json, markdown and a differential flame graph. */
#ifndef HUD_DIFF_RENDER_H
#define HUD_DIFF_RENDER_H

#include <stdio.h>

#include "compare.h"
#include "gate.h"

enum diff_format { DIFF_TEXT, DIFF_JSON, DIFF_MARKDOWN, DIFF_SVG };

/* A gate with its outcome, for the outputs that show gates. */
struct diff_gate_result {
	const char *expr;
	int failed;
	char msg[256];
};

struct diff_render_opts {
	enum diff_format format;
	int top;   /* rows per section */
	int color; /* ANSI colors (text) */
	const struct diff_gate_result *gates;
	size_t nr_gates;
};

/* Each returns 0 or -errno (-EIO when writing failed, -EINVAL: svg without stacks). */
int diff__text(FILE *out, const struct diff_result *r, const struct diff_render_opts *o);
int diff__json(FILE *out, const struct diff_result *r, const struct diff_render_opts *o);
int diff__markdown(FILE *out, const struct diff_result *r, const struct diff_render_opts *o);
int diff__svg(FILE *out, const struct diff_result *r, const struct diff_render_opts *o);

#endif /* HUD_DIFF_RENDER_H */
