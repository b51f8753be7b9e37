// SPDX-License-Identifier: MIT OR Apache-2.0
/* hud-report --format svg: the folded stacks (see folded.c) drawn as a flame graph. */
#include <errno.h>
#include <stdio.h>

#include "flame.h"
#include "folded.h"
#include "output.h"

static void describe(FILE *out, const struct flame_node *n, double total, void *ctx)
{
	fprintf(out, "%llu %s, %.2f%%", (unsigned long long)n->value, (const char *)ctx,
		100.0 * n->value / total);
}

int report__svg(FILE *out, const struct hud_profile *p, const struct report_opts *o)
{
	struct flame_node *root = flame__new();
	struct folded f = {0};
	char title[256];
	struct flame_style st = {
		.title = title,
		.color = flame__class_color,
		.describe = describe,
		.ctx = o->weight_time ? "us" : "samples",
	};
	size_t i;
	int err;

	if (!root)
		return -ENOMEM;
	snprintf(title, sizeof(title), "%s (%s)",
		 o->weight_time ? "hud flame graph: time (us) per category"
				: "hud flame graph: on-CPU samples",
		 profile__meta(p, "target_comm") ?: "?");
	err = folded__build(&f, p, o);
	for (i = 0; !err && i < f.nr; i++)
		err = flame__add(root, f.lines[i].stack, (double)f.lines[i].value, 0);
	if (!err)
		err = flame__write(out, root, &st);
	folded__free(&f);
	flame__free(root);
	return err;
}
