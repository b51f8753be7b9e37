// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Fuzz target: hud-report's unwinder (unwind.c, cfi.c) and call-site checks (callsite.c,
 * resolve.c) on arbitrary stack copies. A stack copy in a .hud file is whatever the
 * recorded process had on its stack, so hud-report must survive any bytes there.
 *
 * The code unwound is real: this very executable, at the addresses it is mapped at (from
 * /proc/self/maps), so CFI rules, call sites and symbols come from a real ELF file. The
 * input becomes one SAMPLE record with a stack copy, written with the format's writer to a
 * memfd and loaded by profile__load() with the unwinder, then symbolized:
 *
 *	u32 ip       leaf, as an offset into the executable mapping (modulo its size)
 *	u16 bp       rbp, as an offset from sp
 *	u8  nr_fp    frames of the kernel's frame-pointer walk that follow the leaf (mod 16)
 *	u8  flags    the copy's flags
 *	u32 fp[nr_fp] each an offset into the mapping (modulo its size)
 *	... the copy (at most COPY_MAX bytes, whole 8-byte words)
 *
 * A word of the copy whose top 16 bits are 0xfffe becomes an address in the mapping (its
 * low 32 bits modulo the size), so mutations reach return addresses and their call sites.
 *
 * Checked beyond "no crash": the load of a well-formed file returns 0 with one stack, at
 * most HUD_UNWIND_MAX_FRAMES frames of addresses plus inferred ones, and symbolization
 * succeeds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "hud_format.h"
#include "profile.h"
#include "resolve.h"
#include "symbolize.h"
#include "unwind.h"

#define STACK_BASE 0x7ffd00000000ull
#define COPY_MAX   (32 << 10) /* hud-record copies at most this much */

static struct {
	int ready, fd;
	char path[64];
	uint64_t start, end, pgoff, inode;
	char exe[4096];
	struct hud_symbolizer *sym;
	struct hud_unwinder *unw;
} self;

/* Our own executable mapping, once. */
static void setup(void)
{
	char line[4400], perms[8], path[4096];
	unsigned long long lo, hi, off, ino;
	unsigned maj, mnr;
	FILE *f;

	self.ready = 1;
	self.fd = memfd_create("hud-fuzz-unwind", MFD_CLOEXEC);
	snprintf(self.path, sizeof(self.path), "/proc/self/fd/%d", self.fd);
	if (!realpath("/proc/self/exe", self.exe))
		abort();
	f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %4095s", &lo, &hi, perms, &off,
			   &maj, &mnr, &ino, path) == 8 &&
		    perms[2] == 'x' && !strcmp(path, self.exe)) {
			self.start = lo;
			self.end = hi;
			self.pgoff = off;
			self.inode = ino;
			break;
		}
	if (f)
		fclose(f);
	self.sym = hud_symbolizer__new(NULL);
	self.unw = self.sym ? hud_unwinder__new(self.sym) : NULL;
	if (self.fd < 0 || !self.end || !self.unw) {
		fprintf(stderr, "fuzz-unwind: cannot set up (memfd, own mapping, symbolizer)\n");
		abort();
	}
}

static uint64_t in_text(uint32_t v)
{
	return self.start + v % (self.end - self.start);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The input as a recording in the memfd. 0, or -1 if the input is too short. */
static int write_recording(const uint8_t *data, size_t size)
{
	struct hud_writer_opts wo = {.sz = sizeof(wo), .compat_features = HUD_COMPAT_USTACK};
	struct hud_rec_sample smp = {.pid = 4242, .tid = 4242, .time_ns = 1000};
	struct hud_rec_map m = {.pid = 4242,
				.start = self.start,
				.end = self.end,
				.pgoff = self.pgoff,
				.inode = self.inode};
	struct hud_rec_ustack us = {.sp = STACK_BASE};
	uint64_t ips[16], *copy = NULL;
	struct hud_writer *w;
	size_t nr_fp, words, i;
	int err;

	if (size < 8)
		return -1;
	us.ip = in_text(get32(data));
	us.bp = us.sp + (data[4] | data[5] << 8);
	nr_fp = data[6] % 16;
	us.flags = data[7] & HUD_USTACK_SHORT;
	data += 8, size -= 8;
	if (size < nr_fp * 4)
		return -1;
	ips[0] = us.ip;
	for (i = 0; i < nr_fp && i + 1 < 16; i++)
		ips[i + 1] = in_text(get32(data + 4 * i));
	smp.nr_user = (uint16_t)(i + 1);
	data += 4 * nr_fp, size -= 4 * nr_fp;
	words = size / 8 < COPY_MAX / 8 ? size / 8 : COPY_MAX / 8;
	if (words && !(copy = malloc(words * 8)))
		return -1;
	for (i = 0; i < words; i++) {
		memcpy(&copy[i], data + 8 * i, 8);
		if (copy[i] >> 48 == 0xfffe)
			copy[i] = in_text((uint32_t)copy[i]);
	}
	us.size = (uint32_t)(words * 8);

	if (ftruncate(self.fd, 0) || lseek(self.fd, 0, SEEK_SET))
		abort();
	w = hud_writer__new(self.fd, &wo);
	if (!w)
		abort();
	err = hud_writer__add_meta(w, "start_monotonic_ns", "1");
	err |= hud_writer__add(w, HUD_REC_MAP, &m, sizeof(m), self.exe, strlen(self.exe) + 1);
	err |= hud_writer__addv(w, HUD_REC_SAMPLE,
				(const struct hud_iovec[]){{&smp, sizeof(smp)},
							   {ips, smp.nr_user * 8},
							   {&us, sizeof(us)},
							   {copy, us.size}},
				us.size ? 4 : 3);
	err |= hud_writer__close(w);
	free(copy);
	FUZZ_ASSERT(!err);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hud_profile p = {0};
	char err[512] = "";
	int ret;

	if (!self.ready)
		setup();
	if (write_recording(data, size))
		return 0;
	ret = profile__load(&p, self.path, &(struct hud_load_opts){.unwinder = self.unw}, err,
			    sizeof(err));
	FUZZ_ASSERT(ret == 0);
	FUZZ_ASSERT(p.nr_stacks == 1);
	FUZZ_ASSERT(profile__symbolize(&p, self.sym, NULL) == 0);
	FUZZ_ASSERT(p.stacks[0].nr_frames >= 1);
	profile__free(&p);
	return 0;
}
