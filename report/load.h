/* SPDX-License-Identifier: MIT OR Apache-2.0 */
#ifndef HUD_LOAD_H
#define HUD_LOAD_H

#include "profile.h"
#include "symbolize.h"

/*
 * Load @inputs into @p (zeroed by the caller; p->user_prefixes and p->no_demangle set) and
 * symbolize it with @sym. Prints the errors and the warnings (damage, interrupted
 * recording, lost events) itself. *@damaged is set when a file is damaged past some point
 * (the profile holds what came before). Returns 0, -ENOMEM, -EINVAL (an input is missing,
 * unreadable or not a hud file; reported) or another -errno from symbolization.
 */
int report__load(struct hud_profile *p, const char *const *inputs, int nr_inputs,
		 const struct hud_filter *f, struct hud_symbolizer *sym, int *damaged);

/* Options shared by hud-report and hud-diff; a bad value is a usage error (exit 2). */
void report__parse_time(const char *arg, struct hud_filter *f); /* --time START,END */
unsigned report__parse_threads(const char *arg);		/* --threads: HUD_ROLES_* */

#endif /* HUD_LOAD_H */
