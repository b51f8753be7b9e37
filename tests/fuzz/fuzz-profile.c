// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Fuzz target: hud-report's model load (profile__load) over arbitrary bytes, then the
 * hotspot grouping and the event replay on the result, without symbolization (which would
 * open whatever binaries the input names).
 *
 * profile__load() reads a path: the input goes to a memfd opened by its /proc/self/fd
 * path, so the reader's file source (read(2) into a growing scratch buffer) is the one
 * exercised. Content checksums are rewritten first (tests/lib/fuzzfix.h) so mutated
 * records reach the model; fuzz-reader covers the checksum check itself.
 *
 * The filter depends on the input length (so any .hud file is an input as it is):
 * length % 3 == 0 none, 1 --window 0.5, 2 --time 0.1,1.5 and then that with --tid of one
 * thread.
 *
 * Checked beyond "no crash": the load returns 0, -EPROTO, -EBADMSG or -ENOMEM, with a
 * message on error; per-category totals agree between stacks, hotspots and a replay of
 * the events.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzzfix.h"
#include "hotspots.h"
#include "profile.h"

static int fuzz_fd = -1;
static char fuzz_path[64];

static int count_event(void *ctx, const struct hud_event *e)
{
	uint64_t *n = ctx;

	FUZZ_ASSERT(e->cat < HUD_CAT_MAX && e->stack);
	n[e->cat]++;
	return 0;
}

static void check_profile(struct hud_profile *p, const struct hud_filter *f)
{
	uint64_t count[HUD_CAT_MAX] = {0}, replayed[HUD_CAT_MAX] = {0}, offcpu = 0;
	struct hud_hotspots h;
	size_t i;
	unsigned c;

	FUZZ_ASSERT(p->nr_sources == 1);
	for (i = 0; i < p->nr_stacks; i++) {
		const struct hud_stack *s = &p->stacks[i];

		FUZZ_ASSERT(s->src == 0 && s->nr_frames == 0);
		for (c = 0; c < HUD_CAT_MAX; c++)
			count[c] += s->count[c];
	}
	FUZZ_ASSERT(count[HUD_CAT_CPU] == p->samples);
	for (c = HUD_CAT_BLOCKED; c < HUD_CAT_MAX; c++)
		offcpu += count[c];
	/* An interval is one measurement, or two when it also waited in the run queue. */
	FUZZ_ASSERT(offcpu >= p->offcpu_events && offcpu <= 2 * p->offcpu_events);

	if (hotspots__build(&h, p, HUD_ROLES_ALL) == 0) {
		uint64_t per_cat[HUD_CAT_MAX] = {0};

		for (i = 0; i < h.nr; i++) {
			FUZZ_ASSERT(h.items[i].cat < HUD_CAT_MAX && h.items[i].nr_stacks);
			per_cat[h.items[i].cat] += h.items[i].count;
		}
		for (c = 0; c < HUD_CAT_MAX; c++)
			FUZZ_ASSERT(per_cat[c] == count[c] && h.total_count[c] == count[c]);
		hotspots__free(&h);
	}

	/* The replay (trace output) must see exactly the events the load counted. */
	if (profile__replay(p, &(struct hud_load_opts){.filter = f}, count_event, replayed) == 0)
		for (c = 0; c < HUD_CAT_MAX; c++)
			FUZZ_ASSERT(replayed[c] == count[c]);

	(void)profile__meta(p, "target_pid");
	if (p->nr_stacks)
		(void)profile__thread_name(p, 0, p->stacks[0].tid);
}

static int load(const struct hud_filter *f, uint32_t *tid)
{
	struct hud_profile p = {0};
	char err[512] = "";
	int ret;

	ret = profile__load(&p, fuzz_path, &(struct hud_load_opts){.filter = f}, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == -EPROTO || ret == -EBADMSG || ret == -ENOMEM);
	if (ret == 0) {
		check_profile(&p, f);
		if (tid && p.nr_stacks)
			*tid = p.stacks[p.nr_stacks - 1].tid;
	} else {
		FUZZ_ASSERT(err[0]);
	}
	profile__free(&p);
	return ret;
}

static int put_input(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (fuzz_fd < 0) {
		fuzz_fd = memfd_create("hud-fuzz", MFD_CLOEXEC);
		if (fuzz_fd < 0)
			return -1;
		snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fuzz_fd);
	}
	if (ftruncate(fuzz_fd, 0))
		return -1;
	while (off < size) {
		n = pwrite(fuzz_fd, data + off, size - off, off);
		if (n <= 0)
			return -1;
		off += n;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hud_filter f = {.time_end = -1};
	uint8_t *copy;
	uint32_t tid = 0;
	int ret;

	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fuzz_fix_checksums(copy, size);
	ret = put_input(copy, size);
	free(copy);
	if (ret) {
		perror("fuzz-profile: memfd");
		abort();
	}

	switch (size % 3) {
	case 0:
		load(NULL, NULL);
		break;
	case 1:
		f.window = 0.5;
		load(&f, NULL);
		break;
	case 2:
		/* A time range, then the same on the last thread seen. */
		f.time_start = 0.1;
		f.time_end = 1.5;
		if (load(&f, &tid) == 0 && tid) {
			f.tids = &tid;
			f.nr_tids = 1;
			load(&f, NULL);
		}
		break;
	}
	return 0;
}
