// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The SVG flame graph's tree (report/flame.c): stacks merge by prefix, values add up, and
 * a stack as deep as a file may hold (2 x 65535 frames) is cut at a bounded depth instead
 * of recursing through every frame (it overflowed the C stack before).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flame.h"
#include "tap.h"

TAP_DEFINE_GLOBALS;

static void t_merge(void)
{
	struct flame_node *root = flame__new();

	check(root != NULL);
	if (!root)
		return;
	check_int(flame__add(root, "main;run;a", 2, 0), ==, 0);
	check_int(flame__add(root, "main;run;b", 3, 1), ==, 0);
	check_int(flame__add(root, "main;other", 5, 0), ==, 0);
	check(root->value == 10);
	check_uint(root->nr, ==, 1);
	check_str(root->kids[0]->name, "main");
	check_uint(root->kids[0]->nr, ==, 2);
	check(root->kids[0]->kids[0]->value == 5);
	check(root->kids[0]->kids[0]->before == 1);
	flame__free(root);
}

static int depth(const struct flame_node *n)
{
	int d = 0;

	while (n->nr) {
		n = n->kids[0];
		d++;
	}
	return d;
}

static void describe(FILE *out, const struct flame_node *n, double total, void *ctx)
{
	(void)ctx;
	fprintf(out, "%.0f of %.0f", n->value, total);
}

static void t_deep(void)
{
	const size_t frames = 2 * 65535;
	struct flame_style st = {
		.title = "deep", .color = flame__class_color, .describe = describe};
	struct flame_node *root = flame__new(), *n;
	char *stack = malloc(frames * 2);
	FILE *out = fopen("/dev/null", "w");
	size_t i;

	check(root && stack && out);
	if (!root || !stack || !out)
		goto out;
	for (i = 0; i < frames; i++) {
		stack[2 * i] = 'f';
		stack[2 * i + 1] = ';';
	}
	stack[2 * frames - 1] = '\0';
	check_int(flame__add(root, stack, 1, 0), ==, 0);
	check_int(depth(root), <, 1000);
	for (n = root; n->nr; n = n->kids[0])
		;
	check_str(n->name, "[deeper frames not drawn]");
	check(n->value == 1);
	check_int(flame__write(out, root, &st), ==, 0);
out:
	if (out)
		fclose(out);
	free(stack);
	flame__free(root);
}

int main(void)
{
	TEST(t_merge(), "stacks merge by prefix and their values add up");
	TEST(t_deep(), "a 131070-frame stack is cut at a bounded depth and still renders");
	return test_done();
}
