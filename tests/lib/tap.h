/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * A tiny TAP producer for unit tests, in the spirit of git's t/unit-tests/test-lib.h.
 * Each TEST() is one TAP test point; checks inside it print a diagnostic on failure.
 * Run the binaries with prove(1), or directly: the exit code is non-zero on failure.
 *
 *	static void t_roundtrip(void) { check_int(1 + 1, ==, 2); }
 *	int main(void) { TEST(t_roundtrip(), "one plus one"); return test_done(); }
 */
#ifndef HUD_TAP_H
#define HUD_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int tap_test_count, tap_fail_count, tap_current_failed;

#define TAP_DEFINE_GLOBALS int tap_test_count, tap_fail_count, tap_current_failed

/* Run @stmt as test point @desc. */
#define TEST(stmt, desc)                                                                     \
	do {                                                                                 \
		tap_current_failed = 0;                                                      \
		stmt;                                                                        \
		tap_test_count++;                                                            \
		if (tap_current_failed)                                                      \
			tap_fail_count++;                                                    \
		printf("%s %d - %s\n", tap_current_failed ? "not ok" : "ok", tap_test_count, \
		       desc);                                                                \
		fflush(stdout);                                                              \
	} while (0)

#define tap_fail_(fmt, ...)                                                                    \
	do {                                                                                   \
		tap_current_failed = 1;                                                        \
		printf("# check failed at %s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

#define check(cond)                             \
	do {                                    \
		if (!(cond))                    \
			tap_fail_("%s", #cond); \
	} while (0)

#define check_int(a, op, b)                                                        \
	do {                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                \
		if (!(a_ op b_))                                                   \
			tap_fail_("%s %s %s (%lld vs %lld)", #a, #op, #b, a_, b_); \
	} while (0)

#define check_uint(a, op, b)                                                                   \
	do {                                                                                   \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
		if (!(a_ op b_))                                                               \
			tap_fail_("%s %s %s (%llu vs %llu)", #a, #op, #b, a_, b_);             \
	} while (0)

#define check_str(a, b)                                                                      \
	do {                                                                                 \
		const char *a_ = (a), *b_ = (b);                                             \
		if (!a_ || !b_ || strcmp(a_, b_))                                            \
			tap_fail_("%s == %s (\"%s\" vs \"%s\")", #a, #b, a_ ? a_ : "(null)", \
				  b_ ? b_ : "(null)");                                       \
	} while (0)

/* Print the plan and a summary; the return value is main()'s exit code. */
static inline int test_done(void)
{
	printf("1..%d\n", tap_test_count);
	if (tap_fail_count)
		printf("# %d of %d tests failed\n", tap_fail_count, tap_test_count);
	return tap_fail_count ? 1 : 0;
}

#endif /* HUD_TAP_H */
