/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The live model behind hud-top and hud-report --follow: a recording that hud-record is
 * still writing, read as it grows (profile__feed()), symbolized as it goes (each new
 * address once), and looked at through a time window: the whole recording, or its last
 * N seconds, whose measurements are kept on the side.
 */
#ifndef HUD_LIVE_H
#define HUD_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "hotspots.h"
#include "profile.h"
#include "resolve.h"
#include "symbolize.h"

/* How much of the recent past a window can cover, in seconds. */
#define HUD_LIVE_KEEP_S 31

struct hud_live_meas {
	uint64_t start_ns, dur_ns; /* dur 0: a sample */
	uint32_t stack;
	uint8_t cat, sampled;
};

/* Per thread: its events are known up to known_ns (see hud_thread_clock). */
struct hud_live_thread {
	uint16_t src;
	uint32_t tid;
	uint64_t known_ns;
};

struct hud_live {
	struct hud_profile p;
	struct profile_feed *feed;
	struct hud_symbolizer *sym; /* borrowed */
	struct hud_resolve_opts resolve;
	struct hud_load_opts load;
	struct hud_live_meas *recent; /* in file order, the last HUD_LIVE_KEEP_S seconds */
	size_t first_recent, nr_recent, cap_recent;
	struct hud_live_thread *threads; /* sorted by (src, tid) */
	size_t nr_threads, cap_threads;
	uint64_t records; /* read so far */
	int err;	  /* -ENOMEM seen by on_measure */
};

/*
 * The file to follow for @path: the newest @path.tmp-* that hud-record is writing while
 * it starts (it renames it to @path once its BPF programs are attached, and writes on),
 * if it is not older than @path, else @path itself.
 * Only files modified at or after @since (seconds since the epoch, 0: any) count. Returns
 * 0 with the path in @out, or -ENOENT when there is none yet.
 */
int live__find_file(const char *path, long since, char *out, size_t out_size);

/*
 * Start following @path. @sym, @unwinder and @ro (user prefixes, demangling) must outlive
 * @l. 0, or -errno with a one-line message in @err.
 */
int live__open(struct hud_live *l, const char *path, struct hud_symbolizer *sym,
	       struct hud_unwinder *unwinder, const struct hud_resolve_opts *ro, char *err,
	       size_t err_size);

/*
 * Read what was written since, and symbolize its new stacks. Returns 1 when something
 * was added, 0 when nothing was new, or -errno with a message in @err.
 */
int live__poll(struct hud_live *l, char *err, size_t err_size);

/* The recording ended (FINISH read, or damage): nothing more will come. */
int live__ended(const struct hud_live *l);

/*
 * A look at the model: @v is the live profile itself for @window_s 0, or a copy of its
 * stacks and sources holding only the last @window_s seconds; @h its hotspots for @roles.
 */
struct hud_live_view {
	struct hud_profile v; /* shares everything but stacks and sources with the model */
	struct hud_hotspots h;
	struct hud_stack *stacks;
	struct hud_source *sources;
	double window_s;
};

int live__view(struct hud_live *l, double window_s, unsigned roles, struct hud_live_view *out);
void live__view_free(struct hud_live_view *v);

void live__free(struct hud_live *l);

#endif /* HUD_LIVE_H */
