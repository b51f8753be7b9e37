// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"

void jsonw__init(struct jsonw *w, FILE *out, int indent)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->indent = indent;
}

static void newline(struct jsonw *w, int depth)
{
	int i;

	fputc_unlocked('\n', w->out);
	for (i = 0; i < depth * w->indent; i++)
		fputc_unlocked(' ', w->out);
}

/* Before a value or a key: the separator from the previous member, if any. */
static void member(struct jsonw *w)
{
	uint64_t bit;

	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (!w->depth)
		return;
	bit = 1ull << (w->depth - 1);
	if (w->nonempty & bit)
		fputc_unlocked(',', w->out);
	w->nonempty |= bit;
	if (w->line_break) {
		fputc_unlocked('\n', w->out);
		w->line_break = 0;
	} else if (w->indent) {
		newline(w, w->depth);
	}
}

void jsonw__break(struct jsonw *w)
{
	w->line_break = 1;
}

static void begin(struct jsonw *w, char c)
{
	member(w);
	if (w->depth == JSONW_MAX_DEPTH) {
		w->err = -EINVAL;
		return;
	}
	fputc_unlocked(c, w->out);
	w->depth++;
	w->nonempty &= ~(1ull << (w->depth - 1));
}

static void end(struct jsonw *w, char c)
{
	if (!w->depth || w->after_key) {
		w->err = -EINVAL;
		return;
	}
	if (w->line_break) {
		fputc_unlocked('\n', w->out);
		w->line_break = 0;
	} else if (w->indent && (w->nonempty & (1ull << (w->depth - 1)))) {
		newline(w, w->depth - 1);
	}
	w->depth--;
	fputc_unlocked(c, w->out);
}

void jsonw__begin_object(struct jsonw *w)
{
	begin(w, '{');
}

void jsonw__end_object(struct jsonw *w)
{
	end(w, '}');
}

void jsonw__begin_array(struct jsonw *w)
{
	begin(w, '[');
}

void jsonw__end_array(struct jsonw *w)
{
	end(w, ']');
}

/* The length of the valid UTF-8 sequence at @s (a byte >= 0x80), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* the NUL that ends the string fails here too */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void jsonw__write_string(FILE *out, const char *str)
{
	const unsigned char *c = (const unsigned char *)str, *run = c;
	size_t n;

	/* Runs of plain characters in one write: a trace is mostly frame names. */
	fputc_unlocked('"', out);
	while (*c) {
		if (*c >= 0x20 && *c < 0x80 && *c != '"' && *c != '\\') {
			c++;
			continue;
		}
		if (*c >= 0x80 && (n = utf8_len(c))) {
			c += n;
			continue;
		}
		fwrite_unlocked(run, 1, (size_t)(c - run), out);
		switch (*c) {
		case '"':
			fputs_unlocked("\\\"", out);
			break;
		case '\\':
			fputs_unlocked("\\\\", out);
			break;
		case '\b':
			fputs_unlocked("\\b", out);
			break;
		case '\f':
			fputs_unlocked("\\f", out);
			break;
		case '\n':
			fputs_unlocked("\\n", out);
			break;
		case '\r':
			fputs_unlocked("\\r", out);
			break;
		case '\t':
			fputs_unlocked("\\t", out);
			break;
		default:
			if (*c < 0x20)
				fprintf(out, "\\u%04X", *c);
			else
				fputs_unlocked("\xef\xbf\xbd", out); /* not UTF-8: U+FFFD */
		}
		run = ++c;
	}
	fwrite_unlocked(run, 1, (size_t)(c - run), out);
	fputc_unlocked('"', out);
}

void jsonw__key(struct jsonw *w, const char *key)
{
	member(w);
	jsonw__write_string(w->out, key);
	fputc_unlocked(':', w->out);
	if (w->indent)
		fputc_unlocked(' ', w->out);
	w->after_key = 1;
}

void jsonw__string(struct jsonw *w, const char *s)
{
	if (!s) {
		jsonw__null(w);
		return;
	}
	member(w);
	jsonw__write_string(w->out, s);
}

static void put_u64(FILE *out, uint64_t v)
{
	char buf[24], *c = buf + sizeof(buf);

	do {
		*--c = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite_unlocked(c, 1, (size_t)(buf + sizeof(buf) - c), out);
}

void jsonw__uint(struct jsonw *w, uint64_t v)
{
	member(w);
	put_u64(w->out, v);
}

void jsonw__int(struct jsonw *w, int64_t v)
{
	member(w);
	if (v < 0) {
		fputc_unlocked('-', w->out);
		put_u64(w->out, -(uint64_t)v);
	} else {
		put_u64(w->out, (uint64_t)v);
	}
}

void jsonw__real(struct jsonw *w, double v)
{
	char buf[40], *e, *start, *end;
	int n;

	if (!isfinite(v)) {
		jsonw__null(w);
		return;
	}
	member(w);
	n = snprintf(buf, sizeof(buf) - 2, "%.12g", v);
	/* A real stays a real when read back: it has a '.' or an exponent. */
	if (!strchr(buf, '.') && !strchr(buf, 'e')) {
		buf[n++] = '.';
		buf[n++] = '0';
		buf[n] = '\0';
	}
	/* No '+' and no leading zeros in the exponent: 1e+20 is 1e20, 1e-05 is 1e-5. */
	e = strchr(buf, 'e');
	if (e) {
		start = e + 1;
		end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start)
			memmove(start, end, strlen(end) + 1);
	}
	fputs_unlocked(buf, w->out);
}

void jsonw__bool(struct jsonw *w, int v)
{
	member(w);
	fputs_unlocked(v ? "true" : "false", w->out);
}

void jsonw__null(struct jsonw *w)
{
	member(w);
	fputs_unlocked("null", w->out);
}

/*
 * printf("%.3f", ns / 1e6) without floating point when the answer is certain: below 2^50 ns
 * the double is within 2^-23 ms of ns / 1e6, while a value that is not a tie (ns % 1000 !=
 * 500) is at least 1e-6 ms from a rounding boundary, so both round to the same microsecond.
 */
void jsonw__ns_as_ms(struct jsonw *w, uint64_t ns)
{
	uint64_t us = (ns + 500) / 1000;

	member(w);
	if (ns % 1000 == 500 || ns >= 1ull << 50) {
		fprintf(w->out, "%.3f", ns / 1e6);
		return;
	}
	put_u64(w->out, us / 1000);
	fputc_unlocked('.', w->out);
	fputc_unlocked((char)('0' + us / 100 % 10), w->out);
	fputc_unlocked((char)('0' + us / 10 % 10), w->out);
	fputc_unlocked((char)('0' + us % 10), w->out);
}

void jsonw__kv_string(struct jsonw *w, const char *key, const char *s)
{
	jsonw__key(w, key);
	jsonw__string(w, s);
}

void jsonw__kv_uint(struct jsonw *w, const char *key, uint64_t v)
{
	jsonw__key(w, key);
	jsonw__uint(w, v);
}

void jsonw__kv_bool(struct jsonw *w, const char *key, int v)
{
	jsonw__key(w, key);
	jsonw__bool(w, v);
}

void jsonw__kv_round(struct jsonw *w, const char *key, double v, double unit)
{
	jsonw__key(w, key);
	jsonw__real(w, round(v / unit) * unit);
}

void jsonw__kv_nonzero(struct jsonw *w, const char *key, int64_t v)
{
	jsonw__key(w, key);
	if (v)
		jsonw__int(w, v);
	else
		jsonw__null(w);
}

int jsonw__finish(struct jsonw *w)
{
	if (!w->err && (w->depth || w->after_key))
		w->err = -EINVAL;
	if (!w->err && ferror(w->out))
		w->err = -EIO;
	return w->err;
}
