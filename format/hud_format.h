/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The .hud file format: on-disk structures and the writer/reader API.
 * Normative description: format/FORMAT.md. This header includes no BPF or kernel
 * headers; it is the only contract between hud-record and the analysis tools.
 */
#ifndef HUD_FORMAT_H
#define HUD_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "hud reads and writes its little-endian format by direct access: big-endian hosts are unsupported"
#endif

#define HUD_MAGIC	    "HUDDATA" /* 8 bytes with the NUL */
#define HUD_VERSION_MAJOR   1
#define HUD_VERSION_MINOR   2
#define HUD_HEADER_SIZE	    64
#define HUD_HEADER_SIZE_MAX 4096

#define HUD_CHUNK_MAGIC	      "HUDC" /* 4 bytes, no NUL */
#define HUD_CHUNK_HEADER_SIZE 16
#define HUD_CHUNK_RAW_TARGET  (1u << 20)  /* writer closes a chunk past this */
#define HUD_CHUNK_SIZE_MAX    (64u << 20) /* reader cap, compressed and raw */

/* compat_features: bits a reader may ignore. */
#define HUD_COMPAT_USTACK (1ull << 0) /* SAMPLE and OFFCPU may carry a user stack copy */

#define HUD_BUILD_ID_MAX 32
#define HUD_COMM_LEN	 16

enum hud_rec_type {
	HUD_REC_META = 1,
	HUD_REC_THREAD = 2,
	HUD_REC_MAP = 3,
	HUD_REC_SAMPLE = 4,
	HUD_REC_OFFCPU = 5,
	HUD_REC_LOST = 6,
	HUD_REC_FINISH = 7,
	HUD_REC_KSYM = 8,
	HUD_REC_PROCESS = 9,
	HUD_REC_OFFCPU_SAMPLED = 10, /* (1.2) struct hud_rec_offcpu: a short interval, sampled */
	HUD_REC_THREAD_STATE = 11,   /* (1.2) struct hud_rec_thread_state */
};

enum hud_offcpu_flags {
	HUD_OFFCPU_PREEMPTED = 1u << 0,
};

enum hud_finish_reason {
	HUD_FINISH_DURATION = 0,
	HUD_FINISH_SIGNAL = 1,
	HUD_FINISH_TARGET_EXITED = 2,
	HUD_FINISH_ERROR = 3,
};

struct hud_file_header {
	char magic[8];
	uint16_t version_major;
	uint16_t version_minor;
	uint32_t header_size;
	uint64_t incompat_features;
	uint64_t compat_features;
	uint8_t reserved[32];
};

struct hud_chunk_header {
	char magic[4];
	uint32_t compressed_size;
	uint32_t raw_size;
	uint32_t nr_records;
};

struct hud_rec_header {
	uint32_t type;
	uint32_t size; /* whole record, header included, multiple of 8 */
};

/* What a THREAD_STATE record says (1.2). */
enum hud_thread_state_kind {
	HUD_TSTATE_SEEN = 1, /* the thread's scheduling is observed from time_ns on */
	HUD_TSTATE_EXIT = 2, /* the thread exited at time_ns */
	HUD_TSTATE_OPEN = 3, /* at the end (time_ns) the thread is off-CPU since since_ns */
};

/* Payloads (what follows struct hud_rec_header). */
struct hud_rec_thread {
	uint32_t pid;
	uint32_t tid;
	uint64_t time_ns;
	char comm[HUD_COMM_LEN];
};

struct hud_rec_thread_state {
	uint32_t pid;
	uint32_t tid;
	uint64_t time_ns;
	uint32_t kind;	/* enum hud_thread_state_kind */
	uint32_t state; /* OPEN: task state at the switch-out, as OFFCPU's */
	uint32_t flags; /* OPEN: enum hud_offcpu_flags */
	uint32_t reserved;
	uint64_t since_ns; /* OPEN: the switch-out */
};

struct hud_rec_map {
	uint32_t pid;
	uint32_t build_id_size;
	uint64_t start;
	uint64_t end;
	uint64_t pgoff;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint8_t build_id[HUD_BUILD_ID_MAX];
	uint64_t time_ns;
	char path[]; /* NUL-terminated */
};

struct hud_rec_sample {
	uint32_t pid;
	uint32_t tid;
	uint64_t time_ns;
	uint32_t cpu;
	uint16_t nr_kernel;
	uint16_t nr_user;
	uint64_t ips[]; /* kernel frames, then user frames, leaf first */
};

struct hud_rec_offcpu {
	uint32_t pid;
	uint32_t tid;
	uint64_t start_ns;
	uint64_t duration_ns;
	uint64_t runq_ns; /* part of duration_ns spent runnable, waiting for a CPU */
	uint32_t cpu;
	uint32_t state;
	uint32_t flags;
	uint16_t nr_kernel;
	uint16_t nr_user;
	uint64_t ips[];
};

/*
 * After the ips of a SAMPLE or OFFCPU record (1.1): the user registers when the user stack
 * was taken, and a copy of the stack from sp upward, for unwinding with CFI where frame
 * pointers cannot be trusted. Present when the payload goes on past the ips.
 */
struct hud_rec_ustack {
	uint64_t ip, sp, bp;
	uint32_t size;	/* bytes of stack copied, from sp up */
	uint32_t flags; /* enum hud_ustack_flags */
	uint8_t data[]; /* size bytes, then zero padding to a multiple of 8 */
};

enum hud_ustack_flags {
	/* The copy stopped short of the size asked for: the stack (or its mapping) ends. */
	HUD_USTACK_SHORT = 1u << 0,
};

struct hud_rec_lost {
	uint64_t time_ns;
	uint32_t cpu;
	uint32_t reserved;
	uint64_t count;
};

struct hud_rec_ksym {
	uint64_t start; /* symbol address */
	uint64_t end;	/* next symbol's address: the extent used for lookups */
	char names[];	/* "name\0module\0" (module empty for vmlinux) */
};

enum hud_process_flags {
	HUD_PROCESS_EXITED = 1u << 0, /* the process exited during the recording */
};

struct hud_rec_process {
	uint32_t pid;
	uint32_t flags;
	uint64_t time_ns;
	char strings[]; /* "exe\0cmdline\0comm\0" */
};

struct hud_rec_finish {
	uint64_t end_ns;
	uint64_t samples;
	uint64_t offcpu;
	uint64_t lost;
	uint32_t reason;
	uint32_t reserved;
};

_Static_assert(sizeof(struct hud_file_header) == HUD_HEADER_SIZE, "file header size");
_Static_assert(sizeof(struct hud_chunk_header) == HUD_CHUNK_HEADER_SIZE, "chunk header size");
_Static_assert(sizeof(struct hud_rec_thread) == 32, "THREAD payload");
_Static_assert(sizeof(struct hud_rec_map) == 88, "MAP payload");
_Static_assert(sizeof(struct hud_rec_sample) == 24, "SAMPLE payload");
_Static_assert(sizeof(struct hud_rec_offcpu) == 48, "OFFCPU payload");
_Static_assert(sizeof(struct hud_rec_ksym) == 16, "KSYM payload");
_Static_assert(sizeof(struct hud_rec_process) == 16, "PROCESS payload");
_Static_assert(sizeof(struct hud_rec_lost) == 24, "LOST payload");
_Static_assert(sizeof(struct hud_rec_thread_state) == 40, "THREAD_STATE payload");
_Static_assert(sizeof(struct hud_rec_ustack) == 32, "user stack copy");
_Static_assert(sizeof(struct hud_rec_finish) == 40, "FINISH payload");

/* ------------------------------------------------------------------------- */
/* Writer: used by hud-record (and by tests that synthesize files).           */

struct hud_writer;

struct hud_writer_opts {
	size_t sz;		  /* sizeof(struct hud_writer_opts), libbpf style */
	int zstd_level;		  /* 0 = default (3) */
	uint32_t chunk_target;	  /* 0 = HUD_CHUNK_RAW_TARGET; tests use small values */
	uint64_t compat_features; /* HUD_COMPAT_* the file may use */
};

/*
 * Start a file on @fd (which the writer does not close) and write its header.
 * Returns NULL and sets errno on failure.
 */
struct hud_writer *hud_writer__new(int fd, const struct hud_writer_opts *opts);

/*
 * Append one record: @hdr_size bytes of fixed payload and @tail_size bytes of variable
 * payload (either may be 0/NULL); the record is zero-padded to a multiple of 8. The
 * current chunk is flushed first if the record would push it past the chunk target.
 * Returns 0 or -errno (-E2BIG for a record over HUD_CHUNK_SIZE_MAX).
 */
int hud_writer__add(struct hud_writer *w, uint32_t type, const void *hdr, size_t hdr_size,
		    const void *tail, size_t tail_size);

/* A record of several pieces, written one after the other. */
struct hud_iovec {
	const void *base;
	size_t len;
};

/* hud_writer__add() with @nr pieces. Same returns. */
int hud_writer__addv(struct hud_writer *w, uint32_t type, const struct hud_iovec *iov, size_t nr);

/* Convenience: one META record. */
int hud_writer__add_meta(struct hud_writer *w, const char *key, const char *value);

/* Compress and write the pending records as one chunk (no-op when empty). 0 or -errno. */
int hud_writer__flush(struct hud_writer *w);

/* Bytes written to the fd so far (header and complete chunks). */
uint64_t hud_writer__bytes(const struct hud_writer *w);

/* Flush and free. Returns 0 or the first -errno seen by the writer. Accepts NULL. */
int hud_writer__close(struct hud_writer *w);

/* ------------------------------------------------------------------------- */
/* Reader: a streaming, validating parser. Pure over its input: fuzzable.     */

struct hud_reader;

struct hud_record {
	uint32_t type;
	uint32_t size;	     /* payload size (record size - 8) */
	const void *payload; /* 8-byte aligned, valid until the next hud_reader__next() */
};

/* Read from memory; the buffer must outlive the reader. NULL + errno on failure. */
struct hud_reader *hud_reader__from_mem(const void *buf, size_t len);

/*
 * Read from a file, one chunk at a time (memory stays bounded by the largest chunk).
 * NULL + errno on failure (ENOENT, EACCES, ...); for a bad header the reader is still
 * returned: the error shows at the first hud_reader__next().
 */
struct hud_reader *hud_reader__from_path(const char *path);

/*
 * Next record. Returns 1 with @rec filled, 0 at the end of the data, or a negative
 * errno on damage: -EPROTO for a foreign file or unsupported version, -EBADMSG for
 * corruption. After 0 or an error, hud_reader__error() says what happened and
 * further calls return the same value.
 *
 * Records of the known types are validated before being returned (fixed part present,
 * stack counts and strings inside the payload), so callers may cast rec->payload.
 */
int hud_reader__next(struct hud_reader *r, struct hud_record *rec);

/*
 * Follow a file that a writer is still appending to (hud-report --follow): where the
 * data ends, at a chunk boundary or inside a chunk or the header, hud_reader__next()
 * returns -EAGAIN ("not yet") instead of 0 or a truncation, and the next call reads on
 * from the start of that chunk. A complete chunk that is corrupt is still damage. Only
 * for seekable files (hud_reader__from_path() of a regular file): else -EINVAL.
 */
int hud_reader__follow(struct hud_reader *r);

/* Human-readable description of the last problem, or NULL if none. */
const char *hud_reader__error(const struct hud_reader *r);

/* True if the data ended inside a chunk (file cut short, e.g. by kill -9). */
int hud_reader__truncated(const struct hud_reader *r);

/* Header version, valid after the first successful hud_reader__next(). */
void hud_reader__version(const struct hud_reader *r, unsigned *major, unsigned *minor);

/* Byte offset in the input of the chunk being read (for error messages). */
uint64_t hud_reader__offset(const struct hud_reader *r);

void hud_reader__free(struct hud_reader *r);

/* Helpers for validated records. */

/*
 * The user stack copy of a validated SAMPLE (@fixed = sizeof(struct hud_rec_sample)) or
 * OFFCPU record with @nr_frames frames, or NULL if it has none.
 */
static inline const struct hud_rec_ustack *hud_rec_ustack(const struct hud_record *rec,
							  size_t fixed, size_t nr_frames)
{
	size_t off = fixed + nr_frames * sizeof(uint64_t);

	if (rec->size < off + sizeof(struct hud_rec_ustack))
		return NULL;
	return (const struct hud_rec_ustack *)((const uint8_t *)rec->payload + off);
}

/* The sampling grid of off-CPU time (1.2, FORMAT.md "The sampling grid"). */
static inline uint64_t hud_grid_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* Thread @tid's grid point in period @n of @period ns (> 0). */
static inline uint64_t hud_grid_point(uint64_t seed, uint64_t period, uint32_t tid, uint64_t n)
{
	return n * period + hud_grid_mix(seed + tid * 0x9e3779b97f4a7c15ull + n) % period;
}

/* How many of thread @tid's grid points lie in (@a, @b]. */
static inline uint64_t hud_grid_points(uint64_t seed, uint64_t period, uint32_t tid, uint64_t a,
				       uint64_t b)
{
	uint64_t na, nb, k;

	if (!period || b <= a)
		return 0;
	na = a / period;
	nb = b / period;
	if (na == nb) {
		uint64_t g = hud_grid_point(seed, period, tid, na);

		return g > a && g <= b;
	}
	k = nb - na - 1;
	k += hud_grid_point(seed, period, tid, na) > a;
	k += hud_grid_point(seed, period, tid, nb) <= b;
	return k;
}

static inline const char *hud_meta_key(const struct hud_record *rec)
{
	return (const char *)rec->payload;
}

static inline const char *hud_meta_value(const struct hud_record *rec)
{
	const char *k = (const char *)rec->payload;
	size_t i = 0;

	while (k[i])
		i++;
	return k + i + 1;
}

#endif /* HUD_FORMAT_H */
