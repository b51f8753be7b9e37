/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Reading recordings the way every consumer does (hud-report, hud-diff): the symbolizer
 * set up from the shared options, every input loaded, the profile symbolized, and the
 * same warnings about inputs that still give a result.
 */
#ifndef HUD_LOAD_H
#define HUD_LOAD_H

#include "msgs.h"
#include "options.h"
#include "profile.h"
#include "symbolize.h"

/* A symbolizer that searches where @o says (--symfs, --debug-dir). NULL + errno. */
struct hud_symbolizer *report__symbolizer(const struct report_read_opts *o);

/*
 * Load @inputs into @p (zeroed by the caller) as @o and @lo say (@lo's filter is @o's) and
 * symbolize it with @sym.
 * Problems that still give a report (damage, an interrupted recording, lost events) are
 * added to @warn; *@damaged is set when a file is damaged past some point (the profile
 * holds what came before). Returns 0, or -errno with a one-line message in @err:
 * -EINVAL an input is missing, unreadable or not a hud file, -ENOMEM, or another -errno
 * from symbolization.
 */
int report__load(struct hud_profile *p, const char *const *inputs, int nr_inputs,
		 const struct report_read_opts *o, struct hud_symbolizer *sym,
		 const struct hud_load_opts *lo, struct hud_msgs *warn, int *damaged, char *err,
		 size_t err_size);

#endif /* HUD_LOAD_H */
