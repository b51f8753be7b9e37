// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * hud-dump FILE: what a recording holds, for tests that check what hud-record wrote
 * rather than what hud-report made of it. One line per META record (`meta KEY=VALUE`),
 * then counts:
 *
 *	events N            SAMPLE, OFFCPU and OFFCPU_SAMPLED records
 *	sampled N           of them, OFFCPU_SAMPLED records
 *	seen N, exits N, open N   THREAD_STATE records of each kind
 *	end_ns N            FINISH's end (0 without one)
 *	copies N            of the events, those with a user stack copy
 *	short N             copies cut short (HUD_USTACK_SHORT)
 *	copy_bytes_max N    the largest copy
 *	copy_bytes_mean N   their mean size, rounded down
 *
 * Exit status 0, or 1 when the file cannot be read to its end (the reader's message on
 * standard error).
 */
#include <stdio.h>
#include <string.h>

#include "hud_format.h"

int main(int argc, char **argv)
{
	unsigned long long events = 0, copies = 0, shorts = 0, bytes = 0, max = 0, sampled = 0;
	unsigned long long kinds[4] = {0}, end_ns = 0;
	struct hud_reader *r;
	struct hud_record rec;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: hud-dump FILE\n");
		return 2;
	}
	r = hud_reader__from_path(argv[1]);
	if (!r) {
		perror(argv[1]);
		return 1;
	}
	while ((ret = hud_reader__next(r, &rec)) > 0) {
		const struct hud_rec_ustack *u = NULL;

		if (rec.type == HUD_REC_META) {
			const char *key = rec.payload;

			printf("meta %s=%s\n", key, key + strlen(key) + 1);
		} else if (rec.type == HUD_REC_SAMPLE) {
			const struct hud_rec_sample *s = rec.payload;

			u = hud_rec_ustack(&rec, sizeof(*s), (size_t)s->nr_kernel + s->nr_user);
			events++;
		} else if (rec.type == HUD_REC_OFFCPU || rec.type == HUD_REC_OFFCPU_SAMPLED) {
			const struct hud_rec_offcpu *o = rec.payload;

			u = hud_rec_ustack(&rec, sizeof(*o), (size_t)o->nr_kernel + o->nr_user);
			events++;
			sampled += rec.type == HUD_REC_OFFCPU_SAMPLED;
		} else if (rec.type == HUD_REC_THREAD_STATE) {
			const struct hud_rec_thread_state *t = rec.payload;

			kinds[t->kind < 4 ? t->kind : 0]++;
		} else if (rec.type == HUD_REC_FINISH) {
			end_ns = ((const struct hud_rec_finish *)rec.payload)->end_ns;
		}
		if (u) {
			copies++;
			shorts += u->flags & HUD_USTACK_SHORT;
			bytes += u->size;
			max = u->size > max ? u->size : max;
		}
	}
	printf("events %llu\nsampled %llu\nseen %llu\nexits %llu\nopen %llu\nend_ns %llu\n", events,
	       sampled, kinds[HUD_TSTATE_SEEN], kinds[HUD_TSTATE_EXIT], kinds[HUD_TSTATE_OPEN],
	       end_ns);
	printf("copies %llu\nshort %llu\ncopy_bytes_max %llu\ncopy_bytes_mean %llu\n", copies,
	       shorts, max, copies ? bytes / copies : 0);
	if (ret < 0)
		fprintf(stderr, "hud-dump: %s: %s\n", argv[1],
			hud_reader__error(r) ? hud_reader__error(r) : "read error");
	hud_reader__free(r);
	return ret < 0;
}
