/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Make mutated .hud bytes reach past the zstd content checksum.
 *
 * Every chunk's zstd frame carries the XXH64 of its content, and the reader rightly refuses
 * a frame whose checksum does not match. A fuzzer cannot solve XXH64, so without help a
 * mutated record never gets past decompression. fuzz_fix_checksums() decompresses each
 * chunk of a (possibly mutated) file ignoring the checksum and rewrites the checksum to
 * match what it decompressed to; nothing else is touched. The frame, chunk and record
 * layers are then checked by the reader as in any file.
 *
 * Used by the fuzz targets (tests/fuzz/) and by tests that flip bits in real recordings.
 * Header-only: fuzz targets must define nothing but LLVMFuzzerTestOneInput.
 */
#ifndef HUD_FUZZFIX_H
#define HUD_FUZZFIX_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_d_forceIgnoreChecksum */
#include <zstd.h>

#include "hud_format.h"

/* Frames bigger than this are left alone: the fuzzer gains nothing from them. */
#define FUZZ_FIX_RAW_MAX (8u << 20)

static inline uint64_t fuzz_rotl64(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t fuzz_rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t fuzz_rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#define FUZZ_P1 0x9E3779B185EBCA87ull
#define FUZZ_P2 0xC2B2AE3D27D4EB4Full
#define FUZZ_P3 0x165667B19E3779F9ull
#define FUZZ_P4 0x85EBCA77C2B2AE63ull
#define FUZZ_P5 0x27D4EB2F165667C5ull

static inline uint64_t fuzz_xxh64_round(uint64_t acc, uint64_t in)
{
	acc += in * FUZZ_P2;
	return fuzz_rotl64(acc, 31) * FUZZ_P1;
}

static inline uint64_t fuzz_xxh64_merge(uint64_t h, uint64_t v)
{
	h ^= fuzz_xxh64_round(0, v);
	return h * FUZZ_P1 + FUZZ_P4;
}

/* XXH64 with seed 0 (little-endian host), the hash of zstd's Content_Checksum. */
static inline uint64_t fuzz_xxh64(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = FUZZ_P1 + FUZZ_P2, v2 = FUZZ_P2, v3 = 0, v4 = -FUZZ_P1;

		do {
			v1 = fuzz_xxh64_round(v1, fuzz_rd64(p));
			v2 = fuzz_xxh64_round(v2, fuzz_rd64(p + 8));
			v3 = fuzz_xxh64_round(v3, fuzz_rd64(p + 16));
			v4 = fuzz_xxh64_round(v4, fuzz_rd64(p + 24));
			p += 32;
		} while (end - p >= 32);
		h = fuzz_rotl64(v1, 1) + fuzz_rotl64(v2, 7) + fuzz_rotl64(v3, 12) +
		    fuzz_rotl64(v4, 18);
		h = fuzz_xxh64_merge(h, v1);
		h = fuzz_xxh64_merge(h, v2);
		h = fuzz_xxh64_merge(h, v3);
		h = fuzz_xxh64_merge(h, v4);
	} else {
		h = FUZZ_P5;
	}
	h += len;
	for (; end - p >= 8; p += 8) {
		h ^= fuzz_xxh64_round(0, fuzz_rd64(p));
		h = fuzz_rotl64(h, 27) * FUZZ_P1 + FUZZ_P4;
	}
	if (end - p >= 4) {
		h ^= (uint64_t)fuzz_rd32(p) * FUZZ_P1;
		h = fuzz_rotl64(h, 23) * FUZZ_P2 + FUZZ_P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= *p * FUZZ_P5;
		h = fuzz_rotl64(h, 11) * FUZZ_P1;
	}
	h ^= h >> 33;
	h *= FUZZ_P2;
	h ^= h >> 29;
	h *= FUZZ_P3;
	h ^= h >> 32;
	return h;
}

/*
 * Rewrite, in place, the content checksum of every chunk of the .hud bytes @buf whose frame
 * decompresses (checksum ignored). Stops at the first chunk it cannot walk past. Returns
 * the number of checksums changed, or -1 when out of memory. Keeps its decompression
 * context and buffer for the life of the process (not thread-safe): creating a context
 * per input would cost the fuzzer a sixth of its speed.
 */
static inline int fuzz_fix_checksums(uint8_t *buf, size_t len)
{
	static ZSTD_DCtx *dctx;
	static uint8_t *raw;
	static size_t cap;
	struct hud_file_header fh;
	int changed = 0;
	size_t pos;

	if (len < sizeof(fh))
		return 0;
	memcpy(&fh, buf, sizeof(fh));
	if (memcmp(fh.magic, HUD_MAGIC, sizeof(fh.magic)) || fh.header_size < sizeof(fh) ||
	    fh.header_size > HUD_HEADER_SIZE_MAX || fh.header_size > len)
		return 0;
	if (!dctx) {
		dctx = ZSTD_createDCtx();
		if (!dctx)
			return -1;
		if (ZSTD_isError(ZSTD_DCtx_setParameter(dctx, ZSTD_d_forceIgnoreChecksum,
							ZSTD_d_ignoreChecksum))) {
			ZSTD_freeDCtx(dctx);
			dctx = NULL;
			return -1;
		}
	}
	for (pos = fh.header_size; len - pos >= HUD_CHUNK_HEADER_SIZE;) {
		struct hud_chunk_header ch;
		unsigned long long fcs;
		uint8_t *frame;
		uint32_t sum;
		size_t n;

		memcpy(&ch, buf + pos, sizeof(ch));
		if (memcmp(ch.magic, HUD_CHUNK_MAGIC, sizeof(ch.magic)) || !ch.compressed_size ||
		    ch.compressed_size > len - pos - sizeof(ch))
			break;
		frame = buf + pos + sizeof(ch);
		pos += sizeof(ch) + ch.compressed_size;
		/* Only a single frame filling the chunk, with a checksum at its very end. */
		fcs = ZSTD_getFrameContentSize(frame, ch.compressed_size);
		if (fcs == ZSTD_CONTENTSIZE_ERROR || fcs == ZSTD_CONTENTSIZE_UNKNOWN ||
		    fcs > FUZZ_FIX_RAW_MAX || ch.compressed_size < 8 || !(frame[4] & 0x04) ||
		    ZSTD_findFrameCompressedSize(frame, ch.compressed_size) != ch.compressed_size)
			continue;
		if (fcs > cap || !raw) {
			free(raw);
			cap = fcs ? fcs : 1;
			raw = malloc(cap);
			if (!raw) {
				cap = 0;
				return -1;
			}
		}
		n = ZSTD_decompressDCtx(dctx, raw, cap, frame, ch.compressed_size);
		if (ZSTD_isError(n) || n != fcs)
			continue;
		sum = (uint32_t)fuzz_xxh64(raw, n);
		if (memcmp(frame + ch.compressed_size - 4, &sum, 4)) {
			memcpy(frame + ch.compressed_size - 4, &sum, 4);
			changed++;
		}
	}
	return changed;
}

#endif /* HUD_FUZZFIX_H */
