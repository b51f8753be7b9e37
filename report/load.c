// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Read recordings into one profile and symbolize it, with the warnings every consumer
 * prints the same way (hud-report, hud-diff).
 */
#include <errno.h>
#include <string.h>

#include "load.h"
#include "log.h"

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
