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
#include "resolve.h"
#include "symbolize.h"
#include "util.h"

/*
 * The mapping @l's address was in: the newest one read before @l's first event, so that
 * an address range mapped again to another file (dlclose, then dlopen) names the right
 * file on each side of the remap. Else, for code mapped after the maps were last read, the
 * first one read after the event.
 */
static const struct hud_map *find_map(const struct hud_profile *p, const struct hud_loc *l)
{
	size_t seen = p->sources[l->src].first_map + l->maps_seen, i, k;

	if (seen > p->nr_maps)
		seen = p->nr_maps;
	/* Read before the event, newest first; then read after it, oldest first. */
	for (k = 0; k < p->nr_maps; k++) {
		const struct hud_map *m;

		i = k < seen ? seen - 1 - k : k;
		m = &p->maps[i];
		if (m->pid == l->pid && m->src == l->src && l->ip >= m->start && l->ip < m->end)
			return m;
	}
	return NULL;
}

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

/*
 * Put @f in the frame table at @slot (p->nr_frames: appended), classified, with its flags,
 * and with the name it is shown under (--no-demangle: the raw one; classes and roles still
 * use the demangled one).
 */
static int add_frame(struct hud_profile *p, const struct hud_resolve_opts *o, uint32_t slot,
		     struct hud_sym_frame *f)
{
	size_t cap, cap_flags;

	if (!f->kernel && f->function)
		f->cls = is_user_prefix(o, f->function)
				 ? HUD_FC_USER
				 : hud_classify_frame(f->function, f->file, f->dso, 0);
	if (slot == p->nr_frames) {
		if (p->nr_frames >= UINT32_MAX - 1)
			return -E2BIG;
		if (p->nr_frames == p->cap_frames) {
			/* Two arrays of one capacity: both grow alike. */
			cap = p->cap_frames;
			cap_flags = p->cap_frames;
			if (!HUD_GROW(p->frames, cap, p->nr_frames + 1) ||
			    !HUD_GROW(p->frame_flags, cap_flags, p->nr_frames + 1))
				return -ENOMEM;
			p->cap_frames = cap;
		}
		p->nr_frames++;
	}
	p->frame_flags[slot] = hud_frame_flags(f->function, f->cls, f->kernel);
	if (o->no_demangle && f->raw)
		f->function = f->raw;
	p->frames[slot] = *f;
	return 0;
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
		return add_frame(p, o, id, &f);
	}
	m = find_map(p, l);
	if (!m) {
		f.dso = "[unmapped]";
		f.offset = l->ip;
		f.cls = HUD_FC_UNKNOWN;
		return add_frame(p, o, id, &f);
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
		return add_frame(p, o, id, &f);
	}
	l->symbolized = 1;
	l->nr = (uint32_t)nr;
	l->first = (uint32_t)p->nr_frames;
	for (k = 0; k < nr; k++) {
		f.function = fr[k].function;
		f.raw = fr[k].raw;
		f.file = fr[k].file;
		f.line = fr[k].line;
		f.inlined = fr[k].inlined ? 1 : 0;
		f.cls = HUD_FC_UNKNOWN;
		err = add_frame(p, o, k ? (uint32_t)p->nr_frames : id, &f);
		if (err)
			return err;
	}
	return 0;
}

/* Symbolize the addresses of @s not seen before, and point its frames at them. */
static int symbolize_stack(struct hud_profile *p, struct hud_symbolizer *sym,
			   const struct hud_resolve_opts *o, struct hud_stack *s)
{
	uint32_t i, j, k, n = (uint32_t)s->nr_kernel + s->nr_user;
	uint64_t total = 0;
	int err;

	for (i = 0; i < n; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		if (!l->nr) {
			err = loc_symbolize(p, sym, o, s->locs[i]);
			if (err)
				return err;
		}
		p->frames_total++;
		p->frames_symbolized += l->symbolized;
		total += l->nr;
	}
	if (total > UINT32_MAX)
		return -E2BIG;
	s->nr_frames = (uint32_t)total;
	if (total == n) {
		/* No inlined frames: loc i's frame is frame slot i, so the locs are the frames. */
		s->frame_ids = s->locs;
		return 0;
	}
	s->frame_ids = profile__alloc_ids(p, total);
	if (!s->frame_ids)
		return -ENOMEM;
	for (i = 0, k = 0; i < n; i++) {
		const struct hud_loc *l = &p->locs[s->locs[i]];

		s->frame_ids[k++] = s->locs[i];
		for (j = 1; j < l->nr; j++)
			s->frame_ids[k++] = l->first + j - 1;
	}
	return 0;
}

int profile__symbolize(struct hud_profile *p, struct hud_symbolizer *sym,
		       const struct hud_resolve_opts *o)
{
	static const struct hud_resolve_opts defaults;
	size_t i;
	int err;

	if (!o)
		o = &defaults;
	/*
	 * Each unique address is symbolized and classified once, the first time a stack
	 * holds it (so unusable binaries are listed in the order stacks reach them). Frame
	 * slot i is the innermost frame of loc i; the outer frames of inline expansions
	 * follow all of those. So a stack without inlined frames needs no array of its own.
	 */
	if (p->nr_locs) {
		size_t cap = p->cap_frames, cap_flags = p->cap_frames;

		if (!HUD_GROW(p->frames, cap, p->nr_locs) ||
		    !HUD_GROW(p->frame_flags, cap_flags, p->nr_locs))
			return -ENOMEM;
		p->cap_frames = cap;
		p->nr_frames = p->nr_locs;
	}
	for (i = 0; i < p->nr_stacks; i++) {
		struct hud_stack *s = &p->stacks[i];

		err = symbolize_stack(p, sym, o, s);
		if (err)
			return err;
		hud_classify_stack(p, s);
	}
	return 0;
}
