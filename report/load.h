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

#endif /* HUD_LOAD_H */
