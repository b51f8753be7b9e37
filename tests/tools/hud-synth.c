// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * hud-synth: write a synthetic .hud recording of a Tokio-shaped service, through the format
 * writer, for golden tests and report benchmarks. The stacks point into a real ELF file
 * (tests/golden/symtest, built from symtest.c), so hud-report symbolizes them with DWARF.
 *
 * The output depends on the arguments and the ELF only: fixed metadata (host, times, pids),
 * a seeded PRNG, no hash-ordered containers. Its bytes also depend on libzstd's compressor;
 * --same-records compares two files record by record, whatever compressed them.
 *
 * The ELF's functions are found by mangled-name prefix (the hash suffix may change), and a
 * frame's return address is the end of a real call instruction from caller to callee (x86-64
 * `call rel32`); if none is found (another compiler or architecture), the middle of the
 * caller stands in, with a warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "hud_format.h"
#include "log.h"
#include "util.h"

static const char usage_text[] =
	"Usage: hud-synth --elf PATH -o FILE [OPTIONS]\n"
	"       hud-synth --same-records FILE1 FILE2\n"
	"\n"
	"Write a deterministic synthetic recording of a Tokio service (four workers, a\n"
	"blocking-pool thread, a block_on main thread and a plain thread) whose stacks point\n"
	"into the functions of PATH, an ELF built from tests/golden/symtest.c. The same\n"
	"arguments give the same bytes.\n"
	"\n"
	"Options:\n"
	"      --elf PATH         the binary whose build-id and function addresses to use\n"
	"  -o, --output FILE      output file\n"
	"      --events N         number of SAMPLE and OFFCPU records (default: 300)\n"
	"      --seed N           seed of the pseudo-random choices (default: 1)\n"
	"      --path PATH        path recorded for the binary's mapping (default:\n"
	"                         /opt/hud-synth/bin/ and the basename of --elf)\n"
	"      --offcpu-sampling  a format 1.2 recording: workers also sleep 0.5-4 ms, written\n"
	"                         when the thread's grid holds a point (OFFCPU_SAMPLED), and\n"
	"                         THREAD_STATE records say when each thread was watched\n"
	"      --same-records A B exit 0 if files A and B hold the same records, else 1\n"
	"  -h, --help             this help\n"
	"\n"
	"Examples:\n"
	"  hud-synth --elf tests/golden/symtest -o synth.hud\n"
	"  hud-synth --elf tests/golden/symtest --events 1000000 -o big.hud   # benchmarks\n"
	"  hud-report -i synth.hud --symfs DIR    # DIR/opt/hud-synth/bin/symtest = the ELF\n";

#define PID	     4242
#define START_MONO   1000000000000ull	    /* 1000 s of uptime */
#define START_REAL   1700000000000000000ull /* 2023-11-14 22:13:20 UTC */
#define FREQ_HZ	     99
#define PERIOD_NS    (1000000000ull / FREQ_HZ)
#define THRESHOLD_NS 5000000ull
#define GRID_SEED    0x5eed5eed5eed5eedull

/* --offcpu-sampling: short sleeps are sampled on each thread's grid, as hud-record does. */
static int sampling;
#define MS	   1000000ull
#define EXE_BASE   0x55d5c0de0000ull /* where a PIE is mapped */
#define LIBC_BASE  0x7f3a5c400000ull
#define LIBC_PATH  "/opt/hud-synth/lib/libc.so.6" /* never present: frames stay unknown */
#define VDSO_BASE  0x7ffd1a3fe000ull
#define JIT_BASE   0x7f3a5b000000ull /* no mapping covers it */
#define KTEXT	   0xffffffff81000000ull
#define KMODULES   0xffffffffc0a00000ull
#define MAX_FRAMES 127

/* ---- deterministic pseudo-random numbers (splitmix64) ----------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint64_t rng_range(uint64_t lo, uint64_t hi)
{
	return lo + rng() % (hi - lo + 1);
}

/* ---- the functions of the ELF ------------------------------------------------------ */

enum fn_id {
	F_CPU_HOG,
	F_SLEEP_BLOCKER,
	F_MUTEX_BLOCKER,
	F_READ_CONFIG,
	F_PARSE_VALUE,
	F_PARSE_ARRAY,
	F_PARSE_OBJECT,
	F_HANDLER_CALL,
	F_FLUSH_LOOP,
	F_SYMTEST_MAIN,
	F_STD_SLEEP,
	F_STD_LOCK_CONTENDED,
	F_STD_READ_TO_STRING,
	F_STD_WAIT_TIMEOUT,
	F_STD_THREAD_START,
	F_BLOCKING_INNER_RUN,
	F_WORKER_RUN,
	F_CONTEXT_RUN,
	F_CONTEXT_RUN_TASK,
	F_CONTEXT_PARK,
	F_PARKER_PARK,
	F_TASK_RAW_POLL,
	F_RUNTIME_BLOCK_ON,
	F_CACHED_BLOCK_ON,
	F_PARK_INNER_PARK,
	F_MAIN,
	F_MAX,
};

/* Symbol names without their hash ("17h<16 hex>E"), matched as prefixes; "=" is exact. */
static const char *const fn_names[F_MAX] = {
	[F_CPU_HOG] = "_ZN7symtest8handlers7cpu_hog17h",
	[F_SLEEP_BLOCKER] = "_ZN7symtest8handlers13sleep_blocker17h",
	[F_MUTEX_BLOCKER] = "_ZN7symtest8handlers13mutex_blocker17h",
	[F_READ_CONFIG] = "_ZN7symtest8handlers11read_config17h",
	[F_PARSE_VALUE] = "_ZN7symtest5parse11parse_value17h",
	[F_PARSE_ARRAY] = "_ZN7symtest5parse11parse_array17h",
	[F_PARSE_OBJECT] = "_ZN7symtest5parse12parse_object17h",
	[F_HANDLER_CALL] = "_ZN63_$LT$symtest..handlers..Handler$u20$as$u20$symtest..Service$GT$"
			   "4call17h",
	[F_FLUSH_LOOP] = "_ZN7symtest7logging10flush_loop17h",
	[F_SYMTEST_MAIN] = "_ZN7symtest4main17h",
	[F_STD_SLEEP] = "_ZN3std6thread5sleep17h",
	[F_STD_LOCK_CONTENDED] = "_ZN3std3sys4unix5locks11futex_mutex5Mutex14lock_contended17h",
	[F_STD_READ_TO_STRING] = "_ZN3std2fs14read_to_string17h",
	[F_STD_WAIT_TIMEOUT] = "_ZN3std4sync7condvar7Condvar12wait_timeout17h",
	[F_STD_THREAD_START] = "_ZN3std3sys4unix6thread6Thread3new12thread_start17h",
	[F_BLOCKING_INNER_RUN] = "_ZN5tokio7runtime8blocking4pool5Inner3run17h",
	[F_WORKER_RUN] = "_ZN5tokio7runtime9scheduler12multi_thread6worker3run17h",
	[F_CONTEXT_RUN] = "_ZN5tokio7runtime9scheduler12multi_thread6worker7Context3run17h",
	[F_CONTEXT_RUN_TASK] =
		"_ZN5tokio7runtime9scheduler12multi_thread6worker7Context8run_task17h",
	[F_CONTEXT_PARK] = "_ZN5tokio7runtime9scheduler12multi_thread6worker7Context4park17h",
	[F_PARKER_PARK] = "_ZN5tokio7runtime9scheduler12multi_thread4park6Parker4park17h",
	[F_TASK_RAW_POLL] = "_ZN5tokio7runtime4task3raw4poll17h",
	[F_RUNTIME_BLOCK_ON] = "_ZN5tokio7runtime7runtime7Runtime8block_on17h",
	[F_CACHED_BLOCK_ON] = "_ZN5tokio7runtime4park16CachedParkThread8block_on17h",
	[F_PARK_INNER_PARK] = "_ZN5tokio7runtime4park5Inner4park17h",
	[F_MAIN] = "=main",
};

struct fn_info {
	uint64_t addr, size; /* virtual address in the ELF */
};

struct elf_info {
	struct fn_info fn[F_MAX];
	uint64_t *func_starts; /* every STT_FUNC address: calls elsewhere leave the binary */
	size_t nr_func_starts;
	uint8_t build_id[HUD_BUILD_ID_MAX];
	uint32_t build_id_size;
	uint64_t seg_vaddr, seg_memsz, seg_offset; /* the executable PT_LOAD */
	uint64_t base;				   /* load address: EXE_BASE for a PIE */
	const uint8_t *image;
	size_t image_size;
	int x86_64;
	Elf *elf;
	int fd;
};

/* Return addresses already looked up: a stack of depth 40 must not rescan the code. */
struct site_cache {
	uint64_t ret[F_MAX][F_MAX + 1]; /* [caller][callee], F_MAX = a call out of the binary */
};

static struct elf_info elf = {.fd = -1};
static struct site_cache sites;

static int read_build_id(Elf *e)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *d;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + name_off, "GNU", 4) && nh.n_descsz &&
			    nh.n_descsz <= HUD_BUILD_ID_MAX) {
				memcpy(elf.build_id, (char *)d->d_buf + desc_off, nh.n_descsz);
				elf.build_id_size = nh.n_descsz;
				return 0;
			}
		}
	}
	return -ENOENT;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int read_symbols(Elf *e)
{
	Elf_Scn *scn = NULL;
	size_t cap = 0;
	int k;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		n = sh.sh_size / sh.sh_entsize;
		for (i = 1; d && i < n; i++) {
			const char *name;
			GElf_Sym sym;

			if (!gelf_getsym(d, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
			    !sym.st_value)
				continue;
			if (!HUD_GROW(elf.func_starts, cap, elf.nr_func_starts + 1))
				return -ENOMEM;
			elf.func_starts[elf.nr_func_starts++] = sym.st_value;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name)
				continue;
			for (k = 0; k < F_MAX; k++) {
				const char *want = fn_names[k];
				int hit = want[0] == '=' ? !strcmp(name, want + 1)
							 : !strncmp(name, want, strlen(want));

				if (hit && !elf.fn[k].addr) {
					elf.fn[k].addr = sym.st_value;
					elf.fn[k].size = sym.st_size ? sym.st_size : 1;
				}
			}
		}
	}
	if (elf.nr_func_starts)
		qsort(elf.func_starts, elf.nr_func_starts, sizeof(uint64_t), cmp_u64);
	for (k = 0; k < F_MAX; k++) {
		if (!elf.fn[k].addr) {
			elog("%s: no function %s*: is it built from tests/golden/symtest.c?",
			     "--elf", fn_names[k][0] == '=' ? fn_names[k] + 1 : fn_names[k]);
			return -ENOENT;
		}
	}
	return 0;
}

static int load_elf(const char *path)
{
	size_t nr, i;
	GElf_Ehdr eh;
	Elf *e = NULL;
	int fd, err;

	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		elog("cannot open %s: %s", path, strerror(errno));
		return err;
	}
	/* Both stay open until unload_elf(): the mapped image is read until the end. */
	elf.fd = fd;
	e = elf.elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || elf_getphdrnum(e, &nr)) {
		elog("%s: not an ELF file", path);
		return -EINVAL;
	}
	elf.x86_64 = eh.e_machine == EM_X86_64;
	elf.base = eh.e_type == ET_DYN ? EXE_BASE : 0;
	elf.image = (const uint8_t *)elf_rawfile(e, &elf.image_size);
	for (i = 0; i < nr; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			elf.seg_vaddr = ph.p_vaddr;
			elf.seg_memsz = ph.p_memsz;
			elf.seg_offset = ph.p_offset;
			break;
		}
	}
	if (i == nr || !elf.image) {
		elog("%s: no executable segment", path);
		return -EINVAL;
	}
	if (read_build_id(e)) {
		elog("%s: no GNU build-id: link with -Wl,--build-id", path);
		return -ENOENT;
	}
	return read_symbols(e);
}

static void unload_elf(void)
{
	elf_end(elf.elf);
	if (elf.fd >= 0)
		close(elf.fd);
	free(elf.func_starts);
}

/* File bytes of [vaddr, vaddr + len) in the executable segment, or NULL. */
static const uint8_t *code_at(uint64_t vaddr, uint64_t len)
{
	uint64_t off;

	if (vaddr < elf.seg_vaddr || vaddr + len > elf.seg_vaddr + elf.seg_memsz)
		return NULL;
	off = vaddr - elf.seg_vaddr + elf.seg_offset;
	return off + len <= elf.image_size ? elf.image + off : NULL;
}

static int is_func_start(uint64_t addr)
{
	size_t n = hud_count_le_u64(elf.func_starts, elf.nr_func_starts, sizeof(uint64_t), addr);

	return n && elf.func_starts[n - 1] == addr;
}

/*
 * The return address of @caller's call to @callee (F_MAX: its first call to a function
 * outside the binary, i.e. through the PLT), as a virtual address.
 */
static uint64_t site(enum fn_id caller, enum fn_id callee)
{
	const struct fn_info *f = &elf.fn[caller];
	const uint8_t *code = code_at(f->addr, f->size);
	uint64_t i;

	if (sites.ret[caller][callee])
		return sites.ret[caller][callee];
	for (i = 0; code && elf.x86_64 && i + 5 <= f->size; i++) {
		int32_t rel;
		uint64_t target;

		if (code[i] != 0xe8)
			continue;
		memcpy(&rel, code + i + 1, 4);
		target = f->addr + i + 5 + (int64_t)rel;
		if (callee == F_MAX ? !is_func_start(target) : target == elf.fn[callee].addr) {
			sites.ret[caller][callee] = f->addr + i + 5;
			return sites.ret[caller][callee];
		}
	}
	wlog("no call from %s to %s found: using the middle of the caller", fn_names[caller],
	     callee == F_MAX ? "a shared library" : fn_names[callee]);
	sites.ret[caller][callee] = f->addr + f->size / 2;
	return sites.ret[caller][callee];
}

/* ---- stacks -------------------------------------------------------------------------- */

struct stack {
	uint64_t ips[MAX_FRAMES];
	uint16_t nk, nu; /* kernel frames first (ips[0..nk)), then user frames */
};

static void push(struct stack *s, uint64_t ip)
{
	if (s->nk + s->nu < MAX_FRAMES)
		s->ips[s->nk + s->nu++] = ip;
}

/* A sampled instruction somewhere in @f. */
static void leaf_in(struct stack *s, enum fn_id f)
{
	push(s, elf.base + elf.fn[f].addr + rng() % elf.fn[f].size);
}

/* @caller's frame, returning from its call to @callee. */
static void ret_in(struct stack *s, enum fn_id caller, enum fn_id callee)
{
	push(s, elf.base + site(caller, callee));
}

/* Offsets in the (absent) C library: the instruction after a syscall or call. */
enum libc_fn {
	LIBC_NANOSLEEP = 0xeb3b5,
	LIBC_SYSCALL = 0x1164f9,
	LIBC_READ = 0x10f26d,
	LIBC_EPOLL_WAIT = 0x11a5a6,
	LIBC_MEMCPY = 0x16a280,
	LIBC_START_THREAD = 0x89134,
	LIBC_CLONE3 = 0x1097dc,
	LIBC_START_CALL_MAIN = 0x271ca,
	LIBC_START_MAIN = 0x27285,
};

static void libc_frame(struct stack *s, uint64_t off)
{
	push(s, LIBC_BASE + off);
}

/* A thread of std::thread::spawn, from the closure it runs down to clone3. */
static void thread_root(struct stack *s, enum fn_id body)
{
	ret_in(s, F_STD_THREAD_START, body);
	libc_frame(s, LIBC_START_THREAD);
	libc_frame(s, LIBC_CLONE3);
}

/* A Tokio worker polling a task (Tokio >= 1.24 starts workers from the blocking pool). */
static void worker_task_root(struct stack *s)
{
	ret_in(s, F_TASK_RAW_POLL, F_HANDLER_CALL);
	ret_in(s, F_CONTEXT_RUN_TASK, F_TASK_RAW_POLL);
	ret_in(s, F_CONTEXT_RUN, F_CONTEXT_RUN_TASK);
	ret_in(s, F_WORKER_RUN, F_CONTEXT_RUN);
	ret_in(s, F_BLOCKING_INNER_RUN, F_WORKER_RUN);
	thread_root(s, F_BLOCKING_INNER_RUN);
}

/* Handler::call -> handler: the request-handling part of a worker stack. */
static void handler_root(struct stack *s, enum fn_id handler)
{
	ret_in(s, F_HANDLER_CALL, handler);
	worker_task_root(s);
}

/* parse_value <- parse_array|parse_object <- parse_value ..., @depth levels, from the leaf. */
static void parse_frames(struct stack *s, unsigned depth)
{
	unsigned i;

	for (i = 0; i < depth; i++) {
		enum fn_id via = rng() & 1 ? F_PARSE_ARRAY : F_PARSE_OBJECT;

		ret_in(s, via, F_PARSE_VALUE);
		ret_in(s, F_PARSE_VALUE, via);
	}
	handler_root(s, F_PARSE_VALUE);
}

/* ---- kernel symbols ------------------------------------------------------------------ */

enum ksym_id {
	K_SCHEDULE_INNER,
	K_SCHEDULE,
	K_FUTEX_WAIT_QUEUE,
	K_FUTEX_WAIT,
	K_DO_FUTEX,
	K_SYS_FUTEX,
	K_DO_NANOSLEEP,
	K_HRTIMER_NANOSLEEP,
	K_SYS_NANOSLEEP,
	K_SCHEDULE_HRTIMEOUT,
	K_DO_EPOLL_WAIT,
	K_SYS_EPOLL_WAIT,
	K_IO_SCHEDULE,
	K_FOLIO_WAIT_BIT,
	K_FILEMAP_READ,
	K_COPY_USER,
	K_VFS_READ,
	K_KSYS_READ,
	K_SYS_READ,
	K_EXIT_TO_USER_LOOP,
	K_EXIT_TO_USER_PREPARE,
	K_IRQENTRY_EXIT_USER,
	K_SYSVEC_TIMER,
	K_CLEAR_PAGE,
	K_HANDLE_MM_FAULT,
	K_DO_USER_ADDR_FAULT,
	K_EXC_PAGE_FAULT,
	K_ASM_EXC_PAGE_FAULT,
	K_DO_SYSCALL_64,
	K_ENTRY_SYSCALL,
	K_XFS_BUFFERED_READ, /* module symbols last: they live above the kernel image */
	K_XFS_READ_ITER,
	K_MAX,
};

static const char *const ksym_names[K_MAX][2] = {
	[K_SCHEDULE_INNER] = {"__schedule", ""},
	[K_SCHEDULE] = {"schedule", ""},
	[K_FUTEX_WAIT_QUEUE] = {"futex_wait_queue", ""},
	[K_FUTEX_WAIT] = {"futex_wait", ""},
	[K_DO_FUTEX] = {"do_futex", ""},
	[K_SYS_FUTEX] = {"__x64_sys_futex", ""},
	[K_DO_NANOSLEEP] = {"do_nanosleep", ""},
	[K_HRTIMER_NANOSLEEP] = {"hrtimer_nanosleep", ""},
	[K_SYS_NANOSLEEP] = {"__x64_sys_nanosleep", ""},
	[K_SCHEDULE_HRTIMEOUT] = {"schedule_hrtimeout_range_clock", ""},
	[K_DO_EPOLL_WAIT] = {"do_epoll_wait", ""},
	[K_SYS_EPOLL_WAIT] = {"__x64_sys_epoll_wait", ""},
	[K_IO_SCHEDULE] = {"io_schedule", ""},
	[K_FOLIO_WAIT_BIT] = {"folio_wait_bit_common", ""},
	[K_FILEMAP_READ] = {"filemap_read", ""},
	[K_COPY_USER] = {"copy_user_enhanced_fast_string", ""},
	[K_VFS_READ] = {"vfs_read", ""},
	[K_KSYS_READ] = {"ksys_read", ""},
	[K_SYS_READ] = {"__x64_sys_read", ""},
	[K_EXIT_TO_USER_LOOP] = {"exit_to_user_mode_loop", ""},
	[K_EXIT_TO_USER_PREPARE] = {"exit_to_user_mode_prepare", ""},
	[K_IRQENTRY_EXIT_USER] = {"irqentry_exit_to_user_mode", ""},
	[K_SYSVEC_TIMER] = {"asm_sysvec_apic_timer_interrupt", ""},
	[K_CLEAR_PAGE] = {"clear_page_erms", ""},
	[K_HANDLE_MM_FAULT] = {"handle_mm_fault", ""},
	[K_DO_USER_ADDR_FAULT] = {"do_user_addr_fault", ""},
	[K_EXC_PAGE_FAULT] = {"exc_page_fault", ""},
	[K_ASM_EXC_PAGE_FAULT] = {"asm_exc_page_fault", ""},
	[K_DO_SYSCALL_64] = {"do_syscall_64", ""},
	[K_ENTRY_SYSCALL] = {"entry_SYSCALL_64_after_hwframe", ""},
	[K_XFS_BUFFERED_READ] = {"xfs_file_buffered_read", "xfs"},
	[K_XFS_READ_ITER] = {"xfs_file_read_iter", "xfs"},
};

/* Symbols are 0x1c0 bytes apart; a frame's address is 0x40 + a few bytes into its symbol. */
static uint64_t ksym_start(enum ksym_id k)
{
	return k >= K_XFS_BUFFERED_READ ? KMODULES + (k - K_XFS_BUFFERED_READ) * 0x1c0ull
					: KTEXT + 0xa0000 + k * 0x1c0ull;
}

static void kframes(struct stack *s, const enum ksym_id *ks, size_t n)
{
	size_t i;

	/* Kernel frames go before any user frame. */
	for (i = 0; i < n && s->nk + s->nu < MAX_FRAMES; i++) {
		memmove(&s->ips[s->nk + 1], &s->ips[s->nk], s->nu * sizeof(uint64_t));
		s->ips[s->nk++] = ksym_start(ks[i]) + 0x40 + (ks[i] * 7) % 0x60;
	}
}

#define KSTACK(s, ...)                                           \
	do {                                                     \
		static const enum ksym_id ks_[] = {__VA_ARGS__}; \
		kframes((s), ks_, sizeof(ks_) / sizeof(ks_[0])); \
	} while (0)
#define KSTACK_SYSCALL(s, ...) KSTACK(s, __VA_ARGS__, K_DO_SYSCALL_64, K_ENTRY_SYSCALL)

static void kstack_futex(struct stack *s)
{
	KSTACK_SYSCALL(s, K_SCHEDULE_INNER, K_SCHEDULE, K_FUTEX_WAIT_QUEUE, K_FUTEX_WAIT,
		       K_DO_FUTEX, K_SYS_FUTEX);
}

static void kstack_nanosleep(struct stack *s)
{
	KSTACK_SYSCALL(s, K_SCHEDULE_INNER, K_SCHEDULE, K_DO_NANOSLEEP, K_HRTIMER_NANOSLEEP,
		       K_SYS_NANOSLEEP);
}

/* ---- threads and events -------------------------------------------------------------- */

enum thread_kind { T_MAIN, T_WORKER, T_BLOCKING, T_FLUSHER };

struct thread {
	uint32_t tid;
	enum thread_kind kind;
	const char *comm;
	uint64_t now; /* ns: the thread's next event starts here */
	uint32_t cpu;
};

static struct thread threads[] = {
	{PID, T_MAIN, "symtest", 0, 0},
	{PID + 1, T_WORKER, "tokio-runtime-w", 0, 0},
	{PID + 2, T_WORKER, "tokio-runtime-w", 0, 1},
	{PID + 3, T_WORKER, "tokio-runtime-w", 0, 2},
	{PID + 4, T_WORKER, "tokio-runtime-w", 0, 3},
	/* Tokio names blocking-pool threads like its workers: only stacks tell them apart. */
	{PID + 5, T_BLOCKING, "tokio-runtime-w", 0, 1},
	/* Starts as "symtest" and renames itself (a later THREAD record wins). */
	{PID + 6, T_FLUSHER, "symtest", 0, 2},
};

#define NR_THREADS (sizeof(threads) / sizeof(threads[0]))

struct event {
	int offcpu;
	uint64_t dur, runq;
	uint32_t state, flags;
	struct stack st;
};

/*
 * A blocked interval of @lo..@hi ms in state S (interruptible); with @with_runq, one in
 * four also waits in the run queue after its wake-up, longer than the threshold.
 */
static void blocked(struct event *e, uint64_t lo, uint64_t hi, int with_runq)
{
	e->offcpu = 1;
	e->state = 1;
	e->dur = rng_range(lo * MS, hi * MS);
	if (with_runq && rng() % 4 == 0)
		e->runq = rng_range(THRESHOLD_NS, THRESHOLD_NS + 4 * MS);
	e->dur += e->runq;
}

static void worker_event(struct event *e)
{
	struct stack *s = &e->st;
	uint64_t r;

	if (sampling && rng() % 4 == 0) { /* a short std::thread::sleep: sampled, if at all */
		e->offcpu = 1;
		e->state = 1;
		e->dur = rng_range(MS / 2, 4 * MS);
		libc_frame(s, LIBC_NANOSLEEP);
		ret_in(s, F_STD_SLEEP, F_MAX);
		ret_in(s, F_SLEEP_BLOCKER, F_STD_SLEEP);
		handler_root(s, F_SLEEP_BLOCKER);
		kstack_nanosleep(s);
		return;
	}
	r = rng() % 100;

	if (r < 30) { /* the CPU hog, its inlined hash loop included */
		leaf_in(s, F_CPU_HOG);
		handler_root(s, F_CPU_HOG);
		if (rng() % 10 == 0) /* -g kernel: a page fault on the way */
			KSTACK(s, K_CLEAR_PAGE, K_HANDLE_MM_FAULT, K_DO_USER_ADDR_FAULT,
			       K_EXC_PAGE_FAULT, K_ASM_EXC_PAGE_FAULT);
	} else if (r < 35) { /* the hog in memcpy of a C library without symbols */
		libc_frame(s, LIBC_MEMCPY + rng() % 0x80);
		ret_in(s, F_CPU_HOG, F_MAX);
		handler_root(s, F_CPU_HOG);
	} else if (r < 48) { /* deep, varied recursion */
		leaf_in(s, F_PARSE_VALUE);
		parse_frames(s, (unsigned)rng_range(1, 10));
	} else if (r < 53) { /* the runtime itself: no user frame */
		if (rng() & 1) {
			leaf_in(s, F_TASK_RAW_POLL);
			ret_in(s, F_CONTEXT_RUN_TASK, F_TASK_RAW_POLL);
		} else {
			leaf_in(s, F_CONTEXT_RUN_TASK);
		}
		ret_in(s, F_CONTEXT_RUN, F_CONTEXT_RUN_TASK);
		ret_in(s, F_WORKER_RUN, F_CONTEXT_RUN);
		ret_in(s, F_BLOCKING_INNER_RUN, F_WORKER_RUN);
		thread_root(s, F_BLOCKING_INNER_RUN);
	} else if (r < 55) { /* clock_gettime in the vDSO, from the runtime */
		push(s, VDSO_BASE + 0x9e0 + rng() % 0x40);
		ret_in(s, F_CONTEXT_RUN, F_CONTEXT_PARK);
		ret_in(s, F_WORKER_RUN, F_CONTEXT_RUN);
		ret_in(s, F_BLOCKING_INNER_RUN, F_WORKER_RUN);
		thread_root(s, F_BLOCKING_INNER_RUN);
	} else if (r < 56) { /* generated code no mapping covers */
		push(s, JIT_BASE + rng() % 0x1000);
		ret_in(s, F_CPU_HOG, F_MAX);
		handler_root(s, F_CPU_HOG);
	} else if (r < 66) { /* std::thread::sleep in async code */
		blocked(e, 10, 50, 1);
		libc_frame(s, LIBC_NANOSLEEP);
		ret_in(s, F_STD_SLEEP, F_MAX);
		ret_in(s, F_SLEEP_BLOCKER, F_STD_SLEEP);
		handler_root(s, F_SLEEP_BLOCKER);
		kstack_nanosleep(s);
	} else if (r < 74) { /* a contended std::sync::Mutex */
		blocked(e, 5, 30, 1);
		libc_frame(s, LIBC_SYSCALL);
		ret_in(s, F_STD_LOCK_CONTENDED, F_MAX);
		ret_in(s, F_MUTEX_BLOCKER, F_STD_LOCK_CONTENDED);
		handler_root(s, F_MUTEX_BLOCKER);
		kstack_futex(s);
	} else if (r < 78) { /* preempted while hogging the CPU */
		e->offcpu = 1;
		e->flags = HUD_OFFCPU_PREEMPTED;
		e->dur = e->runq = rng_range(5 * MS, 12 * MS);
		leaf_in(s, F_CPU_HOG);
		handler_root(s, F_CPU_HOG);
		KSTACK(s, K_SCHEDULE_INNER, K_SCHEDULE, K_EXIT_TO_USER_LOOP, K_EXIT_TO_USER_PREPARE,
		       K_IRQENTRY_EXIT_USER, K_SYSVEC_TIMER);
	} else { /* nothing to do: the worker parks in the I/O driver */
		blocked(e, 5, 200, 0);
		libc_frame(s, LIBC_EPOLL_WAIT);
		ret_in(s, F_PARKER_PARK, F_MAX);
		ret_in(s, F_CONTEXT_PARK, F_PARKER_PARK);
		ret_in(s, F_CONTEXT_RUN, F_CONTEXT_PARK);
		ret_in(s, F_WORKER_RUN, F_CONTEXT_RUN);
		ret_in(s, F_BLOCKING_INNER_RUN, F_WORKER_RUN);
		thread_root(s, F_BLOCKING_INNER_RUN);
		KSTACK_SYSCALL(s, K_SCHEDULE_INNER, K_SCHEDULE, K_SCHEDULE_HRTIMEOUT,
			       K_DO_EPOLL_WAIT, K_SYS_EPOLL_WAIT);
	}
}

/* spawn_blocking(read_config): reads a file, or waits for work. */
static void blocking_event(struct event *e)
{
	struct stack *s = &e->st;
	uint64_t r = rng() % 100;

	if (r < 70) {
		if (r < 25) { /* on CPU in std */
			leaf_in(s, F_STD_READ_TO_STRING);
		} else { /* on CPU in the kernel, or waiting for the disk (uninterruptible) */
			if (r >= 40) {
				blocked(e, 5, 40, 1);
				e->state = 2;
			}
			libc_frame(s, LIBC_READ);
			ret_in(s, F_STD_READ_TO_STRING, F_MAX);
		}
		ret_in(s, F_READ_CONFIG, F_STD_READ_TO_STRING);
		ret_in(s, F_TASK_RAW_POLL, F_READ_CONFIG);
		ret_in(s, F_BLOCKING_INNER_RUN, F_TASK_RAW_POLL);
		thread_root(s, F_BLOCKING_INNER_RUN);
		if (r >= 40)
			KSTACK_SYSCALL(s, K_SCHEDULE_INNER, K_SCHEDULE, K_IO_SCHEDULE,
				       K_FOLIO_WAIT_BIT, K_FILEMAP_READ, K_XFS_BUFFERED_READ,
				       K_XFS_READ_ITER, K_VFS_READ, K_KSYS_READ, K_SYS_READ);
		else if (r >= 25)
			KSTACK_SYSCALL(s, K_COPY_USER, K_FILEMAP_READ, K_XFS_BUFFERED_READ,
				       K_XFS_READ_ITER, K_VFS_READ, K_KSYS_READ, K_SYS_READ);
	} else { /* an idle blocking-pool thread waits for work */
		blocked(e, 50, 500, 0);
		libc_frame(s, LIBC_SYSCALL);
		ret_in(s, F_STD_WAIT_TIMEOUT, F_MAX);
		ret_in(s, F_BLOCKING_INNER_RUN, F_STD_WAIT_TIMEOUT);
		thread_root(s, F_BLOCKING_INNER_RUN);
		kstack_futex(s);
	}
}

/* #[tokio::main]: the main thread parks in block_on until the runtime shuts down. */
static void main_event(struct event *e)
{
	struct stack *s = &e->st;

	blocked(e, 50, 250, 0);
	libc_frame(s, LIBC_SYSCALL);
	ret_in(s, F_PARK_INNER_PARK, F_MAX);
	ret_in(s, F_CACHED_BLOCK_ON, F_PARK_INNER_PARK);
	ret_in(s, F_RUNTIME_BLOCK_ON, F_CACHED_BLOCK_ON);
	ret_in(s, F_SYMTEST_MAIN, F_RUNTIME_BLOCK_ON);
	ret_in(s, F_MAIN, F_SYMTEST_MAIN);
	libc_frame(s, LIBC_START_CALL_MAIN);
	libc_frame(s, LIBC_START_MAIN);
	kstack_futex(s);
}

/* A plain std thread: not part of the runtime, shown with --threads all only. */
static void flusher_event(struct event *e)
{
	struct stack *s = &e->st;

	if (rng() % 100 < 15) {
		leaf_in(s, F_FLUSH_LOOP);
	} else {
		blocked(e, 90, 110, 0);
		libc_frame(s, LIBC_NANOSLEEP);
		ret_in(s, F_STD_SLEEP, F_MAX);
		ret_in(s, F_FLUSH_LOOP, F_STD_SLEEP);
		kstack_nanosleep(s);
	}
	thread_root(s, F_FLUSH_LOOP);
}

/* ---- writing --------------------------------------------------------------------------- */

static int add_thread(struct hud_writer *w, const struct thread *t, const char *comm,
		      uint64_t time_ns)
{
	struct hud_rec_thread r = {.pid = PID, .tid = t->tid, .time_ns = time_ns};

	memcpy(r.comm, comm, strnlen(comm, sizeof(r.comm)));
	return hud_writer__add(w, HUD_REC_THREAD, &r, sizeof(r), NULL, 0);
}

static int add_thread_state(struct hud_writer *w, const struct thread *t, uint32_t kind,
			    uint64_t time_ns, uint64_t since_ns)
{
	struct hud_rec_thread_state r = {.pid = PID,
					 .tid = t->tid,
					 .time_ns = time_ns,
					 .kind = kind,
					 .state = since_ns ? 1 : 0,
					 .since_ns = since_ns};

	return hud_writer__add(w, HUD_REC_THREAD_STATE, &r, sizeof(r), NULL, 0);
}

static int add_map(struct hud_writer *w, uint64_t start, uint64_t end, uint64_t pgoff,
		   uint64_t inode, const uint8_t *build_id, uint32_t build_id_size,
		   const char *path)
{
	struct hud_rec_map m = {
		.pid = PID,
		.build_id_size = build_id_size,
		.start = start,
		.end = end,
		.pgoff = pgoff,
		.inode = inode,
		.dev_major = inode ? 254 : 0,
		.dev_minor = inode ? 1 : 0,
		.time_ns = START_MONO,
	};

	if (build_id_size)
		memcpy(m.build_id, build_id, build_id_size);
	return hud_writer__add(w, HUD_REC_MAP, &m, sizeof(m), path, strlen(path) + 1);
}

static int write_header(struct hud_writer *w, const char *exe)
{
	static const uint8_t libc_build_id[20] = {0x5e, 0x1f, 0xc0, 0xff, 0xee, 0x00, 0x11,
						  0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
						  0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
	char cmdline[4200], start_real[32], start_mono[32], pid[16], strings[8400];
	const char *kv[][2] = {
		{"hud_version", "0.1.0"},
		{"kernel", "6.1.0-synth-amd64"},
		{"hostname", "synth-host"},
		{"arch", "x86_64"},
		{"start_realtime_ns", start_real},
		{"start_monotonic_ns", start_mono},
		{"target_pid", pid},
		{"target_pids", pid},
		{"target_exe", exe},
		{"target_cmdline", cmdline},
		{"target_comm", "symtest"},
		{"sample_freq_hz", "99"},
		{"offcpu_threshold_ns", "5000000"},
		{"cpus", "4"},
		{"sched_switch_attach", "tp_btf"},
		{"sample_kernel_stacks", "1"},
		{"worker_hint", "tokio-runtime-w"},
		{"worker_hint_source", "tokio"},
	};
	struct hud_rec_process pr = {.pid = PID, .time_ns = START_MONO};
	uint64_t seg_start = elf.seg_vaddr & ~0xfffull;
	size_t i;
	int err = 0, n;

	snprintf(start_real, sizeof(start_real), "%llu", START_REAL);
	snprintf(start_mono, sizeof(start_mono), "%llu", START_MONO);
	snprintf(pid, sizeof(pid), "%d", PID);
	snprintf(cmdline, sizeof(cmdline), "%s --port 8080", exe);
	for (i = 0; !err && i < ARRAY_SIZE(kv); i++)
		err = hud_writer__add_meta(w, kv[i][0], kv[i][1]);
	if (sampling && !err) {
		char v[32];

		snprintf(v, sizeof(v), "%llu", PERIOD_NS);
		err = hud_writer__add_meta(w, "offcpu_sample_period_ns", v);
		snprintf(v, sizeof(v), "%llu", GRID_SEED);
		if (!err)
			err = hud_writer__add_meta(w, "offcpu_sample_seed", v);
	}
	n = snprintf(strings, sizeof(strings), "%s%c%s%c%s", exe, 0, cmdline, 0, "symtest");
	if (!err)
		err = hud_writer__add(w, HUD_REC_PROCESS, &pr, sizeof(pr), strings, (size_t)n + 1);
	for (i = 0; !err && i < NR_THREADS; i++)
		err = add_thread(w, &threads[i], threads[i].comm, START_MONO);
	if (!err)
		err = add_map(w, elf.base + seg_start,
			      elf.base + ((elf.seg_vaddr + elf.seg_memsz + 0xfff) & ~0xfffull),
			      elf.seg_offset & ~0xfffull, 1835011, elf.build_id, elf.build_id_size,
			      exe);
	if (!err)
		err = add_map(w, LIBC_BASE + 0x26000, LIBC_BASE + 0x17b000, 0x26000, 1573105,
			      libc_build_id, sizeof(libc_build_id), LIBC_PATH);
	if (!err)
		err = add_map(w, VDSO_BASE, VDSO_BASE + 0x2000, 0, 0, NULL, 0, "[vdso]");
	return err;
}

static int write_event(struct hud_writer *w, const struct thread *t, const struct event *e)
{
	size_t ips = ((size_t)e->st.nk + e->st.nu) * sizeof(uint64_t);

	if (e->offcpu) {
		struct hud_rec_offcpu r = {
			.pid = PID,
			.tid = t->tid,
			.start_ns = t->now,
			.duration_ns = e->dur,
			.runq_ns = e->runq,
			.cpu = t->cpu,
			.state = e->state,
			.flags = e->flags,
			.nr_kernel = e->st.nk,
			.nr_user = e->st.nu,
		};

		if (e->dur < THRESHOLD_NS)
			return hud_writer__add(w, HUD_REC_OFFCPU_SAMPLED, &r, sizeof(r), e->st.ips,
					       ips);
		return hud_writer__add(w, HUD_REC_OFFCPU, &r, sizeof(r), e->st.ips, ips);
	} else {
		struct hud_rec_sample r = {
			.pid = PID,
			.tid = t->tid,
			.time_ns = t->now,
			.cpu = t->cpu,
			.nr_kernel = e->st.nk,
			.nr_user = e->st.nu,
		};

		return hud_writer__add(w, HUD_REC_SAMPLE, &r, sizeof(r), e->st.ips, ips);
	}
}

static int write_ksyms(struct hud_writer *w)
{
	char names[128];
	int k, err = 0;

	for (k = 0; !err && k < K_MAX; k++) {
		struct hud_rec_ksym r = {.start = ksym_start(k), .end = ksym_start(k) + 0x1c0};
		int n = snprintf(names, sizeof(names), "%s%c%s", ksym_names[k][0], 0,
				 ksym_names[k][1]);

		err = hud_writer__add(w, HUD_REC_KSYM, &r, sizeof(r), names, (size_t)n + 1);
	}
	return err;
}

/*
 * Events in time order: the thread whose timeline is furthest behind goes next. A chunk
 * is closed every recorded second, as hud-record does.
 */
static int write_recording(struct hud_writer *w, uint64_t nr_events)
{
	struct hud_rec_finish fin = {.reason = HUD_FINISH_DURATION};
	uint64_t next_flush = START_MONO + 1000000000ull, end = START_MONO, n;
	size_t i;
	int err = 0, lost_written = 0, kept;

	for (i = 0; i < NR_THREADS; i++) {
		threads[i].now = START_MONO + 1000000ull + i * 1371731ull;
		/* Watched from its first switch on: the time before is unaccounted. */
		if (sampling && !err)
			err = add_thread_state(w, &threads[i], HUD_TSTATE_SEEN, threads[i].now, 0);
	}
	for (n = 0; !err && n < nr_events; n++) {
		struct thread *t = &threads[0];
		struct event e;

		for (i = 1; i < NR_THREADS; i++)
			if (threads[i].now < t->now)
				t = &threads[i];
		while (!err && t->now >= next_flush) {
			if (!lost_written) { /* one ring-buffer overflow, early on */
				struct hud_rec_lost l = {
					.time_ns = next_flush, .cpu = 2, .count = 3};

				err = hud_writer__add(w, HUD_REC_LOST, &l, sizeof(l), NULL, 0);
				fin.lost = l.count;
				lost_written = 1;
			}
			if (!err)
				err = hud_writer__flush(w);
			next_flush += 1000000000ull;
		}
		if (n == nr_events / 2 && !err)
			err = add_thread(w, &threads[NR_THREADS - 1], "log-flusher", t->now);
		memset(&e, 0, sizeof(e));
		switch (t->kind) {
		case T_MAIN:
			main_event(&e);
			break;
		case T_WORKER:
			worker_event(&e);
			break;
		case T_BLOCKING:
			blocking_event(&e);
			break;
		case T_FLUSHER:
			flusher_event(&e);
			break;
		}
		if (rng() % 16 == 0) /* now and then the scheduler moves a thread */
			t->cpu = (t->cpu + 1) % 4;
		/* A short interval is in the file only when it holds a point of the grid. */
		kept = !e.offcpu || e.dur >= THRESHOLD_NS ||
		       hud_grid_points(GRID_SEED, PERIOD_NS, t->tid, t->now, t->now + e.dur);
		if (!err && kept)
			err = write_event(w, t, &e);
		if (e.offcpu) {
			fin.offcpu += kept;
			t->now += e.dur + rng_range(20000, 200000);
		} else {
			fin.samples++;
			t->now += PERIOD_NS;
		}
		if (t->now > end)
			end = t->now;
	}
	if (!err && !lost_written) {
		struct hud_rec_lost l = {.time_ns = end, .cpu = 2, .count = 3};

		err = hud_writer__add(w, HUD_REC_LOST, &l, sizeof(l), NULL, 0);
		fin.lost = l.count;
	}
	/* At the end, the threads behind are off-CPU since their last event. */
	for (i = 0; sampling && !err && i < NR_THREADS; i++)
		if (threads[i].now < end)
			err = add_thread_state(w, &threads[i], HUD_TSTATE_OPEN, end,
					       threads[i].now);
	if (!err)
		err = write_ksyms(w);
	fin.end_ns = end;
	if (!err)
		err = hud_writer__add(w, HUD_REC_FINISH, &fin, sizeof(fin), NULL, 0);
	return err;
}

/* ---- --same-records ------------------------------------------------------------------ */

static int same_records(const char *a, const char *b)
{
	struct hud_reader *ra = hud_reader__from_path(a), *rb = hud_reader__from_path(b);
	struct hud_record x, y;
	uint64_t n = 0;
	int ea, eb, ret = 1;

	if (!ra || !rb) {
		elog("cannot open %s: %s", ra ? b : a, strerror(errno));
		goto out;
	}
	for (;; n++) {
		ea = hud_reader__next(ra, &x);
		eb = hud_reader__next(rb, &y);
		if (ea < 0 || eb < 0) {
			elog("%s: %s", ea < 0 ? a : b,
			     hud_reader__error(ea < 0 ? ra : rb) ?: "unreadable");
			goto out;
		}
		if (!ea || !eb)
			break;
		if (x.type != y.type || x.size != y.size || memcmp(x.payload, y.payload, x.size)) {
			ilog("record %llu differs (types %u and %u)", (unsigned long long)n, x.type,
			     y.type);
			goto out;
		}
	}
	if (ea != eb) {
		ilog("%s has more records", ea ? a : b);
		goto out;
	}
	ret = 0;
out:
	hud_reader__free(ra);
	hud_reader__free(rb);
	return ret;
}

int main(int argc, char **argv)
{
	enum { OPT_ELF = 256, OPT_EVENTS, OPT_SEED, OPT_PATH, OPT_SAME, OPT_SAMPLING };
	static const struct option longopts[] = {
		{"elf", required_argument, NULL, OPT_ELF},
		{"output", required_argument, NULL, 'o'},
		{"events", required_argument, NULL, OPT_EVENTS},
		{"seed", required_argument, NULL, OPT_SEED},
		{"path", required_argument, NULL, OPT_PATH},
		{"same-records", no_argument, NULL, OPT_SAME},
		{"offcpu-sampling", no_argument, NULL, OPT_SAMPLING},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *elf_path = NULL, *output = NULL, *path = NULL;
	uint64_t events = 300, seed = 1;
	struct hud_writer *w = NULL;
	char exe[4096];
	int c, fd = -1, err, same = 0, ret = 1;

	hud_progname = "hud-synth";
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_ELF:
			elf_path = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_EVENTS:
			if (hud_parse_u64(optarg, 1, 100000000, &events))
				hud_usage_error("invalid --events '%s' (1..100000000)", optarg);
			break;
		case OPT_SEED:
			if (hud_parse_u64(optarg, 0, UINT64_MAX, &seed))
				hud_usage_error("invalid --seed '%s'", optarg);
			break;
		case OPT_PATH:
			if (optarg[0] != '/')
				hud_usage_error("--path must be absolute ('%s')", optarg);
			path = optarg;
			break;
		case OPT_SAME:
			same = 1;
			break;
		case OPT_SAMPLING:
			sampling = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fprintf(stderr, "hud-synth: see hud-synth --help\n");
			return HUD_EXIT_USAGE;
		}
	}
	if (same) {
		if (argc - optind != 2)
			hud_usage_error("--same-records takes two files");
		return same_records(argv[optind], argv[optind + 1]);
	}
	if (optind < argc)
		hud_usage_error("unexpected argument '%s'", argv[optind]);
	if (!elf_path || !output)
		hud_usage_error("--elf PATH and -o FILE are required");
	if (!path) {
		const char *b = strrchr(elf_path, '/');

		snprintf(exe, sizeof(exe), "/opt/hud-synth/bin/%s", b ? b + 1 : elf_path);
		path = exe;
	}

	rng_state = seed;
	if (load_elf(elf_path))
		goto cleanup;
	fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		elog("cannot create %s: %s", output, strerror(errno));
		goto cleanup;
	}
	w = hud_writer__new(fd, &(struct hud_writer_opts){.sz = sizeof(struct hud_writer_opts)});
	if (!w) {
		elog("%s: %s", output, strerror(errno));
		goto cleanup;
	}
	err = write_header(w, path);
	if (!err)
		err = write_recording(w, events);
	c = hud_writer__close(w);
	err = err ?: c;
	c = close(fd) ? -errno : 0;
	err = err ?: c;
	fd = -1;
	if (err)
		elog("writing %s: %s", output, strerror(-err));
	else
		ret = 0;
cleanup:
	if (fd >= 0)
		close(fd);
	unload_elf();
	return ret;
}
