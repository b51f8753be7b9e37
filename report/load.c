// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Read recordings into one profile and symbolize it, with the warnings every consumer
 * prints the same way (hud-report, hud-diff).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hotspots.h"
#include "load.h"
#include "log.h"
#include "util.h"

void report__parse_time(const char *arg, struct hud_filter *f)
{
	char *copy = strdup(arg), *comma;

	if (!copy)
		hud_usage_error("out of memory");
	comma = strchr(copy, ',');
	if (!comma)
		hud_usage_error("invalid --time '%s' (START,END in seconds, e.g. 2,5 or 2,)", arg);
	*comma = '\0';
	f->time_start = 0;
	f->time_end = -1;
	if (*copy && hud_parse_double(copy, 0, 1e9, &f->time_start))
		hud_usage_error("invalid --time start '%s'", copy);
	if (comma[1] && hud_parse_double(comma + 1, 0, 1e9, &f->time_end))
		hud_usage_error("invalid --time end '%s'", comma + 1);
	if (f->time_end >= 0 && f->time_end <= f->time_start)
		hud_usage_error("--time end must be after its start ('%s')", arg);
	free(copy);
}

unsigned report__parse_threads(const char *arg)
{
	if (!strcmp(arg, "workers"))
		return HUD_ROLES_WORKERS;
	if (!strcmp(arg, "blocking"))
		return HUD_ROLES_BLOCKING;
	if (!strcmp(arg, "all"))
		return HUD_ROLES_ALL;
	hud_usage_error("invalid --threads '%s' (workers, blocking or all)", arg);
}

int report__load(struct hud_profile *p, const char *const *inputs, int nr_inputs,
		 const struct hud_filter *f, struct hud_symbolizer *sym, int *damaged)
{
	char err_msg[512];
	size_t k;
	int i, err;

	*damaged = 0;
	for (i = 0; i < nr_inputs; i++) {
		err = profile__load(p, inputs[i], f, err_msg, sizeof(err_msg));
		if (err) {
			if (err == -ENOENT)
				elog("%s: no such file: record one with hud-record, or pass the "
				     "right path",
				     inputs[i]);
			else
				elog("%s", err_msg);
			return err == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	for (k = 0; k < p->nr_sources; k++) {
		const struct hud_source *s = &p->sources[k];

		if (s->damage) {
			wlog("%s: the report covers the data before the damage", s->damage);
			*damaged = 1;
		} else if (s->truncated) {
			wlog("%s ends inside a chunk (recording interrupted): reporting the "
			     "complete part",
			     s->path);
		} else if (!s->finished) {
			wlog("%s has no end marker: hud-record did not finish (killed or crashed?)",
			     s->path);
		}
		if (s->bad_offcpu) {
			wlog("%s: %llu off-CPU records end past the end of time (damaged); they "
			     "are left out",
			     s->path, (unsigned long long)s->bad_offcpu);
			*damaged = 1;
		}
	}
	if (p->lost)
		wlog("%llu events were lost during recording: counts are low; record again with a "
		     "larger --ring-size",
		     (unsigned long long)p->lost);
	err = profile__symbolize(p, sym);
	if (err) {
		elog("symbolizing: %s", strerror(-err));
		return err;
	}
	return 0;
}
