// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * report/jsonw.c against jansson: the same documents, built once with each, must come out
 * byte for byte the same (indented as the json summary is, and compact as the trace is).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "tap.h"

TAP_DEFINE_GLOBALS;

/* jansson's output of @v with @flags, or NULL. */
static char *jansson_dump(json_t *v, size_t flags)
{
	char *s = json_dumps(v, flags | JSON_REAL_PRECISION(12) | JSON_ENCODE_ANY);

	json_decref(v);
	return s;
}

/* What jsonw writes into a memory stream, with @fn filling it. */
static char *jsonw_dump(int indent, void (*fn)(struct jsonw *w, void *ctx), void *ctx, int *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jsonw w;

	jsonw__init(&w, f, indent);
	fn(&w, ctx);
	*err = jsonw__finish(&w);
	fclose(f);
	return text;
}

static void real_fn(struct jsonw *w, void *ctx)
{
	jsonw__real(w, *(double *)ctx);
}

static void t_reals(void)
{
	static const double v[] = {
		0,	  -0.0,	     1,
		-1,	  0.5,	     1.0 / 3,
		0.153991, 737.374,   1e20,
		1e-5,	  1.5e-7,    123456789012.0,
		1e15,	  2.5e16,    -3.25e-300,
		1e300,	  4.788434,  100,
		1e21,	  0.1 + 0.2, 99999999999.5,
	};
	size_t i;
	int ok = 1, err;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		double d = v[i];
		char *a = jansson_dump(json_real(d), 0), *b = jsonw_dump(2, real_fn, &d, &err);

		if (!a || !b || strcmp(a, b) || err) {
			printf("# %.17g: jansson '%s', jsonw '%s'\n", d, a ? a : "?", b ? b : "?");
			ok = 0;
		}
		free(a);
		free(b);
	}
	check(ok);
}

static void string_fn(struct jsonw *w, void *ctx)
{
	jsonw__string(w, ctx);
}

static void t_strings(void)
{
	static const char *const v[] = {
		"",
		"plain",
		"quote \" backslash \\ slash /",
		"\b\f\n\r\t",
		"\x01\x1f\x7f",
		"<symtest::handlers::Handler as symtest::Service>::call",
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\xa6\x80",
	};
	size_t i;
	int ok = 1, err;
	char *b;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *a = jansson_dump(json_string(v[i]), 0);

		b = jsonw_dump(0, string_fn, (void *)v[i], &err);
		if (!a || !b || strcmp(a, b) || err) {
			printf("# string %zu: jansson '%s', jsonw '%s'\n", i, a ? a : "?",
			       b ? b : "?");
			ok = 0;
		}
		free(a);
		free(b);
	}
	check(ok);
	/* What jansson refuses: bytes that are not UTF-8 become U+FFFD, valid JSON. */
	b = jsonw_dump(0, string_fn,
		       "a\xff"
		       "b\xc3(\xed\xa0\x80",
		       &err);
	check_str(b, "\"a\xef\xbf\xbd"
		     "b\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	free(b);
}

/* One document with every kind of value and container, nested and empty. */
static json_t *doc_jansson(void)
{
	json_t *root = json_object(), *arr = json_array(), *inner = json_object();

	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "name", json_string("x\ty"));
	json_object_set_new(root, "share", json_real(0.25));
	json_object_set_new(root, "neg", json_integer(-42));
	json_object_set_new(root, "yes", json_true());
	json_object_set_new(root, "no", json_false());
	json_object_set_new(root, "none", json_null());
	json_object_set_new(root, "empty_array", json_array());
	json_object_set_new(root, "empty_object", json_object());
	json_array_append_new(arr, json_integer(1));
	json_array_append_new(arr, json_string("two"));
	json_object_set_new(inner, "deep", json_array());
	json_array_append_new(json_object_get(inner, "deep"), json_real(3.5));
	json_array_append_new(arr, inner);
	json_object_set_new(root, "list", arr);
	return root;
}

static void doc_jsonw(struct jsonw *w, void *ctx)
{
	jsonw__begin_object(w);
	jsonw__key(w, "version");
	jsonw__uint(w, 1);
	jsonw__key(w, "name");
	jsonw__string(w, "x\ty");
	jsonw__key(w, "share");
	jsonw__real(w, 0.25);
	jsonw__key(w, "neg");
	jsonw__int(w, -42);
	jsonw__key(w, "yes");
	jsonw__bool(w, 1);
	jsonw__key(w, "no");
	jsonw__bool(w, 0);
	jsonw__key(w, "none");
	jsonw__string(w, NULL);
	jsonw__key(w, "empty_array");
	jsonw__begin_array(w);
	jsonw__end_array(w);
	jsonw__key(w, "empty_object");
	jsonw__begin_object(w);
	jsonw__end_object(w);
	jsonw__key(w, "list");
	jsonw__begin_array(w);
	jsonw__int(w, 1);
	jsonw__string(w, "two");
	jsonw__begin_object(w);
	jsonw__key(w, "deep");
	jsonw__begin_array(w);
	jsonw__real(w, 3.5);
	jsonw__end_array(w);
	jsonw__end_object(w);
	jsonw__end_array(w);
	jsonw__end_object(w);
}

static void t_documents(void)
{
	static const int indents[] = {2, 4, 0};
	size_t i;
	int err;

	for (i = 0; i < 3; i++) {
		char *a = jansson_dump(doc_jansson(),
				       indents[i] ? JSON_INDENT(indents[i]) : JSON_COMPACT);
		char *b = jsonw_dump(indents[i], doc_jsonw, NULL, &err);

		check_int(err, ==, 0);
		check_str(b, a);
		free(a);
		free(b);
	}
}

static void misuse_fn(struct jsonw *w, void *ctx)
{
	jsonw__begin_object(w);
	jsonw__key(w, "dangling");
	jsonw__end_object(w);
}

static void lines_fn(struct jsonw *w, void *ctx)
{
	jsonw__begin_array(w);
	jsonw__break(w);
	jsonw__uint(w, 1);
	jsonw__break(w);
	jsonw__ns_as_ms(w, 1234567);
	jsonw__break(w);
	jsonw__ns_as_ms(w, 1500); /* a tie: printf rounds it, to even */
	jsonw__break(w);
	jsonw__end_array(w);
}

static void t_breaks_and_misuse(void)
{
	char *b;
	int err;

	b = jsonw_dump(0, lines_fn, NULL, &err);
	check_int(err, ==, 0);
	check_str(b, "[\n1,\n1.235,\n0.002\n]");
	free(b);
	b = jsonw_dump(2, misuse_fn, NULL, &err);
	check_int(err, ==, -EINVAL);
	free(b);
}

int main(void)
{
	TEST(t_reals(), "reals: %.12g with jansson's '.0' and exponent rules");
	TEST(t_strings(), "strings: escapes and UTF-8 as jansson; bad UTF-8 becomes U+FFFD");
	TEST(t_documents(), "a document with every value: indented 2 and 4, and compact");
	TEST(t_breaks_and_misuse(),
	     "line breaks between members; a key without a value is refused");
	return test_done();
}
