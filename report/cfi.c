// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * Unwind rules from the binaries' CFI (.eh_frame, which every Rust and C binary carries
 * for exceptions and panics, else .debug_frame), read with libdw and kept per row, so
 * that each row of CFI is interpreted once however many events pass through it (the
 * "stack deltas" of OpenTelemetry's profiler, computed lazily).
 *
 * Only the forms compilers emit for x86-64 are followed: CFA = rsp or rbp + offset, the
 * return address and rbp saved at CFA + offset. Anything else (the PLT's expressions,
 * signal frames) is HUD_CFI_NONE: the unwinder stops there.
 */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize-int.h"
#include "util.h"

#define DWARF_REG_RA 16

static void cfi_open(struct hud_dso *d)
{
	d->cfi_opened = 1;
	if (d->status != HUD_DSO_OK)
		return;
	d->eh_cfi = dwfl_module_eh_cfi(d->mod, &d->eh_bias);
	d->dw_cfi = dwfl_module_dwarf_cfi(d->mod, &d->dw_bias);
}

/* A location "saved at CFA + N" from dwarf_frame_register(): 1 with *off, else 0. */
static int saved_at_cfa(const Dwarf_Op *ops, size_t nops, int32_t *off)
{
	if (nops == 1 && ops[0].atom == DW_OP_call_frame_cfa) {
		*off = 0;
		return 1;
	}
	/* libdw writes the offset as unsigned: -8 is 2^64 - 8. */
	if (nops == 2 && ops[0].atom == DW_OP_call_frame_cfa && ops[1].atom == DW_OP_plus_uconst &&
	    (int64_t)ops[1].number >= INT32_MIN && (int64_t)ops[1].number <= INT32_MAX) {
		*off = (int32_t)(int64_t)ops[1].number;
		return 1;
	}
	return 0;
}

/* The rule of a Dwarf_Frame, in the forms above. */
static void frame_rule(Dwarf_Frame *f, struct hud_cfi_rule *r)
{
	Dwarf_Op mem[3], *ops;
	size_t nops;

	memset(r, 0, sizeof(*r));
	r->how = HUD_CFI_NONE;
	if (dwarf_frame_cfa(f, &ops, &nops) || nops != 1 || ops[0].atom != DW_OP_bregx ||
	    (ops[0].number != HUD_REG_SP && ops[0].number != HUD_REG_BP) ||
	    (int64_t)ops[0].number2 < INT32_MIN || (int64_t)ops[0].number2 > INT32_MAX)
		return;
	r->cfa_reg = (uint8_t)ops[0].number;
	r->cfa_off = (int32_t)(int64_t)ops[0].number2;
	if (dwarf_frame_register(f, DWARF_REG_RA, mem, &ops, &nops))
		return;
	if (nops == 0 && ops == mem) {
		r->how = HUD_CFI_OUTERMOST; /* undefined: nothing called this frame */
		return;
	}
	if (!saved_at_cfa(ops, nops, &r->ra_off))
		return;
	if (dwarf_frame_register(f, HUD_REG_BP, mem, &ops, &nops))
		return;
	if (nops == 0 && !ops) {
		r->bp_saved = 0; /* same value */
	} else if (saved_at_cfa(ops, nops, &r->bp_off)) {
		r->bp_saved = 1;
	} else if (nops == 0) {
		/*
		 * Undefined: a callee-saved register the CFI does not describe is one this
		 * code leaves alone (libdw marks some so at function entry).
		 */
		r->bp_saved = 0;
	} else {
		return;
	}
	r->how = HUD_CFI_OK;
}

/* The row holding @vaddr, or NULL: @at is where a new row would go. */
static struct cfi_row *row_find(struct hud_dso *d, uint64_t vaddr, size_t *at)
{
	size_t lo = hud_count_le_u64(d->cfi_rows, d->nr_cfi_rows, sizeof(*d->cfi_rows), vaddr);

	*at = lo;
	if (lo && vaddr < d->cfi_rows[lo - 1].end)
		return &d->cfi_rows[lo - 1];
	return NULL;
}

/* Look @vaddr up in @cfi (addresses = vaddr + d->bias - @bias). 1 with a row, 0, -ENOMEM. */
static int row_read(struct hud_dso *d, Dwarf_CFI *cfi, Dwarf_Addr bias, uint64_t vaddr, size_t at)
{
	Dwarf_Addr addr = vaddr + d->bias - bias, start, end;
	struct cfi_row *row;
	Dwarf_Frame *f = NULL;
	bool signal;

	if (!cfi || dwarf_cfi_addrframe(cfi, addr, &f) || !f)
		return 0;
	if (dwarf_frame_info(f, &start, &end, &signal) < 0 || end <= start) {
		free(f);
		return 0;
	}
	if (!HUD_GROW(d->cfi_rows, d->cap_cfi_rows, d->nr_cfi_rows + 1)) {
		free(f);
		return -ENOMEM;
	}
	row = &d->cfi_rows[at];
	memmove(row + 1, row, (d->nr_cfi_rows - at) * sizeof(*row));
	d->nr_cfi_rows++;
	row->start = start + bias - d->bias;
	row->end = end + bias - d->bias;
	/* The row must hold vaddr and fit between its neighbours: else keep just vaddr. */
	if (row->start > vaddr || row->end <= vaddr || (at && row[-1].end > row->start) ||
	    (at + 1 < d->nr_cfi_rows && row[1].start < row->end)) {
		row->start = vaddr;
		row->end = vaddr + 1;
	}
	frame_rule(f, &row->rule);
	/* A signal frame's "return address" is the interrupted pc: hud does not follow it. */
	if (signal)
		row->rule.how = HUD_CFI_NONE;
	free(f);
	return 1;
}

int hud_dso__cfi(struct hud_dso *d, uint64_t file_offset, int is_return_addr,
		 struct hud_cfi_rule *rule)
{
	struct cfi_row *row;
	uint64_t vaddr;
	size_t at;
	int ret;

	memset(rule, 0, sizeof(*rule));
	rule->how = HUD_CFI_NONE;
	if (!d->cfi_opened)
		cfi_open(d);
	if (!dso__vaddr(d, file_offset, &vaddr))
		return 0;
	/* A return address: the rule where the call was, as libdw's own unwinder does. */
	if (is_return_addr && vaddr)
		vaddr--;
	row = row_find(d, vaddr, &at);
	if (!row) {
		ret = row_read(d, d->eh_cfi, d->eh_bias, vaddr, at);
		if (!ret)
			ret = row_read(d, d->dw_cfi, d->dw_bias, vaddr, at);
		if (ret < 0)
			return ret;
		if (!ret)
			return 0;
		row = row_find(d, vaddr, &at);
		if (!row)
			return 0;
	}
	*rule = row->rule;
	return 0;
}

void dso__free_cfi(struct hud_dso *d)
{
	free(d->cfi_rows);
	d->cfi_rows = NULL;
	d->nr_cfi_rows = d->cap_cfi_rows = 0;
}
