// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The .hud writer: records are buffered in memory and written as independent zstd
 * frames ("chunks", see FORMAT.md), each with a single write sequence, so a crash leaves
 * at most the last chunk incomplete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "hud_format.h"
#include "util.h"

#define HUD_ZSTD_LEVEL_DEFAULT 3

/*
 * Largest record accepted: its chunk (a record that big always has one of its own) must
 * compress to a frame the reader accepts even when the data does not compress at all.
 */
#define HUD_RECORD_SIZE_MAX (HUD_CHUNK_SIZE_MAX - (HUD_CHUNK_SIZE_MAX >> 7))

struct hud_writer {
	int fd;
	int err; /* first -errno seen; sticky */
	int level;
	uint32_t chunk_target;
	ZSTD_CCtx *cctx;
	uint8_t *buf; /* pending records */
	size_t len;
	size_t cap;
	uint32_t nr_records;
	uint8_t *out; /* chunk header + compressed frame */
	size_t out_cap;
	uint64_t bytes;
};

/* write(2) until done: retries short writes and EINTR. 0 or -errno. */
static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

struct hud_writer *hud_writer__new(int fd, const struct hud_writer_opts *opts)
{
	struct hud_file_header hdr = {
		.version_major = HUD_VERSION_MAJOR,
		.version_minor = HUD_VERSION_MINOR,
		.header_size = HUD_HEADER_SIZE,
	};
	struct hud_writer *w = NULL;
	int level = HUD_ZSTD_LEVEL_DEFAULT;
	uint32_t target = HUD_CHUNK_RAW_TARGET;
	size_t rc;
	int err;

	if (fd < 0) {
		err = -EBADF;
		goto cleanup;
	}
	/* libbpf-style opts: a missing sz is a caller bug, not "use the defaults". */
	if (opts && opts->sz < sizeof(opts->sz)) {
		err = -EINVAL;
		goto cleanup;
	}
	if (opts && opts->sz >= offsetof(struct hud_writer_opts, zstd_level) + sizeof(int) &&
	    opts->zstd_level)
		level = opts->zstd_level;
	if (opts && opts->sz >= offsetof(struct hud_writer_opts, chunk_target) + sizeof(uint32_t) &&
	    opts->chunk_target)
		target = opts->chunk_target;
	if (opts &&
	    opts->sz >= offsetof(struct hud_writer_opts, compat_features) + sizeof(uint64_t))
		hdr.compat_features = opts->compat_features;
	/* A chunk of several records holds at most chunk_target raw bytes: keep it readable. */
	if (target > HUD_CHUNK_SIZE_MAX / 2 || level < ZSTD_minCLevel() ||
	    level > ZSTD_maxCLevel()) {
		err = -EINVAL;
		goto cleanup;
	}

	w = calloc(1, sizeof(*w));
	if (!w) {
		err = -ENOMEM;
		goto cleanup;
	}
	w->fd = fd;
	w->level = level;
	w->chunk_target = target;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx) {
		err = -ENOMEM;
		goto cleanup;
	}
	rc = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	if (!ZSTD_isError(rc))
		rc = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
	if (ZSTD_isError(rc)) {
		err = -EINVAL;
		goto cleanup;
	}

	memcpy(hdr.magic, HUD_MAGIC, sizeof(hdr.magic));
	err = write_all(fd, &hdr, sizeof(hdr));
	if (err)
		goto cleanup;
	w->bytes = sizeof(hdr);
	return w;

cleanup:
	if (w) {
		ZSTD_freeCCtx(w->cctx);
		free(w);
	}
	errno = -err;
	return NULL;
}

int hud_writer__flush(struct hud_writer *w)
{
	struct hud_chunk_header ch;
	size_t bound, csize;
	int err;

	if (!w)
		return -EINVAL;
	if (w->err)
		return w->err;
	if (!w->len)
		return 0;

	bound = ZSTD_compressBound(w->len);
	err = HUD_GROW(w->out, w->out_cap, HUD_CHUNK_HEADER_SIZE + bound) ? 0 : -ENOMEM;
	if (err)
		goto fail;
	csize = ZSTD_compress2(w->cctx, w->out + HUD_CHUNK_HEADER_SIZE, bound, w->buf, w->len);
	if (ZSTD_isError(csize)) {
		/* Only memory allocation can fail with a bound-sized destination. */
		err = -ENOMEM;
		goto fail;
	}
	if (csize > HUD_CHUNK_SIZE_MAX) {
		err = -E2BIG;
		goto fail;
	}

	memcpy(ch.magic, HUD_CHUNK_MAGIC, sizeof(ch.magic));
	ch.compressed_size = csize;
	ch.raw_size = w->len;
	ch.nr_records = w->nr_records;
	memcpy(w->out, &ch, sizeof(ch));

	err = write_all(w->fd, w->out, HUD_CHUNK_HEADER_SIZE + csize);
	if (err)
		goto fail;
	w->bytes += HUD_CHUNK_HEADER_SIZE + csize;
	w->len = 0;
	w->nr_records = 0;
	return 0;

fail:
	w->err = err;
	return err;
}

int hud_writer__addv(struct hud_writer *w, uint32_t type, const struct hud_iovec *iov, size_t nr)
{
	struct hud_rec_header rh;
	size_t size = sizeof(rh), i, off;
	uint8_t *p;
	int err;

	if (!w)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		if (iov[i].len && !iov[i].base)
			return -EINVAL;
		/* Checked one at a time so that the sum cannot overflow. */
		if (iov[i].len > HUD_RECORD_SIZE_MAX)
			return -E2BIG;
		size += iov[i].len;
		if (size > HUD_RECORD_SIZE_MAX)
			return -E2BIG;
	}
	if (w->err)
		return w->err;
	size = (size + 7) & ~(size_t)7;
	if (size > HUD_RECORD_SIZE_MAX)
		return -E2BIG;

	if (w->len && w->len + size > w->chunk_target) {
		err = hud_writer__flush(w);
		if (err)
			return err;
	}
	err = HUD_GROW(w->buf, w->cap, w->len + size) ? 0 : -ENOMEM;
	if (err) {
		w->err = err;
		return err;
	}

	p = w->buf + w->len;
	rh.type = type;
	rh.size = size;
	memcpy(p, &rh, sizeof(rh));
	for (i = 0, off = sizeof(rh); i < nr; off += iov[i].len, i++)
		if (iov[i].len)
			memcpy(p + off, iov[i].base, iov[i].len);
	memset(p + off, 0, size - off);
	w->len += size;
	w->nr_records++;
	return 0;
}

int hud_writer__add(struct hud_writer *w, uint32_t type, const void *hdr, size_t hdr_size,
		    const void *tail, size_t tail_size)
{
	const struct hud_iovec iov[2] = {{hdr, hdr_size}, {tail, tail_size}};

	return hud_writer__addv(w, type, iov, 2);
}

int hud_writer__add_meta(struct hud_writer *w, const char *key, const char *value)
{
	if (!key || !value)
		return -EINVAL;
	return hud_writer__add(w, HUD_REC_META, key, strlen(key) + 1, value, strlen(value) + 1);
}

uint64_t hud_writer__bytes(const struct hud_writer *w)
{
	return w ? w->bytes : 0;
}

int hud_writer__close(struct hud_writer *w)
{
	int err;

	if (!w)
		return 0;
	err = hud_writer__flush(w);
	ZSTD_freeCCtx(w->cctx);
	free(w->buf);
	free(w->out);
	free(w);
	return err;
}
