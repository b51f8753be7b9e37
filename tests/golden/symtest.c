/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The binary of the golden tests: a C program shaped like a Tokio service, whose symbols
 * are what rustc would emit (legacy and v0 mangling, through asm labels) so that hud-report
 * demangles, classifies and assigns roles to its frames as it does for Rust code.
 * hud-synth (tests/tools/hud-synth.c) looks these functions up by name and builds its
 * stacks from the call sites it finds in their machine code.
 *
 * The built binary is checked in (tests/golden/symtest): its build-id and DWARF line
 * numbers are part of the expected outputs. After editing this file, rebuild it with
 * `make golden-elf` and regenerate with `UPDATE_GOLDEN=1` (see report-golden.t).
 *
 * Every call below is a direct call in non-tail position, so each caller keeps a return
 * address inside itself; `sink` keeps the bodies from being folded away.
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RUST(sym) __asm__(sym)
#define FN	  __attribute__((noinline)) uint64_t

static volatile uint64_t sink;
static char scratch[64];

/* ---- the program's own code (crate "symtest") ----------------------------------- */

static inline __attribute__((always_inline)) uint64_t hash_step(uint64_t h, uint64_t i)
	RUST("_RNvNtCs1234_7symtest8handlers9hash_step");
FN cpu_hog(uint64_t n) RUST("_ZN7symtest8handlers7cpu_hog17h5e2a8c0f7d6b4a13E");
FN sleep_blocker(uint64_t ms) RUST("_ZN7symtest8handlers13sleep_blocker17h0c9e1b7a3f5d2e84E");
FN mutex_blocker(uint64_t x) RUST("_ZN7symtest8handlers13mutex_blocker17h7a41d3c2b9e0f615E");
FN read_config(uint64_t x) RUST("_ZN7symtest8handlers11read_config17h2d8f6a0c4e1b9375E");
FN parse_value(uint64_t depth, uint64_t path)
	RUST("_ZN7symtest5parse11parse_value17h9b3e5d7f1a2c4068E");
FN parse_array(uint64_t depth, uint64_t path)
	RUST("_ZN7symtest5parse11parse_array17h4f6a8c0e2b1d3957E");
FN parse_object(uint64_t depth, uint64_t path)
	RUST("_ZN7symtest5parse12parse_object17h8e0c2a4f6b3d5179E");
FN handler_call(uint64_t kind)
	RUST("_ZN63_$LT$symtest..handlers..Handler$u20$as$u20$symtest..Service$GT$"
	     "4call17h1c3e5a7f9b0d2846E");
FN flush_loop(uint64_t x) RUST("_ZN7symtest7logging10flush_loop17h6d8f0b2a4c1e3597E");
FN symtest_main(uint64_t x) RUST("_ZN7symtest4main17h3a5c7e9f1b0d2468E");

/* ---- Rust's standard library ---------------------------------------------------- */

FN std_sleep(uint64_t ms) RUST("_ZN3std6thread5sleep17h0f1e2d3c4b5a6978E");
FN std_lock_contended(uint64_t x)
	RUST("_ZN3std3sys4unix5locks11futex_mutex5Mutex14lock_contended17h5b4a3f2e1d0c9786E");
FN std_read_to_string(uint64_t x) RUST("_ZN3std2fs14read_to_string17h9c8b7a6f5e4d3021E");
FN std_wait_timeout(uint64_t x)
	RUST("_ZN3std4sync7condvar7Condvar12wait_timeout17h1e2f3a4b5c6d7e80E");
FN std_thread_start(uint64_t kind)
	RUST("_ZN3std3sys4unix6thread6Thread3new12thread_start17h6a7b8c9d0e1f2a35E");

/* ---- the Tokio runtime ---------------------------------------------------------- */

FN blocking_inner_run(uint64_t kind)
	RUST("_ZN5tokio7runtime8blocking4pool5Inner3run17h2b3c4d5e6f7a8b91E");
FN worker_run(uint64_t x)
	RUST("_ZN5tokio7runtime9scheduler12multi_thread6worker3run17h8d9e0f1a2b3c4d57E");
FN context_run(uint64_t x)
	RUST("_ZN5tokio7runtime9scheduler12multi_thread6worker7Context3run17h3c4d5e6f7a8b9c02E");
FN context_run_task(uint64_t kind) RUST(
	"_ZN5tokio7runtime9scheduler12multi_thread6worker7Context8run_task17h7e8f9a0b1c2d3e46E");
FN context_park(uint64_t x)
	RUST("_ZN5tokio7runtime9scheduler12multi_thread6worker7Context4park17h4d5e6f7a8b9c0d13E");
FN parker_park(uint64_t x)
	RUST("_ZN5tokio7runtime9scheduler12multi_thread4park6Parker4park17h9f0a1b2c3d4e5f68E");
FN task_raw_poll(uint64_t kind) RUST("_ZN5tokio7runtime4task3raw4poll17h5f6a7b8c9d0e1f24E");
FN runtime_block_on(uint64_t x)
	RUST("_ZN5tokio7runtime7runtime7Runtime8block_on17h0a1b2c3d4e5f6a79E");
FN cached_block_on(uint64_t x)
	RUST("_ZN5tokio7runtime4park16CachedParkThread8block_on17h6b7c8d9e0f1a2b35E");
FN park_inner_park(uint64_t x) RUST("_ZN5tokio7runtime4park5Inner4park17h1b2c3d4e5f6a7b80E");

static inline __attribute__((always_inline)) uint64_t hash_step(uint64_t h, uint64_t i)
{
	h ^= i + sink;
	return h * 1099511628211ull;
}

FN cpu_hog(uint64_t n)
{
	uint64_t h = 1469598103934665603ull, i;

	for (i = 0; i < n; i++)
		h = hash_step(h, i);
	memcpy(scratch, scratch + 32, sink & 31);
	return h + sink;
}

FN sleep_blocker(uint64_t ms)
{
	return std_sleep(ms) + sink;
}

FN mutex_blocker(uint64_t x)
{
	return std_lock_contended(x) + sink;
}

FN read_config(uint64_t x)
{
	return std_read_to_string(x) + sink;
}

/* Mutually recursive, like a serde visitor: many distinct stacks through few functions. */
FN parse_value(uint64_t depth, uint64_t path)
{
	uint64_t h = path, i;

	if (!depth) {
		for (i = 0; i < 64; i++)
			h = h * 31 + (i ^ sink);
		return h;
	}
	h = path & 1 ? parse_array(depth - 1, path >> 1) : parse_object(depth - 1, path >> 1);
	return h + sink;
}

FN parse_array(uint64_t depth, uint64_t path)
{
	return parse_value(depth, path) + sink;
}

FN parse_object(uint64_t depth, uint64_t path)
{
	return parse_value(depth, path) * 3 + sink;
}

FN handler_call(uint64_t kind)
{
	uint64_t r;

	switch (kind & 3) {
	case 0:
		r = cpu_hog(kind >> 2);
		break;
	case 1:
		r = sleep_blocker(kind >> 2);
		break;
	case 2:
		r = mutex_blocker(kind >> 2);
		break;
	default:
		r = parse_value(kind >> 2 & 7, kind >> 5);
		break;
	}
	return r + sink;
}

FN flush_loop(uint64_t x)
{
	return std_sleep(x) + sink;
}

FN symtest_main(uint64_t x)
{
	return runtime_block_on(x) + sink;
}

FN std_sleep(uint64_t ms)
{
	struct timespec ts = {0, (long)(ms % 2)};

	return (uint64_t)nanosleep(&ts, NULL) + sink;
}

FN std_lock_contended(uint64_t x)
{
	return (uint64_t)syscall(SYS_getpid) + x + sink;
}

FN std_read_to_string(uint64_t x)
{
	return (uint64_t)read(-1, scratch, 0) + x + sink;
}

FN std_wait_timeout(uint64_t x)
{
	return (uint64_t)poll(NULL, 0, 0) + x + sink;
}

/* What std::thread::spawn's closure ends up running, by thread kind. */
FN std_thread_start(uint64_t kind)
{
	uint64_t r = kind == 3 ? flush_loop(0) : blocking_inner_run(kind);

	return r + sink;
}

/* Tokio >= 1.24 starts its workers through the blocking pool, as here (kind 0). */
FN blocking_inner_run(uint64_t kind)
{
	uint64_t r;

	if (kind == 0)
		r = worker_run(0);
	else if (kind == 1)
		r = task_raw_poll(4);
	else
		r = std_wait_timeout(0);
	return r + sink;
}

FN worker_run(uint64_t x)
{
	return context_run(x) + sink;
}

FN context_run(uint64_t x)
{
	uint64_t r = x & 1 ? context_park(x) : context_run_task(x >> 1);

	return r + sink;
}

FN context_run_task(uint64_t kind)
{
	return task_raw_poll(kind) + sink;
}

FN context_park(uint64_t x)
{
	return parker_park(x) + sink;
}

FN parker_park(uint64_t x)
{
	return (uint64_t)poll(NULL, 0, 0) + x + sink;
}

/* A task: a request handler, or (kind 4) a spawn_blocking closure. */
FN task_raw_poll(uint64_t kind)
{
	uint64_t r = kind == 4 ? read_config(0) : handler_call(kind);

	return r + sink;
}

FN runtime_block_on(uint64_t x)
{
	return cached_block_on(x) + sink;
}

FN cached_block_on(uint64_t x)
{
	uint64_t r = x ? park_inner_park(x) : task_raw_poll(0);

	return r + sink;
}

FN park_inner_park(uint64_t x)
{
	return (uint64_t)syscall(SYS_sched_yield) + x + sink;
}

/* Runs each path once, briefly: the binary exists to be symbolized, not to work. */
int main(int argc, char **argv)
{
	uint64_t r = symtest_main(0) + symtest_main(1);
	uint64_t k;

	for (k = 0; k < 4; k++)
		r += std_thread_start(k) + handler_call(k | 8 << 2);
	printf("%llu\n", (unsigned long long)(r & 1));
	return argc > 1 && argv[1][0] == 'x';
}
