// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotspots.h"
#include "log.h"
#include "options.h"
#include "util.h"

void report_opts__init(struct report_read_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->roles = HUD_ROLES_WORKERS;
	o->filter.time_end = -1;
}

/* "@what '@arg'@how" into @err: -EINVAL. */
static int fail(char *err, size_t size, const char *what, const char *arg, const char *how)
{
	snprintf(err, size, "%s%s'%s'%s", what, what[strlen(what) - 1] == '(' ? "" : " ", arg, how);
	return -EINVAL;
}

int report__parse_time(const char *arg, struct hud_filter *f, char *err, size_t err_size)
{
	const char *comma = strchr(arg, ',');
	char *start;
	int ret = 0;

	if (!comma)
		return fail(err, err_size, "invalid --time", arg,
			    " (START,END in seconds, e.g. 2,5 or 2,)");
	start = strndup(arg, (size_t)(comma - arg));
	if (!start)
		return -ENOMEM;
	f->time_start = 0;
	f->time_end = -1;
	if (*start && hud_parse_double(start, 0, 1e9, &f->time_start))
		ret = fail(err, err_size, "invalid --time start", start, "");
	else if (comma[1] && hud_parse_double(comma + 1, 0, 1e9, &f->time_end))
		ret = fail(err, err_size, "invalid --time end", comma + 1, "");
	else if (f->time_end >= 0 && f->time_end <= f->time_start)
		ret = fail(err, err_size, "--time end must be after its start (", arg, ")");
	free(start);
	return ret;
}

unsigned report__parse_threads(const char *arg, char *err, size_t err_size)
{
	if (!strcmp(arg, "workers"))
		return HUD_ROLES_WORKERS;
	if (!strcmp(arg, "blocking"))
		return HUD_ROLES_BLOCKING;
	if (!strcmp(arg, "all"))
		return HUD_ROLES_ALL;
	fail(err, err_size, "invalid --threads", arg, " (workers, blocking or all)");
	return 0;
}

/* Append @s to a list of strings that point into argv. 0 or -ENOMEM. */
static int add_str(const char ***list, size_t *nr, size_t *cap, const char *s)
{
	if (!HUD_GROW(*list, *cap, *nr + 1))
		return -ENOMEM;
	(*list)[(*nr)++] = s;
	return 0;
}

static int nonempty(const char *arg, const char *what, char *err, size_t err_size)
{
	if (*arg)
		return 0;
	snprintf(err, err_size, "empty %s", what);
	return -EINVAL;
}

int report_opts__parse(struct report_read_opts *o, int opt, const char *arg, char *err,
		       size_t err_size)
{
	int ret;

	switch (opt) {
	case REPORT_OPT_SYMFS:
		ret = nonempty(arg, "--symfs directory", err, err_size);
		if (!ret)
			o->symfs = arg;
		break;
	case REPORT_OPT_DEBUG_DIR:
		ret = nonempty(arg, "--debug-dir directory", err, err_size);
		if (!ret)
			ret = add_str(&o->debug_dirs, &o->nr_debug_dirs, &o->cap_debug_dirs, arg);
		break;
	case REPORT_OPT_USER:
		ret = nonempty(arg, "--user prefix", err, err_size);
		if (!ret)
			ret = add_str(&o->user_prefixes, &o->nr_user_prefixes,
				      &o->cap_user_prefixes, arg);
		break;
	case REPORT_OPT_THREADS:
		o->roles = report__parse_threads(arg, err, err_size);
		ret = o->roles ? 0 : -EINVAL;
		break;
	case REPORT_OPT_TIME:
		ret = report__parse_time(arg, &o->filter, err, err_size);
		o->have_time = 1;
		break;
	case REPORT_OPT_WINDOW:
		ret = hud_parse_double(arg, 0.001, 1e9, &o->filter.window)
			      ? fail(err, err_size, "invalid --window", arg, " (seconds, > 0)")
			      : 0;
		break;
	case REPORT_OPT_NO_COLOR:
		o->no_color = 1;
		ret = 0;
		break;
	default:
		return REPORT_OPT_NOT_MINE;
	}
	if (ret == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	return ret ? ret : REPORT_OPT_DONE;
}

int report_opts__getopt(struct report_read_opts *o, int argc, char **argv, const char *shortopts,
			const struct option *longopts, const char *usage,
			void (*own)(void *ctx, int opt, const char *arg), void *ctx, int *exit_code,
			char *err, size_t err_size)
{
	char *all = NULL;
	int c, ret = 0;

	if (asprintf(&all, "%s%s", shortopts, REPORT_SHARED_SHORTOPTS) < 0) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	while ((c = getopt_long(argc, argv, all, longopts, NULL)) != -1) {
		if (hud_common_option(c, usage, exit_code)) {
			if (*exit_code >= 0) {
				ret = 1;
				break;
			}
			continue;
		}
		ret = report_opts__parse(o, c, optarg, err, err_size);
		if (ret < 0)
			break;
		if (ret == REPORT_OPT_NOT_MINE)
			own(ctx, c, optarg);
		ret = 0;
	}
	free(all);
	return ret;
}

int report_opts__finish(const struct report_read_opts *o, char *err, size_t err_size)
{
	if (o->filter.window > 0 && o->have_time) {
		snprintf(err, err_size, "--time and --window exclude each other");
		return -EINVAL;
	}
	return 0;
}

void report_opts__free(struct report_read_opts *o)
{
	free(o->debug_dirs);
	free(o->user_prefixes);
	free(o->filter.tids);
	memset(o, 0, sizeof(*o));
}
