// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * hud-storm: thread wake-ups at a chosen rate, to find the event rate hud-record drains
 * without loss (tests/bench/bench.sh).
 *
 *   hud-storm RATE SECONDS [SLEEPERS]
 *
 * One driver thread wakes, RATE times a second in batches every millisecond, the next of
 * SLEEPERS threads (default 32) blocked in FUTEX_WAIT. Each wake-up ends one off-CPU
 * interval of a sleeper, so hud-record -t 0 sees about RATE events a second. A wake-up
 * whose sleeper has not gone back to sleep yet is merged: the output says how many
 * wake-ups the sleepers really took.
 *
 * Prints "pid=N" when the threads are up, then "offered=N woken=N secs=S rate=R" at the end
 * (secs: as measured, longer than SECONDS when the wake-ups could not keep up; rate: the
 * wake-ups the sleepers took, per second).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLEEPERS 64

struct sleeper {
	_Alignas(64) atomic_uint word; /* 1: woken, not yet taken */
	atomic_ulong taken;
	pthread_t thread;
};

static struct sleeper sleepers[MAX_SLEEPERS];
static atomic_int stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static long futex(atomic_uint *uaddr, int op, unsigned int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;

	while (!atomic_load(&stop)) {
		while (!atomic_load(&s->word) && !atomic_load(&stop))
			futex(&s->word, FUTEX_WAIT_PRIVATE, 0);
		if (atomic_load(&stop))
			break;
		atomic_store(&s->word, 0);
		atomic_fetch_add(&s->taken, 1);
	}
	return NULL;
}

static int parse(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || *out < lo || *out > hi ? -1 : 0;
}

int main(int argc, char **argv)
{
	double rate, secs, nsl = 32;
	uint64_t start, end, next, period, woken = 0;
	unsigned long taken = 0;
	int i, n;

	if (argc < 3 || argc > 4 || parse(argv[1], 1, 1e7, &rate) ||
	    parse(argv[2], 0.1, 3600, &secs) ||
	    (argc == 4 && parse(argv[3], 1, MAX_SLEEPERS, &nsl))) {
		fprintf(stderr,
			"usage: hud-storm RATE SECONDS [SLEEPERS]  (RATE 1..1e7 wake-ups/s, "
			"SECONDS 0.1..3600, SLEEPERS 1..%d)\n",
			MAX_SLEEPERS);
		return 2;
	}
	n = (int)nsl;
	for (i = 0; i < n; i++) {
		if (pthread_create(&sleepers[i].thread, NULL, sleeper_main, &sleepers[i])) {
			fprintf(stderr, "hud-storm: cannot create thread %d\n", i);
			return 1;
		}
	}
	printf("pid=%d\n", getpid());
	fflush(stdout);
	/*
	 * Wake-ups go out in batches every millisecond, the driver sleeping in between, so
	 * that both the sleepers and the profiler can use every CPU.
	 */
	period = 1000000;
	start = now_ns();
	end = start + (uint64_t)(secs * 1e9);
	next = start;
	for (i = 0; next < end;) {
		struct timespec ts = {.tv_sec = next / 1000000000u, .tv_nsec = next % 1000000000u};
		uint64_t due = (uint64_t)(rate * (next - start + period) / 1e9);

		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		for (; woken < due; woken++, i = (i + 1) % n) {
			atomic_store(&sleepers[i].word, 1);
			futex(&sleepers[i].word, FUTEX_WAKE_PRIVATE, 1);
		}
		next += period;
	}
	atomic_store(&stop, 1);
	for (i = 0; i < n; i++) {
		atomic_store(&sleepers[i].word, 1);
		futex(&sleepers[i].word, FUTEX_WAKE_PRIVATE, 1);
		pthread_join(sleepers[i].thread, NULL);
		taken += atomic_load(&sleepers[i].taken);
	}
	secs = (now_ns() - start) / 1e9; /* later than asked when the wake-ups fell behind */
	printf("offered=%llu woken=%lu secs=%.3f rate=%.0f\n", (unsigned long long)woken, taken,
	       secs, taken / secs);
	return 0;
}
