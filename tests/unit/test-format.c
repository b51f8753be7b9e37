// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The .hud writer and reader against FORMAT.md: round trips, chunking, and the reader's
 * defences against foreign, truncated and corrupt input.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zstd.h>

#include "hud_format.h"
#include "tap.h"

TAP_DEFINE_GLOBALS;

#define BUILD_ID_LEN 20
#define ROUND8(x)    (((x) + 7) & ~(size_t)7)

static char tmp_dir[] = "/tmp/hud-test-format.XXXXXX";
static int tmp_seq;

/* ---- helpers: byte buffers, record lists, files --------------------------------- */

struct buf {
	uint8_t *data;
	size_t len, cap;
};

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (!b->data) {
			perror("realloc");
			exit(99);
		}
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void buf_zero(struct buf *b, size_t n)
{
	static const uint8_t zeros[64];

	while (n) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);

		buf_put(b, zeros, k);
		n -= k;
	}
}

static void buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

struct rec {
	uint32_t type;
	uint32_t size; /* payload, padded */
	uint8_t *payload;
};

struct rec_list {
	struct rec *recs;
	int nr, cap;
};

static void list_add(struct rec_list *l, uint32_t type, const void *payload, size_t size)
{
	struct rec *rec;

	if (l->nr == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->recs = realloc(l->recs, l->cap * sizeof(*l->recs));
		if (!l->recs) {
			perror("realloc");
			exit(99);
		}
	}
	rec = &l->recs[l->nr++];
	rec->type = type;
	rec->size = size;
	rec->payload = malloc(size ? size : 1);
	if (!rec->payload) {
		perror("malloc");
		exit(99);
	}
	memcpy(rec->payload, payload, size);
}

static void list_free(struct rec_list *l)
{
	for (int i = 0; i < l->nr; i++)
		free(l->recs[i].payload);
	free(l->recs);
	memset(l, 0, sizeof(*l));
}

/* The first @n records of @a and @b are identical. */
static int list_eq(const struct rec_list *a, const struct rec_list *b, int n)
{
	if (a->nr < n || b->nr < n)
		return 0;
	for (int i = 0; i < n; i++) {
		if (a->recs[i].type != b->recs[i].type || a->recs[i].size != b->recs[i].size ||
		    memcmp(a->recs[i].payload, b->recs[i].payload, a->recs[i].size))
			return 0;
	}
	return 1;
}

/* hud_writer__add() and remember what the reader should give back. */
static int wadd(struct hud_writer *w, struct rec_list *exp, uint32_t type, const void *hdr,
		size_t hdr_size, const void *tail, size_t tail_size)
{
	size_t size = ROUND8(8 + hdr_size + tail_size) - 8;
	uint8_t *p = calloc(1, size + 1);
	int err;

	if (!p) {
		perror("calloc");
		exit(99);
	}
	if (hdr_size)
		memcpy(p, hdr, hdr_size);
	if (tail_size)
		memcpy(p + hdr_size, tail, tail_size);
	err = hud_writer__add(w, type, hdr, hdr_size, tail, tail_size);
	if (!err)
		list_add(exp, type, p, size);
	free(p);
	return err;
}

/*
 * Drain @r into @got; returns the final next() result. Also checks what every caller
 * relies on: aligned payloads, one-line messages, and a sticky final result.
 */
static int read_all(struct hud_reader *r, struct rec_list *got)
{
	struct hud_record rec;
	const char *msg;
	int ret;

	while ((ret = hud_reader__next(r, &rec)) == 1) {
		check_uint((uintptr_t)rec.payload % 8, ==, 0);
		list_add(got, rec.type, rec.payload, rec.size);
	}
	check_int(hud_reader__next(r, &rec), ==, ret);
	check_int(hud_reader__next(r, &rec), ==, ret);
	msg = hud_reader__error(r);
	if (msg) {
		check(!strchr(msg, '\n'));
		check(msg[0] != '\0');
	}
	if (ret == 0 && !hud_reader__truncated(r))
		check(msg == NULL);
	return ret;
}

static char *tmp_path(void)
{
	char *path;

	if (asprintf(&path, "%s/f%d.hud", tmp_dir, tmp_seq++) < 0) {
		perror("asprintf");
		exit(99);
	}
	return path;
}

static void write_path(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || close(fd)) {
		perror(path);
		exit(99);
	}
}

static void slurp_fd(int fd, struct buf *out)
{
	uint8_t tmp[4096];
	ssize_t n;

	out->len = 0;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		perror("lseek");
		exit(99);
	}
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_put(out, tmp, n);
	if (n < 0) {
		perror("read");
		exit(99);
	}
}

/* Read @len bytes of @data through from_mem, from an exact-size copy (ASan sees overreads). */
static int read_mem(const void *data, size_t len, struct rec_list *got, char *msg, size_t msg_len,
		    int *truncated)
{
	void *copy = malloc(len ? len : 1);
	struct hud_reader *r;
	int ret;

	if (!copy) {
		perror("malloc");
		exit(99);
	}
	memcpy(copy, data, len);
	r = hud_reader__from_mem(copy, len);
	check(r != NULL);
	if (!r) {
		free(copy);
		return -ENOMEM;
	}
	ret = read_all(r, got);
	if (msg)
		snprintf(msg, msg_len, "%s", hud_reader__error(r) ?: "");
	if (truncated)
		*truncated = hud_reader__truncated(r);
	hud_reader__free(r);
	free(copy);
	return ret;
}

/* Same through from_path. */
static int read_path(const void *data, size_t len, struct rec_list *got, char *msg, size_t msg_len,
		     int *truncated)
{
	char *path = tmp_path();
	struct hud_reader *r;
	int ret;

	write_path(path, data, len);
	r = hud_reader__from_path(path);
	check(r != NULL);
	if (!r) {
		unlink(path);
		free(path);
		return -errno;
	}
	ret = read_all(r, got);
	if (msg)
		snprintf(msg, msg_len, "%s", hud_reader__error(r) ?: "");
	if (truncated)
		*truncated = hud_reader__truncated(r);
	hud_reader__free(r);
	unlink(path);
	free(path);
	return ret;
}

static struct hud_writer *writer_on_memfd(int *fd, uint32_t chunk_target)
{
	struct hud_writer_opts opts = {.sz = sizeof(opts), .chunk_target = chunk_target};
	struct hud_writer *w;

	*fd = memfd_create("hud-test", MFD_CLOEXEC);
	if (*fd < 0) {
		perror("memfd_create");
		exit(99);
	}
	w = hud_writer__new(*fd, &opts);
	if (!w) {
		perror("hud_writer__new");
		exit(99);
	}
	return w;
}

/* ---- helpers: hand-made files --------------------------------------------------- */

static void put_file_header(struct buf *b, uint16_t major, uint16_t minor, uint32_t header_size,
			    uint64_t incompat, uint64_t compat)
{
	struct hud_file_header h = {
		.version_major = major,
		.version_minor = minor,
		.header_size = header_size,
		.incompat_features = incompat,
		.compat_features = compat,
	};

	memcpy(h.magic, HUD_MAGIC, sizeof(h.magic));
	buf_put(b, &h, sizeof(h));
	if (header_size > sizeof(h) && header_size <= HUD_HEADER_SIZE_MAX)
		buf_zero(b, header_size - sizeof(h));
}

static void put_chunk_frame(struct buf *b, const void *frame, size_t frame_len, uint32_t raw_size,
			    uint32_t nr_records)
{
	struct hud_chunk_header ch = {
		.compressed_size = frame_len,
		.raw_size = raw_size,
		.nr_records = nr_records,
	};

	memcpy(ch.magic, HUD_CHUNK_MAGIC, sizeof(ch.magic));
	buf_put(b, &ch, sizeof(ch));
	buf_put(b, frame, frame_len);
}

/* Compress @raw as a writer would (content size + checksum), or without the checksum. */
static void compress_raw(struct buf *frame, const void *raw, size_t raw_len, int checksum)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t bound = ZSTD_compressBound(raw_len), n;

	frame->len = 0;
	buf_zero(frame, bound);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1);
	n = ZSTD_compress2(cctx, frame->data, bound, raw, raw_len);
	if (ZSTD_isError(n)) {
		fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(n));
		exit(99);
	}
	frame->len = n;
	ZSTD_freeCCtx(cctx);
}

static void put_chunk_raw(struct buf *b, const void *raw, size_t raw_len, uint32_t nr_records)
{
	struct buf frame = {0};

	compress_raw(&frame, raw, raw_len, 1);
	put_chunk_frame(b, frame.data, frame.len, raw_len, nr_records);
	buf_free(&frame);
}

/* Append a record to a raw chunk: header with @size as given, then @payload, zero padded. */
static void put_rec(struct buf *raw, uint32_t type, uint32_t size, const void *payload,
		    size_t payload_len)
{
	struct hud_rec_header rh = {.type = type, .size = size};

	buf_put(raw, &rh, sizeof(rh));
	buf_put(raw, payload, payload_len);
	buf_zero(raw, ROUND8(payload_len) - payload_len);
}

/* A valid header plus one chunk holding @raw; read it from memory. */
static int read_one_chunk(const struct buf *raw, uint32_t nr_records, struct rec_list *got,
			  char *msg, size_t msg_len)
{
	struct buf file = {0};
	int ret;

	put_file_header(&file, 1, 0, HUD_HEADER_SIZE, 0, 0);
	put_chunk_raw(&file, raw->data, raw->len, nr_records);
	ret = read_mem(file.data, file.len, got, msg, msg_len, NULL);
	buf_free(&file);
	return ret;
}

/* A single-record chunk must be refused as corrupt, with @what in the message. */
static void expect_corrupt_record(uint32_t type, uint32_t size, const void *payload,
				  size_t payload_len, const char *what)
{
	struct rec_list got = {0};
	struct buf raw = {0};
	char msg[1024];

	put_rec(&raw, type, size, payload, payload_len);
	check_int(read_one_chunk(&raw, 1, &got, msg, sizeof(msg)), ==, -EBADMSG);
	check_int(got.nr, ==, 0);
	check(strstr(msg, "corrupt chunk at offset 64") != NULL);
	if (!strstr(msg, what))
		tap_fail_("message \"%s\" lacks \"%s\"", msg, what);
	list_free(&got);
	buf_free(&raw);
}

/* Layout of a file the writer produced: where each chunk ends, records before it. */
struct layout {
	int nr_chunks;
	size_t end[4096];
	int recs_before[4097]; /* recs_before[i]: records in chunks 0..i-1 */
	uint32_t raw_size[4096];
};

static void parse_layout(const struct buf *file, struct layout *lo)
{
	size_t off = HUD_HEADER_SIZE;

	memset(lo, 0, sizeof(*lo));
	while (off < file->len && lo->nr_chunks < 4096) {
		struct hud_chunk_header ch;

		memcpy(&ch, file->data + off, sizeof(ch));
		off += sizeof(ch) + ch.compressed_size;
		lo->end[lo->nr_chunks] = off;
		lo->raw_size[lo->nr_chunks] = ch.raw_size;
		lo->recs_before[lo->nr_chunks + 1] = lo->recs_before[lo->nr_chunks] + ch.nr_records;
		lo->nr_chunks++;
	}
	check_uint(off, ==, file->len);
}

/* ---- the records of a typical recording ----------------------------------------- */

/* 20 bytes, like a GNU build-id (SHA-1), plus the literal's NUL. */
static const uint8_t build_id[21] = "\xde\xad\xbe\xef\x01\x02\x03\x04\x05\x06\x07\x08\x09"
				    "\x0a\x0b\x0c\x0d\x0e\x0f\x10";

static void write_every_type(struct hud_writer *w, struct rec_list *exp)
{
	struct hud_rec_thread th = {
		.pid = 100,
		.tid = 101,
		.time_ns = 5,
		.comm = "tokio-runtime-w",
	};
	struct hud_rec_map map = {
		.pid = 100,
		.build_id_size = BUILD_ID_LEN,
		.start = 0x555500000000,
		.end = 0x555500100000,
		.pgoff = 0x1000,
		.inode = 4242,
		.dev_major = 8,
		.dev_minor = 1,
		.time_ns = 6,
	};
	static const char path[] = "/usr/bin/fixture";
	struct hud_rec_sample s = {
		.pid = 100,
		.tid = 101,
		.time_ns = 7,
		.cpu = 3,
		.nr_kernel = 2,
		.nr_user = 3,
	};
	uint64_t ips[5] = {0xffffffff81000010, 0xffffffff81000020, 0x555500001000, 0x555500002000,
			   0x555500003000};
	struct hud_rec_offcpu oc = {
		.pid = 100,
		.tid = 102,
		.start_ns = 8,
		.duration_ns = 1000000,
		.cpu = 1,
		.state = 2,
		.flags = HUD_OFFCPU_PREEMPTED,
		.nr_kernel = 1,
		.nr_user = 2,
	};
	struct hud_rec_lost lost = {.time_ns = 9, .cpu = 2, .count = 17};
	struct hud_rec_finish fin = {
		.end_ns = 10,
		.samples = 1,
		.offcpu = 1,
		.lost = 17,
		.reason = HUD_FINISH_SIGNAL,
	};
	static const uint8_t unknown[13] = "future stuff";
	struct hud_rec_ksym ks = {.start = 0xffffffff81000000, .end = 0xffffffff81000100};
	static const char ks_names[] = "futex_wait\0";
	struct hud_rec_process proc = {.pid = 100, .flags = HUD_PROCESS_EXITED, .time_ns = 11};
	static const char proc_strings[] = "/usr/bin/fixture\0fixture --port 8080\0fixture";

	oc.runq_ns = 250000;
	memcpy(map.build_id, build_id, BUILD_ID_LEN);
	check_int(wadd(w, exp, HUD_REC_META, "hud_version", 12, "0.1.0", 6), ==, 0);
	check_int(hud_writer__add_meta(w, "target_cmdline", "fixture --port 8080"), ==, 0);
	list_add(exp, HUD_REC_META, "target_cmdline\0fixture --port 8080\0\0\0\0\0\0\0", 40);
	check_int(wadd(w, exp, HUD_REC_THREAD, &th, sizeof(th), NULL, 0), ==, 0);
	check_int(wadd(w, exp, HUD_REC_MAP, &map, sizeof(map), path, sizeof(path)), ==, 0);
	check_int(wadd(w, exp, HUD_REC_SAMPLE, &s, sizeof(s), ips, sizeof(ips)), ==, 0);
	check_int(wadd(w, exp, HUD_REC_OFFCPU, &oc, sizeof(oc), ips + 1, 3 * 8), ==, 0);
	check_int(wadd(w, exp, HUD_REC_LOST, &lost, sizeof(lost), NULL, 0), ==, 0);
	check_int(wadd(w, exp, 999, unknown, sizeof(unknown), NULL, 0), ==, 0);
	check_int(wadd(w, exp, 1000, NULL, 0, NULL, 0), ==, 0);
	check_int(wadd(w, exp, HUD_REC_KSYM, &ks, sizeof(ks), ks_names, sizeof(ks_names)), ==, 0);
	check_int(wadd(w, exp, HUD_REC_PROCESS, &proc, sizeof(proc), proc_strings,
		       sizeof(proc_strings)),
		  ==, 0);
	check_int(wadd(w, exp, HUD_REC_FINISH, &fin, sizeof(fin), NULL, 0), ==, 0);
}

/* What a report would do with the records of write_every_type(): cast and use them. */
static void check_every_type(const struct rec_list *got)
{
	const struct hud_rec_thread *th;
	const struct hud_rec_map *map;
	const struct hud_rec_sample *s;
	const struct hud_rec_offcpu *oc;
	const struct hud_rec_lost *lost;
	const struct hud_rec_finish *fin;
	const struct hud_rec_ksym *ks;
	const struct hud_rec_process *proc;
	struct hud_record rec;

	check_int(got->nr, ==, 12);
	if (got->nr != 12)
		return;
	rec = (struct hud_record){got->recs[0].type, got->recs[0].size, got->recs[0].payload};
	check_str(hud_meta_key(&rec), "hud_version");
	check_str(hud_meta_value(&rec), "0.1.0");
	rec = (struct hud_record){got->recs[1].type, got->recs[1].size, got->recs[1].payload};
	check_str(hud_meta_key(&rec), "target_cmdline");
	check_str(hud_meta_value(&rec), "fixture --port 8080");

	th = (const void *)got->recs[2].payload;
	check_int(got->recs[2].type, ==, HUD_REC_THREAD);
	check_int(th->tid, ==, 101);
	check_str(th->comm, "tokio-runtime-w");

	map = (const void *)got->recs[3].payload;
	check_int(got->recs[3].type, ==, HUD_REC_MAP);
	check_uint(map->start, ==, 0x555500000000);
	check_uint(map->build_id_size, ==, 20);
	check(!memcmp(map->build_id, build_id, BUILD_ID_LEN));
	check_str(map->path, "/usr/bin/fixture");

	s = (const void *)got->recs[4].payload;
	check_int(got->recs[4].type, ==, HUD_REC_SAMPLE);
	check_int(s->nr_kernel, ==, 2);
	check_int(s->nr_user, ==, 3);
	check_uint(s->ips[0], ==, 0xffffffff81000010);
	check_uint(s->ips[4], ==, 0x555500003000);
	check_uint(got->recs[4].size, ==, 24 + 5 * 8);

	oc = (const void *)got->recs[5].payload;
	check_int(got->recs[5].type, ==, HUD_REC_OFFCPU);
	check_uint(oc->duration_ns, ==, 1000000);
	check_uint(oc->runq_ns, ==, 250000);
	check_uint(oc->flags, ==, HUD_OFFCPU_PREEMPTED);
	check_uint(oc->ips[0], ==, 0xffffffff81000020);
	check_uint(oc->ips[2], ==, 0x555500002000);

	lost = (const void *)got->recs[6].payload;
	check_uint(lost->count, ==, 17);

	check_int(got->recs[7].type, ==, 999);
	check_int(got->recs[7].size, ==, 16);
	check_str((const char *)got->recs[7].payload, "future stuff");
	check_int(got->recs[8].type, ==, 1000);
	check_int(got->recs[8].size, ==, 0);

	ks = (const void *)got->recs[9].payload;
	check_int(got->recs[9].type, ==, HUD_REC_KSYM);
	check_uint(ks->end, ==, 0xffffffff81000100);
	check_str(ks->names, "futex_wait");
	check_str(ks->names + strlen(ks->names) + 1, "");

	proc = (const void *)got->recs[10].payload;
	check_int(got->recs[10].type, ==, HUD_REC_PROCESS);
	check_uint(proc->flags, ==, HUD_PROCESS_EXITED);
	check_str(proc->strings, "/usr/bin/fixture");
	check_str(proc->strings + strlen(proc->strings) + 1, "fixture --port 8080");

	fin = (const void *)got->recs[11].payload;
	check_int(got->recs[11].type, ==, HUD_REC_FINISH);
	check_uint(fin->lost, ==, 17);
	check_uint(fin->reason, ==, HUD_FINISH_SIGNAL);
}

/* A small file of several chunks (chunk_target 256) for the damage tests. */
static void make_multi_chunk(struct buf *file, struct rec_list *exp)
{
	struct hud_writer *w;
	int fd;

	w = writer_on_memfd(&fd, 256);
	for (int i = 0; i < 24; i++) {
		struct hud_rec_sample s = {
			.pid = 1,
			.tid = i,
			.time_ns = i * 1000,
			.nr_user = i % 5,
		};
		uint64_t ips[4] = {0x400000 + i, 0x400100 + i, 0x400200 + i, 0x400300 + i};

		if (i % 6 == 0) {
			char v[32];

			snprintf(v, sizeof(v), "value %d", i);
			check_int(wadd(w, exp, HUD_REC_META, "k", 2, v, strlen(v) + 1), ==, 0);
		}
		check_int(wadd(w, exp, HUD_REC_SAMPLE, &s, sizeof(s), ips, 8 * s.nr_user), ==, 0);
	}
	check_int(hud_writer__close(w), ==, 0);
	slurp_fd(fd, file);
	close(fd);
}

/* ---- tests ----------------------------------------------------------------------- */

static void t_header(void)
{
	struct hud_file_header h;
	struct hud_writer *w;
	struct buf file = {0};
	int fd;

	w = writer_on_memfd(&fd, 0);
	check_uint(hud_writer__bytes(w), ==, 64);
	check_int(hud_writer__flush(w), ==, 0); /* nothing pending: no chunk */
	check_uint(hud_writer__bytes(w), ==, 64);
	check_int(hud_writer__close(w), ==, 0);
	slurp_fd(fd, &file);
	check_uint(file.len, ==, 64);
	if (file.len == 64) {
		memcpy(&h, file.data, sizeof(h));
		check(!memcmp(h.magic, "HUDDATA\0", 8));
		check_int(h.version_major, ==, 1);
		check_int(h.version_minor, ==, HUD_VERSION_MINOR);
		check_int(h.header_size, ==, 64);
		check_uint(h.incompat_features, ==, 0);
		check_uint(h.compat_features, ==, 0);
		for (size_t i = 0; i < sizeof(h.reserved); i++)
			check_int(h.reserved[i], ==, 0);
	}
	buf_free(&file);
	close(fd);
}

static void t_empty_data(void)
{
	struct rec_list got = {0};
	struct buf file = {0};
	struct hud_reader *r;
	struct hud_record rec;
	unsigned major = 9, minor = 9;
	int trunc = 1;

	put_file_header(&file, 1, 0, 64, 0, 0);
	check_int(read_mem(file.data, file.len, &got, NULL, 0, &trunc), ==, 0);
	check_int(got.nr, ==, 0);
	check_int(trunc, ==, 0);
	check_int(read_path(file.data, file.len, &got, NULL, 0, &trunc), ==, 0);
	check_int(trunc, ==, 0);

	r = hud_reader__from_mem(file.data, file.len);
	check_int(hud_reader__next(r, &rec), ==, 0);
	hud_reader__version(r, &major, &minor);
	check_int(major, ==, 1);
	check_int(minor, ==, 0);
	check(hud_reader__error(r) == NULL);
	hud_reader__free(r);
	list_free(&got);
	buf_free(&file);
}

static void t_roundtrip(int via_path)
{
	struct rec_list exp = {0}, got = {0};
	struct buf file = {0};
	struct hud_writer *w;
	int fd, ret;

	w = writer_on_memfd(&fd, 0);
	write_every_type(w, &exp);
	check_int(hud_writer__close(w), ==, 0);
	slurp_fd(fd, &file);
	close(fd);

	if (via_path)
		ret = read_path(file.data, file.len, &got, NULL, 0, NULL);
	else
		ret = read_mem(file.data, file.len, &got, NULL, 0, NULL);
	check_int(ret, ==, 0);
	check_int(got.nr, ==, exp.nr);
	check(list_eq(&got, &exp, exp.nr));
	check_every_type(&got);
	list_free(&exp);
	list_free(&got);
	buf_free(&file);
}

static void t_unaligned_mem(void)
{
	struct rec_list exp = {0}, got = {0};
	struct buf file = {0};
	struct hud_writer *w;
	struct hud_reader *r;
	uint8_t *odd;
	int fd;

	w = writer_on_memfd(&fd, 0);
	write_every_type(w, &exp);
	check_int(hud_writer__close(w), ==, 0);
	slurp_fd(fd, &file);
	close(fd);

	odd = malloc(file.len + 1);
	if (!odd)
		exit(99);
	memcpy(odd + 1, file.data, file.len);
	r = hud_reader__from_mem(odd + 1, file.len);
	check_int(read_all(r, &got), ==, 0);
	check(list_eq(&got, &exp, exp.nr));
	hud_reader__free(r);
	free(odd);
	list_free(&exp);
	list_free(&got);
	buf_free(&file);
}

static void t_bytes_match_file(void)
{
	struct rec_list exp = {0};
	struct hud_writer *w;
	struct stat st;
	uint64_t before;
	int fd;

	w = writer_on_memfd(&fd, 0);
	write_every_type(w, &exp);
	before = hud_writer__bytes(w);
	check_uint(before, ==, 64); /* all still pending */
	check_int(hud_writer__flush(w), ==, 0);
	check_uint(hud_writer__bytes(w), >, before);
	fstat(fd, &st);
	check_uint(hud_writer__bytes(w), ==, st.st_size);
	check_int(hud_writer__close(w), ==, 0);
	fstat(fd, &st);
	check_uint(st.st_size, >, 64);
	close(fd);
	list_free(&exp);
}

static void t_many_chunks(void)
{
	struct rec_list exp = {0}, got = {0};
	struct buf file = {0};
	struct layout lo;
	struct hud_writer *w;
	int fd;

	w = writer_on_memfd(&fd, 256);
	for (int i = 0; i < 2000; i++) {
		struct hud_rec_sample s = {
			.pid = 7,
			.tid = 7 + i % 13,
			.time_ns = i * 1000003ull,
			.cpu = i % 8,
			.nr_kernel = i % 3,
			.nr_user = i % 7,
		};
		size_t nr_ips = s.nr_kernel + s.nr_user;
		uint64_t ips[10];

		for (int k = 0; k < 10; k++)
			ips[k] = 0x7f0000000000ull + i * 64 + k;
		check_int(wadd(w, &exp, HUD_REC_SAMPLE, &s, sizeof(s), ips, 8 * nr_ips), ==, 0);
	}
	check_int(hud_writer__close(w), ==, 0);
	slurp_fd(fd, &file);
	close(fd);

	parse_layout(&file, &lo);
	check_int(lo.nr_chunks, >, 50);
	for (int i = 0; i < lo.nr_chunks; i++)
		check_uint(lo.raw_size[i], <=, 256);
	check_int(lo.recs_before[lo.nr_chunks], ==, 2000);

	check_int(read_mem(file.data, file.len, &got, NULL, 0, NULL), ==, 0);
	check_int(got.nr, ==, 2000);
	check(list_eq(&got, &exp, 2000));
	list_free(&got);
	check_int(read_path(file.data, file.len, &got, NULL, 0, NULL), ==, 0);
	check(list_eq(&got, &exp, 2000));
	list_free(&got);
	list_free(&exp);
	buf_free(&file);
}

static void t_big_record(void)
{
	struct rec_list exp = {0}, got = {0};
	struct buf file = {0};
	struct layout lo;
	struct hud_writer *w;
	uint8_t big[1000];
	int fd;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = i * 7;
	w = writer_on_memfd(&fd, 256);
	check_int(wadd(w, &exp, 500, "a", 1, NULL, 0), ==, 0);
	check_int(wadd(w, &exp, 501, big, sizeof(big), NULL, 0), ==, 0);
	check_int(wadd(w, &exp, 502, "b", 1, NULL, 0), ==, 0);
	check_int(hud_writer__close(w), ==, 0);
	slurp_fd(fd, &file);
	close(fd);

	parse_layout(&file, &lo);
	check_int(lo.nr_chunks, ==, 3);
	check_uint(lo.raw_size[1], ==, 8 + ROUND8(sizeof(big)));
	check_int(read_mem(file.data, file.len, &got, NULL, 0, NULL), ==, 0);
	check(list_eq(&got, &exp, 3));
	list_free(&exp);
	list_free(&got);
	buf_free(&file);
}

static void t_e2big(void)
{
	struct rec_list exp = {0}, got = {0};
	struct buf file = {0};
	struct hud_writer *w;
	static const uint8_t small[8];
	int fd;

	w = writer_on_memfd(&fd, 0);
	/* The writer must refuse on the sizes alone, before touching the data. */
	check_int(hud_writer__add(w, 600, small, HUD_CHUNK_SIZE_MAX + 1ul, NULL, 0), ==, -E2BIG);
	check_int(hud_writer__add(w, 600, small, HUD_CHUNK_SIZE_MAX, small, HUD_CHUNK_SIZE_MAX), ==,
		  -E2BIG);
	check_int(hud_writer__add(w, 600, small, SIZE_MAX, small, SIZE_MAX), ==, -E2BIG);
	/* Not sticky: the writer goes on. */
	check_int(wadd(w, &exp, 601, small, sizeof(small), NULL, 0), ==, 0);
	check_int(hud_writer__add(w, 602, NULL, 8, NULL, 0), ==, -EINVAL);
	check_int(hud_writer__close(w), ==, 0);
	slurp_fd(fd, &file);
	close(fd);
	check_int(read_mem(file.data, file.len, &got, NULL, 0, NULL), ==, 0);
	check_int(got.nr, ==, 1);
	check(list_eq(&got, &exp, 1));
	list_free(&exp);
	list_free(&got);
	buf_free(&file);
}

static void t_writer_opts(void)
{
	struct hud_writer_opts opts = {0};
	struct hud_writer *w;
	int fd = memfd_create("hud-test", MFD_CLOEXEC);

	w = hud_writer__new(fd, NULL);
	check(w != NULL);
	check_int(hud_writer__close(w), ==, 0);

	errno = 0;
	check(hud_writer__new(fd, &opts) == NULL); /* sz unset */
	check_int(errno, ==, EINVAL);

	opts.sz = sizeof(opts);
	opts.chunk_target = HUD_CHUNK_SIZE_MAX;
	errno = 0;
	check(hud_writer__new(fd, &opts) == NULL);
	check_int(errno, ==, EINVAL);

	opts.chunk_target = 0;
	opts.zstd_level = 1000;
	errno = 0;
	check(hud_writer__new(fd, &opts) == NULL);
	check_int(errno, ==, EINVAL);

	opts.zstd_level = 19;
	w = hud_writer__new(fd, &opts);
	check(w != NULL);
	check_int(hud_writer__add_meta(w, "k", "v"), ==, 0);
	check_int(hud_writer__close(w), ==, 0);

	errno = 0;
	check(hud_writer__new(-1, NULL) == NULL);
	check_int(errno, ==, EBADF);
	check_int(hud_writer__close(NULL), ==, 0);
	hud_reader__free(NULL);
	close(fd);
}

static void t_writer_errors(void)
{
	struct hud_writer *w;
	char *path = tmp_path();
	int fd, ro, full;

	write_path(path, "", 0);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	errno = 0;
	check(hud_writer__new(ro, NULL) == NULL);
	check_int(errno, ==, EBADF);

	/* The header goes out, then the fd turns read-only under the writer. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	w = hud_writer__new(fd, NULL);
	check(w != NULL);
	dup2(ro, fd);
	check_int(hud_writer__add_meta(w, "k", "v"), ==, 0); /* only buffered */
	check_int(hud_writer__flush(w), ==, -EBADF);
	check_int(hud_writer__add_meta(w, "k", "v"), ==, -EBADF);
	check_int(hud_writer__flush(w), ==, -EBADF);
	check_uint(hud_writer__bytes(w), ==, 64);
	check_int(hud_writer__close(w), ==, -EBADF);
	close(fd);
	close(ro);

	full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (full < 0) {
		printf("# /dev/full missing: ENOSPC not tested\n");
	} else {
		errno = 0;
		check(hud_writer__new(full, NULL) == NULL);
		check_int(errno, ==, ENOSPC);

		/* Disk full mid-recording: the first error sticks, later ones do not replace it. */
		fd = open(path, O_WRONLY | O_CLOEXEC);
		w = hud_writer__new(fd, NULL);
		check(w != NULL);
		dup2(full, fd);
		check_int(hud_writer__add_meta(w, "k", "v"), ==, 0);
		check_int(hud_writer__flush(w), ==, -ENOSPC);
		dup2(open(path, O_RDONLY | O_CLOEXEC), fd);
		check_int(hud_writer__flush(w), ==, -ENOSPC);
		check_int(hud_writer__add_meta(w, "k", "v"), ==, -ENOSPC);
		check_int(hud_writer__close(w), ==, -ENOSPC);
		close(fd);
		close(full);
	}
	unlink(path);
	free(path);
}

static void on_alarm(int sig)
{
}

/*
 * The writer keeps writing through partial writes and EINTR (a pipe with a slow reader
 * and a 1 ms interval timer), and from_path reads a pipe whose reads come back short.
 */
static void t_pipe_and_eintr(void)
{
	struct rec_list exp = {0}, got = {0};
	struct hud_reader *r;
	char path[64];
	int pfd[2], status = -1;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	pid_t pid;

	if (access("/proc/self/fd", X_OK)) {
		printf("# /proc/self/fd missing: pipe reading not tested\n");
		return;
	}
	if (pipe2(pfd, O_CLOEXEC)) {
		perror("pipe2");
		exit(99);
	}
	/* Both sides build the same records; random data so that chunks stay big. */
	for (int i = 0; i < 300; i++) {
		uint64_t data[512];

		for (int k = 0; k < 512; k++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			data[k] = seed;
		}
		list_add(&exp, 700 + i % 3, data, sizeof(data));
	}

	pid = fork();
	if (pid == 0) {
		struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART */
		struct itimerval it = {{0, 1000}, {0, 1000}};
		struct hud_writer_opts opts = {.sz = sizeof(opts), .chunk_target = 200 << 10};
		struct hud_writer *w;
		int bad = 0;

		close(pfd[0]);
		sigaction(SIGALRM, &sa, NULL);
		setitimer(ITIMER_REAL, &it, NULL);
		w = hud_writer__new(pfd[1], &opts);
		if (!w)
			_exit(2);
		for (int i = 0; i < exp.nr; i++)
			bad |= hud_writer__add(w, exp.recs[i].type, exp.recs[i].payload,
					       exp.recs[i].size, NULL, 0);
		bad |= hud_writer__close(w);
		_exit(bad ? 1 : 0);
	}
	check(pid > 0);
	close(pfd[1]);
	usleep(50 * 1000); /* let the writer fill the pipe and block */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", pfd[0]);
	r = hud_reader__from_path(path);
	check(r != NULL);
	if (r) {
		check_int(read_all(r, &got), ==, 0);
		check_int(got.nr, ==, exp.nr);
		check(list_eq(&got, &exp, exp.nr));
		hud_reader__free(r);
	}
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	list_free(&exp);
	list_free(&got);
}

static void t_open_errors(void)
{
	char *path = tmp_path();

	errno = 0;
	check(hud_reader__from_path(path) == NULL);
	check_int(errno, ==, ENOENT);
	errno = 0;
	check(hud_reader__from_path(tmp_dir) == NULL);
	check_int(errno, ==, EISDIR);
	free(path);
}

/* @file must be refused with @ret and @what in the message, by both readers. */
static void expect_refused(const struct buf *file, int ret, const char *what)
{
	struct rec_list got = {0};
	char msg[1024];

	check_int(read_mem(file->data, file->len, &got, msg, sizeof(msg), NULL), ==, ret);
	if (!strstr(msg, what))
		tap_fail_("message \"%s\" lacks \"%s\"", msg, what);
	check_int(read_path(file->data, file->len, &got, msg, sizeof(msg), NULL), ==, ret);
	if (!strstr(msg, what))
		tap_fail_("message \"%s\" lacks \"%s\"", msg, what);
	if (strncmp(msg, tmp_dir, strlen(tmp_dir)))
		tap_fail_("message \"%s\" does not start with the file name", msg);
	check_int(got.nr, ==, 0);
	list_free(&got);
}

static void t_bad_magic(void)
{
	struct buf file = {0};

	put_file_header(&file, 1, 0, 64, 0, 0);
	file.data[3] = 'X';
	expect_refused(&file, -EPROTO, "not a hud file (bad magic)");
	buf_free(&file);

	buf_put(&file, "\x7f\x45LF\2\1\1\0\0\0\0\0\0\0\0\0", 16);
	expect_refused(&file, -EPROTO, "not a hud file");
	file.len = 0;
	expect_refused(&file, -EPROTO, "not a hud file");
	put_file_header(&file, 1, 0, 64, 0, 0);
	file.len = 40;
	expect_refused(&file, -EPROTO, "not a hud file");
	buf_free(&file);
}

static void t_bad_version(void)
{
	struct buf file = {0};

	put_file_header(&file, 2, 0, 64, 0, 0);
	expect_refused(&file, -EPROTO,
		       "unsupported format version 2.0 (this hud reads 1.x): upgrade hud");
	buf_free(&file);
	put_file_header(&file, 0, 9, 64, 0, 0);
	expect_refused(&file, -EPROTO, "unsupported format version 0.9");
	buf_free(&file);
}

static void t_newer_minor(void)
{
	struct buf file = {0}, raw = {0};
	struct hud_reader *r;
	struct hud_record rec;
	unsigned major, minor;
	uint64_t payload[2] = {1, 2};

	/* 1.7 with a longer header, compat bits and an unknown record: all fine. */
	put_file_header(&file, 1, 7, 200, 0, 0xff);
	memset(file.data + 64, 0xaa, 200 - 64);
	put_rec(&raw, 77, 24, payload, sizeof(payload));
	put_chunk_raw(&file, raw.data, raw.len, 1);
	r = hud_reader__from_mem(file.data, file.len);
	check_int(hud_reader__next(r, &rec), ==, 1);
	check_int(rec.type, ==, 77);
	check_int(rec.size, ==, 16);
	check_uint(hud_reader__offset(r), ==, 200);
	hud_reader__version(r, &major, &minor);
	check_int(major, ==, 1);
	check_int(minor, ==, 7);
	check_int(hud_reader__next(r, &rec), ==, 0);
	check_int(hud_reader__truncated(r), ==, 0);
	hud_reader__free(r);

	/* The same file cut inside its long header is truncated, not foreign. */
	r = hud_reader__from_mem(file.data, 150);
	check_int(hud_reader__next(r, &rec), ==, 0);
	check_int(hud_reader__truncated(r), ==, 1);
	hud_reader__free(r);
	buf_free(&file);
	buf_free(&raw);
}

static void t_incompat(void)
{
	struct buf file = {0};

	put_file_header(&file, 1, 0, 64, 1ull << 40, 0);
	expect_refused(&file, -EPROTO, "incompatible features 0x10000000000");
	buf_free(&file);
}

static void t_header_size(void)
{
	struct buf file = {0};

	put_file_header(&file, 1, 0, 63, 0, 0);
	expect_refused(&file, -EBADMSG, "header_size 63");
	buf_free(&file);
	put_file_header(&file, 1, 0, 4097, 0, 0);
	buf_zero(&file, 8192);
	expect_refused(&file, -EBADMSG, "header_size 4097");
	buf_free(&file);
	put_file_header(&file, 1, 0, 0xffffffff, 0, 0);
	expect_refused(&file, -EBADMSG, "header_size 4294967295");
	buf_free(&file);
}

/* Cut a multi-chunk file at every byte, through both readers. */
static void t_truncate_everywhere(void)
{
	struct rec_list exp = {0};
	struct buf file = {0};
	struct layout lo;
	int fails = 0;

	make_multi_chunk(&file, &exp);
	parse_layout(&file, &lo);
	check_int(lo.nr_chunks, >=, 4);

	for (size_t len = 0; len <= file.len && fails < 5; len++) {
		int k = 0, boundary = len == HUD_HEADER_SIZE;

		while (k < lo.nr_chunks && lo.end[k] <= len)
			k++;
		if (k && lo.end[k - 1] == len)
			boundary = 1;

		for (int via_path = 0; via_path < 2; via_path++) {
			struct rec_list got = {0};
			char msg[1024];
			int trunc = -1, ret, was = tap_current_failed;

			tap_current_failed = 0;
			if (via_path)
				ret = read_path(file.data, len, &got, msg, sizeof(msg), &trunc);
			else
				ret = read_mem(file.data, len, &got, msg, sizeof(msg), &trunc);
			if (len < HUD_HEADER_SIZE) {
				check_int(ret, ==, -EPROTO);
				check(strstr(msg, "not a hud file") != NULL);
				check_int(got.nr, ==, 0);
			} else {
				check_int(ret, ==, 0);
				check_int(got.nr, ==, lo.recs_before[k]);
				check(list_eq(&got, &exp, lo.recs_before[k]));
				check_int(trunc, ==, !boundary);
				if (!boundary)
					check(strstr(msg, "truncated") != NULL);
			}
			if (tap_current_failed) {
				printf("# ... cut at %zu via %s: ret %d, %d records, \"%s\"\n", len,
				       via_path ? "path" : "mem", ret, got.nr, msg);
				fails++;
			}
			tap_current_failed |= was;
			list_free(&got);
		}
	}
	list_free(&exp);
	buf_free(&file);
}

/*
 * hud_reader__follow(): a file that grows a few bytes at a time, as a writer appends
 * chunks, reads back every record in order, and where the data ends (inside the header,
 * a chunk, or between chunks) says -EAGAIN, never truncation or damage.
 */
static void t_follow_growing(void)
{
	struct rec_list exp = {0}, got = {0};
	struct buf file = {0};
	struct hud_record rec;
	struct hud_reader *r, *m;
	char *path = tmp_path();
	int fd, ret = 0, bad = 0;
	size_t len = 0, step;

	make_multi_chunk(&file, &exp);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	check(fd >= 0);
	r = hud_reader__from_path(path);
	check(r != NULL);
	if (fd < 0 || !r)
		goto out;
	check_int(hud_reader__follow(r), ==, 0);
	for (step = 1; len < file.len; step = step % 13 + 1) {
		size_t n = len + step <= file.len ? step : file.len - len;

		check_int(write(fd, file.data + len, n), ==, (ssize_t)n);
		len += n;
		while ((ret = hud_reader__next(r, &rec)) == 1)
			list_add(&got, rec.type, rec.payload, rec.size);
		if (ret != -EAGAIN && bad++ < 3)
			printf("# ... at %zu of %zu bytes: %d (%s)\n", len, file.len, ret,
			       hud_reader__error(r) ?: "");
	}
	check_int(bad, ==, 0);
	check_int(got.nr, ==, exp.nr);
	check(list_eq(&got, &exp, exp.nr));
	check_int(hud_reader__truncated(r), ==, 0);
	check(hud_reader__error(r) == NULL);
	/* Memory has no writer to wait for. */
	m = hud_reader__from_mem(file.data, file.len);
	check_int(hud_reader__follow(m), ==, -EINVAL);
	hud_reader__free(m);
out:
	if (fd >= 0)
		close(fd);
	hud_reader__free(r);
	unlink(path);
	free(path);
	list_free(&exp);
	list_free(&got);
	buf_free(&file);
}

/* Damage every byte of every chunk in turn: a clean error or truncation, never a crash. */
static void t_corrupt_everywhere(void)
{
	static const uint8_t patterns[] = {0xff, 0x01, 0x80};
	struct rec_list exp = {0};
	struct buf file = {0};
	struct layout lo;
	int fails = 0, caught = 0, invisible = 0;

	make_multi_chunk(&file, &exp);
	parse_layout(&file, &lo);

	for (int c = 0; c < lo.nr_chunks && fails < 5; c++) {
		size_t start = c ? lo.end[c - 1] : HUD_HEADER_SIZE;

		for (size_t off = start; off < lo.end[c] && fails < 5; off++) {
			for (size_t p = 0; p < sizeof(patterns); p++) {
				struct rec_list got = {0};
				int trunc = 0, ret, was = tap_current_failed;
				char msg[1024];

				tap_current_failed = 0;
				file.data[off] ^= patterns[p];
				ret = read_mem(file.data, file.len, &got, msg, sizeof(msg), &trunc);
				file.data[off] ^= patterns[p];

				check(list_eq(&got, &exp, lo.recs_before[c]));
				if (off >= start + HUD_CHUNK_HEADER_SIZE && ret == 0) {
					/*
					 * A few bits of a zstd frame do not affect its output
					 * (e.g. bitstream padding): the data must then be intact.
					 */
					check_int(got.nr, ==, exp.nr);
					check(list_eq(&got, &exp, exp.nr));
					invisible++;
				} else if (off >= start + HUD_CHUNK_HEADER_SIZE) {
					/* In the frame: checksum and sizes catch it. */
					check_int(ret, ==, -EBADMSG);
					check_int(got.nr, ==, lo.recs_before[c]);
					check(strstr(msg, "corrupt chunk at offset") != NULL);
					caught++;
				} else {
					/* A bigger compressed_size may run past the end instead. */
					check(ret == -EBADMSG || (ret == 0 && trunc));
					check_int(got.nr, ==, lo.recs_before[c]);
				}
				if (tap_current_failed) {
					printf("# ... byte %zu ^ %#x: ret %d, %d recs, \"%s\"\n",
					       off, patterns[p], ret, got.nr, msg);
					fails++;
				}
				tap_current_failed |= was;
				list_free(&got);
			}
		}
	}
	/* Nearly every damaged frame byte must be caught. */
	check_int(caught, >, 20 * invisible);
	printf("# %d damaged frames refused, %d damage without effect on the output\n", caught,
	       invisible);
	list_free(&exp);
	buf_free(&file);
}

static void t_offset_of_corrupt_chunk(void)
{
	struct rec_list exp = {0}, got = {0};
	struct buf file = {0};
	struct layout lo;
	struct hud_reader *r;
	char want[64];

	make_multi_chunk(&file, &exp);
	parse_layout(&file, &lo);
	file.data[lo.end[1] + 4] ^= 0x40; /* compressed_size of chunk 2 */
	r = hud_reader__from_mem(file.data, file.len);
	check(read_all(r, &got) < 0 || hud_reader__truncated(r));
	check_int(got.nr, ==, lo.recs_before[2]);
	check_uint(hud_reader__offset(r), ==, lo.end[1]);
	snprintf(want, sizeof(want), "at offset %zu", lo.end[1]);
	check(strstr(hud_reader__error(r) ?: "", want) != NULL);
	hud_reader__free(r);
	list_free(&exp);
	list_free(&got);
	buf_free(&file);
}

static void t_chunk_header(void)
{
	struct buf file = {0}, raw = {0}, frame = {0};
	uint64_t payload[3] = {0};

	put_rec(&raw, HUD_REC_LOST, 32, payload, sizeof(payload));
	compress_raw(&frame, raw.data, raw.len, 1);

#define CHUNK_CASE(csize, rsize, nr, what)              \
	do {                                            \
		struct hud_chunk_header ch_ = {         \
			.compressed_size = (csize),     \
			.raw_size = (rsize),            \
			.nr_records = (nr),             \
		};                                      \
		memcpy(ch_.magic, HUD_CHUNK_MAGIC, 4);  \
		file.len = 0;                           \
		put_file_header(&file, 1, 0, 64, 0, 0); \
		buf_put(&file, &ch_, sizeof(ch_));      \
		buf_put(&file, frame.data, frame.len);  \
		expect_refused(&file, -EBADMSG, what);  \
	} while (0)

	CHUNK_CASE(0, 32, 1, "compressed size 0");
	CHUNK_CASE(HUD_CHUNK_SIZE_MAX + 1, 32, 1, "compressed size 67108865");
	CHUNK_CASE(0xffffffff, 32, 1, "compressed size 4294967295");
	CHUNK_CASE(frame.len, 0, 0, "raw size 0");
	CHUNK_CASE(frame.len, 4, 1, "raw size 4");
	CHUNK_CASE(frame.len, HUD_CHUNK_SIZE_MAX + 8, 1, "raw size 67108872");
	CHUNK_CASE(frame.len, 40, 1, "zstd frame declares 32 bytes, chunk says 40");
	CHUNK_CASE(frame.len, 32, 0, "0 records end at byte 0");
	CHUNK_CASE(frame.len, 32, 2, "record 1 of 2 at byte 32: past the end");
	CHUNK_CASE(frame.len, 32, 0xffffffff, "past the end");
	CHUNK_CASE(frame.len - 1, 32, 1, "corrupt chunk");
#undef CHUNK_CASE

	/* Bad chunk magic; and trailing zeros (e.g. preallocated space) are not chunks. */
	file.len = 0;
	put_file_header(&file, 1, 0, 64, 0, 0);
	put_chunk_frame(&file, frame.data, frame.len, 32, 1);
	file.data[64] = 'X';
	expect_refused(&file, -EBADMSG, "bad chunk magic");
	file.len = 0;
	put_file_header(&file, 1, 0, 64, 0, 0);
	buf_zero(&file, 3);
	expect_refused(&file, -EBADMSG, "bad chunk magic");

	/* Two frames in one chunk. */
	file.len = 0;
	put_file_header(&file, 1, 0, 64, 0, 0);
	{
		struct buf two = {0};

		buf_put(&two, frame.data, frame.len);
		buf_put(&two, frame.data, frame.len);
		put_chunk_frame(&file, two.data, two.len, 32, 1);
		buf_free(&two);
	}
	expect_refused(&file, -EBADMSG, "zstd frame is");

	/* A frame without a checksum. */
	compress_raw(&frame, raw.data, raw.len, 0);
	file.len = 0;
	put_file_header(&file, 1, 0, 64, 0, 0);
	put_chunk_frame(&file, frame.data, frame.len, 32, 1);
	expect_refused(&file, -EBADMSG, "no content checksum");

	/* Not zstd at all. */
	file.len = 0;
	put_file_header(&file, 1, 0, 64, 0, 0);
	put_chunk_frame(&file, raw.data, raw.len, 32, 1);
	expect_refused(&file, -EBADMSG, "not a zstd frame");

	buf_free(&file);
	buf_free(&raw);
	buf_free(&frame);
}

/* A chunk cut short whose header claims a huge frame: truncated, and nothing allocated. */
static void t_huge_claim_truncated(void)
{
	struct rec_list got = {0};
	struct buf file = {0};
	uint8_t junk[100] = {0x28, 0xb5, 0x2f, 0xfd};
	int trunc = 0;

	put_file_header(&file, 1, 0, 64, 0, 0);
	put_chunk_frame(&file, junk, sizeof(junk), HUD_CHUNK_SIZE_MAX, 1);
	memcpy(file.data + 64 + 4, &(uint32_t){HUD_CHUNK_SIZE_MAX}, 4);
	check_int(read_mem(file.data, file.len, &got, NULL, 0, &trunc), ==, 0);
	check_int(trunc, ==, 1);
	check_int(read_path(file.data, file.len, &got, NULL, 0, &trunc), ==, 0);
	check_int(trunc, ==, 1);
	check_int(got.nr, ==, 0);
	list_free(&got);
	buf_free(&file);
}

static void t_bad_record_size(void)
{
	struct rec_list got = {0};
	struct buf raw = {0};
	uint64_t payload[2] = {0};
	char msg[1024];

	expect_corrupt_record(600, 12, payload, 8, "bad size 12");
	expect_corrupt_record(600, 0, payload, 8, "bad size 0");
	expect_corrupt_record(600, 4, payload, 8, "bad size 4");
	expect_corrupt_record(600, 24, payload, 8, "size 24 overflows the 16-byte chunk");
	expect_corrupt_record(600, 0xfffffff8, payload, 8, "size 4294967288 overflows");

	/* A good record first, then a bad one: the chunk is refused whole. */
	put_rec(&raw, 600, 16, payload, 8);
	put_rec(&raw, 600, 12, payload, 8);
	check_int(read_one_chunk(&raw, 2, &got, msg, sizeof(msg)), ==, -EBADMSG);
	check_int(got.nr, ==, 0);
	check(strstr(msg, "record 1 at byte 16: bad size 12") != NULL);

	/* Records ending before the chunk does. */
	raw.len = 0;
	put_rec(&raw, 600, 16, payload, 8);
	put_rec(&raw, 600, 16, payload, 8);
	check_int(read_one_chunk(&raw, 1, &got, msg, sizeof(msg)), ==, -EBADMSG);
	check(strstr(msg, "1 records end at byte 16 of the 32-byte chunk") != NULL);
	list_free(&got);
	buf_free(&raw);
}

static void t_bad_stacks(void)
{
	struct hud_rec_sample s = {.nr_kernel = 1, .nr_user = 1};
	struct hud_rec_offcpu oc = {.nr_kernel = 0xffff, .nr_user = 0xffff};
	uint8_t p[64] = {0};

	memcpy(p, &s, sizeof(s));
	expect_corrupt_record(HUD_REC_SAMPLE, 8 + 32, p, 32, "stack of 1+1 frames overflows");
	/* Exactly fitting is fine. */
	{
		struct rec_list got = {0};
		struct buf raw = {0};

		put_rec(&raw, HUD_REC_SAMPLE, 8 + 40, p, 40);
		check_int(read_one_chunk(&raw, 1, &got, NULL, 0), ==, 0);
		check_int(got.nr, ==, 1);
		list_free(&got);
		buf_free(&raw);
	}
	memcpy(p, &oc, sizeof(oc));
	expect_corrupt_record(HUD_REC_OFFCPU, 8 + 56, p, 56, "stack of 65535+65535 frames");
	expect_corrupt_record(HUD_REC_SAMPLE, 8 + 16, p, 16, "shorter than its 24-byte fixed part");
	expect_corrupt_record(HUD_REC_OFFCPU, 8 + 32, p, 32, "shorter than its 48-byte fixed part");
}

static void t_bad_strings(void)
{
	struct hud_rec_map map = {.build_id_size = 20};
	uint8_t p[128];

	memset(p, 'a', sizeof(p));
	expect_corrupt_record(HUD_REC_META, 8 + 16, p, 16, "META) at byte 0: key not NUL");
	p[3] = 0;
	expect_corrupt_record(HUD_REC_META, 8 + 16, p, 16, "value not NUL-terminated");
	expect_corrupt_record(HUD_REC_META, 8, p, 0, "key not NUL");

	memset(p, 'a', sizeof(p));
	memcpy(p, &map, sizeof(map));
	expect_corrupt_record(HUD_REC_MAP, 8 + 96, p, 96, "path not NUL-terminated");
	expect_corrupt_record(HUD_REC_MAP, 8 + 88, p, 88, "path not NUL-terminated");
	map.build_id_size = 33;
	memcpy(p, &map, sizeof(map));
	p[90] = 0;
	expect_corrupt_record(HUD_REC_MAP, 8 + 96, p, 96, "build_id_size 33 > 32");
	expect_corrupt_record(HUD_REC_MAP, 8 + 80, p, 80, "shorter than its 88-byte fixed part");
}

static void t_short_fixed(void)
{
	uint8_t p[64] = {0};

	expect_corrupt_record(HUD_REC_THREAD, 8 + 24, p, 24, "THREAD) at byte 0: payload of 24");
	expect_corrupt_record(HUD_REC_LOST, 8 + 16, p, 16, "LOST");
	expect_corrupt_record(HUD_REC_FINISH, 8 + 32, p, 32, "FINISH");
	expect_corrupt_record(HUD_REC_KSYM, 8 + 8, p, 8, "KSYM");
	/* Fixed part present, names missing their NULs. */
	memset(p, 'x', sizeof(p));
	expect_corrupt_record(HUD_REC_KSYM, 8 + 24, p, 24, "names not NUL-terminated");
	expect_corrupt_record(HUD_REC_PROCESS, 8 + 24, p, 24, "strings not NUL-terminated");
}

/* 1.1: a SAMPLE or OFFCPU may end with the user registers and a stack copy. */
static void t_ustack(void)
{
	struct hud_rec_sample s = {.nr_kernel = 1, .nr_user = 2};
	struct hud_rec_ustack us = {.ip = 0x1000, .sp = 0x7ff0, .bp = 0x7ff8, .size = 12};
	const struct hud_rec_ustack *got_us;
	struct hud_record rec;
	struct rec_list got = {0};
	struct buf raw = {0};
	uint8_t p[256] = {0};
	size_t len = sizeof(s) + 3 * 8 + sizeof(us) + 16; /* 12 bytes of stack, padded */

	memcpy(p, &s, sizeof(s));
	memcpy(p + sizeof(s) + 24, &us, sizeof(us));
	memcpy(p + sizeof(s) + 24 + sizeof(us), "stack-bytes!", 12);
	put_rec(&raw, HUD_REC_SAMPLE, 8 + len, p, len);
	put_rec(&raw, HUD_REC_SAMPLE, 8 + sizeof(s) + 24, p, sizeof(s) + 24); /* without */
	check_int(read_one_chunk(&raw, 2, &got, NULL, 0), ==, 0);
	check_int(got.nr, ==, 2);
	if (got.nr == 2) {
		rec = (struct hud_record){.type = HUD_REC_SAMPLE,
					  .size = got.recs[0].size,
					  .payload = got.recs[0].payload};
		got_us = hud_rec_ustack(&rec, sizeof(s), 3);
		check(got_us != NULL);
		if (got_us) {
			check_uint(got_us->sp, ==, 0x7ff0);
			check_uint(got_us->size, ==, 12);
			check(!memcmp(got_us->data, "stack-bytes!", 12));
		}
		rec.size = got.recs[1].size;
		rec.payload = got.recs[1].payload;
		check(hud_rec_ustack(&rec, sizeof(s), 3) == NULL);
	}
	list_free(&got);
	buf_free(&raw);
	/* A copy that claims more bytes than the record has, or a stub of one, is damage. */
	us.size = 17;
	memcpy(p + sizeof(s) + 24, &us, sizeof(us));
	expect_corrupt_record(HUD_REC_SAMPLE, 8 + len, p, len, "stack copy of 17 bytes overflows");
	expect_corrupt_record(HUD_REC_SAMPLE, 8 + sizeof(s) + 24 + 16, p, sizeof(s) + 24 + 16,
			      "16 bytes after the stack, too few for a stack copy");
}

/* hud_writer__addv(): the pieces one after the other, padded once at the end. */
static void t_addv(void)
{
	struct hud_writer *w;
	struct buf file = {0};
	struct hud_reader *r;
	struct hud_record rec;
	int fd;
	const struct hud_iovec iov[3] = {{"abc", 3}, {NULL, 0}, {"defgh", 5}};

	w = writer_on_memfd(&fd, 0);
	check_int(hud_writer__addv(w, 999, iov, 3), ==, 0);
	check_int(hud_writer__addv(w, 999, (const struct hud_iovec[]){{NULL, 1}}, 1), ==, -EINVAL);
	check_int(hud_writer__close(w), ==, 0);
	slurp_fd(fd, &file);
	r = hud_reader__from_mem(file.data, file.len);
	check_int(hud_reader__next(r, &rec), ==, 1);
	check_int(rec.type, ==, 999);
	check_int(rec.size, ==, 8);
	check(!memcmp(rec.payload, "abcdefgh", 8));
	hud_reader__free(r);
	buf_free(&file);
	close(fd);
}

static void t_longer_payload(void)
{
	struct rec_list got = {0};
	struct buf raw = {0};
	uint64_t p[8] = {11, 22, 33, 44, 55, 66, 77, 88};

	/* Newer minors may append fields: accepted, extra bytes handed back. */
	put_rec(&raw, HUD_REC_LOST, 8 + 40, p, 40);
	put_rec(&raw, HUD_REC_FINISH, 8 + 56, p, 56);
	put_rec(&raw, HUD_REC_META, 8 + 16, "k\0v\0junk.......", 16);
	check_int(read_one_chunk(&raw, 3, &got, NULL, 0), ==, 0);
	check_int(got.nr, ==, 3);
	if (got.nr == 3) {
		check_int(got.recs[0].size, ==, 40);
		check_uint(((const struct hud_rec_lost *)got.recs[0].payload)->count, ==, 33);
		check_int(got.recs[1].size, ==, 56);
	}
	list_free(&got);
	buf_free(&raw);
}

int main(void)
{
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 99;
	}

	TEST(t_header(), "writer: a new file is the 64-byte header, magic HUDDATA, version 1.2");
	TEST(t_ustack(),
	     "1.1: SAMPLE with a user stack copy read back; overflowing copies refused");
	TEST(t_addv(), "writer: a record of several pieces");
	TEST(t_empty_data(), "reader: header without chunks is a clean, empty recording");
	TEST(t_roundtrip(0), "round trip of every record type (and unknown 999) via from_mem");
	TEST(t_roundtrip(1), "round trip of every record type (and unknown 999) via from_path");
	TEST(t_unaligned_mem(), "reader: from_mem works on an unaligned buffer");
	TEST(t_bytes_match_file(), "writer: bytes() counts the header and flushed chunks only");
	TEST(t_many_chunks(), "2000 records across many 256-byte chunks read back in order");
	TEST(t_big_record(), "writer: a record bigger than chunk_target gets a chunk of its own");
	TEST(t_e2big(), "writer: records over HUD_CHUNK_SIZE_MAX get -E2BIG, writer goes on");
	TEST(t_writer_opts(), "writer: NULL opts work, bad opts give EINVAL");
	TEST(t_writer_errors(), "writer: EBADF/ENOSPC are reported and sticky");
	TEST(t_pipe_and_eintr(), "writer survives EINTR/short writes; from_path reads a pipe");
	TEST(t_open_errors(), "reader: from_path gives NULL + ENOENT/EISDIR");
	TEST(t_bad_magic(), "reader: bad magic, empty and short files are -EPROTO");
	TEST(t_bad_version(), "reader: major version 2 (and 0) is -EPROTO, asks to upgrade");
	TEST(t_newer_minor(), "reader: newer minor, longer header, compat bits are accepted");
	TEST(t_incompat(), "reader: a nonzero incompat_features bit is -EPROTO");
	TEST(t_header_size(), "reader: header_size outside [64, 4096] is -EBADMSG");
	TEST(t_truncate_everywhere(),
	     "reader: cut at every byte keeps whole chunks, flags truncation");
	TEST(t_follow_growing(), "reader: --follow reads a growing file, its end is -EAGAIN");
	TEST(t_corrupt_everywhere(), "reader: any damaged chunk byte is -EBADMSG or truncation");
	TEST(t_offset_of_corrupt_chunk(), "reader: errors name the offset of the bad chunk");
	TEST(t_chunk_header(), "reader: bad chunk sizes, counts, magic and frames are -EBADMSG");
	TEST(t_huge_claim_truncated(),
	     "reader: a 64 MiB frame claim in a short file is truncation");
	TEST(t_bad_record_size(), "reader: record sizes not 8k, zero, or overflowing are -EBADMSG");
	TEST(t_bad_stacks(), "reader: SAMPLE/OFFCPU stack counts overflowing the payload");
	TEST(t_bad_strings(), "reader: META without NULs, MAP path/build_id_size checks");
	TEST(t_short_fixed(), "reader: THREAD/LOST/FINISH shorter than their fixed part");
	TEST(t_longer_payload(), "reader: payloads longer than the fixed part are accepted");

	rmdir(tmp_dir);
	return test_done();
}
