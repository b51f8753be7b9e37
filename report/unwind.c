// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The unwinder of unwind.h. Registers are the three that x86-64 CFI needs to find a
 * caller: pc, sp and bp. Callee-saved registers other than bp are never needed to find a
 * return address, so hud-record does not copy them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "symbolize.h"
#include "unwind.h"

struct hud_unwinder {
	struct hud_symbolizer *sym;
};

struct hud_unwinder *hud_unwinder__new(struct hud_symbolizer *sym)
{
	struct hud_unwinder *u = calloc(1, sizeof(*u));

	if (!u) {
		errno = ENOMEM;
		return NULL;
	}
	u->sym = sym;
	return u;
}

void hud_unwinder__free(struct hud_unwinder *u)
{
	free(u);
}

/* The 8 bytes at @addr of the copied stack, into *@v. 1, or 0 outside the copy. */
static int stack_read(const struct hud_rec_ustack *us, uint64_t addr, uint64_t *v)
{
	if (addr < us->sp || addr - us->sp > us->size || us->size - (addr - us->sp) < sizeof(*v))
		return 0;
	memcpy(v, us->data + (addr - us->sp), sizeof(*v));
	return 1;
}

/* The unwind rule at @pc of @pid, into *@r. 0 or -ENOMEM. */
static int rule_at(struct hud_unwinder *u, const struct hud_profile *p, uint16_t src, uint32_t pid,
		   uint32_t maps_seen, uint64_t pc, int is_ret, struct hud_cfi_rule *r)
{
	const struct hud_map *m = profile__find_map(p, src, pid, pc, maps_seen, 0);
	struct hud_dso *d;

	memset(r, 0, sizeof(*r));
	r->how = HUD_CFI_NONE;
	if (!m)
		return 0;
	d = hud_symbolizer__dso(u->sym, m->path, m->build_id, m->build_id_size);
	if (!d)
		return -ENOMEM;
	return hud_dso__cfi(d, pc - m->start + m->pgoff, is_ret, r);
}

/* Does the function at @pc keep its frame record at bp (CFA = bp + 16)? */
static int keeps_frame_record(const struct hud_cfi_rule *r)
{
	return r->how == HUD_CFI_OK && r->cfa_reg == HUD_REG_BP && r->cfa_off == 16;
}

/*
 * The frame-pointer walk from frame @k on, appended to @out: chain[k + 1] is the return
 * address in the frame record at fr_k, so it holds for as long as the function of each
 * frame keeps its record at bp (frame pointers); past the first that does not, the walk
 * read another function's rbp and is garbage. Returns the new count, or -ENOMEM; sets
 * *@cut when the rest was left out.
 */
static int append_walk(struct hud_unwinder *u, const struct hud_profile *p, uint16_t src,
		       uint32_t pid, uint32_t maps_seen, const uint64_t *fp, uint32_t nr_fp,
		       uint32_t k, uint64_t *out, uint32_t n, int *cut)
{
	struct hud_cfi_rule r;
	uint32_t j;
	int err;

	for (j = k + 1; j < nr_fp && n < HUD_UNWIND_MAX_FRAMES; j++) {
		out[n++] = fp[j];
		if (j + 1 == nr_fp)
			break;
		err = rule_at(u, p, src, pid, maps_seen, fp[j], 1, &r);
		if (err)
			return err;
		/* No CFI to tell (a binary not found): the walk is all there is. */
		if (r.how == HUD_CFI_OK && !keeps_frame_record(&r)) {
			*cut = 1;
			break;
		}
	}
	return (int)n;
}

int hud_unwinder__unwind(struct hud_unwinder *u, const struct hud_profile *p, uint16_t src,
			 uint32_t pid, uint32_t maps_seen, const uint64_t *fp, uint32_t nr_fp,
			 const struct hud_rec_ustack *us, uint64_t *out, unsigned *flags)
{
	uint64_t pc = us->ip, sp = us->sp, bp = us->bp, cfa, ra, fr, next;
	int bp_known = 1, ended = 0, cut = 0, err;
	struct hud_cfi_rule r = {0};
	uint32_t n = 0, i, k;

	*flags = 0;
	out[n++] = pc;
	/* CFI as far as the copy goes. */
	while (n < HUD_UNWIND_MAX_FRAMES) {
		err = rule_at(u, p, src, pid, maps_seen, pc, n > 1, &r);
		if (err)
			return err;
		if (r.how == HUD_CFI_OUTERMOST)
			ended = 1; /* the thread's first frame */
		if (r.how != HUD_CFI_OK || (r.cfa_reg == HUD_REG_BP && !bp_known))
			break;
		cfa = (r.cfa_reg == HUD_REG_SP ? sp : bp) + (int64_t)r.cfa_off;
		/* Each caller's frame is above its callee's: anything else is no stack. */
		if (cfa <= sp || !stack_read(us, cfa + (int64_t)r.ra_off, &ra))
			break;
		if (r.bp_saved)
			bp_known = stack_read(us, cfa + (int64_t)r.bp_off, &bp);
		sp = cfa;
		if (!ra) {
			ended = 1; /* the ABI's end of the stack */
			break;
		}
		pc = ra;
		out[n++] = pc;
	}
	/*
	 * The copy ended on a frame that keeps its frame record at bp: if that record is one
	 * the kernel's walk read (fr_0 is the saved bp, fr_k+1 the word at fr_k, as far as
	 * the copy shows them), the walk has the rest of the stack.
	 */
	if (!ended && n < HUD_UNWIND_MAX_FRAMES && keeps_frame_record(&r) && bp_known) {
		for (k = 0, fr = us->bp; k + 1 < nr_fp; k++) {
			if (fr == bp) {
				n = (uint32_t)append_walk(u, p, src, pid, maps_seen, fp, nr_fp, k,
							  out, n, &cut);
				if ((int)n < 0)
					return (int)n;
				ended = !cut;
				break;
			}
			if (!stack_read(us, fr, &next) || next <= fr)
				break;
			fr = next;
		}
	}
	/* CFI could not even leave the leaf: keep what the kernel's walk found. */
	if (n < 2 && !ended) {
		for (i = 0; i < nr_fp && i < HUD_UNWIND_MAX_FRAMES; i++)
			out[i] = fp[i];
		return (int)i;
	}
	/*
	 * Repaired: CFI changed a frame of the walk or found callers it lacked. Adding only
	 * the thread's outermost frame (clone3, whose caller CFI marks undefined) under a
	 * walk that already reached start_thread repairs nothing.
	 */
	if (n < nr_fp || memcmp(out, fp, nr_fp * sizeof(*out)) ||
	    (n > nr_fp && !(n == nr_fp + 1 && r.how == HUD_CFI_OUTERMOST)))
		*flags |= HUD_UNWIND_REPAIRED;
	return (int)n;
}
