// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Symbolization against $HUD_BUILD/tests/data/symtest (tests/unit/data/symtest.c, -g -O2):
 * names, inline frames, file:line parity with eu-addr2line, build-id checks, pseudo paths,
 * the symbol table fallback on stripped copies, and demangling. The same source built by
 * clang (tests/data/symtest-clang) has no .debug_aranges, where libdw 0.188 cannot place an
 * address in its CU: names, inline frames and lines must not depend on it (parity with
 * llvm-symbolizer, which does not need it either).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/libdwelf.h>
#include <gelf.h>

#include "tap.h"

#include "demangle.h"
#include "symbolize.h"

TAP_DEFINE_GLOBALS;

#define MAX_ADDRS 64

static char bin[4096];
static char tmpdir[4096];
static uint8_t bin_build_id[32];
static size_t bin_build_id_size;
static char clang_bin[4096];
static uint8_t clang_build_id[32];
static size_t clang_build_id_size;

struct sym_info {
	uint64_t vaddr, size, offset; /* offset: file offset of vaddr */
};

/* Look up @name in @path's .symtab and its file offset. Returns 0 or -1. */
static int elf_sym(const char *path, const char *name, struct sym_info *si)
{
	Elf_Scn *scn = NULL;
	int fd, ret = -1;
	size_t nph, i;
	Elf *elf;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getphdrnum(elf, &nph))
		goto out;
	while ((scn = elf_nextscn(elf, scn)) && ret) {
		Elf_Data *data;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n;

			if (!gelf_getsym(data, (int)i, &sym))
				continue;
			n = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!n || strcmp(n, name))
				continue;
			si->vaddr = sym.st_value;
			si->size = sym.st_size;
			ret = 0;
			break;
		}
	}
	if (ret)
		goto out;
	ret = -1;
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (si->vaddr >= ph.p_vaddr && si->vaddr < ph.p_vaddr + ph.p_filesz) {
			si->offset = si->vaddr - ph.p_vaddr + ph.p_offset;
			ret = 0;
			break;
		}
	}
out:
	elf_end(elf);
	close(fd);
	return ret;
}

static int read_build_id(const char *path, uint8_t *out, size_t *size)
{
	const void *bid;
	ssize_t len = -1;
	int fd;
	Elf *elf;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf)
		len = dwelf_elf_gnu_build_id(elf, &bid);
	if (len > 0 && len <= 32) {
		memcpy(out, bid, (size_t)len);
		*size = (size_t)len;
	}
	elf_end(elf);
	close(fd);
	return len > 0 && len <= 32 ? 0 : -1;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

static struct hud_dso *open_bin(struct hud_symbolizer *s)
{
	return hud_symbolizer__dso(s, bin, bin_build_id, bin_build_id_size);
}

/* ------------------------------------------------------------------------- */

static void t_demangle(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		/* Rust legacy: hash stripped, $-escapes decoded */
		{"_ZN4core3ptr13drop_in_place17h0123456789abcdefE", "core::ptr::drop_in_place"},
		{"_ZN11hud_fixture4main28_$u7b$$u7b$closure$u7d$$u7d$17hfedcba9876543210E",
		 "hud_fixture::main::{{closure}}"},
		{"_ZN4core3ptr47drop_in_place$LT$hud_fixture..Foo$LT$u8$GT$$GT$"
		 "17h0123456789abcdefE",
		 "core::ptr::drop_in_place<hud_fixture::Foo<u8>>"},
		{"_ZN58_$LT$hud_fixture..Foo$u20$as$u20$core..ops..drop..Drop$GT$"
		 "4drop17h0123456789abcdefE",
		 "<hud_fixture::Foo as core::ops::drop::Drop>::drop"},
		/* Rust v0 */
		{"_RNvNtCs1234_7mycrate3foo3bar", "mycrate::foo::bar"},
		{"_RNvMs7_NtCsgEmfK2I1SDS_4core3numy12wrapping_mul", "<u64>::wrapping_mul"},
		/* C++ */
		{"_ZN3foo3barEv", "foo::bar()"},
		{"_ZNSt6vectorIiSaIiEE9push_backERKi",
		 "std::vector<int, std::allocator<int> >::push_back(int const&)"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out = hud_demangle(cases[i].in);

		check_str(out, cases[i].out);
		free(out);
	}
	errno = 0;
	check(hud_demangle("main") == NULL);
	check_int(errno, ==, EINVAL);
	check(hud_demangle("_Znot_a_mangled_name!") == NULL);
	check(hud_demangle("") == NULL);
	check(hud_demangle(NULL) == NULL);
}

static void t_strip_hash(void)
{
	char a[] = "foo::bar::h0123456789abcdef";
	char b[] = "foo::bar::h0123456789abcdeg"; /* not hex */
	char c[] = "foo::bar::h0123456789abcde";  /* too short */
	char d[] = "::h0123456789abcdef";	  /* nothing left: keep */

	check_int(hud_strip_rust_hash(a), ==, 8);
	check_str(a, "foo::bar");
	hud_strip_rust_hash(b);
	check_str(b, "foo::bar::h0123456789abcdeg");
	hud_strip_rust_hash(c);
	check_str(c, "foo::bar::h0123456789abcde");
	hud_strip_rust_hash(d);
	check_str(d, "::h0123456789abcdef");
}

static void t_open_verified(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	struct hud_dso *d, *d2;

	check(s != NULL);
	if (!s)
		return;
	d = open_bin(s);
	check(d != NULL);
	if (d) {
		check_int(hud_dso__status(d), ==, HUD_DSO_OK);
		check_int(hud_dso__verified(d), ==, 1);
		check_str(hud_dso__path(d), bin);
		check_str(hud_dso__status_str(hud_dso__status(d)), "ok");
	}
	/* Cached by (path, build-id): the same object again. */
	d2 = open_bin(s);
	check(d2 == d);
	/* Unknown build-id: accepted, but unverified, and a distinct cache entry. */
	d2 = hud_symbolizer__dso(s, bin, NULL, 0);
	check(d2 != NULL && d2 != d);
	if (d2) {
		check_int(hud_dso__status(d2), ==, HUD_DSO_OK);
		check_int(hud_dso__verified(d2), ==, 0);
	}
	hud_symbolizer__free(s);
}

static void t_outer_function(const char *path, const uint8_t *bid, size_t bid_size)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	const struct hud_frame *fr = NULL;
	struct sym_info si;
	struct hud_dso *d;
	int n;

	check(s != NULL);
	check_int(elf_sym(path, "symtest_outer", &si), ==, 0);
	if (!s || elf_sym(path, "symtest_outer", &si))
		goto out;
	d = hud_symbolizer__dso(s, path, bid, bid_size);
	check(d && hud_dso__status(d) == HUD_DSO_OK);
	/* The last byte (ret) is outside the inlined loops. */
	n = hud_dso__lookup(d, si.offset + si.size - 1, 0, &fr);
	check_int(n, >=, 1);
	if (n >= 1) {
		check_str(fr[n - 1].function, "symtest_outer");
		check_int(fr[n - 1].inlined, ==, 0);
		check(fr[n - 1].file && strstr(fr[n - 1].file, "symtest.c"));
		check(fr[n - 1].file && fr[n - 1].file[0] == '/');
		check_int(fr[n - 1].line, >, 0);
	}
	n = hud_dso__lookup(d, 1ull << 40, 0, &fr);
	check_int(n, ==, 0);
	check(fr == NULL);
out:
	hud_symbolizer__free(s);
}

static void t_inlined(const char *path, const uint8_t *bid, size_t bid_size)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	int found = 0, n, k;
	struct sym_info si;
	struct hud_dso *d;
	uint64_t off;

	check(s != NULL);
	check_int(elf_sym(path, "symtest_outer", &si), ==, 0);
	if (!s || elf_sym(path, "symtest_outer", &si))
		goto out;
	d = hud_symbolizer__dso(s, path, bid, bid_size);
	for (off = si.offset; off < si.offset + si.size; off++) {
		const struct hud_frame *fr;

		n = hud_dso__lookup(d, off, 0, &fr);
		check_int(n, >=, 1);
		if (n < 2)
			continue;
		found++;
		check_str(fr[0].function, "symtest_inlined_leaf");
		check_str(fr[n - 1].function, "symtest_outer");
		for (k = 0; k < n; k++)
			check_int(fr[k].inlined, ==, k < n - 1);
		/* The outer frame's position is the call site: a line of symtest_outer. */
		check_int(fr[n - 1].line, >, 0);
		check(fr[n - 1].file && strstr(fr[n - 1].file, "symtest.c"));
	}
	check_int(found, >, 0);
out:
	hud_symbolizer__free(s);
}

/* Same answers for (off, leaf) and (off + 1, return address); same pointers (interned). */
static void t_return_addr_and_cache(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	const struct hud_frame *a, *b, *c;
	struct sym_info si;
	struct hud_dso *d;
	uint64_t off;
	int na, nb, nc, k;

	check(s != NULL);
	check_int(elf_sym(bin, "symtest_outer", &si), ==, 0);
	if (!s || elf_sym(bin, "symtest_outer", &si))
		goto out;
	d = open_bin(s);
	for (off = si.offset; off + 1 < si.offset + si.size; off += 3) {
		na = hud_dso__lookup(d, off, 0, &a);
		nb = hud_dso__lookup(d, off + 1, 1, &b);
		check_int(na, ==, nb);
		for (k = 0; k < na && k < nb; k++) {
			check(a[k].function == b[k].function);
			check(a[k].file == b[k].file);
			check_int(a[k].line, ==, b[k].line);
			check_int(a[k].inlined, ==, b[k].inlined);
		}
		nc = hud_dso__lookup(d, off, 0, &c);
		check_int(nc, ==, na);
		check(c == a);
	}
out:
	hud_symbolizer__free(s);
}

/* Copy with truncation (snprintf("%s") warns about the truncation it is used for). */
static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

struct a2l_frame {
	char function[256];
	char file[1024];
	int line;
};

/*
 * Parse eu-addr2line -a -f -i output for one address: "0x..." then pairs of lines,
 * "function" (the first may read "f inlined at file:line in g") and "file:line[:col]".
 */
static int a2l_parse(FILE *f, struct a2l_frame *fr, int max, char *pending, size_t plen)
{
	char fn[2048], loc[2048];
	int n = 0;

	for (;;) {
		char *p, *colon, *end;
		long v;

		if (pending[0]) {
			copy_str(fn, sizeof(fn), pending);
			pending[0] = '\0';
		} else if (!fgets(fn, sizeof(fn), f)) {
			break;
		}
		fn[strcspn(fn, "\n")] = '\0';
		if (!strncmp(fn, "0x", 2)) {
			copy_str(pending, plen, fn);
			break;
		}
		if (!fgets(loc, sizeof(loc), f))
			break;
		loc[strcspn(loc, "\n")] = '\0';
		if (n == max)
			continue;
		p = strstr(fn, " inlined at ");
		if (p)
			*p = '\0';
		copy_str(fr[n].function, sizeof(fr[n].function), fn);
		/* file:line or file:line:col */
		fr[n].line = 0;
		colon = strrchr(loc, ':');
		if (colon) {
			v = strtol(colon + 1, &end, 10);
			*colon = '\0';
			p = strrchr(loc, ':');
			if (p && *end == '\0') {
				char *end2;
				long l = strtol(p + 1, &end2, 10);

				if (*end2 == '\0' && end2 != p + 1) {
					*p = '\0';
					v = l;
				}
			}
			fr[n].line = (int)v;
		}
		copy_str(fr[n].file, sizeof(fr[n].file), loc);
		n++;
	}
	return n;
}

/*
 * Every 2nd byte of @si (up to MAX_ADDRS): its address into vaddrs[], its file offset into
 * offs[], and the address appended to @cmd (which holds the tool's command line). Returns
 * the command's output, NULL if it cannot run; *nr is the number of addresses.
 */
static FILE *popen_addrs(char *cmd, size_t cap, const struct sym_info *si, uint64_t *vaddrs,
			 uint64_t *offs, int *nr)
{
	size_t len = strlen(cmd);
	int i;

	*nr = 0;
	for (i = 0; (uint64_t)i * 2 < si->size && *nr < MAX_ADDRS; i++) {
		vaddrs[*nr] = si->vaddr + (uint64_t)i * 2;
		offs[*nr] = si->offset + (uint64_t)i * 2;
		len += (size_t)snprintf(cmd + len, cap - len, " 0x%llx",
					(unsigned long long)vaddrs[*nr]);
		(*nr)++;
	}
	return popen(cmd, "r");
}

static void t_addr2line_parity(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	struct a2l_frame want[16];
	uint64_t vaddrs[MAX_ADDRS], offs[MAX_ADDRS];
	char cmd[8192], pending[256] = "";
	int nr = 0, i, k, compared = 0;
	struct sym_info si;
	struct hud_dso *d;
	FILE *p;

	check(s != NULL);
	check_int(elf_sym(bin, "symtest_outer", &si), ==, 0);
	if (!s || elf_sym(bin, "symtest_outer", &si))
		goto out;
	d = open_bin(s);
	snprintf(cmd, sizeof(cmd), "eu-addr2line -a -f -i -e '%s'", bin);
	p = popen_addrs(cmd, sizeof(cmd), &si, vaddrs, offs, &nr);
	check(p != NULL);
	if (!p)
		goto out;
	for (i = 0; i < nr; i++) {
		const struct hud_frame *fr;
		int n, w;

		/* Skip to this address's header line. */
		if (!pending[0] && !fgets(pending, sizeof(pending), p))
			break;
		pending[strcspn(pending, "\n")] = '\0';
		check_uint(strtoull(pending, NULL, 16), ==, vaddrs[i]);
		pending[0] = '\0';
		w = a2l_parse(p, want, 16, pending, sizeof(pending));
		n = hud_dso__lookup(d, offs[i], 0, &fr);
		check_int(n, ==, w);
		for (k = 0; k < n && k < w; k++) {
			check_str(fr[k].function, want[k].function);
			check_str(fr[k].file, want[k].file);
			check_int(fr[k].line, ==, want[k].line);
		}
		compared++;
	}
	check_int(pclose(p), ==, 0);
	check_int(compared, ==, nr);
	printf("# compared %d addresses with eu-addr2line\n", compared);
out:
	hud_symbolizer__free(s);
}

/* 1 if @path has a section called @name, 0 if not, -1 if unreadable. */
static int has_section(const char *path, const char *name)
{
	Elf_Scn *scn = NULL;
	int fd, ret = -1;
	size_t shstrndx;
	Elf *elf;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		ret = 0;
		while (!ret && (scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *n;

			if (gelf_getshdr(scn, &sh) && (n = elf_strptr(elf, shstrndx, sh.sh_name)) &&
			    !strcmp(n, name))
				ret = 1;
		}
	}
	elf_end(elf);
	close(fd);
	return ret;
}

/*
 * Parse llvm-symbolizer's answer for one address: pairs of lines, "function" and
 * "file:line:column", then an empty line.
 */
static int llvm_sym_parse(FILE *f, struct a2l_frame *fr, int max)
{
	char fn[2048], loc[2048];
	int n = 0;

	while (fgets(fn, sizeof(fn), f)) {
		char *col, *line;

		fn[strcspn(fn, "\n")] = '\0';
		if (!fn[0])
			break;
		if (!fgets(loc, sizeof(loc), f))
			break;
		loc[strcspn(loc, "\n")] = '\0';
		if (n == max)
			continue;
		col = strrchr(loc, ':');
		if (col)
			*col = '\0';
		line = strrchr(loc, ':');
		fr[n].line = line ? (int)strtol(line + 1, NULL, 10) : 0;
		if (line)
			*line = '\0';
		copy_str(fr[n].function, sizeof(fr[n].function), fn);
		copy_str(fr[n].file, sizeof(fr[n].file), loc);
		n++;
	}
	return n;
}

/* The clang build (no .debug_aranges): the same frames, files and lines as llvm-symbolizer. */
static void t_llvm_symbolizer_parity(const char *path, const uint8_t *bid, size_t bid_size)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	uint64_t vaddrs[MAX_ADDRS], offs[MAX_ADDRS];
	int nr = 0, i, k, compared = 0, inlined = 0;
	struct a2l_frame want[16];
	char cmd[8192];
	struct sym_info si;
	struct hud_dso *d;
	FILE *p;

	check(s != NULL);
	check_int(elf_sym(path, "symtest_outer", &si), ==, 0);
	if (!s || elf_sym(path, "symtest_outer", &si))
		goto out;
	d = hud_symbolizer__dso(s, path, bid, bid_size);
	snprintf(cmd, sizeof(cmd), "llvm-symbolizer --obj='%s'", path);
	p = popen_addrs(cmd, sizeof(cmd), &si, vaddrs, offs, &nr);
	check(p != NULL);
	if (!p)
		goto out;
	for (i = 0; i < nr; i++) {
		const struct hud_frame *fr;
		int n, w;

		w = llvm_sym_parse(p, want, 16);
		n = hud_dso__lookup(d, offs[i], 0, &fr);
		check_int(n, ==, w);
		for (k = 0; k < n && k < w; k++) {
			check_str(fr[k].function, want[k].function);
			check_str(fr[k].file, want[k].file);
			check_int(fr[k].line, ==, want[k].line);
		}
		if (n != w || n < 1)
			printf("# at 0x%llx\n", (unsigned long long)vaddrs[i]);
		inlined += n > 1;
		compared++;
	}
	check_int(pclose(p), ==, 0);
	check_int(compared, ==, nr);
	check_int(inlined, >, 0);
	printf("# compared %d addresses with llvm-symbolizer, %d with inlined frames\n", compared,
	       inlined);
out:
	hud_symbolizer__free(s);
}

static void t_build_id_mismatch(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	const struct hud_frame *fr;
	uint8_t wrong[32];
	struct sym_info si;
	struct hud_dso *d;

	check(s != NULL);
	if (!s)
		return;
	memcpy(wrong, bin_build_id, sizeof(wrong));
	wrong[0] ^= 0xff;
	d = hud_symbolizer__dso(s, bin, wrong, bin_build_id_size);
	check(d != NULL);
	if (d) {
		check_int(hud_dso__status(d), ==, HUD_DSO_BUILD_ID_MISMATCH);
		check_str(hud_dso__status_str(hud_dso__status(d)), "build-id mismatch");
		if (!elf_sym(bin, "symtest_outer", &si))
			check_int(hud_dso__lookup(d, si.offset, 0, &fr), <=, 0);
	}
	/* A shorter id is a mismatch too, not a prefix match. */
	d = hud_symbolizer__dso(s, bin, bin_build_id, bin_build_id_size - 1);
	check(d && hud_dso__status(d) == HUD_DSO_BUILD_ID_MISMATCH);
	hud_symbolizer__free(s);
}

static void t_not_found(void)
{
	static const char *const paths[] = {
		"[vdso]", "[vsyscall]", "", "//anon", "relative/path", "/nonexistent/hud/libx.so",
	};
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	const struct hud_frame *fr;
	size_t i;

	check(s != NULL);
	if (!s)
		return;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct hud_dso *d = hud_symbolizer__dso(s, paths[i], NULL, 0);

		check(d != NULL);
		if (!d)
			continue;
		check_int(hud_dso__status(d), ==, HUD_DSO_NOT_FOUND);
		check_int(hud_dso__lookup(d, 0x1000, 0, &fr), ==, 0);
	}
	check_str(hud_dso__status_str(HUD_DSO_NOT_FOUND), "no binary");
	check(hud_symbolizer__dso(s, NULL, NULL, 0) != NULL);
	hud_symbolizer__free(s);
}

static void t_not_elf(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	char path[4200];
	struct hud_dso *d;
	FILE *f;

	check(s != NULL);
	snprintf(path, sizeof(path), "%s/not-elf.so", tmpdir);
	f = fopen(path, "w");
	check(f != NULL);
	if (!s || !f)
		goto out;
	fputs("definitely not an ELF file\n", f);
	fclose(f);
	d = hud_symbolizer__dso(s, path, NULL, 0);
	check(d && hud_dso__status(d) == HUD_DSO_BAD_ELF);
	/* A directory is not a binary either. */
	d = hud_symbolizer__dso(s, tmpdir, NULL, 0);
	check(d && hud_dso__status(d) == HUD_DSO_BAD_ELF);
out:
	unlink(path);
	hud_symbolizer__free(s);
}

/* "/path (deleted)": retried without the suffix only when a build-id proves the file. */
static void t_deleted_suffix(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	char path[4200];
	struct hud_dso *d;

	check(s != NULL);
	if (!s)
		return;
	snprintf(path, sizeof(path), "%s (deleted)", bin);
	d = hud_symbolizer__dso(s, path, bin_build_id, bin_build_id_size);
	check(d && hud_dso__status(d) == HUD_DSO_OK);
	check(d && !strcmp(hud_dso__path(d), path));
	d = hud_symbolizer__dso(s, path, NULL, 0);
	check(d && hud_dso__status(d) == HUD_DSO_NOT_FOUND);
	hud_symbolizer__free(s);
}

static int objcopy(const char *flag, const char *from, const char *to)
{
	char cmd[9000];

	snprintf(cmd, sizeof(cmd), "objcopy %s '%s' '%s' 2>/dev/null", flag, from, to);
	return system(cmd);
}

/* Stripped copies: symbols only (names from .symtab, no file), then nothing at all. */
static void t_stripped(int *skipped)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	char nodebug[4200], stripped[4200];
	const struct hud_frame *fr;
	struct sym_info si;
	struct hud_dso *d;
	int n;

	snprintf(nodebug, sizeof(nodebug), "%s/symtest.nodebug", tmpdir);
	snprintf(stripped, sizeof(stripped), "%s/symtest.stripped", tmpdir);
	if (objcopy("--strip-debug", bin, nodebug) || objcopy("--strip-all", bin, stripped)) {
		*skipped = 1;
		goto out;
	}
	check(s != NULL);
	if (!s)
		goto out;

	/* Symbol table only; the build-id survives stripping. */
	d = hud_symbolizer__dso(s, nodebug, bin_build_id, bin_build_id_size);
	check(d && hud_dso__status(d) == HUD_DSO_OK);
	check_int(elf_sym(nodebug, "symtest_outer", &si), ==, 0);
	n = hud_dso__lookup(d, si.offset + 4, 0, &fr);
	check_int(n, ==, 1);
	if (n == 1) {
		check_str(fr[0].function, "symtest_outer");
		check(fr[0].file == NULL);
		check_int(fr[0].line, ==, 0);
		check_int(fr[0].inlined, ==, 0);
	}
	check_int(elf_sym(nodebug, "_ZN7symtest6legacy17h0123456789abcdefE", &si), ==, 0);
	n = hud_dso__lookup(d, si.offset + 2, 0, &fr);
	check_int(n, ==, 1);
	if (n == 1) {
		check_str(fr[0].function, "symtest::legacy");
		/* The symbol as written, for --no-demangle. */
		check_str(fr[0].raw, "_ZN7symtest6legacy17h0123456789abcdefE");
	}
	check_int(elf_sym(nodebug, "_RNvCs1234_7symtest2v0", &si), ==, 0);
	n = hud_dso__lookup(d, si.offset + 2, 0, &fr);
	check_int(n, ==, 1);
	if (n == 1)
		check_str(fr[0].function, "symtest::v0");

	/* Nothing left but imports in .dynsym. */
	d = hud_symbolizer__dso(s, stripped, bin_build_id, bin_build_id_size);
	check(d && hud_dso__status(d) == HUD_DSO_NO_SYMBOLS);
	check_str(hud_dso__status_str(HUD_DSO_NO_SYMBOLS), "no symbols");
	if (d)
		check_int(hud_dso__lookup(d, si.offset + 2, 0, &fr), ==, 0);
out:
	unlink(nodebug);
	unlink(stripped);
	hud_symbolizer__free(s);
}

/* DWARF names are demangled too: GCC gives the asm-labelled functions a linkage name. */
static void t_dwarf_linkage_names(void)
{
	struct hud_symbolizer *s = hud_symbolizer__new(NULL);
	const struct hud_frame *fr;
	struct sym_info si;
	int n;

	check(s != NULL);
	check_int(elf_sym(bin, "_ZN7symtest6legacy17h0123456789abcdefE", &si), ==, 0);
	if (!s || elf_sym(bin, "_ZN7symtest6legacy17h0123456789abcdefE", &si))
		goto out;
	n = hud_dso__lookup(open_bin(s), si.offset + 2, 0, &fr);
	check_int(n, ==, 1);
	if (n == 1) {
		check_str(fr[0].function, "symtest::legacy");
		check(fr[0].file && strstr(fr[0].file, "symtest.c"));
		/* The linkage name as written, for --no-demangle. */
		check_str(fr[0].raw, "_ZN7symtest6legacy17h0123456789abcdefE");
	}
out:
	hud_symbolizer__free(s);
}

static void t_opts_and_fds(int fds_before)
{
	struct hud_symbolizer_opts bad = {.sz = 1};

	errno = 0;
	check(hud_symbolizer__new(&bad) == NULL);
	check_int(errno, ==, EINVAL);
	hud_symbolizer__free(NULL);
	/* Every DSO opened by the tests above was closed by hud_symbolizer__free(). */
	check_int(count_fds(), ==, fds_before);
}

int main(void)
{
	const char *build = getenv("HUD_BUILD");
	int fds = count_fds(), have_bin, have_a2l, have_clang, skipped = 0;
	const char *tmp = getenv("TMPDIR");

	elf_version(EV_CURRENT);
	snprintf(bin, sizeof(bin), "%s/tests/data/symtest", build && *build ? build : "build");
	snprintf(clang_bin, sizeof(clang_bin), "%s/tests/data/symtest-clang",
		 build && *build ? build : "build");
	snprintf(tmpdir, sizeof(tmpdir), "%s/hud-test-symbolize.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("# mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	have_bin = !read_build_id(bin, bin_build_id, &bin_build_id_size);
	if (!have_bin)
		printf("# %s missing or without build-id: set HUD_BUILD (make unit-tests)\n", bin);

	TEST(t_demangle(), "demangle Rust legacy/v0 and C++, hash stripped");
	TEST(t_strip_hash(), "strip Rust legacy hash");
	TEST(check(have_bin), "test binary present with a build-id");
	if (have_bin) {
		TEST(t_open_verified(), "open with matching build-id, cached, unverified variant");
		TEST(t_outer_function(bin, bin_build_id, bin_build_id_size),
		     "function, file and line of a real function");
		TEST(t_inlined(bin, bin_build_id, bin_build_id_size),
		     "inlined frame first, real function last");
		TEST(t_return_addr_and_cache(),
		     "return addresses look up the call; cached, interned");
		have_a2l = !system("command -v eu-addr2line >/dev/null 2>&1");
		if (have_a2l)
			TEST(t_addr2line_parity(),
			     "same frames, files and lines as eu-addr2line -f -i");
		else
			TEST((void)0, "eu-addr2line parity # SKIP eu-addr2line not installed");
		TEST(t_build_id_mismatch(), "wrong build-id refused");
		TEST(t_deleted_suffix(), "'(deleted)' path retried only with a build-id");
		TEST(t_dwarf_linkage_names(),
		     "DWARF linkage names demangled, raw with no_demangle");
		TEST(t_stripped(&skipped),
		     skipped ? "stripped copies # SKIP objcopy failed"
			     : "symbol table fallback and fully stripped binaries");
	}
	/* clang's build: no .debug_aranges, so libdw alone finds no CU for any address. */
	have_clang = !read_build_id(clang_bin, clang_build_id, &clang_build_id_size);
	if (have_clang) {
		TEST(check_int(has_section(clang_bin, ".debug_aranges"), ==, 0),
		     "clang build has no .debug_aranges");
		TEST(t_outer_function(clang_bin, clang_build_id, clang_build_id_size),
		     "no .debug_aranges: function, file and line of a real function");
		TEST(t_inlined(clang_bin, clang_build_id, clang_build_id_size),
		     "no .debug_aranges: inlined frame first, real function last");
		if (!system("command -v llvm-symbolizer >/dev/null 2>&1"))
			TEST(t_llvm_symbolizer_parity(clang_bin, clang_build_id,
						      clang_build_id_size),
			     "no .debug_aranges: same frames, files and lines as llvm-symbolizer");
		else
			TEST((void)0,
			     "llvm-symbolizer parity # SKIP llvm-symbolizer not installed");
	} else {
		printf("# %s missing or without build-id (make unit-tests)\n", clang_bin);
		TEST((void)0, "no .debug_aranges # SKIP clang build of symtest missing");
	}
	TEST(t_not_found(), "pseudo and missing paths are not found");
	TEST(t_not_elf(), "non-ELF files are bad ELF");
	TEST(t_opts_and_fds(fds), "bad opts refused, no descriptor leaked");
	rmdir(tmpdir);
	return test_done();
}
