// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Fuzz target: the .hud reader over arbitrary bytes (file header, chunk headers, zstd
 * frames, records).
 *
 * Each input is read twice: as given, which exercises the header, chunk and frame checks;
 * then with the zstd content checksums rewritten to match (tests/lib/fuzzfix.h), so that
 * mutations inside a frame reach the record checks instead of all dying at the checksum.
 *
 * Every record returned is used the way hud-report uses it (payload cast by type, stacks
 * and strings walked), so ASan catches a record the reader let through unvalidated. The
 * reader's contract is checked too: results are 1, 0, -EPROTO, -EBADMSG or -ENOMEM; the
 * end is sticky; every error has a message; records come only from checksummed RFC 8878
 * zstd frames.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzzfix.h"
#include "hud_format.h"

static volatile uint64_t fuzz_sink;

/* Touch a validated record as a consumer would; returns a value so nothing is elided. */
static uint64_t use_record(const struct hud_record *rec)
{
	const uint8_t *pl = rec->payload;
	uint64_t acc = rec->type;
	uint32_t i;

	FUZZ_ASSERT(((uintptr_t)pl & 7) == 0);
	FUZZ_ASSERT((rec->size + 8) % 8 == 0);
	switch (rec->type) {
	case HUD_REC_META:
		acc += strlen(hud_meta_key(rec)) + strlen(hud_meta_value(rec));
		break;
	case HUD_REC_THREAD: {
		const struct hud_rec_thread *t = rec->payload;

		acc += t->pid + t->tid + t->time_ns + strnlen(t->comm, HUD_COMM_LEN);
		break;
	}
	case HUD_REC_MAP: {
		const struct hud_rec_map *m = rec->payload;

		FUZZ_ASSERT(m->build_id_size <= HUD_BUILD_ID_MAX);
		for (i = 0; i < m->build_id_size; i++)
			acc += m->build_id[i];
		acc += m->start + m->end + m->pgoff + strlen(m->path);
		break;
	}
	case HUD_REC_SAMPLE: {
		const struct hud_rec_sample *s = rec->payload;

		for (i = 0; i < (uint32_t)s->nr_kernel + s->nr_user; i++)
			acc += s->ips[i];
		acc += s->time_ns + s->cpu;
		break;
	}
	case HUD_REC_OFFCPU: {
		const struct hud_rec_offcpu *o = rec->payload;

		for (i = 0; i < (uint32_t)o->nr_kernel + o->nr_user; i++)
			acc += o->ips[i];
		acc += o->start_ns + o->duration_ns + o->runq_ns + o->state + o->flags;
		break;
	}
	case HUD_REC_LOST: {
		const struct hud_rec_lost *l = rec->payload;

		acc += l->time_ns + l->count;
		break;
	}
	case HUD_REC_FINISH: {
		const struct hud_rec_finish *f = rec->payload;

		acc += f->end_ns + f->samples + f->offcpu + f->lost + f->reason;
		break;
	}
	case HUD_REC_KSYM: {
		const struct hud_rec_ksym *k = rec->payload;
		const char *module = k->names + strlen(k->names) + 1;

		acc += k->start + k->end + strlen(module);
		break;
	}
	case HUD_REC_PROCESS: {
		const struct hud_rec_process *p = rec->payload;
		const char *s = p->strings;

		for (i = 0; i < 3; i++)
			s += strlen(s) + 1;
		acc += p->pid + (uint64_t)(s - p->strings);
		break;
	}
	default:
		/* Unknown types are skipped by size: the payload is still in bounds. */
		if (rec->size)
			acc += pl[0] + pl[rec->size - 1];
		break;
	}
	return acc;
}

static void read_all(const uint8_t *data, size_t size)
{
	struct hud_record rec;
	struct hud_reader *r;
	unsigned major, minor;
	uint64_t acc = 0;
	int ret, again;

	r = hud_reader__from_mem(data, size);
	if (!r) {
		FUZZ_ASSERT(errno == ENOMEM);
		return;
	}
	while ((ret = hud_reader__next(r, &rec)) == 1) {
		/* Records come only from an RFC 8878 frame with a content checksum. */
		uint64_t off = hud_reader__offset(r) + HUD_CHUNK_HEADER_SIZE;
		uint32_t magic;

		FUZZ_ASSERT(off + 5 <= size);
		memcpy(&magic, data + off, sizeof(magic));
		FUZZ_ASSERT(magic == ZSTD_MAGICNUMBER && (data[off + 4] & 0x04));
		acc += use_record(&rec);
	}
	FUZZ_ASSERT(ret == 0 || ret == -EPROTO || ret == -EBADMSG || ret == -ENOMEM);
	if (ret < 0)
		FUZZ_ASSERT(hud_reader__error(r) != NULL);
	if (hud_reader__truncated(r))
		FUZZ_ASSERT(ret == 0 && hud_reader__error(r) != NULL);
	again = hud_reader__next(r, &rec);
	FUZZ_ASSERT(again == ret);
	hud_reader__version(r, &major, &minor);
	acc += major + minor + hud_reader__offset(r);
	hud_reader__free(r);
	fuzz_sink = acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	read_all(data, size);
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (fuzz_fix_checksums(copy, size) > 0)
		read_all(copy, size);
	free(copy);
	return 0;
}
