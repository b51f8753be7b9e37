/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Hotspots: the measurements of a symbolized profile grouped per category by the function
 * that is to blame, i.e. the first frame from the leaf in the user's own code.
 */
#ifndef HUD_HOTSPOTS_H
#define HUD_HOTSPOTS_H

#include <stdint.h>

#include "budget.h"
#include "profile.h"

struct hud_hotspot {
	enum hud_category cat;
	char *function;	  /* the blamed function, or a fallback name (see hotspots.c) */
	int user;	  /* 1 if function is user code */
	const char *file; /* of the blamed frame in the heaviest stack */
	const char *dso;  /* binary of the blamed frame ("[kernel]"), or NULL */
	int line;
	const char *reason; /* kernel function saying why it blocked (heaviest stack) */
	uint64_t count;	    /* samples or off-CPU intervals */
	uint64_t ns;	    /* total time */
	double ns_sq;	    /* sum of the squared event weights (ns^2): its variance */
	uint32_t threads;   /* distinct threads affected */
	uint32_t *stacks;   /* indices into profile->stacks, heaviest first */
	uint32_t nr_stacks;
	size_t cap_stacks;
};

struct hud_hotspots {
	struct hud_hotspot *items; /* sorted by category, then ns descending */
	uint32_t nr;
	uint64_t total_ns[HUD_CAT_MAX];
	double total_ns_sq[HUD_CAT_MAX];
	uint64_t total_count[HUD_CAT_MAX];
	uint32_t threads; /* distinct threads with a selected event */
	/* Events of the selected threads, and how many of them had each kind of stack. */
	uint64_t events, complete, repaired, inferred, truncated;
	/*
	 * The wall time of the selected threads, summed (each its lifetime inside the
	 * selection, or its input's recorded time for older files): the denominator of shares.
	 */
	double thread_time_s;
	struct hud_budget budget; /* per thread: where that time went */
};

/* Bit mask of enum hud_role values: which threads a report covers. */
#define HUD_ROLES_WORKERS  (1u << HUD_ROLE_WORKER)
#define HUD_ROLES_BLOCKING (1u << HUD_ROLE_BLOCKING)
#define HUD_ROLES_ALL	   ((1u << HUD_ROLE_MAX) - 1)

/*
 * Group @p's stacks (already symbolized) of the threads in @roles into hotspots. Returns
 * 0 or -errno.
 */
int hotspots__build(struct hud_hotspots *h, const struct hud_profile *p, unsigned roles);

/* True if stack @s counts for @roles. */
int hotspots__selected(const struct hud_stack *s, unsigned roles);

/* Room for "[unknown] DSO+0xOFFSET" with a DSO path of up to PATH_MAX. */
#define HUD_BLAME_BUF (4096 + 32)

/*
 * The name stack @s is blamed on: the blamed frame's function, whole; without a user frame,
 * the leafmost symbolized frame outside the system libraries (the runtime's park, a
 * crate's write), else the leafmost symbolized one, else for an unsymbolized frame
 * "[unknown] DSO+0xOFFSET" written into @buf. Sets *frame to the blamed frame (or NULL).
 * The name lives as long as @p or @buf.
 */
const char *hotspots__blame(const struct hud_profile *p, const struct hud_stack *s,
			    char buf[HUD_BLAME_BUF], const struct hud_sym_frame **frame);

void hotspots__free(struct hud_hotspots *h);

#endif /* HUD_HOTSPOTS_H */
