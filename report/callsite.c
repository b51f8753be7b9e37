// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * What the code of a binary says about a return address (x86-64): whether a call
 * instruction ends right before it (else it is no return address: a garbage frame of a
 * broken frame-pointer chain), and where that call went:
 *
 *   e8 rel32                 call rel32        a function of this binary, or a PLT stub
 *   ff 15 disp32             call *disp(%rip)  through a GOT slot: its relocation names
 *                                              the callee (GLOB_DAT, JUMP_SLOT), or holds
 *                                              its address in this binary (RELATIVE)
 *   ff /2 (other forms)      call *reg, *mem   indirect: not resolved, never guessed
 *
 * A PLT stub is recognised by its code (jmp *disp(%rip), after endbr64 and a bnd prefix)
 * and resolved through the GOT slot it jumps through. The symbol tables are read with
 * libdwfl; code and relocations with libelf, from the binary the DSO was opened from.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "symbolize-int.h"
#include "util.h"

/* A GOT slot and what its relocation says of it. */
struct got_slot {
	uint64_t vaddr;	  /* first: the key of hud_count_le_u64() */
	const char *name; /* interned raw symbol name, or NULL (RELATIVE: addend is the target) */
	uint64_t addend;
	uint8_t ifunc; /* IRELATIVE, or a symbol of type GNU_IFUNC */
};

/* A code section of the binary: where its bytes are. */
struct code_section {
	uint64_t vaddr, size;
	const uint8_t *bytes;
};

/* A function symbol of the binary, for lookups by name. */
struct fn_symbol {
	const char *name; /* raw, without any @VERSION */
	uint64_t vaddr;
	uint8_t ifunc;
};

struct callsite_cache {
	struct code_section *code;
	size_t nr_code;
	struct got_slot *got; /* sorted by vaddr */
	size_t nr_got;
	struct fn_symbol *fns; /* by name, through fn_index */
	size_t nr_fns, cap_fns;
	struct hud_htab fn_index;
	int fns_read;
	/* Answers of hud_dso__call_before(), by file offset of the return address. */
	struct call_entry {
		uint64_t offset;
		struct hud_call call;
	} * answers;
	size_t nr_answers, cap_answers;
	struct hud_htab answer_index;
};

static Elf *dso_elf(struct hud_dso *d)
{
	GElf_Addr bias;

	return d->status == HUD_DSO_OK ? dwfl_module_getelf(d->mod, &bias) : NULL;
}

static int cmp_got(const void *a, const void *b)
{
	const struct got_slot *x = a, *y = b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* Every relocation of a GOT slot in @scn (SHT_RELA) into c->got. 0 or -ENOMEM. */
static int read_relocs(struct hud_dso *d, Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, size_t *cap)
{
	struct callsite_cache *c = d->calls;
	Elf_Data *data = elf_getdata(scn, NULL), *syms = NULL;
	Elf_Scn *symscn = elf_getscn(elf, sh->sh_link);
	GElf_Shdr symsh;
	size_t i, n;

	if (!data || !sh->sh_entsize)
		return 0;
	if (symscn && gelf_getshdr(symscn, &symsh))
		syms = elf_getdata(symscn, NULL);
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		unsigned type;
		GElf_Rela r;
		GElf_Sym sym;
		struct got_slot *g;

		if (!gelf_getrela(data, (int)i, &r))
			continue;
		type = GELF_R_TYPE(r.r_info);
		if (type != R_X86_64_GLOB_DAT && type != R_X86_64_JUMP_SLOT &&
		    type != R_X86_64_RELATIVE && type != R_X86_64_IRELATIVE)
			continue;
		if (!HUD_GROW(c->got, *cap, c->nr_got + 1))
			return -ENOMEM;
		g = &c->got[c->nr_got++];
		memset(g, 0, sizeof(*g));
		g->vaddr = r.r_offset;
		g->addend = (uint64_t)r.r_addend;
		g->ifunc = type == R_X86_64_IRELATIVE;
		if ((type == R_X86_64_GLOB_DAT || type == R_X86_64_JUMP_SLOT) && syms &&
		    gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym)) {
			g->name = symbolizer__intern(d->sym,
						     elf_strptr(elf, symsh.sh_link, sym.st_name));
			g->ifunc = GELF_ST_TYPE(sym.st_info) == STT_GNU_IFUNC;
			if (!g->name)
				c->nr_got--; /* no name: nothing to resolve it with */
		}
	}
	return 0;
}

/* Code sections and GOT relocations, read on the first question about @d. 0 or -ENOMEM. */
static int calls_open(struct hud_dso *d)
{
	size_t cap_code = 0, cap_got = 0;
	struct callsite_cache *c;
	Elf_Scn *scn = NULL;
	Elf *elf;
	int err = 0;

	c = d->calls = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	elf = dso_elf(d);
	while (elf && !err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR)) {
			data = elf_getdata(scn, NULL);
			if (!data || !data->d_buf || data->d_size < sh.sh_size)
				continue;
			if (!HUD_GROW(c->code, cap_code, c->nr_code + 1))
				return -ENOMEM;
			c->code[c->nr_code++] = (struct code_section){
				.vaddr = sh.sh_addr, .size = sh.sh_size, .bytes = data->d_buf};
		} else if (sh.sh_type == SHT_RELA) {
			err = read_relocs(d, elf, scn, &sh, &cap_got);
		}
	}
	if (c->nr_got)
		qsort(c->got, c->nr_got, sizeof(*c->got), cmp_got);
	return err;
}

/* @n bytes of code at ELF vaddr @vaddr, or NULL. */
static const uint8_t *code_at(const struct callsite_cache *c, uint64_t vaddr, size_t n)
{
	size_t i;

	for (i = 0; i < c->nr_code; i++) {
		const struct code_section *s = &c->code[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr <= s->size &&
		    s->size - (vaddr - s->vaddr) >= n)
			return s->bytes + (vaddr - s->vaddr);
	}
	return NULL;
}

static const struct got_slot *got_at(const struct callsite_cache *c, uint64_t vaddr)
{
	size_t i = hud_count_le_u64(c->got, c->nr_got, sizeof(*c->got), vaddr);

	return i && c->got[i - 1].vaddr == vaddr ? &c->got[i - 1] : NULL;
}

static int32_t rel32(const uint8_t *b)
{
	int32_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

/* What a GOT slot's relocation says the call reaches. */
static void from_got(const struct got_slot *g, struct hud_call *call)
{
	if (!g) {
		call->kind = HUD_CALL_INDIRECT;
		return;
	}
	call->ifunc = g->ifunc;
	if (g->name) {
		call->kind = HUD_CALL_IMPORT;
		call->raw = g->name;
	} else {
		call->kind = HUD_CALL_DIRECT;
		call->target = g->addend;
	}
}

/* If the code at @vaddr is a PLT stub (jmp *disp(%rip)), resolve it into @call. */
static void through_plt(const struct callsite_cache *c, uint64_t vaddr, struct hud_call *call)
{
	const uint8_t *b = code_at(c, vaddr, 11);
	uint64_t at = vaddr;

	if (!b)
		return;
	if (b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && b[3] == 0xfa) { /* endbr64 */
		b += 4;
		at += 4;
	}
	if (b[0] == 0xf2) { /* bnd */
		b++;
		at++;
	}
	if (b[0] == 0xff && b[1] == 0x25)
		from_got(got_at(c, at + 6 + rel32(b + 2)), call);
}

/*
 * Is there an indirect call (ff /2, an optional REX.B and a notrack or bnd prefix) of
 * exactly @len bytes ending at @end? The ModRM byte says how long it is.
 */
static int indirect_call_ends(const uint8_t *end, size_t len)
{
	size_t k;

	for (k = 2; k <= 9 && k <= len; k++) {
		const uint8_t *b = end - k;
		size_t n = 2;
		uint8_t modrm, mod, rm;

		if (b[0] == 0x3e || b[0] == 0xf2) /* notrack, bnd */
			b++, n++;
		if ((b[0] & 0xf0) == 0x40) /* REX */
			b++, n++;
		if (n > k || b[0] != 0xff)
			continue;
		modrm = b[1];
		if (((modrm >> 3) & 7) != 2) /* /2: call */
			continue;
		mod = modrm >> 6;
		rm = modrm & 7;
		if (mod != 3 && rm == 4)
			n++; /* SIB */
		if (mod == 1)
			n += 1;
		else if (mod == 2 || (mod == 0 && rm == 5) ||
			 (mod == 0 && rm == 4 && (b[2] & 7) == 5))
			n += 4;
		if (n == k)
			return 1;
	}
	return 0;
}

/* Decode the call ending at ELF vaddr @ra into @call. */
static void decode(const struct callsite_cache *c, uint64_t ra, struct hud_call *call)
{
	const uint8_t *end = code_at(c, ra, 0), *b;
	size_t avail;

	memset(call, 0, sizeof(*call));
	call->kind = HUD_CALL_UNKNOWN;
	if (!end)
		return;
	/* The bytes before ra that lie in the same section. */
	for (avail = 0; avail < 9 && code_at(c, ra - avail - 1, 1); avail++)
		;
	call->kind = HUD_CALL_NONE;
	if (avail >= 5 && end[-5] == 0xe8) {
		call->kind = HUD_CALL_DIRECT;
		call->target = ra + rel32(end - 4);
		through_plt(c, call->target, call);
		return;
	}
	b = end - 6;
	if (avail >= 6 && b[0] == 0xff && b[1] == 0x15) {
		from_got(got_at(c, ra + rel32(b + 2)), call);
		return;
	}
	if (indirect_call_ends(end, avail))
		call->kind = HUD_CALL_INDIRECT;
}

int hud_dso__call_before(struct hud_dso *d, uint64_t file_offset, struct hud_call *call)
{
	struct callsite_cache *c;
	struct hud_htab_iter it;
	struct call_entry *e;
	uint64_t ra;
	int64_t i;
	int err;

	memset(call, 0, sizeof(*call));
	call->kind = HUD_CALL_UNKNOWN;
	if (d->status != HUD_DSO_OK || !dso__vaddr(d, file_offset, &ra))
		return 0;
	if (!d->calls && (err = calls_open(d)))
		return err;
	c = d->calls;
	if (hud_htab__reserve(&c->answer_index, 1) ||
	    !HUD_GROW(c->answers, c->cap_answers, c->nr_answers + 1))
		return -ENOMEM;
	hud_htab__probe(&c->answer_index, hud_mix64(file_offset), &it);
	while ((i = hud_htab__next(&c->answer_index, &it)) >= 0) {
		if (c->answers[i].offset == file_offset) {
			*call = c->answers[i].call;
			return 0;
		}
	}
	decode(c, ra, call);
	if (call->kind == HUD_CALL_DIRECT) {
		/* The callee's symbol, for the frame hud-report infers from it. */
		call->raw = NULL;
		hud_dso__function_at(d, call->target, &call->target, &call->raw);
	}
	e = &c->answers[c->nr_answers];
	e->offset = file_offset;
	e->call = *call;
	hud_htab__insert(&c->answer_index, &it, (uint32_t)c->nr_answers++);
	return 0;
}

int hud_dso__function_at(struct hud_dso *d, uint64_t vaddr, uint64_t *start, const char **raw)
{
	GElf_Off off;
	GElf_Sym sym;
	const char *name;

	if (d->status != HUD_DSO_OK)
		return 0;
	name = dwfl_module_addrinfo(d->mod, vaddr + d->bias, &off, &sym, NULL, NULL, NULL);
	if (!name ||
	    (GELF_ST_TYPE(sym.st_info) != STT_FUNC && GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC))
		return 0;
	*start = vaddr - off;
	if (raw)
		*raw = symbolizer__intern(d->sym, name);
	return 1;
}

/* "name@VERSION" and "name@@VERSION": the length of name. */
static size_t unversioned_len(const char *name)
{
	const char *at = strchr(name, '@');

	return at ? (size_t)(at - name) : strlen(name);
}

static uint64_t name_hash(const char *name, size_t len)
{
	return hud_mix64(symbolizer__hash(name, len, HUD_HASH_INIT));
}

/* The function symbols of @d, indexed by name (read once). 0 or -ENOMEM. */
static int fns_read(struct hud_dso *d)
{
	struct callsite_cache *c = d->calls;
	int i, n = dwfl_module_getsymtab(d->mod);

	c->fns_read = 1;
	for (i = 1; i < n; i++) {
		struct hud_htab_iter it;
		GElf_Word shndx;
		GElf_Sym sym;
		const char *name = dwfl_module_getsym(d->mod, i, &sym, &shndx);
		struct fn_symbol *f;
		size_t len;
		int64_t k;

		if (!name || shndx == SHN_UNDEF || !sym.st_value ||
		    (GELF_ST_TYPE(sym.st_info) != STT_FUNC &&
		     GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC))
			continue;
		len = unversioned_len(name);
		if (hud_htab__reserve(&c->fn_index, 1) ||
		    !HUD_GROW(c->fns, c->cap_fns, c->nr_fns + 1))
			return -ENOMEM;
		hud_htab__probe(&c->fn_index, name_hash(name, len), &it);
		while ((k = hud_htab__next(&c->fn_index, &it)) >= 0)
			if (strlen(c->fns[k].name) == len && !strncmp(c->fns[k].name, name, len))
				break;
		if (k >= 0)
			continue; /* the first definition of a name stands (.dynsym order) */
		f = &c->fns[c->nr_fns];
		{
			char *copy = strndup(name, len);

			if (!copy)
				return -ENOMEM;
			f->name = symbolizer__intern(d->sym, copy);
			free(copy);
		}
		if (!f->name)
			return -ENOMEM;
		/* Module address to ELF vaddr. */
		f->vaddr = sym.st_value - d->bias;
		f->ifunc = GELF_ST_TYPE(sym.st_info) == STT_GNU_IFUNC;
		hud_htab__insert(&c->fn_index, &it, (uint32_t)c->nr_fns++);
	}
	return 0;
}

int hud_dso__function_named(struct hud_dso *d, const char *raw, uint64_t *vaddr, int *ifunc)
{
	struct callsite_cache *c;
	struct hud_htab_iter it;
	size_t len = unversioned_len(raw);
	int64_t k;
	int err;

	if (d->status != HUD_DSO_OK)
		return 0;
	if (!d->calls && (err = calls_open(d)))
		return err;
	c = d->calls;
	if (!c->fns_read && (err = fns_read(d)))
		return err;
	hud_htab__probe(&c->fn_index, name_hash(raw, len), &it);
	while ((k = hud_htab__next(&c->fn_index, &it)) >= 0) {
		if (strlen(c->fns[k].name) == len && !strncmp(c->fns[k].name, raw, len)) {
			*vaddr = c->fns[k].vaddr;
			*ifunc = c->fns[k].ifunc;
			return 1;
		}
	}
	return 0;
}

int hud_dso__offset_of(const struct hud_dso *d, uint64_t vaddr, uint64_t *file_offset)
{
	size_t i;

	for (i = 0; i < d->nr_segs; i++) {
		const struct load_seg *sg = &d->segs[i];

		if (vaddr >= sg->vaddr && vaddr - sg->vaddr < sg->filesz) {
			*file_offset = vaddr - sg->vaddr + sg->offset;
			return 1;
		}
	}
	return 0;
}

int hud_dso__vaddr_of(const struct hud_dso *d, uint64_t file_offset, uint64_t *vaddr)
{
	return dso__vaddr(d, file_offset, vaddr);
}

void dso__free_calls(struct hud_dso *d)
{
	struct callsite_cache *c = d->calls;

	if (!c)
		return;
	free(c->code);
	free(c->got);
	free(c->fns);
	hud_htab__free(&c->fn_index);
	free(c->answers);
	hud_htab__free(&c->answer_index);
	free(c);
	d->calls = NULL;
}
