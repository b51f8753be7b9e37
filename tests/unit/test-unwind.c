// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Unwinding and call sites, without BPF: $HUD_BUILD/tests/data/unwindme (built without
 * frame pointers) copies its own registers and stack top as hud-record would; a recording
 * made of that must unwind with CFI to main and the thread's start. The same binary's
 * call sites (objdump says where its calls are) must decode to their callees: a direct
 * call, a call through the PLT to libc, a tail call; and CFI rules must be read right.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hud_format.h"
#include "profile.h"
#include "resolve.h"
#include "symbolize.h"
#include "tap.h"
#include "unwind.h"

TAP_DEFINE_GLOBALS;

static char bin[4096], dir[] = "/tmp/hud-unwind.XXXXXX";

struct regs {
	uint64_t ip, sp, bp, size;
};

/* ELF vaddr of the call sites objdump finds in @fn: each call's next instruction. */
static int call_sites(const char *fn, const char *callee, uint64_t *ret, int max)
{
	char cmd[8192], line[512];
	int n = 0, want_next = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "objdump -d --no-show-raw-insn '%s' 2>/dev/null | "
		 "awk '/^[0-9a-f]+ <%s>:/ { p = 1; next } /^[0-9a-f]+ </ { p = 0 } p'",
		 bin, fn);
	f = popen(cmd, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		unsigned long long a;

		if (sscanf(line, " %llx:", &a) != 1)
			continue;
		if (want_next) {
			ret[n++] = a;
			want_next = 0;
		}
		if (strstr(line, "call") && strstr(line, callee))
			want_next = 1;
	}
	pclose(f);
	return n;
}

static struct hud_dso *open_bin(struct hud_symbolizer *s)
{
	return hud_symbolizer__dso(s, bin, NULL, 0);
}

static void t_call_sites(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	struct hud_dso *d = s ? open_bin(s) : NULL;
	uint64_t ra[4], off, start;
	struct hud_call c;
	const char *raw;

	check(d && hud_dso__status(d) == HUD_DSO_OK);
	if (!d)
		goto out;
	/* main calls tail_caller directly. */
	check_int(call_sites("main", "<tail_caller>", ra, 4), ==, 1);
	check(hud_dso__offset_of(d, ra[0], &off));
	check_int(hud_dso__call_before(d, off, &c), ==, 0);
	check_int(c.kind, ==, HUD_CALL_DIRECT);
	check(hud_dso__function_at(d, c.target, &start, &raw) && !strcmp(raw, "tail_caller"));
	check_uint(start, ==, c.target);
	/* libc_caller calls strlen through the PLT: an import, named by its relocation. */
	check_int(call_sites("libc_caller", "<strlen@plt>", ra, 4), ==, 1);
	check(hud_dso__offset_of(d, ra[0], &off));
	check_int(hud_dso__call_before(d, off, &c), ==, 0);
	check_int(c.kind, ==, HUD_CALL_IMPORT);
	check_str(c.raw, "strlen");
	/* A function's first byte follows no call: it is no return address. */
	check(hud_dso__function_at(d, ra[0], &start, NULL));
	check(hud_dso__offset_of(d, start, &off));
	check_int(hud_dso__call_before(d, off, &c), ==, 0);
	check_int(c.kind, ==, HUD_CALL_NONE);
	/* Asked again: the same answer, from the cache. */
	check_int(hud_dso__call_before(d, off, &c), ==, 0);
	check_int(c.kind, ==, HUD_CALL_NONE);
out:
	hud_symbolizer__free(s);
}

static void t_cfi_rules(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	struct hud_dso *d = s ? open_bin(s) : NULL;
	struct hud_cfi_rule r;
	uint64_t ra[4], off, start;

	check(d != NULL);
	if (!d || call_sites("libc_caller", "<strlen@plt>", ra, 4) != 1)
		goto out;
	/* At the entry of a function: CFA = rsp + 8, the return address just below it. */
	check(hud_dso__function_at(d, ra[0], &start, NULL) && hud_dso__offset_of(d, start, &off));
	check_int(hud_dso__cfi(d, off, 0, &r), ==, 0);
	check_int(r.how, ==, HUD_CFI_OK);
	check_int(r.cfa_reg, ==, HUD_REG_SP);
	check_int(r.cfa_off, ==, 8);
	check_int(r.ra_off, ==, -8);
	check_int(r.bp_saved, ==, 0);
	/* After its sub $8,%rsp, at the call: CFA = rsp + 16. */
	check(hud_dso__offset_of(d, ra[0], &off));
	check_int(hud_dso__cfi(d, off, 1, &r), ==, 0);
	check_int(r.how, ==, HUD_CFI_OK);
	check_int(r.cfa_off, ==, 16);
	/* Outside any code: no rule. */
	check_int(hud_dso__cfi(d, 1ull << 40, 0, &r), ==, 0);
	check_int(r.how, ==, HUD_CFI_NONE);
out:
	hud_symbolizer__free(s);
}

/* A recording of unwindme's copy: its executable mappings, and one sample. */
static int make_recording(const char *stack, const char *maps, const char *out)
{
	struct hud_writer_opts wo = {.sz = sizeof(wo), .compat_features = HUD_COMPAT_USTACK};
	struct hud_rec_sample smp = {.pid = 4242, .tid = 4242, .time_ns = 1000, .nr_user = 1};
	struct hud_rec_ustack us = {0};
	struct hud_writer *w;
	struct regs r;
	uint8_t *data;
	char line[4096];
	FILE *f;
	int fd, err;

	f = fopen(stack, "r");
	if (!f || fread(&r, sizeof(r), 1, f) != 1 || r.size > (1 << 20))
		return -1;
	data = malloc(r.size);
	if (!data || fread(data, r.size, 1, f) != 1)
		return -1;
	fclose(f);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	w = hud_writer__new(fd, &wo);
	if (!w)
		return -1;
	hud_writer__add_meta(w, "start_monotonic_ns", "1");
	f = fopen(maps, "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, pgoff, inode;
		struct hud_rec_map m = {.pid = 4242};
		char perms[8], path[4096] = "";
		unsigned maj, mnr;

		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %4095s", &lo, &hi, perms, &pgoff,
			   &maj, &mnr, &inode, path) < 8 ||
		    perms[2] != 'x')
			continue;
		m.start = lo;
		m.end = hi;
		m.pgoff = pgoff;
		m.inode = inode;
		hud_writer__add(w, HUD_REC_MAP, &m, sizeof(m), path, strlen(path) + 1);
	}
	if (f)
		fclose(f);
	us.ip = r.ip;
	us.sp = r.sp;
	us.bp = r.bp;
	us.size = (uint32_t)r.size;
	err = hud_writer__addv(
		w, HUD_REC_SAMPLE,
		(const struct hud_iovec[]){
			{&smp, sizeof(smp)}, {&r.ip, 8}, {&us, sizeof(us)}, {data, r.size}},
		4);
	free(data);
	err |= hud_writer__close(w);
	close(fd);
	return err;
}

static void t_unwind_copy(void)
{
	char stack[512], maps[512], rec[512], cmd[8192], e[512];
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	struct hud_unwinder *u = s ? hud_unwinder__new(s) : NULL;
	struct hud_profile p = {0};
	const struct hud_stack *st;
	char names[4096] = "";
	uint32_t i;

	snprintf(stack, sizeof(stack), "%s/stack", dir);
	snprintf(maps, sizeof(maps), "%s/maps", dir);
	snprintf(rec, sizeof(rec), "%s/rec.hud", dir);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' '%s'", bin, stack, maps);
	check_int(system(cmd), ==, 0);
	check_int(make_recording(stack, maps, rec), ==, 0);
	check(u != NULL);
	if (!u)
		goto out;
	check_int(profile__load(&p, rec, &(struct hud_load_opts){.unwinder = u}, e, sizeof(e)), ==,
		  0);
	check_int(profile__symbolize(&p, s, NULL), ==, 0);
	check_uint(p.nr_stacks, ==, 1);
	if (p.nr_stacks != 1)
		goto out;
	st = &p.stacks[0];
	for (i = 0; i < st->nr_frames; i++) {
		const struct hud_sym_frame *f = profile__frame(&p, st, i);

		size_t len = strlen(names), fl;

		if (f->inlined || !f->function)
			continue;
		fl = strlen(f->function);
		if (len + fl + 4 >= sizeof(names))
			break;
		if (len)
			memcpy(names + len, " < ", 3), len += 3;
		memcpy(names + len, f->function, fl + 1);
	}
	printf("# %s\n", names);
	/* One recorded address became the whole stack, through frames with no frame pointer. */
	check(strstr(names, "leaf < middle < outer < main < __libc_start_call_main") != NULL);
	check(st->flags & HUD_STACK_REPAIRED);
	check(st->flags & HUD_STACK_COMPLETE);
	check(!(st->flags & HUD_STACK_TRUNCATED));
out:
	profile__free(&p);
	hud_unwinder__free(u);
	hud_symbolizer__free(s);
}

int main(void)
{
	const char *build = getenv("HUD_BUILD");
	char cmd[8300];

	char rel[4096];

	/* The symbolizer opens files by the absolute paths a recording names. */
	snprintf(rel, sizeof(rel), "%s/tests/data/unwindme", build && *build ? build : "build");
	if (!realpath(rel, bin))
		snprintf(bin, sizeof(bin), "%s", rel);
	if (access(bin, X_OK) || system("command -v objdump >/dev/null") || !mkdtemp(dir)) {
		printf("1..0 # SKIP %s not built, or no objdump\n", bin);
		return 0;
	}
	TEST(t_call_sites(), "call sites: a direct call, libc through the PLT, no call at all");
	TEST(t_cfi_rules(),
	     "CFI rules: CFA at a function's entry and after its prologue, none outside");
	TEST(t_unwind_copy(),
	     "a stack copy without frame pointers unwinds with CFI to the thread's start");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		return 99;
	return test_done();
}
