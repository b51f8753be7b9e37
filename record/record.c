// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * A recording session: what the kernel sends (capture.c) and what /proc says (proc.c),
 * kept track of (targets.c) and written into the .hud file (emit.c). Nothing here
 * symbolizes, and nothing prints: errors go back to the caller, the rest into notes.
 *
 *	start	load the programs, open the output, write the metadata and every target's
 *		process, threads and mappings, attach, publish the output under its name
 *	poll	drain the ring buffer into records; re-read maps that went stale; once a
 *		second, losses, dead targets and a chunk to disk
 *	stop	detach, drain, write the final state (names, mappings, the role hint, the
 *		kernel symbols) and the end marker, close, archive
 */
#include <errno.h>
#include <limits.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "archive.h"
#include "capture.h"
#include "elfread.h"
#include "emit.h"
#include "hud_events.h"
#include "hud_format.h"
#include "ksyms.h"
#include "log.h"
#include "output.h"
#include "proc.h"
#include "record.h"
#include "targets.h"
#include "util.h"

struct record_session {
	const struct record_opts *opts;
	struct capture cap;
	struct record_output out;
	struct hud_writer *w;
	struct targets ts;
	struct u64set kips; /* kernel addresses seen, in order: kips.keys[kips_named...] new */
	size_t kips_named;
	struct ksyms *ksyms; /* /proc/kallsyms, read at start-up */
	int ksyms_err;	     /* it could not be read: kernel frames stay unnamed */
	struct hud_msgs notes;
	struct fp_verdict *verdicts; /* frame pointers or not, per file mapped */
	size_t nr_verdicts, cap_verdicts;
	uint64_t samples, offcpu, offcpu_sampled, lost, bad_events, copies;
	uint64_t end_ns; /* when the recording stopped (record__stop) */
	uint64_t start_ns, deadline_ns, next_tick_ns;
	int err; /* first error writing the file (or reading /proc): the recording ends */
};

/* ---- frame pointers ---------------------------------------------------------------- */

/* Whether a file's code sets up frame pointers, decided once per build-id (or path). */
struct fp_verdict {
	uint8_t build_id[HUD_BUILD_ID_MAX];
	uint32_t build_id_size;
	char *path; /* when there is no build-id */
	int fp;	    /* 1 yes, 0 no, -1 cannot tell */
};

/* Frame pointers in the file at @path? 1, 0, or -1 (too few functions, unreadable). */
static int census_verdict(const char *path)
{
	struct elf_fp_census c;

	return elf__has_frame_pointers(path, &c);
}

/* Frame pointers in the file of mapping @m of @pid (cached)? 1, 0 or -1. */
static int map_fp(struct record_session *s, pid_t pid, const struct proc_map *m)
{
	char path[PATH_MAX + 64];
	struct fp_verdict *v;
	size_t i;

	if (!m->inode || m->path[0] != '/')
		return -1; /* [vdso], anonymous code (JIT): nothing to read */
	for (i = 0; i < s->nr_verdicts; i++) {
		v = &s->verdicts[i];
		if (m->build_id_size ? v->build_id_size == m->build_id_size &&
					       !memcmp(v->build_id, m->build_id, m->build_id_size)
				     : v->path && !strcmp(v->path, m->path))
			return v->fp;
	}
	if (!HUD_GROW(s->verdicts, s->cap_verdicts, s->nr_verdicts + 1))
		return -1;
	v = &s->verdicts[s->nr_verdicts];
	memset(v, 0, sizeof(*v));
	memcpy(v->build_id, m->build_id, sizeof(v->build_id));
	v->build_id_size = m->build_id_size;
	if (!m->build_id_size && !(v->path = strdup(m->path)))
		return -1;
	/* The mapping itself, right even if the path now holds another file. */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	v->fp = census_verdict(path);
	if (v->fp < 0) {
		snprintf(path, sizeof(path), "/proc/%d/root%s", pid, m->path);
		v->fp = census_verdict(path);
	}
	dlog("%s: %s", m->path,
	     v->fp > 0 ? "frame pointers"
	     : v->fp   ? "cannot tell frame pointers"
		       : "no frame pointers");
	s->nr_verdicts++;
	return v->fp;
}

/*
 * The programs' table of code without frame pointers, from every live target's mappings:
 * events whose leaf is there get a stack copy. 0 or -ENOMEM.
 */
static int update_nofp(struct record_session *s)
{
	struct capture_range *r = NULL;
	size_t cap = 0, n = 0, k;
	int i, left;

	if (s->opts->ustack_mode != RECORD_USTACK_AUTO)
		return 0;
	for (i = 0; i < s->ts.nr; i++) {
		const struct target *t = &s->ts.t[i];

		for (k = 0; t->alive && k < t->nr_ranges; k++) {
			if (!t->ranges[k].nofp)
				continue;
			if (!HUD_GROW(r, cap, n + 1)) {
				free(r);
				return -ENOMEM;
			}
			r[n++] = (struct capture_range){.start = t->ranges[k].start,
							.end = t->ranges[k].end,
							.pid = t->pid};
		}
	}
	left = capture__set_nofp(&s->cap, r, (int)n);
	if (left)
		vlog("%d code ranges without frame pointers left out of %zu: their leaves lose "
		     "callers",
		     left, n);
	free(r);
	return 0;
}

/*
 * Is @t's executable built without frame pointers? Then every event of it gets a stack
 * copy (hud-report unwinds all of it with CFI), as with --call-graph dwarf.
 */
static void check_exe(struct record_session *s, int i)
{
	struct target *t = &s->ts.t[i];
	char path[64];

	if (t->exe_fp >= 0)
		return;
	snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
	t->exe_fp = census_verdict(path);
	if (!t->exe_fp && s->opts->ustack_mode == RECORD_USTACK_AUTO)
		capture__copy_all(&s->cap, i);
}

/* ---- /proc facts into records ------------------------------------------------------ */

struct maps_ctx {
	struct record_session *s;
	struct maps_read mr;
	pid_t pid;
	uint64_t now_ns;
};

static int map_seen(void *ctx, const struct proc_map *m)
{
	struct maps_ctx *c = ctx;
	int err = emit__map(c->s->w, (uint32_t)c->pid, c->now_ns, m);

	return err ? err : maps_read__add(&c->mr, m, map_fp(c->s, c->pid, m) == 0);
}

/* Re-read the maps of @t and write them. 0 or -errno; a process that is gone is dead. */
static int reread_maps(struct record_session *s, struct target *t, uint64_t now_ns)
{
	struct maps_ctx c = {.s = s, .pid = t->pid, .now_ns = now_ns};
	int n = proc__for_each_exec_map(t->pid, map_seen, &c);

	if (n >= 0)
		n = target__maps_read(t, &c.mr, now_ns);
	if (n >= 0)
		n = update_nofp(s);
	maps_read__free(&c.mr);
	if (n == -ENOENT || n == -ESRCH) {
		t->alive = 0;
		return 0;
	}
	return n < 0 ? n : 0;
}

/*
 * Re-read @t's maps if they are stale and the wait is over: soon after frames fell outside
 * the known mappings (dlopen, JIT), while the code is likely still mapped, so that a
 * library loaded, run and closed within a second need not wait for the next tick; soon
 * after an mmap() of code. The wait starts at 0.1 s (target__maps_read() lengthens it
 * while re-reads change nothing). A process that is gone is left to tick(), which notes
 * the exit.
 */
static int reread_maps_if_due(struct record_session *s, struct target *t, uint64_t now)
{
	if (!target__maps_due(t, now) || !proc__alive(t->pid))
		return 0;
	dlog("pid %d: code mapped, or a frame outside known mappings: re-reading its maps", t->pid);
	return reread_maps(s, t, now);
}

/* Write a THREAD record with @comm and remember the name. 0 or -errno. */
static int name_thread(struct record_session *s, uint32_t pid, uint32_t tid, uint64_t time_ns,
		       const char comm[HUD_COMM_LEN])
{
	int err = emit__thread(s->w, pid, tid, time_ns, comm);

	return err ? err : targets__named(&s->ts, pid, tid, comm);
}

/* The first event of a thread born after the start: name it from /proc. 0 or -errno. */
static int name_new_thread(struct record_session *s, uint32_t pid, uint32_t tid)
{
	char comm[HUD_COMM_LEN];

	if (targets__name_state(&s->ts, tid))
		return 0;
	if (proc__comm(pid, tid, comm)) {
		/* Gone already: its exit event names it; do not ask /proc again. */
		return targets__nameless(&s->ts, tid);
	}
	return name_thread(s, pid, tid, hud_now_ns(), comm);
}

struct threads_ctx {
	struct record_session *s;
	pid_t pid;
	uint64_t now_ns;
};

static int thread_seen(void *ctx, pid_t tid, const char *comm)
{
	struct threads_ctx *c = ctx;
	char name[HUD_COMM_LEN] = "";

	memcpy(name, comm, strnlen(comm, HUD_COMM_LEN));
	return name_thread(c->s, (uint32_t)c->pid, (uint32_t)tid, c->now_ns, name);
}

/*
 * PROCESS, THREAD and MAP records for every live target (at start and end). Targets that
 * vanished are marked dead. 0 or -errno.
 */
static int snapshot(struct record_session *s, uint64_t now_ns)
{
	struct proc_info pi;
	int i, err, n;

	for (i = 0; i < s->ts.nr; i++) {
		struct target *t = &s->ts.t[i];
		struct threads_ctx c = {.s = s, .pid = t->pid, .now_ns = now_ns};

		if (!t->alive)
			continue;
		check_exe(s, i);
		proc__info(t->pid, &pi);
		err = emit__process(s->w, (uint32_t)t->pid, 0, now_ns, &pi);
		if (err)
			return err;
		n = proc__for_each_thread(t->pid, thread_seen, &c);
		if (n == -ENOENT || n == -ESRCH) {
			t->alive = 0;
			continue;
		}
		if (n < 0)
			return n;
		err = reread_maps(s, t, now_ns);
		if (err)
			return err;
	}
	return 0;
}

static const char *ustack_mode_name(enum record_ustack_mode m)
{
	return m == RECORD_USTACK_FP ? "fp" : m == RECORD_USTACK_DWARF ? "dwarf" : "auto";
}

static int write_meta(struct record_session *s, const struct record_info *info, uint64_t start_rt)
{
	const struct record_opts *o = s->opts;
	char pids[RECORD_MAX_TARGETS * 12] = "";
	struct proc_info pi;
	struct utsname u;
	size_t plen = 0, i;
	int j, err = 0;

	uname(&u);
	/* The first target describes the recording; PROCESS records describe them all. */
	proc__info(o->pids[0], &pi);
	check_exe(s, 0);
	for (j = 0; j < o->nr_pids; j++)
		plen += snprintf(pids + plen, sizeof(pids) - plen, "%s%d", j ? "," : "",
				 o->pids[j]);
	{
		const struct {
			const char *key, *str; /* str, else the number */
			uint64_t num;
		} kv[] = {
			{"hud_version", HUD_VERSION, 0},
			{"kernel", u.release, 0},
			{"hostname", u.nodename, 0},
			{"arch", u.machine, 0},
			{"start_realtime_ns", NULL, start_rt},
			{"start_monotonic_ns", NULL, s->start_ns},
			{"target_pid", NULL, (uint64_t)o->pids[0]},
			{"target_pids", pids, 0},
			{"target_exe", pi.exe, 0},
			{"target_cmdline", pi.cmdline, 0},
			{"target_comm", pi.comm, 0},
			{"sample_freq_hz", NULL, o->freq_hz},
			{"offcpu_threshold_ns", NULL, o->threshold_ns},
			{"cpus", NULL, (uint64_t)s->cap.ncpus},
			{"sched_switch_attach", info->attach, 0},
			{"offcpu_user_stacks", info->ustack_hook, 0},
			{"sample_kernel_stacks", o->sample_kernel ? "1" : "0", 0},
			{"ustack_mode", ustack_mode_name(o->ustack_mode), 0},
			{"target_frame_pointers",
			 s->ts.t[0].exe_fp > 0	  ? "yes"
			 : s->ts.t[0].exe_fp == 0 ? "no"
						  : "unknown",
			 0},
			{"ustack_copy_bytes", NULL,
			 o->ustack_mode == RECORD_USTACK_FP ? 0 : o->ustack_size},
			{"ustack_leaf_copy_bytes", NULL,
			 o->ustack_mode == RECORD_USTACK_AUTO ? o->ustack_leaf_size : 0},
			{"offcpu_sample_period_ns", NULL, s->cap.grid_period_ns},
			{"offcpu_sample_seed", NULL, s->cap.grid_seed},
		};

		for (i = 0; !err && i < ARRAY_SIZE(kv); i++)
			err = kv[i].str ? emit__meta(s->w, kv[i].key, kv[i].str)
					: emit__meta_u64(s->w, kv[i].key, kv[i].num);
	}
	return err;
}

static int write_role_hint(struct record_session *s)
{
	char best[HUD_COMM_LEN + 1];
	const char *source;
	int err = targets__role_hint(&s->ts, s->opts->workers, best, &source);

	if (!err)
		err = emit__meta(s->w, "worker_hint", best);
	return err ? err : emit__meta(s->w, "worker_hint_source", source);
}

static int ksym_seen(void *ctx, uint64_t start, uint64_t end, const char *name, const char *module)
{
	return emit__ksym(ctx, start, end, name, module);
}

/*
 * KSYM records for the kernel addresses seen since the last call, before the chunk that
 * holds their events is closed: a file read while it is written (hud-top, --follow), or
 * cut short by kill -9, names the kernel frames of every chunk it has.
 */
static int load_kernel_symbols(struct record_session *s)
{
	const char *path = s->opts->kallsyms ? s->opts->kallsyms : "/proc/kallsyms";
	int err;

	if (s->ksyms || s->ksyms_err)
		return 0;
	err = ksyms__load(&s->ksyms, path);
	if (err == -EPERM || err == -ENOENT || err == -EACCES) {
		s->ksyms_err = err;
		return hud_msgs__add(
			&s->notes, HUD_MSG_WARN,
			"kernel frames will be unnamed: cannot read kernel symbols (%s)",
			strerror(-err));
	}
	return err < 0 ? err : 0;
}

static int name_kernel_frames(struct record_session *s)
{
	int err;

	if (s->kips_named == s->kips.len || s->ksyms_err)
		return 0;
	err = load_kernel_symbols(s);
	if (err || !s->ksyms)
		return err;
	err = ksyms__emit(s->ksyms, s->kips.keys + s->kips_named, s->kips.len - s->kips_named,
			  ksym_seen, s->w);
	if (err < 0)
		return err;
	s->kips_named = s->kips.len;
	return 0;
}

/* ---- kernel events into records ---------------------------------------------------- */

/* Bookkeeping for the frames of one event: kernel addresses, mappings hit, dlopen. */
static void note_stack(struct record_session *s, const struct emit_stack *e)
{
	struct target *t = targets__find(&s->ts, (pid_t)e->pid);
	uint32_t i;

	for (i = 0; i < e->nr_kernel; i++)
		if (e->ips[i] && u64set__add(&s->kips, e->ips[i]) < 0) /* 0 names nothing */
			s->err = -ENOMEM;
	if (!t)
		return;
	for (i = e->nr_kernel; i < e->nr_kernel + e->nr_user; i++)
		target__note_ip(t, e->ips[i]);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct record_session *s = ctx;
	const struct hud_evt_header *h = data;
	struct emit_stack stk;
	int err = 0;

	if (size < sizeof(*h))
		goto bad;
	switch (h->type) {
	case HUD_EVT_SAMPLE:
	case HUD_EVT_OFFCPU:
		err = emit__stack_event(s->w, data, size, &stk);
		if (err == -EBADMSG)
			goto bad;
		if (!err) {
			note_stack(s, &stk);
			s->copies += stk.copied != 0;
			if (h->type == HUD_EVT_SAMPLE)
				s->samples++;
			else
				s->offcpu++;
			s->offcpu_sampled += stk.sampled;
		}
		break;
	case HUD_EVT_SEEN:
		err = emit__thread_state(s->w, h->pid, h->tid, h->time_ns, HUD_TSTATE_SEEN, 0, 0,
					 0);
		break;
	case HUD_EVT_MMAP: {
		struct target *t = targets__find(&s->ts, (pid_t)h->pid);

		/*
		 * Re-read now if the wait allows: the MAP records then come before every
		 * event of the new code in the file (they run after this mmap() returned),
		 * which is how hud-report tells code mapped where other code was.
		 */
		if (t) {
			target__mapped_code(t, h->time_ns);
			err = reread_maps_if_due(s, t, hud_now_ns());
		}
		break;
	}
	case HUD_EVT_COMM:
	case HUD_EVT_EXIT: {
		const struct hud_evt_comm *e = data;

		if (size < sizeof(*e))
			goto bad;
		/* A thread exiting under a name is named only if it had none. */
		if (h->type == HUD_EVT_COMM || targets__name_state(&s->ts, h->tid) != 1)
			err = name_thread(s, h->pid, h->tid, h->time_ns, e->comm);
		if (!err && h->type == HUD_EVT_EXIT)
			err = emit__thread_state(s->w, h->pid, h->tid, h->time_ns, HUD_TSTATE_EXIT,
						 0, 0, 0);
		break;
	}
	default:
		goto bad;
	}
	if (err) {
		s->err = err;
		return err; /* stops ring_buffer__poll() */
	}
	err = name_new_thread(s, h->pid, h->tid);
	if (err && !s->err)
		s->err = err;
	return s->err;
bad:
	/* Cannot happen unless bpf/ and record/ disagree; count rather than trust it. */
	s->bad_events++;
	return 0;
}

static int open_interval(void *ctx, const struct capture_thread *t)
{
	struct record_session *s = ctx;

	if (!t->offcpu || t->since_ns > s->end_ns)
		return 0;
	return emit__thread_state(s->w, t->pid, t->tid, s->end_ns, HUD_TSTATE_OPEN, t->since_ns,
				  t->state, t->flags);
}

static int lost_seen(void *ctx, int cpu, uint64_t n)
{
	struct record_session *s = ctx;

	s->lost += n;
	return emit__lost(s->w, hud_now_ns(), (uint32_t)cpu, n);
}

/* Once a second: losses, dead targets, and a chunk to disk. */
static int tick(struct record_session *s, uint64_t now)
{
	int i, err;

	err = capture__lost(&s->cap, lost_seen, s);
	for (i = 0; !err && i < s->ts.nr; i++) {
		struct target *t = &s->ts.t[i];

		if (!t->alive || proc__alive(t->pid))
			continue;
		t->alive = 0;
		err = hud_msgs__add(&s->notes, HUD_MSG_INFO,
				    "process %d exited; its data is kept%s", t->pid,
				    s->ts.nr > 1 ? ", recording the others" : "");
		if (!err)
			err = emit__process(s->w, (uint32_t)t->pid, HUD_PROCESS_EXITED, now, NULL);
	}
	if (!err)
		err = name_kernel_frames(s);
	/* A chunk per second bounds what a kill -9 can lose. */
	return err ? err : hud_writer__flush(s->w);
}

/* ---- the session ------------------------------------------------------------------- */

static int exit_for_errno(int err)
{
	return err == -EPERM || err == -EACCES ? RECORD_EXIT_PERM : RECORD_EXIT_FAILED;
}

static const char *root_hint(int err)
{
	return err == -EPERM || err == -EACCES
		       ? ": run hud-record as root (or with CAP_BPF and CAP_PERFMON)"
		       : "";
}

int record__start(struct record_session **sp, const struct record_opts *o, struct record_info *info,
		  char *err, size_t err_size)
{
	struct record_session *s = calloc(1, sizeof(*s));
	int ret;

	*sp = s;
	if (!s) {
		snprintf(err, err_size, "out of memory");
		return RECORD_EXIT_FAILED;
	}
	s->opts = o;
	s->out.fd = -1;
	capture__setup_libbpf();
	if (targets__init(&s->ts, o->pids, o->nr_pids)) {
		snprintf(err, err_size, "out of memory");
		return RECORD_EXIT_FAILED;
	}
	ret = capture__load(&s->cap, o);
	if (ret) {
		if (ret == -EPERM || ret == -EACCES)
			snprintf(
				err, err_size,
				"loading BPF programs: %s: run hud-record as root (or with CAP_BPF "
				"and CAP_PERFMON)",
				strerror(-ret));
		else
			snprintf(err, err_size,
				 "loading BPF programs failed: %s: rerun with -v to see the "
				 "verifier log",
				 strerror(-ret));
		return exit_for_errno(ret);
	}
	ret = capture__alloc_counters(&s->cap);
	if (ret) {
		snprintf(err, err_size, "cannot size per-CPU counters: %s", strerror(-ret));
		return RECORD_EXIT_FAILED;
	}
	capture__set_targets(&s->cap, o->pids, o->nr_pids);
	info->attach = s->cap.attach;
	info->ustack_hook = capture__user_stack_hook(&s->cap);

	ret = output__open(&s->out, o->output);
	if (ret == -ENOTTY) {
		snprintf(err, err_size,
			 "-o -: standard output is a terminal: redirect it to a file or a pipe "
			 "(hud-record -o - ... > FILE)");
		return RECORD_EXIT_OUTPUT;
	}
	if (ret) {
		snprintf(err, err_size, "cannot create %s: %s: choose another path with -o",
			 o->output, strerror(-ret));
		return RECORD_EXIT_OUTPUT;
	}
	{
		struct hud_writer_opts wo = {
			.sz = sizeof(wo),
			.compat_features =
				o->ustack_mode == RECORD_USTACK_FP ? 0 : HUD_COMPAT_USTACK,
		};

		s->w = hud_writer__new(s->out.fd, &wo);
	}
	if (!s->w) {
		snprintf(err, err_size, "cannot write %s: %s", o->output, strerror(errno));
		return RECORD_EXIT_OUTPUT;
	}
	ret = capture__open_ring(&s->cap, on_event, s);
	if (ret) {
		snprintf(err, err_size, "cannot open the BPF ring buffer: %s", strerror(-ret));
		return RECORD_EXIT_FAILED;
	}

	/* Metadata, names and maps first, then attach: the first events can be named. */
	s->start_ns = hud_now_ns();
	ret = write_meta(s, info, hud_realtime_ns());
	if (!ret)
		ret = snapshot(s, s->start_ns);
	if (!ret)
		ret = hud_writer__flush(s->w);
	if (ret) {
		snprintf(err, err_size, "writing %s: %s", o->output, strerror(-ret));
		return RECORD_EXIT_OUTPUT;
	}
	if (!targets__any_alive(&s->ts)) {
		snprintf(err, err_size, "the target exited before recording started");
		return RECORD_EXIT_NO_TARGET;
	}

	ret = capture__attach(&s->cap);
	if (!ret)
		ret = capture__open_perf_events(&s->cap, o->freq_hz);
	if (ret) {
		snprintf(err, err_size, "attaching BPF programs: %s%s", strerror(-ret),
			 root_hint(ret));
		return exit_for_errno(ret);
	}
	ret = output__publish(&s->out);
	if (ret) {
		snprintf(err, err_size, "cannot create %s: %s: choose another path with -o",
			 o->output, strerror(-ret));
		return RECORD_EXIT_OUTPUT;
	}
	/*
	 * kallsyms now, with the start-up (about 0.1 s of CPU, most of it the kernel's):
	 * not in the middle of the recording, where its first second's names need it.
	 */
	ret = load_kernel_symbols(s);
	if (ret) {
		snprintf(err, err_size, "reading kernel symbols: %s", strerror(-ret));
		return exit_for_errno(ret);
	}
	if (o->duration_s > 0)
		s->deadline_ns = s->start_ns + (uint64_t)(o->duration_s * 1e9);
	s->next_tick_ns = s->start_ns + 1000000000ull;
	return RECORD_EXIT_OK;
}

int record__poll(struct record_session *s, int timeout_ms, uint32_t *reason, char *err,
		 size_t err_size)
{
	uint64_t now;
	int i, ret;

	*reason = HUD_FINISH_ERROR;
	ret = capture__poll(&s->cap, timeout_ms);
	if (s->err)
		return 1; /* on_event() failed writing: record__stop() reports it */
	if (ret < 0) {
		snprintf(err, err_size, "reading the ring buffer: %s", strerror(-ret));
		return ret;
	}
	now = hud_now_ns();
	for (i = 0; !s->err && i < s->ts.nr; i++)
		s->err = reread_maps_if_due(s, &s->ts.t[i], now);
	if (!s->err && now >= s->next_tick_ns) {
		s->err = tick(s, now);
		s->next_tick_ns = now + 1000000000ull;
	}
	if (s->err)
		return 1;
	if (s->deadline_ns && now >= s->deadline_ns) {
		*reason = HUD_FINISH_DURATION;
		return 1;
	}
	if (!targets__any_alive(&s->ts)) {
		*reason = HUD_FINISH_TARGET_EXITED;
		return 1;
	}
	/* Cheap check between ticks so an exit ends the recording promptly. */
	if (s->ts.nr == 1 && !proc__alive(s->ts.t[0].pid)) {
		s->err = tick(s, now);
		if (s->err)
			return 1;
	}
	return 0;
}

struct hud_msgs *record__notes(struct record_session *s)
{
	return &s->notes;
}

void record__stats(const struct record_session *s, struct record_stats *st)
{
	st->samples = s->samples;
	st->offcpu = s->offcpu;
	st->lost = s->lost;
	st->bad_events = s->bad_events;
	st->elapsed_ns = hud_now_ns() - s->start_ns;
}

static const char *space_hint(int err)
{
	return err == -ENOSPC ? ": free some space or record elsewhere with -o" : "";
}

int record__stop(struct record_session *s, uint32_t reason)
{
	const struct record_opts *o = s->opts;
	struct hud_rec_finish fin = {0};
	int err, ret;

	/* Stop the producers, then drain what is left in the ring. */
	capture__detach(&s->cap);
	if (!s->err)
		capture__poll(&s->cap, 0);
	if (!s->err)
		s->err = capture__lost(&s->cap, lost_seen, s);
	fin.end_ns = hud_now_ns();
	/* Threads off-CPU at the end: their time since is known not to be on-CPU. */
	s->end_ns = fin.end_ns;
	if (!s->err)
		s->err = capture__for_each_thread(&s->cap, open_interval, s);
	/* Names and mappings may have changed (renames, dlopen); kernel frames get names. */
	if (!s->err)
		s->err = snapshot(s, fin.end_ns);
	if (!s->err)
		s->err = write_role_hint(s);
	if (!s->err)
		s->err = name_kernel_frames(s);
	if (s->err) {
		hud_msgs__add(&s->notes, HUD_MSG_ERROR, "writing %s: %s%s", o->output,
			      strerror(-s->err), space_hint(s->err));
		reason = HUD_FINISH_ERROR;
	}
	fin.samples = s->samples;
	fin.offcpu = s->offcpu;
	fin.lost = s->lost;
	fin.reason = reason;
	err = emit__finish(s->w, &fin);
	if (!err)
		err = hud_writer__close(s->w);
	else
		hud_writer__close(s->w);
	s->w = NULL;
	if (err && !s->err) {
		hud_msgs__add(&s->notes, HUD_MSG_ERROR, "writing %s: %s%s", o->output,
			      strerror(-err), space_hint(err));
		s->err = err;
	}
	if (!s->err) {
		err = output__sync(&s->out);
		if (err) {
			s->err = err;
			hud_msgs__add(&s->notes, HUD_MSG_ERROR, "writing %s: %s", o->output,
				      strerror(-err));
		}
	}
	if (s->bad_events)
		hud_msgs__add(&s->notes, HUD_MSG_WARN,
			      "%llu malformed events from the kernel were ignored",
			      (unsigned long long)s->bad_events);
	hud_msgs__add(&s->notes, HUD_MSG_INFO,
		      "%s: %.1f s, %llu samples, %llu off-CPU events (%llu sampled below %.3g ms), "
		      "%llu lost%s",
		      o->output, (fin.end_ns - s->start_ns) / 1e9, (unsigned long long)s->samples,
		      (unsigned long long)s->offcpu, (unsigned long long)s->offcpu_sampled,
		      o->threshold_ns / 1e6, (unsigned long long)s->lost,
		      s->lost ? " (increase the ring with --ring-size)" : "");
	if (s->copies)
		hud_msgs__add(&s->notes, HUD_MSG_INFO,
			      "%llu events carry a copy of the user stack, for CFI unwinding",
			      (unsigned long long)s->copies);
	if (s->err)
		ret = s->err == -ENOMEM ? RECORD_EXIT_FAILED : RECORD_EXIT_OUTPUT;
	else
		ret = reason == HUD_FINISH_ERROR ? RECORD_EXIT_FAILED : RECORD_EXIT_OK;
	return ret;
}

int record__archive(struct record_session *s, int stopped)
{
	const struct record_opts *o = s->opts;
	int n;

	if (s->err)
		return stopped; /* the file itself failed: nothing worth archiving for */
	n = archive__targets(&s->ts, o->archive, &s->notes);
	if (n < 0) {
		hud_msgs__add(&s->notes, HUD_MSG_ERROR, "archiving binaries into %s: %s",
			      o->archive, strerror(-n));
		return n == -ENOMEM ? RECORD_EXIT_FAILED : RECORD_EXIT_OUTPUT;
	}
	hud_msgs__add(&s->notes, HUD_MSG_INFO,
		      "archived %d binaries into %s: hud-report --debug-dir %s", n, o->archive,
		      o->archive);
	return stopped;
}

void record__free(struct record_session *s)
{
	if (!s)
		return;
	capture__free(&s->cap);
	hud_writer__close(s->w);
	/* Failed before recording started: PATH and PATH.old are untouched. */
	output__close(&s->out);
	targets__free(&s->ts);
	u64set__free(&s->kips);
	ksyms__free(s->ksyms);
	hud_msgs__free(&s->notes);
	while (s->nr_verdicts--)
		free(s->verdicts[s->nr_verdicts].path);
	free(s->verdicts);
	free(s);
}
