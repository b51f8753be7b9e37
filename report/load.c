// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "resolve.h"

struct hud_symbolizer *report__symbolizer(const struct report_read_opts *o)
{
	struct hud_symbolizer_opts sopts = {
		.sz = sizeof(sopts),
		.symfs = o->symfs,
		.debug_dirs = o->debug_dirs,
		.nr_debug_dirs = o->nr_debug_dirs,
	};

	return hud_symbolizer__new(&sopts);
}

/* What is wrong with the inputs loaded, though they still give a report. 0 or -ENOMEM. */
static int note_warnings(const struct hud_profile *p, struct hud_msgs *w, int *damaged)
{
	size_t k;
	int err = 0;

	for (k = 0; k < p->nr_sources && !err; k++) {
		const struct hud_source *s = &p->sources[k];

		if (s->damage) {
			err = hud_msgs__add(w, HUD_MSG_WARN,
					    "%s: the report covers the data before the damage",
					    s->damage);
			*damaged = 1;
		} else if (s->truncated) {
			err = hud_msgs__add(w, HUD_MSG_WARN,
					    "%s ends inside a chunk (recording interrupted): "
					    "reporting the complete part",
					    s->path);
		} else if (!s->finished) {
			err = hud_msgs__add(w, HUD_MSG_WARN,
					    "%s has no end marker: hud-record did not finish "
					    "(killed or crashed?)",
					    s->path);
		}
		if (!err && s->bad_offcpu) {
			err = hud_msgs__add(w, HUD_MSG_WARN,
					    "%s: %llu off-CPU records end past the end of time "
					    "(damaged); they are left out",
					    s->path, (unsigned long long)s->bad_offcpu);
			*damaged = 1;
		}
	}
	if (!err && p->lost)
		err = hud_msgs__add(w, HUD_MSG_WARN,
				    "%llu events were lost during recording: counts are low; "
				    "record again with a larger --ring-size",
				    (unsigned long long)p->lost);
	return err;
}

int report__load(struct hud_profile *p, const char *const *inputs, int nr_inputs,
		 const struct report_read_opts *o, struct hud_symbolizer *sym,
		 const struct hud_load_opts *lo, struct hud_msgs *warn, int *damaged, char *err,
		 size_t err_size)
{
	struct hud_resolve_opts ro = {
		.user_prefixes = o->user_prefixes,
		.nr_user_prefixes = o->nr_user_prefixes,
		.no_demangle = o->no_demangle,
	};
	int i, ret;

	*damaged = 0;
	for (i = 0; i < nr_inputs; i++) {
		ret = profile__load(p, inputs[i], lo, err, err_size);
		if (ret == -ENOENT)
			snprintf(err, err_size,
				 "%s: no such file: record one with hud-record, or pass the right "
				 "path",
				 inputs[i]);
		if (ret)
			return ret == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	if (note_warnings(p, warn, damaged)) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	ret = profile__symbolize(p, sym, &ro);
	if (ret)
		snprintf(err, err_size, "symbolizing: %s", strerror(-ret));
	return ret;
}
