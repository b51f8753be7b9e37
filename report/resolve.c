// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * The symbolization pass (resolve.h): each unique address once, into the profile's frame
 * table, then the stack rules of classify.c on every stack.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "demangle.h"
#include "resolve.h"
#include "symbolize.h"
#include "util.h"

static const struct hud_ksym *find_ksym(const struct hud_source *s, uint64_t ip)
{
	size_t lo = hud_count_le_u64(s->ksyms, s->nr_ksyms, sizeof(*s->ksyms), ip);

	if (lo && ip < s->ksyms[lo - 1].end)
		return &s->ksyms[lo - 1];
	return NULL;
}

/* How to fix a binary that could not be used, by reason. */
static const char *dso_fix(enum hud_dso_status st)
{
	switch (st) {
	case HUD_DSO_NOT_FOUND:
		return ": copy it here, or pass --symfs DIR or --debug-dir DIR "
		       "(hud-record --archive DIR collects binaries)";
	case HUD_DSO_BUILD_ID_MISMATCH:
		return ": the file was rebuilt or replaced; point --symfs or --debug-dir at the "
		       "recorded build";
	case HUD_DSO_NO_SYMBOLS:
		return ": it is stripped; install its debug info (e.g. a -dbgsym package) or pass "
		       "--debug-dir";
	default:
		return "";
	}
}

static int note_dso_failure(struct hud_profile *p, struct hud_dso *d)
{
	enum hud_dso_status st = hud_dso__status(d);
	size_t i, len;
	const char *path = hud_dso__path(d);
	char *msg;

	if (st == HUD_DSO_OK || path[0] != '/')
		return 0; /* [vdso] and friends are expected to be unknown */
	len = strlen(path) + 200;
	for (i = 0; i < p->nr_failed_dsos; i++)
		if (!strncmp(p->failed_dsos[i], path, strlen(path)) &&
		    p->failed_dsos[i][strlen(path)] == ':')
			return 0;
	msg = malloc(len);
	if (!msg || !HUD_GROW(p->failed_dsos, p->cap_failed_dsos, p->nr_failed_dsos + 1)) {
		free(msg);
		return -ENOMEM;
	}
	snprintf(msg, len, "%s: %s%s", path, hud_dso__status_str(st), dso_fix(st));
	p->failed_dsos[p->nr_failed_dsos++] = msg;
	if (st < 8)
		p->dso_failures[st]++;
	return 0;
}

/* --user PREFIX: "my_crate" matches my_crate::f and <my_crate::T as Trait>::f. */
static int is_user_prefix(const struct hud_resolve_opts *o, const char *fn)
{
	size_t i, n;

	if (!fn)
		return 0;
	if (*fn == '<')
		fn++;
	for (i = 0; i < o->nr_user_prefixes; i++) {
		n = strlen(o->user_prefixes[i]);
		if (!strncmp(fn, o->user_prefixes[i], n))
			return 1;
	}
	return 0;
}

/* add_frame()'s slot for a frame appended to p->xframes. */
#define NEW_XFRAME UINT32_MAX

/*
 * Put @f in the frame table at @slot (a loc's own slot, or NEW_XFRAME: appended to the
 * extra frames), classified, with its flags, and with the name it is shown under
 * (--no-demangle: the raw one; classes and roles still use the demangled one). Returns
 * the frame's id, or -errno.
 */
static int64_t add_frame(struct hud_profile *p, const struct hud_resolve_opts *o, uint32_t slot,
			 struct hud_sym_frame *f)
{
	size_t cap, cap_flags;
	uint8_t flags;

	if (!f->kernel && f->function)
		f->cls = is_user_prefix(o, f->function)
				 ? HUD_FC_USER
				 : hud_classify_frame(f->function, f->file, f->dso, 0);
	flags = hud_frame_flags(f->function, f->cls, f->kernel);
	if (o->no_demangle && f->raw)
		f->function = f->raw;
	if (slot != NEW_XFRAME) {
		p->frame_flags[slot] = flags;
		p->frames[slot] = *f;
		return slot;
	}
	if (p->nr_xframes >= UINT32_MAX - HUD_XFRAME - 1)
		return -E2BIG;
	if (p->nr_xframes == p->cap_xframes) {
		/* Two arrays of one capacity: both grow alike. */
		cap = p->cap_xframes;
		cap_flags = p->cap_xframes;
		if (!HUD_GROW(p->xframes, cap, p->nr_xframes + 1) ||
		    !HUD_GROW(p->xframe_flags, cap_flags, p->nr_xframes + 1))
			return -ENOMEM;
		p->cap_xframes = cap;
	}
	p->xframe_flags[p->nr_xframes] = flags;
	p->xframes[p->nr_xframes] = *f;
	return HUD_XFRAME + (int64_t)p->nr_xframes++;
}

/*
 * Symbolize unique address @id into its frames: the innermost one in frame slot @id, the
 * functions it is inlined into (if any) appended at l->first (see profile__symbolize()).
 */
static int loc_symbolize(struct hud_profile *p, struct hud_symbolizer *sym,
			 const struct hud_resolve_opts *o, uint32_t id)
{
	struct hud_loc *l = &p->locs[id];
	struct hud_sym_frame f = {0};
	const struct hud_frame *fr;
	const struct hud_map *m;
	struct hud_dso *dso;
	int k, nr, err;

	l->nr = 1;
	if (l->kind == HUD_LOC_KERNEL) {
		const struct hud_ksym *ks = find_ksym(&p->sources[l->src], l->ip);

		f.dso = "[kernel.kallsyms]";
		f.offset = l->ip;
		f.kernel = 1;
		f.cls = HUD_FC_KERNEL;
		if (ks) {
			f.function = ks->name;
			l->symbolized = 1;
		}
		return add_frame(p, o, id, &f) < 0 ? -E2BIG : 0;
	}
	m = profile__find_map(p, l->src, l->pid, l->ip, l->maps_seen, 1);
	if (!m) {
		f.dso = "[unmapped]";
		f.offset = l->ip;
		f.cls = HUD_FC_UNKNOWN;
		return add_frame(p, o, id, &f) < 0 ? -E2BIG : 0;
	}
	f.dso = m->path;
	f.offset = l->ip - m->start + m->pgoff;
	dso = hud_symbolizer__dso(sym, m->path, m->build_id, m->build_id_size);
	if (!dso)
		return -ENOMEM;
	err = note_dso_failure(p, dso);
	if (err)
		return err;
	/* Every frame but the leaf is a return address: look up the call (perf does). */
	f.ret = l->kind == HUD_LOC_RETURN;
	nr = hud_dso__lookup(dso, f.offset, f.ret, &fr);
	if (nr < 0)
		return nr;
	if (nr == 0) {
		f.cls = HUD_FC_UNKNOWN;
		return add_frame(p, o, id, &f) < 0 ? -E2BIG : 0;
	}
	l->symbolized = 1;
	l->nr = (uint32_t)nr;
	l->first = HUD_XFRAME + (uint32_t)p->nr_xframes;
	for (k = 0; k < nr; k++) {
		int64_t fid;

		f.function = fr[k].function;
		f.raw = fr[k].raw;
		f.file = fr[k].file;
		f.line = fr[k].line;
		f.inlined = fr[k].inlined ? 1 : 0;
		f.cls = HUD_FC_UNKNOWN;
		fid = add_frame(p, o, k ? NEW_XFRAME : id, &f);
		if (fid < 0)
			return (int)fid;
	}
	return 0;
}

/* ---- call sites: validation and inferred frames -------------------------------------- */

/* What the code says about one unique user address, worked out on its first use. */
struct loc_call {
	uint8_t done;
	uint8_t kind;	  /* enum hud_call_kind (return addresses), else HUD_CALL_UNKNOWN */
	uint8_t ifunc;	  /* the call reaches a GNU IFUNC */
	uint8_t unmapped; /* in no mapping of its process */
	uint8_t has_fn;	  /* fn_start is known */
	struct hud_dso *dso;
	uint64_t fn_start; /* ELF vaddr of the function this address is in */
	uint64_t target;   /* HUD_CALL_DIRECT: the callee's start */
	const char *raw;   /* the callee's symbol as written */
	uint32_t inferred; /* frame slot of the callee's inferred frame, + 1; 0: not made */
};

struct resolve_ctx {
	struct hud_profile *p;
	struct hud_symbolizer *sym;
	const struct hud_resolve_opts *o;
	struct loc_call *calls; /* per loc */
};

static int loc_call(struct resolve_ctx *r, uint32_t id, struct loc_call **out)
{
	struct loc_call *c = &r->calls[id];
	const struct hud_loc *l = &r->p->locs[id];
	const struct hud_map *m;
	uint64_t off, vaddr;
	int err;

	*out = c;
	if (c->done)
		return 0;
	c->done = 1;
	c->kind = HUD_CALL_UNKNOWN;
	m = profile__find_map(r->p, l->src, l->pid, l->ip, l->maps_seen, 1);
	if (!m) {
		c->unmapped = 1;
		return 0;
	}
	c->dso = hud_symbolizer__dso(r->sym, m->path, m->build_id, m->build_id_size);
	if (!c->dso)
		return -ENOMEM;
	off = l->ip - m->start + m->pgoff;
	/* A return address belongs to the function of the call before it. */
	if (hud_dso__vaddr_of(c->dso, off, &vaddr))
		c->has_fn = hud_dso__function_at(c->dso, vaddr - (l->kind == HUD_LOC_RETURN),
						 &c->fn_start, NULL);
	if (l->kind == HUD_LOC_RETURN) {
		struct hud_call call;

		err = hud_dso__call_before(c->dso, off, &call);
		if (err)
			return err;
		c->kind = call.kind;
		c->ifunc = call.ifunc;
		c->target = call.target;
		c->raw = call.raw;
	}
	return 0;
}

/*
 * Did the call at return address @ret reach a function other than the one of the next
 * frame toward the leaf, @callee? Then that function ran and left no frame (it tail-called
 * on, or called @callee without a frame of its own). Never when the call is indirect or
 * reaches an IFUNC: which implementation runs is not known.
 */
static int callee_missing(const struct loc_call *ret, const struct loc_call *callee)
{
	uint64_t vaddr;
	int ifunc;

	if (ret->ifunc || !callee->dso || !callee->has_fn)
		return 0;
	if (ret->kind == HUD_CALL_DIRECT)
		return callee->dso != ret->dso || callee->fn_start != ret->target;
	if (ret->kind != HUD_CALL_IMPORT)
		return 0;
	/* Across binaries by address: aliases (nanosleep, __nanosleep) are one function. */
	if (hud_dso__function_named(callee->dso, ret->raw, &vaddr, &ifunc) <= 0)
		return 1; /* defined elsewhere: it ran, and called into the callee's binary */
	return !ifunc && vaddr != callee->fn_start;
}

/* The frame of the callee of the call at return address @c (made once), or -errno. */
static int64_t inferred_frame(struct resolve_ctx *r, struct loc_call *c, struct hud_dso *callee_dso)
{
	struct hud_sym_frame f = {0};
	const struct hud_frame *fr;
	struct hud_dso *d = c->dso;
	uint64_t vaddr = c->target, off;
	int64_t id;
	int ifunc, nr;

	if (c->inferred)
		return c->inferred - 1;
	/* An import is found where the next frame lives, if it is defined there. */
	if (c->kind == HUD_CALL_IMPORT) {
		d = callee_dso && hud_dso__function_named(callee_dso, c->raw, &vaddr, &ifunc) > 0
			    ? callee_dso
			    : NULL;
	}
	f.dso = d ? hud_dso__path(d) : "[import]";
	f.inferred = 1;
	f.cls = HUD_FC_UNKNOWN;
	if (d && hud_dso__offset_of(d, vaddr, &off)) {
		f.offset = off;
		nr = hud_dso__lookup(d, off, 0, &fr);
		if (nr < 0)
			return nr;
		if (nr > 0) {
			/* The function itself, at its start: the outermost of the expansion. */
			f.function = fr[nr - 1].function;
			f.raw = fr[nr - 1].raw;
			f.file = fr[nr - 1].file;
			f.line = fr[nr - 1].line;
		}
	}
	if (!f.function && c->raw) {
		char *dem = hud_demangle(c->raw);

		f.raw = c->raw;
		f.function = dem ? hud_symbolizer__intern(r->sym, dem) : c->raw;
		free(dem);
		if (!f.function)
			return -ENOMEM;
	}
	if (!f.function)
		return -ENOENT; /* nothing to name it by: no frame */
	id = add_frame(r->p, r->o, NEW_XFRAME, &f);
	if (id < 0)
		return id;
	c->inferred = (uint32_t)id + 1;
	return id;
}

/*
 * Symbolize the addresses of @s not seen before, check its return addresses against the
 * code, and point its frames at them: each address's inline expansion, with the frames
 * the call sites tell of inserted (HUD_STACK_INFERRED), and the frames past a return
 * address that no call precedes, or that no mapping holds, left out (HUD_STACK_TRUNCATED).
 */
static int symbolize_stack(struct resolve_ctx *r, struct hud_stack *s)
{
	struct hud_profile *p = r->p;
	uint32_t i, j, k, n = (uint32_t)s->nr_kernel + s->nr_user, keep = n;
	uint32_t *inferred = NULL; /* per loc: its callee's frame slot + 1, or 0 */
	uint64_t total = 0;
	int err = 0;

	for (i = 0; i < n; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		if (!l->nr) {
			err = loc_symbolize(p, r->sym, r->o, s->locs[i]);
			if (err)
				return err;
		}
	}
	for (i = s->nr_kernel + 1; i < n; i++) {
		struct loc_call *ret, *callee;
		int64_t slot;

		err = loc_call(r, s->locs[i], &ret);
		if (!err)
			err = loc_call(r, s->locs[i - 1], &callee);
		if (err)
			goto out;
		if (ret->unmapped || ret->kind == HUD_CALL_NONE) {
			keep = i;
			s->flags |= HUD_STACK_TRUNCATED;
			break;
		}
		if (!callee_missing(ret, callee))
			continue;
		slot = inferred_frame(r, ret, callee->dso);
		if (slot == -ENOENT)
			continue;
		if (slot < 0) {
			err = (int)slot;
			goto out;
		}
		if (!inferred && !(inferred = calloc(n, sizeof(*inferred)))) {
			err = -ENOMEM;
			goto out;
		}
		inferred[i] = (uint32_t)slot + 1;
		s->flags |= HUD_STACK_INFERRED;
		total++;
	}
	for (i = 0; i < keep; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		p->frames_total++;
		p->frames_symbolized += l->symbolized;
		total += l->nr;
	}
	if (total > UINT32_MAX) {
		err = -E2BIG;
		goto out;
	}
	s->nr_frames = (uint32_t)total;
	if (total == n) {
		/* No inlined frames: loc i's frame is frame slot i, so the locs are the frames. */
		s->frame_ids = s->locs;
		goto out;
	}
	s->frame_ids = profile__alloc_ids(p, total);
	if (!s->frame_ids) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0, k = 0; i < keep; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		if (inferred && inferred[i])
			s->frame_ids[k++] = inferred[i] - 1;
		s->frame_ids[k++] = s->locs[i];
		for (j = 1; j < l->nr; j++)
			s->frame_ids[k++] = l->first + j - 1;
	}
out:
	free(inferred);
	return err;
}

/*
 * A live view's file names kernel addresses once a second (hud-record's KSYM records),
 * so frames symbolized before their names came are named when they come, and the stacks
 * holding them are classified again (their reason and roles depend on kernel frames).
 */
static void name_kernel_frames(struct hud_profile *p)
{
	size_t i, nr = 0;
	int named = 0;

	for (i = 0; i < p->nr_sources; i++)
		nr += p->sources[i].nr_ksyms;
	if (nr == p->nr_ksyms_symbolized)
		return;
	p->nr_ksyms_symbolized = nr;
	for (i = 0; i < p->nr_frames && i < p->nr_locs; i++) {
		struct hud_loc *l = &p->locs[i];
		const struct hud_ksym *ks;

		if (l->kind != HUD_LOC_KERNEL || !l->nr || l->symbolized)
			continue;
		ks = find_ksym(&p->sources[l->src], l->ip);
		if (!ks)
			continue;
		p->frames[i].function = ks->name;
		p->frame_flags[i] = hud_frame_flags(ks->name, HUD_FC_KERNEL, 1);
		l->symbolized = 1;
		named = 1;
	}
	for (i = 0; named && i < p->nr_stacks_symbolized; i++)
		hud_classify_stack(p, &p->stacks[i]);
}

int profile__symbolize(struct hud_profile *p, struct hud_symbolizer *sym,
		       const struct hud_resolve_opts *o)
{
	static const struct hud_resolve_opts defaults;
	struct resolve_ctx r = {.p = p, .sym = sym, .o = o ? o : &defaults};
	size_t i, had = p->nr_frames;
	int err = 0;

	/*
	 * Each unique address is symbolized and classified once, the first time a stack
	 * holds it (so unusable binaries are listed in the order stacks reach them). Frame
	 * slot i is the innermost frame of loc i; the outer frames of inline expansions
	 * and inferred frames are extra frames. So a stack without either needs no array
	 * of its own. Called again after more records were loaded (a live view), only the
	 * new stacks are done, with the facts of the addresses already seen.
	 */
	if (p->nr_locs > had) {
		size_t cap = p->cap_frames, cap_flags = p->cap_frames, cap_calls = p->cap_loc_calls;
		struct loc_call *calls = p->loc_calls;

		if (!HUD_GROW(p->frames, cap, p->nr_locs) ||
		    !HUD_GROW(p->frame_flags, cap_flags, p->nr_locs))
			return -ENOMEM;
		p->cap_frames = cap;
		if (!HUD_GROW(calls, cap_calls, p->nr_locs))
			return -ENOMEM;
		memset(calls + had, 0, (p->nr_locs - had) * sizeof(*calls));
		p->loc_calls = calls;
		p->cap_loc_calls = cap_calls;
		p->nr_frames = p->nr_locs;
	}
	r.calls = p->loc_calls;
	name_kernel_frames(p);
	for (i = p->nr_stacks_symbolized; i < p->nr_stacks && !err; i++) {
		struct hud_stack *s = &p->stacks[i];

		err = symbolize_stack(&r, s);
		if (!err)
			hud_classify_stack(p, s);
	}
	if (!err)
		p->nr_stacks_symbolized = p->nr_stacks;
	return err;
}
