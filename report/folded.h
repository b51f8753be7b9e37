/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef HUD_FOLDED_H
#define HUD_FOLDED_H

#include <stddef.h>
#include <stdint.h>

#include "output.h"

struct folded_line {
	char *stack; /* "root;...;leaf" */
	uint64_t value;
	uint64_t hash;
	uint8_t cls_leaf;
};

struct folded {
	struct folded_line *lines; /* sorted by stack */
	size_t nr, cap;
};

/* Aggregate the selected stacks of @p into folded lines (see folded.c). 0 or -errno. */
int folded__build(struct folded *f, const struct hud_profile *p, const struct report_opts *o);

void folded__free(struct folded *f);

#endif /* HUD_FOLDED_H */
