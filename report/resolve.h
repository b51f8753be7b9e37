/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The symbolization pass over a loaded profile: every unique address of its stacks is
 * resolved once (kernel symbols from the recording, user frames through the symbolizer
 * and the MAP records), classified and flagged, and then every stack is judged by the
 * rules of classify.c.
 */
#ifndef HUD_RESOLVE_H
#define HUD_RESOLVE_H

#include <stddef.h>

#include "profile.h"

struct hud_symbolizer;

struct hud_resolve_opts {
	/* Name prefixes that count as the user's code (--user). */
	const char *const *user_prefixes;
	size_t nr_user_prefixes;
	int no_demangle; /* show raw symbols; classes and roles still use demangled names */
};

/*
 * Symbolize, classify and assign roles to every unique stack of @p, with @s (and @o, which
 * may be NULL). Binaries that could not be used are listed in p->failed_dsos. Called
 * again after more was loaded (profile__feed()), it does the stacks that are new since,
 * with the same @s and @o. Returns 0 or -errno.
 */
int profile__symbolize(struct hud_profile *p, struct hud_symbolizer *s,
		       const struct hud_resolve_opts *o);

#endif /* HUD_RESOLVE_H */
