// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * unwindme STACK MAPS: built without frame pointers (the Makefile says so), it calls
 * outer -> middle -> leaf -> and, in leaf, copies its own registers and the top of its
 * stack to STACK, as hud-record's BPF programs would, and /proc/self/maps to MAPS.
 * tests/unit/test-unwind.c makes a recording of that and unwinds it with CFI alone.
 *
 * It also calls helpers through a tail call and a libc function, for the call-site tests:
 * tail_caller() ends in a jump to tail_callee(); libc_caller() calls strlen().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COPY_BYTES 8192

static uint8_t copy[COPY_BYTES];
static volatile int sink;

struct regs {
	uint64_t ip, sp, bp, size;
};

/* Bytes from sp to the end of its mapping, at most COPY_BYTES: as the BPF copy stops there. */
static uint64_t stack_left(uint64_t sp)
{
	unsigned long long lo, hi;
	uint64_t left = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx", &lo, &hi) == 2 && sp >= lo && sp < hi)
			left = hi - sp;
	if (f)
		fclose(f);
	return left < COPY_BYTES ? left : COPY_BYTES;
}

__attribute__((noinline)) static void leaf(const char *stack_path, const char *maps_path)
{
	struct regs r;
	char buf[4096];
	FILE *in, *out;
	size_t n;

	/* The registers at this very instruction, and the stack above them, at once. */
	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
			 : "=r"(r.ip), "=r"(r.sp), "=r"(r.bp));
	r.size = stack_left(r.sp);
	memcpy(copy, (const void *)(uintptr_t)r.sp, r.size);
	out = fopen(stack_path, "w");
	if (!out || fwrite(&r, sizeof(r), 1, out) != 1 || fwrite(copy, r.size, 1, out) != 1)
		exit(1);
	fclose(out);
	in = fopen("/proc/self/maps", "r");
	out = fopen(maps_path, "w");
	if (!in || !out)
		exit(1);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
}

__attribute__((noinline)) static int middle(const char *a, const char *b, int depth)
{
	volatile char pad[200];

	pad[depth] = (char)depth;
	leaf(a, b);
	return pad[depth] + sink; /* not a tail call: middle keeps its frame */
}

__attribute__((noinline)) static int outer(const char *a, const char *b)
{
	volatile long pad[40];

	pad[3] = middle(a, b, 7);
	return (int)pad[3] + sink;
}

__attribute__((noinline)) int tail_callee(int x)
{
	sink += x;
	return sink * 3;
}

/* Its call of tail_callee is in tail position: a jmp, no frame of its own left. */
__attribute__((noinline)) int tail_caller(int x)
{
	return tail_callee(x + 1);
}

__attribute__((noinline)) size_t libc_caller(const char *s)
{
	size_t n = strlen(s);

	sink += (int)n;
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: unwindme STACK MAPS\n");
		return 2;
	}
	sink = tail_caller(argc) + (int)libc_caller(argv[0]);
	return outer(argv[1], argv[2]) == -1;
}
