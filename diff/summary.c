// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Loading one side of a comparison. A recording goes through the report library into the
 * json summary, in memory, and is then parsed like a json file: one code path decides what
 * every number means.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotspots.h"
#include "hud_format.h"
#include "load.h"
#include "output.h"
#include "summary.h"
#include "symbolize.h"
#include "unwind.h"
#include "util.h"

#define MAX_JSON_SIZE (1ull << 30)

static int fail(char *err, size_t size, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t size, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return code;
}

static int get_u64(json_t *obj, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_num(json_t *obj, const char *key, double *out)
{
	json_t *v = json_object_get(obj, key);
	double d;

	if (!json_is_number(v))
		return -1;
	d = json_number_value(v);
	if (!isfinite(d) || d < 0 || d > 1e15)
		return -1;
	*out = d;
	return 0;
}

static char *dup_base(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return strdup(slash ? slash + 1 : path ? path : "");
}

static int parse_hotspot(struct diff_summary *s, json_t *hj, size_t i, char *err, size_t size)
{
	json_t *cat = json_object_get(hj, "category"), *fn = json_object_get(hj, "function");
	json_t *dso = json_object_get(hj, "dso"), *file = json_object_get(hj, "file");
	json_t *line = json_object_get(hj, "line");
	struct diff_hotspot *h;
	int c;

	if (!json_is_object(hj))
		return fail(err, size, -EINVAL, "%s: hotspots[%zu] is not an object", s->name, i);
	c = json_is_string(cat) ? hud_category__parse(json_string_value(cat)) : -1;
	if (c < 0)
		return fail(err, size, -EINVAL,
			    "%s: hotspots[%zu].category is missing or not a known category",
			    s->name, i);
	if (!json_is_string(fn) || !*json_string_value(fn))
		return fail(err, size, -EINVAL, "%s: hotspots[%zu].function is missing or empty",
			    s->name, i);
	if ((dso && !json_is_null(dso) && !json_is_string(dso)) ||
	    (file && !json_is_null(file) && !json_is_string(file)) ||
	    (line && !json_is_null(line) && !json_is_integer(line)))
		return fail(err, size, -EINVAL,
			    "%s: hotspots[%zu]: dso, file and line must be strings, a line number "
			    "or null",
			    s->name, i);
	if (!HUD_GROW(s->hot, s->cap_hot, s->nr_hot + 1))
		return -ENOMEM;
	h = &s->hot[s->nr_hot];
	memset(h, 0, sizeof(*h));
	h->cat = c;
	if (get_u64(hj, "count", &h->count) || get_num(hj, "total_ms", &h->ms))
		return fail(err, size, -EINVAL,
			    "%s: hotspots[%zu]: count and total_ms must be non-negative numbers",
			    s->name, i);
	/* Newer summaries carry the events' squared weights, for the noise test. */
	if (json_object_get(hj, "ms_sq") && get_num(hj, "ms_sq", &h->ms_sq))
		return fail(err, size, -EINVAL,
			    "%s: hotspots[%zu]: ms_sq must be a non-negative number", s->name, i);
	h->user = json_is_true(json_object_get(hj, "user"));
	h->line = json_is_integer(line) ? (int)json_integer_value(line) : 0;
	h->function = strdup(json_string_value(fn));
	h->dso = dup_base(json_is_string(dso) ? json_string_value(dso) : NULL);
	h->file = json_is_string(file) ? strdup(json_string_value(file)) : NULL;
	s->nr_hot++;
	if (!h->function || !h->dso || (json_is_string(file) && !h->file))
		return -ENOMEM;
	return 0;
}

static int parse_root(struct diff_summary *s, json_t *root, char *err, size_t size)
{
	json_t *ver = json_object_get(root, "hud_json_version"), *cats, *hots, *target, *v;
	size_t i;
	int c, ret;

	if (!json_is_object(root) || !ver)
		return fail(err, size, -EPROTO,
			    "%s: not a hud-report json summary (no hud_json_version): make one "
			    "with 'hud-report -f json' or pass the .hud recording",
			    s->name);
	if (!json_is_integer(ver) || json_integer_value(ver) != 1)
		return fail(err, size, -EPROTO,
			    "%s: json summary version %s is not supported (this hud-diff reads "
			    "version 1): make it again with this hud-report",
			    s->name, json_is_integer(ver) ? "other than 1" : "of the wrong type");
	if (get_num(root, "duration_s", &s->duration_s))
		return fail(err, size, -EINVAL, "%s: duration_s is missing or not a number",
			    s->name);
	if (get_u64(root, "workers", &s->workers) || get_u64(root, "samples", &s->samples) ||
	    get_u64(root, "offcpu_events", &s->offcpu_events) || get_u64(root, "lost", &s->lost))
		return fail(err, size, -EINVAL,
			    "%s: workers, samples, offcpu_events and lost must be non-negative "
			    "integers",
			    s->name);
	/* Newer summaries say how much thread time shares are of; older ones: one input. */
	s->thread_s = (double)s->workers * s->duration_s;
	v = json_object_get(root, "thread_seconds");
	if (v && (get_num(root, "thread_seconds", &s->thread_s) || s->thread_s < 0))
		return fail(err, size, -EINVAL, "%s: thread_seconds is not a non-negative number",
			    s->name);
	/* Hotspots of categories left out by --category would look gone or new. */
	v = json_object_get(root, "hotspot_categories");
	if (v) {
		for (c = 0; c < HUD_CAT_MAX; c++) {
			for (i = 0; i < json_array_size(v); i++)
				if (json_is_string(json_array_get(v, i)) &&
				    !strcmp(json_string_value(json_array_get(v, i)),
					    hud_category__name(c)))
					break;
			if (!json_is_array(v) || i == json_array_size(v))
				return fail(err, size, -EINVAL,
					    "%s: made with --category, so it lacks the %s "
					    "hotspots: make the summary without --category",
					    s->name, hud_category__name(c));
		}
	}
	v = json_object_get(root, "threads");
	if (!json_is_string(v))
		return fail(err, size, -EINVAL, "%s: threads is missing or not a string", s->name);
	s->threads = strdup(json_string_value(v));
	target = json_object_get(root, "target");
	v = json_object_get(target, "comm");
	s->target = strdup(json_is_string(v) ? json_string_value(v) : "");
	if (!s->threads || !s->target)
		return -ENOMEM;

	cats = json_object_get(root, "categories");
	if (!json_is_object(cats))
		return fail(err, size, -EINVAL, "%s: categories is missing or not an object",
			    s->name);
	for (c = 0; c < HUD_CAT_MAX; c++) {
		json_t *cj = json_object_get(cats, hud_category__name(c));

		if (!json_is_object(cj) || get_u64(cj, "count", &s->cat_count[c]) ||
		    get_num(cj, "total_ms", &s->cat_ms[c]) ||
		    (json_object_get(cj, "ms_sq") && get_num(cj, "ms_sq", &s->cat_ms_sq[c])))
			return fail(err, size, -EINVAL,
				    "%s: categories.%s needs a count and a total_ms (and ms_sq, if "
				    "given, a non-negative number)",
				    s->name, hud_category__name(c));
	}
	hots = json_object_get(root, "hotspots");
	if (!json_is_array(hots))
		return fail(err, size, -EINVAL, "%s: hotspots is missing or not an array", s->name);
	for (i = 0; i < json_array_size(hots); i++) {
		ret = parse_hotspot(s, json_array_get(hots, i), i, err, size);
		if (ret)
			return ret == -ENOMEM ? fail(err, size, ret, "out of memory") : ret;
	}
	if (s->duration_s <= 0)
		return fail(err, size, -EINVAL,
			    "%s: no recorded time in the selection (duration_s is 0): widen --time "
			    "or record longer",
			    s->name);
	return 0;
}

int summary__parse_json(struct diff_summary *s, const char *text, size_t len, const char *name,
			char *err, size_t err_size)
{
	json_error_t jerr;
	json_t *root;
	int ret;

	if (!s->name && !(s->name = strdup(name)))
		return fail(err, err_size, -ENOMEM, "out of memory");
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, err_size, -EPROTO, "%s: not valid json (line %d: %s)", name,
			    jerr.line, jerr.text);
	ret = parse_root(s, root, err, err_size);
	json_decref(root);
	return ret;
}

/* A recording: symbolize it like hud-report and go through its json summary. */
static int load_recording(struct diff_summary *s, const char *path,
			  const struct report_read_opts *o, int want_stacks, struct hud_msgs *warn,
			  char *err, size_t size)
{
	const char *inputs[1] = {path};
	struct report_opts ro = {
		.inputs = inputs,
		.nr_inputs = 1,
		.roles = o->roles,
		.weight_time = 1,
	};
	struct hud_symbolizer *sym = NULL;
	struct hud_unwinder *unwinder = NULL;
	struct hud_hotspots h = {0};
	struct hud_profile p = {0};
	char *text = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	int ret;

	sym = report__symbolizer(o);
	if (!sym) {
		ret = fail(err, size, -errno, "cannot start the symbolizer: %s", strerror(errno));
		goto out;
	}
	unwinder = hud_unwinder__new(sym);
	if (!unwinder)
		goto oom;
	ro.load = (struct hud_load_opts){.filter = &o->filter, .unwinder = unwinder};
	ret = report__load(&p, inputs, 1, o, sym, &ro.load, warn, &s->damaged, err, size);
	if (ret) {
		ret = ret == -EINVAL ? -EPROTO : ret;
		goto out;
	}
	ret = hotspots__build(&h, &p, o->roles);
	if (ret)
		goto oom;
	mem = open_memstream(&text, &len);
	if (!mem)
		goto oom;
	ret = report__json(mem, &p, &h, &ro);
	if (fclose(mem) || ret)
		goto oom;
	ret = summary__parse_json(s, text, len, path, err, size);
	if (ret)
		goto out;
	if (want_stacks) {
		ret = folded__build(&s->stacks, &p, &ro);
		if (ret)
			goto oom;
		s->has_stacks = 1;
	}
	goto out;
oom:
	ret = fail(err, size, -ENOMEM, "%s: out of memory", path);
out:
	free(text);
	hotspots__free(&h);
	hud_unwinder__free(unwinder);
	hud_symbolizer__free(sym);
	profile__free(&p);
	return ret;
}

int summary__load(struct diff_summary *s, const char *path, const struct report_read_opts *o,
		  int want_stacks, struct hud_msgs *warn, char *err, size_t err_size)
{
	char head[sizeof(HUD_MAGIC)] = {0}, *text = NULL;
	size_t n, len = 0, cap = 0, i;
	FILE *f;
	int ret, first;

	s->name = strdup(path);
	if (!s->name)
		return fail(err, err_size, -ENOMEM, "out of memory");
	f = fopen(path, "re");
	if (!f)
		return fail(err, err_size, -errno,
			    errno == ENOENT ? "%s: no such file" : "%s: cannot open: %s", path,
			    strerror(errno));
	n = fread(head, 1, sizeof(head), f);
	if (n == sizeof(head) && !memcmp(head, HUD_MAGIC, sizeof(HUD_MAGIC))) {
		fclose(f);
		return load_recording(s, path, o, want_stacks, warn, err, err_size);
	}
	/* JSON may start with any amount of white space; NUL is none. */
	for (i = 0; i < n && head[i] && strchr(" \t\r\n", head[i]); i++)
		;
	first = i < n ? (unsigned char)head[i] : EOF;
	if (i == n && n == sizeof(head))
		while ((first = fgetc(f)) != EOF && first && strchr(" \t\r\n", first))
			;
	if (first != '{') {
		fclose(f);
		return fail(err, err_size, -EPROTO,
			    "%s: neither a hud recording nor a hud-report json summary", path);
	}
	rewind(f);
	ret = 0;
	for (;;) {
		if (len > MAX_JSON_SIZE) {
			ret = fail(err, err_size, -EFBIG, "%s: larger than 1 GiB: not a summary",
				   path);
			break;
		}
		if (!HUD_GROW(text, cap, len + 65536)) {
			ret = fail(err, err_size, -ENOMEM, "out of memory");
			break;
		}
		n = fread(text + len, 1, 65536, f);
		len += n;
		if (n < 65536) {
			if (ferror(f))
				ret = fail(err, err_size, -EIO, "%s: read error", path);
			break;
		}
	}
	fclose(f);
	if (!ret)
		ret = summary__parse_json(s, text, len, path, err, err_size);
	free(text);
	return ret;
}

double summary__rate(const struct diff_summary *s, double ms)
{
	return s->duration_s > 0 ? ms / s->duration_s : 0;
}

void summary__free(struct diff_summary *s)
{
	size_t i;

	for (i = 0; i < s->nr_hot; i++) {
		free(s->hot[i].function);
		free(s->hot[i].dso);
		free(s->hot[i].file);
	}
	free(s->hot);
	free(s->name);
	free(s->target);
	free(s->threads);
	folded__free(&s->stacks);
	memset(s, 0, sizeof(*s));
}
