/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef HUD_FLAME_H
#define HUD_FLAME_H

#include <stddef.h>
#include <stdio.h>

/* A frame of the flame graph's tree: "all" at the root, callers before callees. */
struct flame_node {
	char *name;
	double value;  /* hud-report: samples or us; hud-diff: the after value */
	double before; /* hud-diff: the before value; 0 for hud-report */
	struct flame_node **kids;
	size_t nr, cap;
};

struct flame_style {
	const char *title;
	/* The frame's fill color, written into @buf ("rgb(r,g,b)"). */
	void (*color)(const struct flame_node *n, void *ctx, char *buf, size_t size);
	/* What the hover title says after the name, inside parentheses. */
	void (*describe)(FILE *out, const struct flame_node *n, double total, void *ctx);
	/* A frame's width; NULL: its value. Must add up: a parent is at least its kids. */
	double (*width)(const struct flame_node *n);
	void *ctx;
};

/* The root of an empty graph, or NULL. */
struct flame_node *flame__new(void);

/* Add a folded stack ("root;...;leaf") with its values. 0 or -ENOMEM. */
int flame__add(struct flame_node *root, const char *stack, double value, double before);

/* Write the whole SVG document. 0 or -EIO. */
int flame__write(FILE *out, const struct flame_node *root, const struct flame_style *st);

void flame__free(struct flame_node *root);

/* Color by what the frame is: the user's code warm, runtime blue, std grey, kernel orange. */
void flame__class_color(const struct flame_node *n, void *ctx, char *buf, size_t size);

/* Write @s escaped for XML text and attributes. */
void flame__xml_text(FILE *out, const char *s);

#endif /* HUD_FLAME_H */
