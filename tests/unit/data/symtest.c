/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Symbolization target for tests/unit/test-symbolize.c. Built with -g -O2 by the Makefile:
 * symtest_outer() is a real function and symtest_inlined_leaf() is always inlined into it,
 * so addresses inside the loop expand to two frames. The test finds symtest_outer in .symtab
 * and compares against eu-addr2line, so line numbers here are not hard-coded anywhere.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Keeps the compiler from folding the loops away. */
static volatile uint64_t symtest_sink;

static inline __attribute__((always_inline)) uint64_t symtest_inlined_leaf(uint64_t x)
{
	uint64_t h = 1469598103934665603ull;

	for (uint64_t i = 0; i < x; i++) {
		h ^= i + symtest_sink;
		h *= 1099511628211ull;
	}
	return h;
}

__attribute__((noinline)) uint64_t symtest_outer(uint64_t n)
{
	uint64_t a = symtest_inlined_leaf(n);

	symtest_sink = a;
	return a + symtest_inlined_leaf(n / 3 + (symtest_sink & 7));
}

/*
 * Functions whose ELF symbols are Rust-mangled (legacy and v0), for the symbol table
 * fallback: the test strips DWARF from a copy and expects "symtest::legacy" (hash gone)
 * and "symtest::v0". The asm labels are what rustc would have emitted.
 */
__attribute__((noinline)) uint64_t
symtest_legacy(uint64_t x) __asm__("_ZN7symtest6legacy17h0123456789abcdefE");
__attribute__((noinline)) uint64_t symtest_v0(uint64_t x) __asm__("_RNvCs1234_7symtest2v0");

__attribute__((noinline)) uint64_t symtest_legacy(uint64_t x)
{
	symtest_sink = x;
	return symtest_sink * 3 + 1;
}

__attribute__((noinline)) uint64_t symtest_v0(uint64_t x)
{
	symtest_sink = x + 1;
	return symtest_sink * 5 + 2;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000;

	printf("%llu\n",
	       (unsigned long long)(symtest_outer(n) + symtest_legacy(n) + symtest_v0(n)));
	return 0;
}
