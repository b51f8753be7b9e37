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

int hud_unwinder__unwind(struct hud_unwinder *u, const struct hud_profile *p, uint16_t src,
			 uint32_t pid, uint32_t maps_seen, const uint64_t *fp, uint32_t nr_fp,
			 const struct hud_rec_ustack *us, uint64_t *out, unsigned *flags)
{
	uint64_t pc = us->ip, sp = us->sp, bp = us->bp, cfa, ra;
	int bp_known = 1, joined = 0, err;
	uint32_t n = 0, i;

	*flags = 0;
	out[n++] = pc;
	while (n < HUD_UNWIND_MAX_FRAMES) {
		struct hud_cfi_rule r;

		err = rule_at(u, p, src, pid, maps_seen, pc, n > 1, &r);
		if (err)
			return err;
		if (r.how != HUD_CFI_OK)
			break; /* the thread's first frame, or code hud cannot unwind */
		/*
		 * This frame keeps its caller's frame record at bp, and bp is where the kernel's
		 * frame-pointer walk started: the rest of the stack is that walk's. Joining as
		 * early as this keeps the walk's frames that lie beyond the copy.
		 */
		if (r.cfa_reg == HUD_REG_BP && r.cfa_off == 16 && bp_known && bp == us->bp) {
			for (i = 1; i < nr_fp && n < HUD_UNWIND_MAX_FRAMES; i++)
				out[n++] = fp[i];
			joined = 1;
			break;
		}
		if (r.cfa_reg == HUD_REG_BP && !bp_known)
			break;
		cfa = (r.cfa_reg == HUD_REG_SP ? sp : bp) + (int64_t)r.cfa_off;
		/* Each caller's frame is above its callee's: anything else is no stack. */
		if (cfa <= sp || !stack_read(us, cfa + (int64_t)r.ra_off, &ra))
			break;
		if (r.bp_saved)
			bp_known = stack_read(us, cfa + (int64_t)r.bp_off, &bp);
		sp = cfa;
		if (!ra)
			break; /* the ABI's end of the stack */
		pc = ra;
		out[n++] = pc;
	}
	/* CFI could not even leave the leaf: keep what the kernel's walk found. */
	if (n < 2 && !joined) {
		for (i = 0; i < nr_fp && i < HUD_UNWIND_MAX_FRAMES; i++)
			out[i] = fp[i];
		return (int)i;
	}
	if (n != nr_fp || memcmp(out, fp, n * sizeof(*out)))
		*flags |= HUD_UNWIND_REPAIRED;
	return (int)n;
}
