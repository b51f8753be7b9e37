/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The one JSON writer of hud's outputs (after bpftool's json_writer): streaming, so that
 * a trace of millions of events is written without building it in memory, and used for
 * every JSON hud writes (hud-report's json and trace, hud-diff's json), so that there is
 * one escaper and one way to write each kind of value. Its output is byte for byte what
 * jansson's json_dumpf() writes with JSON_INDENT(n) | JSON_REAL_PRECISION(12), or with
 * JSON_COMPACT for indent 0 (tests/unit/test-jsonw.c checks it against jansson), except
 * that a string that is not valid UTF-8 is written with U+FFFD for each bad byte instead
 * of being refused.
 *
 *	struct jsonw w;
 *
 *	jsonw__init(&w, stdout, 2);
 *	jsonw__begin_object(&w);
 *	jsonw__key(&w, "count");
 *	jsonw__uint(&w, 3);
 *	jsonw__end_object(&w);
 *	if (jsonw__finish(&w)) ...	// -EIO if a write failed, -EINVAL if misused
 */
#ifndef HUD_JSONW_H
#define HUD_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 64

struct jsonw {
	FILE *out;
	int indent; /* spaces per level; 0: compact, no white space at all */
	int depth;
	uint64_t nonempty; /* bit d: the container at depth d has a member already */
	int after_key;	   /* a key was written: its value follows */
	int line_break;	   /* jsonw__break(): a newline before the next member or close */
	int err;
};

void jsonw__init(struct jsonw *w, FILE *out, int indent);

void jsonw__begin_object(struct jsonw *w);
void jsonw__end_object(struct jsonw *w);
void jsonw__begin_array(struct jsonw *w);
void jsonw__end_array(struct jsonw *w);

/*
 * Start the next member (after its comma), or the closing bracket, on a new line: for a
 * compact document with one line per member where it helps (a trace's events).
 */
void jsonw__break(struct jsonw *w);

/* The key of the next member of the current object. */
void jsonw__key(struct jsonw *w, const char *key);

/* Values. A NULL string is written as null; a real that is not finite as null. */
void jsonw__string(struct jsonw *w, const char *s);
void jsonw__int(struct jsonw *w, int64_t v);
void jsonw__uint(struct jsonw *w, uint64_t v);
void jsonw__real(struct jsonw *w, double v); /* "%.12g", always with a '.' or an exponent */
void jsonw__bool(struct jsonw *w, int v);
void jsonw__null(struct jsonw *w);
/* A duration in ns as milliseconds with three decimals ("%.3f" of ns / 1e6), exactly. */
void jsonw__ns_as_ms(struct jsonw *w, uint64_t ns);

/* Members: a key and its value in one call. */
void jsonw__kv_string(struct jsonw *w, const char *key, const char *s);
void jsonw__kv_uint(struct jsonw *w, const char *key, uint64_t v);
void jsonw__kv_bool(struct jsonw *w, const char *key, int v);
/* @v rounded to a multiple of @unit (> 0), so that outputs are stable. */
void jsonw__kv_round(struct jsonw *w, const char *key, double v, double unit);
/* A count where 0 means none (a line number): 0 is written as null. */
void jsonw__kv_nonzero(struct jsonw *w, const char *key, int64_t v);

/* Write @s as a JSON string literal, quotes included, straight to @out (no state). */
void jsonw__write_string(FILE *out, const char *s);

/* 0 when everything was written and every container closed; -EIO or -EINVAL. */
int jsonw__finish(struct jsonw *w);

#endif /* HUD_JSONW_H */
