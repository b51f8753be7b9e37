// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The .hud reader: a streaming, validating parser over untrusted input (FORMAT.md,
 * "Reader requirements"). Memory and files share one code path: a source hands out the
 * next N bytes of input, either in place (memory) or read into a scratch buffer (file),
 * so a file is never held whole in memory; the reader keeps at most one chunk.
 *
 * Every chunk is fully validated (frame, checksum, record tiling, known record layouts)
 * before its first record is returned: a chunk is delivered whole or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "hud_format.h"
#include "util.h"

#define HUD_READER_ERR_LEN 512
#define HUD_READ_STEP	   (64u << 10)

struct hud_reader;

/*
 * Consume up to @len bytes of input. On return *@data points at them (valid until the
 * next call). Returns the number of bytes available, less than @len only at the end of
 * the input, or -errno.
 */
typedef ssize_t (*hud_src_get_fn)(struct hud_reader *r, size_t len, const uint8_t **data);

struct hud_reader {
	/* input */
	hud_src_get_fn get;
	const uint8_t *mem; /* memory source */
	size_t mem_len;
	int fd; /* file source */
	uint8_t *scratch;
	size_t scratch_cap;
	uint64_t pos; /* input bytes consumed */

	/* state */
	int started;  /* header parsed */
	int finished; /* result is final: next() keeps returning it */
	int result;
	int truncated;
	int follow; /* hud_reader__follow(): the end of the data is "not yet" */
	unsigned major, minor;
	uint64_t chunk_off; /* input offset of the current chunk */

	/* current chunk, decompressed */
	ZSTD_DCtx *dctx;
	uint8_t *raw;
	size_t raw_cap;
	size_t raw_len;
	size_t raw_pos;
	uint32_t rec_left;

	char *name; /* path, for messages; NULL for memory */
	char err[];
};

static ssize_t mem_get(struct hud_reader *r, size_t len, const uint8_t **data)
{
	size_t avail = r->mem_len - r->pos;

	if (len > avail)
		len = avail;
	*data = r->mem + r->pos;
	r->pos += len;
	return len;
}

/*
 * Sequential read(2), so pipes work too. The scratch buffer grows with the data actually
 * read, not with the length asked for: a size field lying about a short file costs no
 * more memory than the file holds.
 */
static ssize_t file_get(struct hud_reader *r, size_t len, const uint8_t **data)
{
	size_t have = 0;

	while (have < len) {
		size_t want;
		ssize_t n;

		if (have == r->scratch_cap) {
			/* Grown as the bytes arrive, not to the size the chunk header claims. */
			size_t need = r->scratch_cap * 2;

			if (need < HUD_READ_STEP)
				need = HUD_READ_STEP;
			if (need > len)
				need = len;
			if (!HUD_GROW(r->scratch, r->scratch_cap, need))
				return -ENOMEM;
		}
		want = (len < r->scratch_cap ? len : r->scratch_cap) - have;
		n = read(r->fd, r->scratch + have, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		have += n;
	}
	r->pos += have;
	*data = r->scratch;
	return have;
}

static int reader_fail(struct hud_reader *r, int result, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int chunk_corrupt(struct hud_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int reader_fail(struct hud_reader *r, int result, const char *fmt, ...)
{
	size_t cap = HUD_READER_ERR_LEN + (r->name ? strlen(r->name) : 0);
	int n = 0;
	va_list ap;

	if (r->name)
		n = snprintf(r->err, cap, "%s: ", r->name);
	va_start(ap, fmt);
	vsnprintf(r->err + n, cap - n, fmt, ap);
	va_end(ap);
	r->finished = 1;
	r->result = result;
	return result;
}

static int chunk_corrupt(struct hud_reader *r, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reader_fail(r, -EBADMSG, "corrupt chunk at offset %llu: %s",
			   (unsigned long long)r->chunk_off, msg);
}

/* Clean end of the data: no message. */
static int reader_end(struct hud_reader *r)
{
	r->finished = 1;
	r->result = 0;
	return 0;
}

static int input_error(struct hud_reader *r, int err)
{
	return reader_fail(r, err, "read error at offset %llu: %s", (unsigned long long)r->pos,
			   strerror(-err));
}

/* The input ends inside a chunk (or a long header): not an error, but say so. */
static int input_truncated(struct hud_reader *r)
{
	r->truncated = 1;
	if (!r->started)
		return reader_fail(r, 0,
				   "file truncated at offset %llu (in the file header): "
				   "the recording was interrupted before any data",
				   (unsigned long long)r->pos);
	return reader_fail(r, 0,
			   "file truncated at offset %llu (last chunk, at offset %llu, "
			   "incomplete): the recording was interrupted; earlier data is intact",
			   (unsigned long long)r->pos, (unsigned long long)r->chunk_off);
}

/*
 * Following a growing file, the data ends at @off for now: go back there and say "not
 * yet"; what was read of an incomplete chunk is read again once it is whole.
 */
static int not_yet(struct hud_reader *r, uint64_t off)
{
	if (lseek(r->fd, (off_t)off, SEEK_SET) < 0)
		return input_error(r, -errno);
	r->pos = off;
	return -EAGAIN;
}

static int read_header(struct hud_reader *r)
{
	struct hud_file_header h;
	const uint8_t *p;
	ssize_t n;

	n = r->get(r, sizeof(h), &p);
	if (n < 0)
		return input_error(r, n);
	if (r->follow && (size_t)n < sizeof(h) &&
	    !memcmp(p, HUD_MAGIC, (size_t)n < sizeof(h.magic) ? (size_t)n : sizeof(h.magic)))
		return not_yet(r, 0);
	if (n == 0)
		return reader_fail(r, -EPROTO, "not a hud file (empty)");
	if (memcmp(p, HUD_MAGIC, (size_t)n < sizeof(h.magic) ? (size_t)n : sizeof(h.magic)))
		return reader_fail(r, -EPROTO, "not a hud file (bad magic)");
	if ((size_t)n < sizeof(h))
		return reader_fail(
			r, -EPROTO,
			"not a hud file (only %zd bytes, shorter than the %zu-byte header)", n,
			sizeof(h));
	/* The memory source may be unaligned: never cast it to the struct. */
	memcpy(&h, p, sizeof(h));

	if (h.version_major != HUD_VERSION_MAJOR)
		return reader_fail(r, -EPROTO,
				   "unsupported format version %u.%u (this hud reads %u.x)%s",
				   h.version_major, h.version_minor, HUD_VERSION_MAJOR,
				   h.version_major > HUD_VERSION_MAJOR ? ": upgrade hud" : "");
	if (h.incompat_features)
		return reader_fail(r, -EPROTO,
				   "file uses incompatible features 0x%llx unknown to this hud: "
				   "upgrade hud",
				   (unsigned long long)h.incompat_features);
	if (h.header_size < HUD_HEADER_SIZE || h.header_size > HUD_HEADER_SIZE_MAX)
		return reader_fail(r, -EBADMSG,
				   "corrupt file header: header_size %u not in [%u, %u]",
				   h.header_size, HUD_HEADER_SIZE, HUD_HEADER_SIZE_MAX);
	r->major = h.version_major;
	r->minor = h.version_minor;

	/* Skip what newer minors may have appended to the header. */
	if (h.header_size > sizeof(h)) {
		size_t extra = h.header_size - sizeof(h);

		r->chunk_off = r->pos;
		n = r->get(r, extra, &p);
		if (n < 0)
			return input_error(r, n);
		if ((size_t)n < extra)
			return r->follow ? not_yet(r, 0) : input_truncated(r);
	}
	r->started = 1;
	return 0;
}

static const char *rec_type_name(uint32_t type)
{
	switch (type) {
	case HUD_REC_META:
		return "META";
	case HUD_REC_THREAD:
		return "THREAD";
	case HUD_REC_MAP:
		return "MAP";
	case HUD_REC_SAMPLE:
		return "SAMPLE";
	case HUD_REC_OFFCPU:
		return "OFFCPU";
	case HUD_REC_LOST:
		return "LOST";
	case HUD_REC_FINISH:
		return "FINISH";
	case HUD_REC_KSYM:
		return "KSYM";
	case HUD_REC_PROCESS:
		return "PROCESS";
	case HUD_REC_OFFCPU_SAMPLED:
		return "OFFCPU_SAMPLED";
	case HUD_REC_THREAD_STATE:
		return "THREAD_STATE";
	default:
		return "unknown";
	}
}

/* Number of NUL-terminated strings at the start of @len bytes at @p (stops at 3). */
static int count_strings(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len, *nul;
	int n = 0;

	while (n < 3 && p < end && (nul = memchr(p, 0, end - p))) {
		n++;
		p = nul + 1;
	}
	return n;
}

/* Check a known record's payload (@len bytes at @pl) so callers may cast it. */
static int check_record(struct hud_reader *r, uint32_t idx, size_t off, uint32_t type,
			const uint8_t *pl, size_t len)
{
	size_t fixed, nr_frames = 0;
	const uint8_t *nul;
	uint16_t nk, nu;
	uint32_t bid;

	switch (type) {
	case HUD_REC_META:
		nul = memchr(pl, 0, len);
		if (!nul)
			goto no_key;
		nul = memchr(nul + 1, 0, len - (nul + 1 - pl));
		if (!nul)
			goto no_value;
		return 0;
	case HUD_REC_THREAD:
		fixed = sizeof(struct hud_rec_thread);
		break;
	case HUD_REC_MAP:
		fixed = sizeof(struct hud_rec_map);
		break;
	case HUD_REC_SAMPLE:
		fixed = sizeof(struct hud_rec_sample);
		break;
	case HUD_REC_OFFCPU:
	case HUD_REC_OFFCPU_SAMPLED:
		fixed = sizeof(struct hud_rec_offcpu);
		break;
	case HUD_REC_THREAD_STATE:
		fixed = sizeof(struct hud_rec_thread_state);
		break;
	case HUD_REC_LOST:
		fixed = sizeof(struct hud_rec_lost);
		break;
	case HUD_REC_FINISH:
		fixed = sizeof(struct hud_rec_finish);
		break;
	case HUD_REC_KSYM:
		fixed = sizeof(struct hud_rec_ksym);
		break;
	case HUD_REC_PROCESS:
		fixed = sizeof(struct hud_rec_process);
		break;
	default:
		return 0; /* skipped by size */
	}
	if (len < fixed)
		return chunk_corrupt(r,
				     "record %u (%s) at byte %zu: payload of %zu bytes, "
				     "shorter than its %zu-byte fixed part",
				     idx, rec_type_name(type), off, len, fixed);

	switch (type) {
	case HUD_REC_MAP:
		memcpy(&bid, pl + offsetof(struct hud_rec_map, build_id_size), sizeof(bid));
		if (bid > HUD_BUILD_ID_MAX)
			return chunk_corrupt(r,
					     "record %u (MAP) at byte %zu: build_id_size %u > %u",
					     idx, off, bid, HUD_BUILD_ID_MAX);
		if (!memchr(pl + fixed, 0, len - fixed))
			return chunk_corrupt(r,
					     "record %u (MAP) at byte %zu: path not NUL-terminated",
					     idx, off);
		break;
	case HUD_REC_KSYM:
		if (count_strings(pl + fixed, len - fixed) < 2)
			return chunk_corrupt(
				r, "record %u (KSYM) at byte %zu: names not NUL-terminated", idx,
				off);
		break;
	case HUD_REC_PROCESS:
		if (count_strings(pl + fixed, len - fixed) < 3)
			return chunk_corrupt(
				r, "record %u (PROCESS) at byte %zu: strings not NUL-terminated",
				idx, off);
		break;
	case HUD_REC_SAMPLE:
		memcpy(&nk, pl + offsetof(struct hud_rec_sample, nr_kernel), sizeof(nk));
		memcpy(&nu, pl + offsetof(struct hud_rec_sample, nr_user), sizeof(nu));
		nr_frames = (size_t)nk + nu;
		break;
	case HUD_REC_OFFCPU:
	case HUD_REC_OFFCPU_SAMPLED:
		memcpy(&nk, pl + offsetof(struct hud_rec_offcpu, nr_kernel), sizeof(nk));
		memcpy(&nu, pl + offsetof(struct hud_rec_offcpu, nr_user), sizeof(nu));
		nr_frames = (size_t)nk + nu;
		break;
	}
	/* Both counts are u16: no overflow. */
	if (nr_frames && fixed + nr_frames * sizeof(uint64_t) > len)
		return chunk_corrupt(r,
				     "record %u (%s) at byte %zu: stack of %u+%u frames "
				     "overflows its %zu-byte payload",
				     idx, rec_type_name(type), off, nk, nu, len);
	if (type == HUD_REC_SAMPLE || type == HUD_REC_OFFCPU || type == HUD_REC_OFFCPU_SAMPLED) {
		/* What follows the frames is a user stack copy (1.1), whole. */
		size_t rest = len - fixed - nr_frames * sizeof(uint64_t);
		struct hud_rec_ustack us;

		if (!rest)
			return 0;
		if (rest < sizeof(us))
			return chunk_corrupt(
				r,
				"record %u (%s) at byte %zu: %zu bytes after the stack, "
				"too few for a stack copy",
				idx, rec_type_name(type), off, rest);
		memcpy(&us, pl + len - rest, sizeof(us));
		if (us.size > rest - sizeof(us))
			return chunk_corrupt(r,
					     "record %u (%s) at byte %zu: stack copy of %u bytes "
					     "overflows its %zu-byte payload",
					     idx, rec_type_name(type), off, us.size, len);
	}
	return 0;

no_key:
	return chunk_corrupt(r, "record %u (META) at byte %zu: key not NUL-terminated", idx, off);
no_value:
	return chunk_corrupt(r, "record %u (META) at byte %zu: value not NUL-terminated", idx, off);
}

/* Validate every record of the decompressed chunk. 0 or -EBADMSG. */
static int check_records(struct hud_reader *r, uint32_t nr_records)
{
	size_t off = 0;
	uint32_t i;
	int err;

	for (i = 0; i < nr_records; i++) {
		struct hud_rec_header rh;

		if (r->raw_len - off < sizeof(rh))
			return chunk_corrupt(r,
					     "record %u of %u at byte %zu: past the end of "
					     "the %zu-byte chunk",
					     i, nr_records, off, r->raw_len);
		memcpy(&rh, r->raw + off, sizeof(rh));
		if (rh.size < sizeof(rh) || rh.size % 8)
			return chunk_corrupt(r,
					     "record %u at byte %zu: bad size %u (must be >= 8 "
					     "and a multiple of 8)",
					     i, off, rh.size);
		if (rh.size > r->raw_len - off)
			return chunk_corrupt(r,
					     "record %u at byte %zu: size %u overflows the "
					     "%zu-byte chunk",
					     i, off, rh.size, r->raw_len);
		err = check_record(r, i, off, rh.type, r->raw + off + sizeof(rh),
				   rh.size - sizeof(rh));
		if (err)
			return err;
		off += rh.size;
	}
	if (off != r->raw_len)
		return chunk_corrupt(r, "%u records end at byte %zu of the %zu-byte chunk",
				     nr_records, off, r->raw_len);
	return 0;
}

/* Read, decompress and validate the next chunk. 1 when loaded, else next()'s result. */
static int load_chunk(struct hud_reader *r)
{
	struct hud_chunk_header ch;
	unsigned long long fcs;
	uint32_t magic = 0;
	const uint8_t *p;
	size_t k, dsize;
	ssize_t n;

	r->chunk_off = r->pos;
	n = r->get(r, sizeof(ch), &p);
	if (n < 0)
		return input_error(r, n);
	if (n == 0)
		return r->follow ? not_yet(r, r->chunk_off) : reader_end(r);
	k = (size_t)n < sizeof(ch.magic) ? (size_t)n : sizeof(ch.magic);
	if (memcmp(p, HUD_CHUNK_MAGIC, k))
		return chunk_corrupt(r, "bad chunk magic");
	if ((size_t)n < sizeof(ch))
		return r->follow ? not_yet(r, r->chunk_off) : input_truncated(r);
	memcpy(&ch, p, sizeof(ch));

	/* Cap both sizes before anything is allocated. */
	if (ch.compressed_size < 1 || ch.compressed_size > HUD_CHUNK_SIZE_MAX)
		return chunk_corrupt(r, "compressed size %u not in [1, %u]", ch.compressed_size,
				     HUD_CHUNK_SIZE_MAX);
	if (ch.raw_size < 8 || ch.raw_size > HUD_CHUNK_SIZE_MAX)
		return chunk_corrupt(r, "raw size %u not in [8, %u]", ch.raw_size,
				     HUD_CHUNK_SIZE_MAX);

	n = r->get(r, ch.compressed_size, &p);
	if (n < 0)
		return input_error(r, n);
	if ((size_t)n < ch.compressed_size)
		return r->follow ? not_yet(r, r->chunk_off) : input_truncated(r);

	/*
	 * One frame, exactly compressed_size bytes, declaring raw_size. Only an RFC 8878 frame:
	 * libzstd also decodes legacy (v0.5-v0.7) frames, whose header is laid out differently
	 * and whose checksum its one-shot decoder never verifies.
	 */
	if (ch.compressed_size >= sizeof(magic))
		memcpy(&magic, p, sizeof(magic));
	if (magic != ZSTD_MAGICNUMBER)
		return chunk_corrupt(r, "not a zstd frame");
	fcs = ZSTD_getFrameContentSize(p, ch.compressed_size);
	if (fcs == ZSTD_CONTENTSIZE_ERROR)
		return chunk_corrupt(r, "not a zstd frame");
	if (fcs != ch.raw_size)
		return chunk_corrupt(r, "zstd frame declares %s%llu bytes, chunk says %u",
				     fcs == ZSTD_CONTENTSIZE_UNKNOWN ? "unknown " : "",
				     fcs == ZSTD_CONTENTSIZE_UNKNOWN ? 0 : fcs, ch.raw_size);
	/*
	 * The checksum is what tells a torn or bit-flipped chunk from a good one; a frame
	 * without it breaks the spec. Frame_Header_Descriptor (RFC 8878 3.1.1.1.1) follows the
	 * 4-byte magic; bit 2 is Content_Checksum_flag. (Decoding the content size above
	 * proved the header is there.)
	 */
	if (!(p[4] & 0x04))
		return chunk_corrupt(r, "zstd frame has no content checksum");
	k = ZSTD_findFrameCompressedSize(p, ch.compressed_size);
	if (ZSTD_isError(k))
		return chunk_corrupt(r, "zstd: %s", ZSTD_getErrorName(k));
	if (k != ch.compressed_size)
		return chunk_corrupt(r, "zstd frame is %zu bytes, chunk says %u", k,
				     ch.compressed_size);

	if (ch.raw_size > r->raw_cap) {
		/* malloc's alignment keeps every payload 8-byte aligned (sizes are 8k). */
		uint8_t *nbuf = malloc(ch.raw_size);

		if (!nbuf)
			return reader_fail(r, -ENOMEM, "out of memory for a %u-byte chunk",
					   ch.raw_size);
		free(r->raw);
		r->raw = nbuf;
		r->raw_cap = ch.raw_size;
	}
	dsize = ZSTD_decompressDCtx(r->dctx, r->raw, ch.raw_size, p, ch.compressed_size);
	if (ZSTD_isError(dsize))
		return chunk_corrupt(r, "zstd: %s", ZSTD_getErrorName(dsize));
	if (dsize != ch.raw_size)
		return chunk_corrupt(r, "decompressed to %zu bytes, chunk says %u", dsize,
				     ch.raw_size);

	r->raw_len = ch.raw_size;
	r->raw_pos = 0;
	r->rec_left = 0;
	if (check_records(r, ch.nr_records))
		return r->result;
	r->rec_left = ch.nr_records;
	return 1;
}

int hud_reader__next(struct hud_reader *r, struct hud_record *rec)
{
	struct hud_rec_header rh;
	int ret;

	if (!r || !rec)
		return -EINVAL;
	if (r->finished)
		return r->result;
	if (!r->started) {
		ret = read_header(r);
		if (r->finished || ret == -EAGAIN)
			return ret;
	}
	while (!r->rec_left) {
		ret = load_chunk(r);
		if (ret != 1)
			return ret;
	}

	memcpy(&rh, r->raw + r->raw_pos, sizeof(rh));
	rec->type = rh.type;
	rec->size = rh.size - sizeof(rh);
	rec->payload = r->raw + r->raw_pos + sizeof(rh);
	r->raw_pos += rh.size;
	r->rec_left--;
	return 1;
}

static struct hud_reader *reader_alloc(const char *name)
{
	size_t name_len = name ? strlen(name) : 0;
	struct hud_reader *r;

	r = calloc(1, sizeof(*r) + HUD_READER_ERR_LEN + name_len);
	if (!r)
		goto fail;
	r->fd = -1;
	if (name) {
		r->name = strdup(name);
		if (!r->name)
			goto fail;
	}
	r->dctx = ZSTD_createDCtx();
	if (!r->dctx)
		goto fail;
	return r;

fail:
	hud_reader__free(r);
	errno = ENOMEM;
	return NULL;
}

struct hud_reader *hud_reader__from_mem(const void *buf, size_t len)
{
	struct hud_reader *r;

	if (!buf && len) {
		errno = EINVAL;
		return NULL;
	}
	r = reader_alloc(NULL);
	if (!r)
		return NULL;
	r->get = mem_get;
	r->mem = buf;
	r->mem_len = len;
	return r;
}

struct hud_reader *hud_reader__from_path(const char *path)
{
	struct hud_reader *r = NULL;
	struct stat st;
	int fd, err;

	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st)) {
		err = errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err = EISDIR;
		goto fail;
	}
	r = reader_alloc(path);
	if (!r) {
		err = errno;
		goto fail;
	}
	r->get = file_get;
	r->fd = fd;
	return r;

fail:
	close(fd);
	errno = err;
	return NULL;
}

int hud_reader__follow(struct hud_reader *r)
{
	struct stat st;

	if (!r || r->fd < 0 || fstat(r->fd, &st) || !S_ISREG(st.st_mode))
		return -EINVAL;
	r->follow = 1;
	return 0;
}

const char *hud_reader__error(const struct hud_reader *r)
{
	return r && r->err[0] ? r->err : NULL;
}

int hud_reader__truncated(const struct hud_reader *r)
{
	return r ? r->truncated : 0;
}

void hud_reader__version(const struct hud_reader *r, unsigned *major, unsigned *minor)
{
	if (major)
		*major = r ? r->major : 0;
	if (minor)
		*minor = r ? r->minor : 0;
}

uint64_t hud_reader__offset(const struct hud_reader *r)
{
	return r ? r->chunk_off : 0;
}

void hud_reader__free(struct hud_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	free(r->scratch);
	free(r->raw);
	free(r->name);
	free(r);
}
