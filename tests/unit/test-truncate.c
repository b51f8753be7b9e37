// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * profile__load() on a real recording (tests/unit/data/fixture-3s.hud: hud-record -g kernel
 * for 3 s on the Tokio fixture, five chunks) cut at every byte offset, with a few hundred
 * bit flips, and with its chunks in zstd's legacy frame format. FORMAT.md promises that a
 * file cut anywhere keeps every complete chunk, and that damage gives an error message,
 * never a crash; run under SAN=1 this is also an ASan+UBSan check of every path the loader
 * takes through damaged input.
 *
 *	test-truncate [RECORDING]
 */
#include "fuzzfix.h" /* first: it asks zstd.h for its static API */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "profile.h"
#include "tap.h"

TAP_DEFINE_GLOBALS;

#define RECORDING "tests/unit/data/fixture-3s.hud"
#define NR_FLIPS  300
#define MAX_DIAG  10 /* failures printed per test; the rest are only counted */

static uint8_t *rec;
static size_t rec_len;
static int fd = -1;
static char path[64];

/* What a load gave: enough to compare two loads. */
struct outcome {
	int ret;
	int truncated, finished, damaged;
	uint64_t samples, offcpu, nr_stacks, nr_maps, nr_threads, nr_ksyms, nr_meta;
	char err[512];
};

/* Chunk boundaries of the intact recording, and what a load of each prefix gives. */
static size_t bounds[64];
static struct outcome at_bound[64];
static int nr_bounds;

static int set_file(const uint8_t *data, size_t len)
{
	size_t off = 0;
	ssize_t n;

	if (ftruncate(fd, 0))
		return -errno;
	while (off < len) {
		n = pwrite(fd, data + off, len - off, off);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		off += n;
	}
	return 0;
}

static void load(struct outcome *o)
{
	struct hud_profile p = {0};

	memset(o, 0, sizeof(*o));
	o->ret = profile__load(&p, path, NULL, o->err, sizeof(o->err));
	if (o->ret == 0) {
		const struct hud_source *s = &p.sources[0];

		o->truncated = s->truncated;
		o->finished = s->finished;
		o->damaged = s->damage != NULL;
		o->samples = p.samples;
		o->offcpu = p.offcpu_events;
		o->nr_stacks = p.nr_stacks;
		o->nr_maps = p.nr_maps;
		o->nr_threads = p.nr_threads;
		o->nr_ksyms = s->nr_ksyms;
		o->nr_meta = p.nr_meta;
	}
	profile__free(&p);
}

static int same_data(const struct outcome *a, const struct outcome *b)
{
	return a->samples == b->samples && a->offcpu == b->offcpu && a->nr_stacks == b->nr_stacks &&
	       a->nr_maps == b->nr_maps && a->nr_threads == b->nr_threads &&
	       a->nr_ksyms == b->nr_ksyms && a->nr_meta == b->nr_meta;
}

static void t_intact(void)
{
	struct hud_file_header fh;
	struct outcome o;
	size_t pos;

	load(&o);
	check_int(o.ret, ==, 0);
	check(o.finished && !o.truncated && !o.damaged);
	check(o.samples > 0 && o.offcpu > 0 && o.nr_ksyms > 0 && o.nr_maps > 0);
	printf("# %zu bytes: %llu samples, %llu off-CPU intervals, %llu stacks, %llu kernel "
	       "symbols\n",
	       rec_len, (unsigned long long)o.samples, (unsigned long long)o.offcpu,
	       (unsigned long long)o.nr_stacks, (unsigned long long)o.nr_ksyms);

	/* Where each chunk starts (and the file ends): the only clean places to cut. */
	memcpy(&fh, rec, sizeof(fh));
	for (pos = fh.header_size; nr_bounds < 63;) {
		struct hud_chunk_header ch;

		bounds[nr_bounds++] = pos;
		if (rec_len - pos < sizeof(ch))
			break;
		memcpy(&ch, rec + pos, sizeof(ch));
		pos += sizeof(ch) + ch.compressed_size;
	}
	check_uint(bounds[nr_bounds - 1], ==, rec_len);
	check_int(nr_bounds, >=, 4); /* at least three chunks, or the test proves little */
	printf("# %d chunks\n", nr_bounds - 1);
}

/* Cut at every offset, from the end down, shrinking one memfd. */
static void t_cut_everywhere(void)
{
	struct outcome o, *want;
	int b, bad = 0;
	size_t off;

	/* What each clean prefix holds, first. */
	for (b = 0; b < nr_bounds; b++) {
		if (set_file(rec, bounds[b])) {
			check(!"write the memfd");
			return;
		}
		load(&at_bound[b]);
		check_int(at_bound[b].ret, ==, 0);
		if (b)
			check(at_bound[b].samples >= at_bound[b - 1].samples &&
			      at_bound[b].offcpu >= at_bound[b - 1].offcpu);
	}
	check(at_bound[nr_bounds - 1].finished && !at_bound[0].samples);

	if (set_file(rec, rec_len)) {
		check(!"write the memfd");
		return;
	}
	b = nr_bounds - 1;
	for (off = rec_len; off-- > 0;) {
		if (ftruncate(fd, off)) {
			check(!"ftruncate");
			return;
		}
		load(&o);
		while (b > 0 && bounds[b] > off)
			b--;
		want = &at_bound[b];
		if (off < sizeof(struct hud_file_header)) {
			/* Inside the file header: not a hud file (yet), a clean error. */
			if (o.ret == -EPROTO && o.err[0])
				continue;
		} else if (o.ret == 0 && !o.damaged && !o.finished &&
			   o.truncated == (off != bounds[b]) && same_data(&o, want)) {
			/* Everything before the cut chunk, flagged as cut unless on a boundary. */
			continue;
		}
		if (bad++ < MAX_DIAG)
			printf("# cut at %zu: ret %d truncated %d damaged %d finished %d, %llu "
			       "samples (want %llu) %llu off-CPU (want %llu): %s\n",
			       off, o.ret, o.truncated, o.damaged, o.finished,
			       (unsigned long long)o.samples, (unsigned long long)want->samples,
			       (unsigned long long)o.offcpu, (unsigned long long)want->offcpu,
			       o.err);
	}
	check_int(bad, ==, 0);
}

/* xorshift64: the same flips on every run and every libc. */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/*
 * One bit flipped, NR_FLIPS times. As written, the chunk checksums must catch every flip
 * that changes data: the load either succeeds with all the data (the flip hit a reserved
 * or ignored byte), or flags damage or a cut, or fails with a message. With the checksums
 * then made to match (fuzz_fix_checksums()), the flip reaches the records and the model:
 * any outcome is fine but a crash or an error without a message.
 */
static void t_flips(int fix)
{
	const struct outcome *full = &at_bound[nr_bounds - 1];
	uint8_t *buf = malloc(rec_len);
	int i, bad = 0, fixed = 0, kinds[4] = {0};
	struct outcome o;

	if (!buf) {
		check(!"malloc");
		return;
	}
	for (i = 0; i < NR_FLIPS; i++) {
		size_t off = rnd() % rec_len;
		int bit = rnd() % 8, ok;

		memcpy(buf, rec, rec_len);
		buf[off] ^= 1u << bit;
		if (fix)
			fixed += fuzz_fix_checksums(buf, rec_len) > 0;
		if (set_file(buf, rec_len)) {
			check(!"write the memfd");
			break;
		}
		load(&o);
		if (o.ret < 0) {
			ok = (o.ret == -EPROTO || o.ret == -EBADMSG) && o.err[0];
			kinds[0]++;
		} else if (o.damaged || o.truncated) {
			ok = 1;
			kinds[1]++;
		} else {
			ok = fix || (o.finished && same_data(&o, full));
			kinds[same_data(&o, full) ? 3 : 2]++;
		}
		if (!ok && bad++ < MAX_DIAG)
			printf("# bit %d of byte %zu: ret %d damaged %d truncated %d finished %d, "
			       "%llu samples (intact: %llu): %s\n",
			       bit, off, o.ret, o.damaged, o.truncated, o.finished,
			       (unsigned long long)o.samples, (unsigned long long)full->samples,
			       o.err);
	}
	printf("# %d flips%s: %d errors, %d damaged or cut, %d other data, %d unchanged data\n",
	       NR_FLIPS, fix ? " with checksums made to match" : "", kinds[0], kinds[1], kinds[2],
	       kinds[3]);
	if (fix) /* most flips land in a frame that still decompresses */
		check_int(fixed, >, NR_FLIPS / 4);
	check_int(bad, ==, 0);
	free(buf);
}

/*
 * The recording with each chunk re-encoded as a zstd v0.7 frame (legacy format: magic
 * 0xFD2FB527, raw blocks, an end block, no checksum bytes). libzstd still decodes these and
 * never checks their content, so the reader must refuse them: without that, any flip
 * inside such a frame went unnoticed.
 */
static size_t to_legacy_v07(uint8_t *out, size_t cap)
{
	size_t pos, o = bounds[0];
	int b;

	memcpy(out, rec, o);
	for (b = 0; b + 1 < nr_bounds; b++) {
		struct hud_chunk_header ch;
		size_t n, start;

		pos = bounds[b];
		memcpy(&ch, rec + pos, sizeof(ch));
		start = o + sizeof(ch);
		if (start + 4 + 1 + 4 + 3 + ch.raw_size + 3 > cap)
			return 0;
		n = ZSTD_decompress(out + start + 12, ch.raw_size, rec + pos + sizeof(ch),
				    ch.compressed_size);
		if (ZSTD_isError(n) || n != ch.raw_size || n >= 1u << 19)
			return 0;
		memcpy(out + start, "\x27\xb5\x2f\xfd", 4);
		out[start + 4] = 0xa4; /* 4-byte content size, single segment, checksum flag */
		memcpy(out + start + 5, &ch.raw_size, 4);
		out[start + 9] = (1 << 6) | (n >> 16); /* one raw block */
		out[start + 10] = n >> 8;
		out[start + 11] = n;
		memcpy(out + start + 12 + n, "\xc0\0\0", 3); /* end block */
		ch.compressed_size = 12 + n + 3;
		memcpy(out + o, &ch, sizeof(ch));
		o = start + ch.compressed_size;
	}
	return o;
}

static void t_legacy_frames(void)
{
	size_t cap = rec_len * 16, len;
	uint8_t *buf = malloc(cap);
	struct outcome o;

	len = buf ? to_legacy_v07(buf, cap) : 0;
	check(len > 0);
	if (len && !set_file(buf, len)) {
		load(&o);
		check_int(o.ret, ==, -EBADMSG);
		check(strstr(o.err, "not a zstd frame") != NULL);
	}
	free(buf);
}

int main(int argc, char **argv)
{
	const char *file = argc > 1 ? argv[1] : RECORDING;
	FILE *f = fopen(file, "rb");

	if (f) {
		rec = malloc(1 << 20);
		rec_len = rec ? fread(rec, 1, 1 << 20, f) : 0;
		fclose(f);
	}
	if (!rec_len || rec_len == 1 << 20) {
		printf("# cannot read %s (run from the top of the tree)\n", file);
		TEST(check(!"the recording"), "read the recording");
		return test_done();
	}
	fd = memfd_create("hud-truncate", MFD_CLOEXEC);
	if (fd < 0 || set_file(rec, rec_len)) {
		perror("memfd");
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	TEST(t_intact(), "the intact recording loads, finished, with every kind of record");
	if (nr_bounds < 2)
		return test_done();
	TEST(t_cut_everywhere(),
	     "cut at every byte: header cuts are -EPROTO, others keep each complete chunk");
	TEST(t_flips(0), "single bit flips: caught by the checksums, or harmless");
	TEST(t_flips(1), "single bit flips past the checksums: loaded or a clean error");
	TEST(t_legacy_frames(), "chunks in the legacy zstd v0.7 frame format are refused");
	free(rec);
	close(fd);
	return test_done();
}
