// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * hud-record's capture: open -> configure -> load -> attach the BPF programs, drain the
 * ring buffer into the .hud writer, finalize on stop. Nothing here symbolizes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "hud.skel.h"
#include "hud_events.h"
#include "hud_format.h"
#include "log.h"
#include "ksyms.h"
#include "proc.h"
#include "record.h"
#include "targets.h"
#include "util.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

struct rec_state {
	const struct record_opts *opts;
	struct hud_writer *w;
	struct targets ts;
	struct u64set kips; /* kernel addresses seen, resolved at the end */
	uint64_t samples, offcpu, lost, bad_events;
	uint64_t *lost_prev; /* per possible CPU */
	int ncpus;
	int err; /* first writer error */
};

/* Bookkeeping for the frames of one event: kernel addresses, mappings hit, dlopen. */
static void note_stack(struct rec_state *st, uint32_t pid, const __u64 *ips, uint32_t nk,
		       uint32_t nu)
{
	struct target *t = targets__find(&st->ts, pid);
	uint32_t i;

	for (i = 0; i < nk; i++)
		if (ips[i] && u64set__add(&st->kips, ips[i]) < 0) /* 0 names nothing */
			st->err = -ENOMEM;
	if (!t)
		return;
	for (i = nk; i < nk + nu; i++)
		target__note_ip(t, ips[i]);
}

/*
 * Re-read @t's maps if they are stale and the wait is over: soon after frames fell outside
 * the known mappings (dlopen, JIT), while the code is likely still mapped, so that a
 * library loaded, run and closed within a second need not wait for the next tick; soon
 * after an mmap() of code. The wait starts at 0.1 s (targets__reread_maps() lengthens it
 * while re-reads change nothing). A process that is gone is left to tick(), which notes
 * the exit.
 */
static int reread_maps_if_due(struct rec_state *st, struct target *t, uint64_t now)
{
	uint64_t gap = t->maps_gap_ns ? t->maps_gap_ns : MAPS_REREAD_MIN_NS;

	if (!t->alive || !t->maps_stale || now - t->maps_read_ns < gap ||
	    now < t->maps_not_before_ns || !proc__alive(t->pid))
		return 0;
	dlog("pid %d: code mapped, or a frame outside known mappings: re-reading its maps", t->pid);
	return targets__reread_maps(&st->ts, t, st->w, now);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct rec_state *st = ctx;
	const struct hud_evt_header *h = data;
	uint32_t nk, nu;
	int err = 0;

	if (size < sizeof(*h))
		goto bad;
	switch (h->type) {
	case HUD_EVT_SAMPLE: {
		const struct hud_evt_sample *e = data;
		struct hud_rec_sample r;

		if (size < HUD_EVT_SAMPLE_FIXED)
			goto bad;
		nk = e->nr_kernel;
		nu = e->nr_user;
		if (nk + nu > HUD_MAX_FRAMES || size < HUD_EVT_SAMPLE_FIXED + (nk + nu) * 8)
			goto bad;
		memset(&r, 0, sizeof(r));
		r.pid = h->pid;
		r.tid = h->tid;
		r.time_ns = h->time_ns;
		r.cpu = h->cpu;
		r.nr_kernel = nk;
		r.nr_user = nu;
		err = hud_writer__add(st->w, HUD_REC_SAMPLE, &r, sizeof(r), e->ips, (nk + nu) * 8);
		note_stack(st, h->pid, e->ips, nk, nu);
		st->samples++;
		break;
	}
	case HUD_EVT_OFFCPU: {
		const struct hud_evt_offcpu *e = data;
		struct hud_rec_offcpu r;

		if (size < HUD_EVT_OFFCPU_FIXED)
			goto bad;
		nk = e->nr_kernel;
		nu = e->nr_user;
		if (nk + nu > HUD_MAX_FRAMES || size < HUD_EVT_OFFCPU_FIXED + (nk + nu) * 8)
			goto bad;
		memset(&r, 0, sizeof(r));
		r.pid = h->pid;
		r.tid = h->tid;
		r.start_ns = h->time_ns;
		r.duration_ns = e->duration_ns;
		r.runq_ns = e->runq_ns;
		r.cpu = h->cpu;
		r.state = e->state;
		r.flags = (e->flags & HUD_EVT_PREEMPTED) ? HUD_OFFCPU_PREEMPTED : 0;
		r.nr_kernel = nk;
		r.nr_user = nu;
		err = hud_writer__add(st->w, HUD_REC_OFFCPU, &r, sizeof(r), e->ips, (nk + nu) * 8);
		note_stack(st, h->pid, e->ips, nk, nu);
		st->offcpu++;
		break;
	}
	case HUD_EVT_MMAP: {
		struct target *t = targets__find(&st->ts, h->pid);

		/*
		 * Re-read now if the wait allows: the MAP records then come before every
		 * event of the new code in the file (they run after this mmap() returned),
		 * which is how hud-report tells code mapped where other code was.
		 */
		if (t) {
			target__mapped_code(t, h->time_ns);
			err = reread_maps_if_due(st, t, hud_now_ns());
		}
		break;
	}
	case HUD_EVT_COMM:
	case HUD_EVT_EXIT: {
		const struct hud_evt_comm *e = data;

		if (size < sizeof(*e))
			goto bad;
		if (h->type == HUD_EVT_COMM)
			err = targets__rename(&st->ts, st->w, h->pid, h->tid, h->time_ns, e->comm);
		else
			err = targets__exit_thread(&st->ts, st->w, h->pid, h->tid, h->time_ns,
						   e->comm);
		break;
	}
	default:
		goto bad;
	}
	if (err) {
		st->err = err;
		return err; /* stops ring_buffer__poll() */
	}
	/* First event from a thread born after the start: name it. */
	err = targets__name_thread(&st->ts, st->w, h->pid, h->tid);
	if (err && !st->err)
		st->err = err;
	return st->err;
bad:
	/* Cannot happen unless bpf/ and record/ disagree; count rather than trust it. */
	st->bad_events++;
	return 0;
}

/* Append LOST records for the counters that moved since the last call. */
static int write_lost(struct rec_state *st, struct hud_bpf *skel)
{
	uint64_t vals[st->ncpus];
	uint32_t zero = 0;
	int cpu, err;

	err = bpf_map__lookup_elem(skel->maps.lost, &zero, sizeof(zero), vals, sizeof(vals), 0);
	if (err)
		return err;
	for (cpu = 0; cpu < st->ncpus; cpu++) {
		struct hud_rec_lost l = {0};

		if (vals[cpu] <= st->lost_prev[cpu])
			continue;
		l.time_ns = hud_now_ns();
		l.cpu = cpu;
		l.count = vals[cpu] - st->lost_prev[cpu];
		st->lost += l.count;
		st->lost_prev[cpu] = vals[cpu];
		err = hud_writer__add(st->w, HUD_REC_LOST, &l, sizeof(l), NULL, 0);
		if (err)
			return err;
	}
	return 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && hud_verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && hud_verbose < 1)
		return 0;
	/* libbpf warns about what it tries and falls back from; keep those under -v. */
	if (level == LIBBPF_WARN && hud_verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void record__setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

/*
 * Deferred user stacks are taken at the rseq_update tracepoint when the kernel has it: it
 * fires only for threads coming back from a context switch. sys_exit, the fallback, runs
 * for every system call of the machine. HUD_RECORD_NO_RSEQ=1 forces it (tests).
 */
static bool kernel_has_rseq_tp(void)
{
	struct btf *vmlinux;
	bool found;

	if (getenv("HUD_RECORD_NO_RSEQ"))
		return false;
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux)
		return false;
	found = btf__find_by_name_kind(vmlinux, "btf_trace_rseq_update", BTF_KIND_TYPEDEF) > 0;
	btf__free(vmlinux);
	return found;
}

/*
 * syscalls:sys_enter_mmap needs CONFIG_FTRACE_SYSCALLS and tracefs. Without it, new code
 * is still noticed by its frames, unless it is mapped where unloaded code was.
 */
static bool kernel_has_mmap_tp(void)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/events/syscalls/sys_enter_mmap",
		"/sys/kernel/debug/tracing/events/syscalls/sys_enter_mmap",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(paths); i++)
		if (!access(paths[i], F_OK))
			return true;
	vlog("no syscalls:sys_enter_mmap tracepoint: code mapped over unloaded code is missed");
	return false;
}

/*
 * Load the skeleton with tp_btf programs, or with raw_tp ones when the kernel refuses
 * those (no BTF for the tracepoint, old kernel). Returns 0 or -errno; *how names the pick.
 */
int record__load_bpf(struct hud_bpf **out, const struct record_opts *o, const char **how)
{
	static const char *const kinds[] = {"tp_btf", "raw_tp"};
	struct hud_bpf *skel = NULL;
	int i, err = -ENOENT;
	bool rseq = kernel_has_rseq_tp(), has_mmap_tp = kernel_has_mmap_tp();

	for (i = 0; i < 2; i++) {
		int btf = i == 0;

		/* HUD_RECORD_NO_BTF=1: the raw_tp flavour, as on a kernel without tp_btf (tests). */
		if (btf && (access("/sys/kernel/btf/vmlinux", R_OK) || getenv("HUD_RECORD_NO_BTF")))
			continue;
		skel = hud_bpf__open();
		if (!skel)
			return -errno;
		skel->rodata->min_offcpu_ns = o->threshold_ns;
		skel->rodata->sample_kernel = o->sample_kernel;
		skel->rodata->offcpu_kernel = true;
		skel->rodata->wakeup_bytes = o->ring_bytes / 4;
		bpf_map__set_max_entries(skel->maps.events, o->ring_bytes);
		/* Each tracepoint has a tp_btf and a raw_tp flavour: load one of them. */
		bpf_program__set_autoload(skel->progs.hud_switch_btf, btf);
		bpf_program__set_autoload(skel->progs.hud_exit_btf, btf);
		bpf_program__set_autoload(skel->progs.hud_wakeup_btf, btf);
		bpf_program__set_autoload(skel->progs.hud_rename_btf, btf);
		skel->rodata->defer_hook = rseq ? HUD_DEFER_RSEQ : HUD_DEFER_SYS_EXIT;
		bpf_program__set_autoload(skel->progs.hud_rseq_btf, btf && rseq);
		bpf_program__set_autoload(skel->progs.hud_sys_exit_btf, btf && !rseq);
		bpf_program__set_autoload(skel->progs.hud_switch_raw, !btf);
		bpf_program__set_autoload(skel->progs.hud_exit_raw, !btf);
		bpf_program__set_autoload(skel->progs.hud_wakeup_raw, !btf);
		bpf_program__set_autoload(skel->progs.hud_rename_raw, !btf);
		bpf_program__set_autoload(skel->progs.hud_mmap, has_mmap_tp);
		err = hud_bpf__load(skel);
		if (!err) {
			*out = skel;
			*how = kinds[i];
			return 0;
		}
		vlog("loading %s programs failed: %s", kinds[i], strerror(-err));
		hud_bpf__destroy(skel);
		skel = NULL;
	}
	return err;
}

/* Where the user stack of a long off-CPU interval is taken, for the file and -v. */
const char *record__user_stack_hook(const struct hud_bpf *skel, const char *how)
{
	if (strcmp(how, "tp_btf"))
		return "switch-out";
	return skel->rodata->defer_hook == HUD_DEFER_RSEQ ? "rseq_update" : "sys_exit";
}

int record__open_perf_events(struct hud_bpf *skel, uint64_t freq, struct bpf_link ***links, int *nr)
{
	int ncpus = libbpf_num_possible_cpus(), cpu, opened = 0;
	struct bpf_link **l;

	if (ncpus <= 0)
		return -EINVAL;
	l = calloc(ncpus, sizeof(*l));
	if (!l)
		return -ENOMEM;
	*links = l;
	*nr = ncpus;
	for (cpu = 0; cpu < ncpus; cpu++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.size = sizeof(attr),
			.freq = 1,
			.sample_freq = freq,
		};
		int fd = syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);

		if (fd < 0) {
			if (errno == ENODEV) /* possible but offline CPU */
				continue;
			return -errno;
		}
		l[cpu] = bpf_program__attach_perf_event(skel->progs.hud_sample, fd);
		if (!l[cpu]) {
			int err = -errno;

			close(fd);
			return err;
		}
		opened++;
	}
	return opened ? 0 : -ENODEV;
}

/*
 * Open the output. A file (or a path that does not exist yet) is written under a temporary
 * name beside it, PATH.tmp-XXXXXX in @tmp, until recording starts (output_publish()): a run
 * that fails before then leaves PATH and PATH.old as they were. Anything else (a pipe,
 * /dev/stdout) is written in place; @tmp is then "".
 */
static int open_output(const char *path, char *tmp, size_t tmp_size)
{
	struct stat sb;
	int fd, err;

	tmp[0] = '\0';
	if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	if (snprintf(tmp, tmp_size, "%s.tmp-XXXXXX", path) >= (int)tmp_size) {
		tmp[0] = '\0';
		return -ENAMETOOLONG;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		err = -errno;
		tmp[0] = '\0';
		return err;
	}
	/* Under sudo, hand the file to the user who asked for it. */
	err = hud_chown_to_sudo_user(fd);
	if (err)
		vlog("cannot chown %s to the sudo user: %s", path, strerror(-err));
	return fd;
}

/*
 * Recording has started: the temporary file takes its name. perf's habit: a previous
 * recording is kept as PATH.old rather than overwritten.
 */
static int output_publish(const char *path, char *tmp)
{
	char old[PATH_MAX];
	struct stat sb;

	if (!tmp[0])
		return 0;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		if (snprintf(old, sizeof(old), "%s.old", path) >= (int)sizeof(old))
			return -ENAMETOOLONG;
		if (rename(path, old))
			return -errno;
	}
	if (rename(tmp, path))
		return -errno;
	tmp[0] = '\0';
	return 0;
}

static int write_meta(struct hud_writer *w, const struct record_opts *o, const char *attach,
		      const char *ustack_hook, int ncpus, uint64_t start_rt, uint64_t start_mono)
{
	char buf[4096], exe[PATH_MAX], comm[17] = "", pids[RECORD_MAX_TARGETS * 12] = "";
	struct {
		const char *key;
		const char *value;
	} kv[20];
	struct utsname u;
	char n[6][32];
	int i = 0, j, err;
	size_t plen = 0;
	ssize_t len;

	uname(&u);
	/* The first target describes the recording; PROCESS records describe them all. */
	snprintf(buf, sizeof(buf), "/proc/%d/exe", o->pids[0]);
	len = readlink(buf, exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	proc__comm(o->pids[0], 0, comm);
	if (proc__cmdline(o->pids[0], buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	for (j = 0; j < o->nr_pids; j++)
		plen += snprintf(pids + plen, sizeof(pids) - plen, "%s%d", j ? "," : "",
				 o->pids[j]);
	snprintf(n[0], sizeof(n[0]), "%llu", (unsigned long long)start_rt);
	snprintf(n[1], sizeof(n[1]), "%llu", (unsigned long long)start_mono);
	snprintf(n[2], sizeof(n[2]), "%d", o->pids[0]);
	snprintf(n[3], sizeof(n[3]), "%llu", (unsigned long long)o->freq_hz);
	snprintf(n[4], sizeof(n[4]), "%llu", (unsigned long long)o->threshold_ns);
	snprintf(n[5], sizeof(n[5]), "%d", ncpus);
	kv[i].key = "hud_version", kv[i++].value = HUD_VERSION;
	kv[i].key = "kernel", kv[i++].value = u.release;
	kv[i].key = "hostname", kv[i++].value = u.nodename;
	kv[i].key = "arch", kv[i++].value = u.machine;
	kv[i].key = "start_realtime_ns", kv[i++].value = n[0];
	kv[i].key = "start_monotonic_ns", kv[i++].value = n[1];
	kv[i].key = "target_pid", kv[i++].value = n[2];
	kv[i].key = "target_pids", kv[i++].value = pids;
	kv[i].key = "target_exe", kv[i++].value = exe;
	kv[i].key = "target_cmdline", kv[i++].value = buf;
	kv[i].key = "target_comm", kv[i++].value = comm;
	kv[i].key = "sample_freq_hz", kv[i++].value = n[3];
	kv[i].key = "offcpu_threshold_ns", kv[i++].value = n[4];
	kv[i].key = "cpus", kv[i++].value = n[5];
	kv[i].key = "sched_switch_attach", kv[i++].value = attach;
	kv[i].key = "offcpu_user_stacks", kv[i++].value = ustack_hook;
	kv[i].key = "sample_kernel_stacks", kv[i++].value = o->sample_kernel ? "1" : "0";
	for (j = 0; j < i; j++) {
		err = hud_writer__add_meta(w, kv[j].key, kv[j].value);
		if (err)
			return err;
	}
	return 0;
}

static int exit_for_errno(int err)
{
	return err == -EPERM || err == -EACCES ? RECORD_EXIT_PERM : RECORD_EXIT_FAILED;
}

/* One status line on a terminal, rewritten in place at most once a second. */
static void print_status(const struct rec_state *st, uint64_t elapsed_ns, int final)
{
	static int shown;

	if (!isatty(STDERR_FILENO))
		return;
	if (final) {
		if (shown)
			fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[Khud-record: %.0f s, %llu samples, %llu off-CPU events, %llu lost",
		elapsed_ns / 1e9, (unsigned long long)st->samples, (unsigned long long)st->offcpu,
		(unsigned long long)st->lost);
	shown = 1;
}

static int reread_stale_maps(struct rec_state *st, uint64_t now)
{
	int i, err = 0;

	for (i = 0; !err && i < st->ts.nr; i++)
		err = reread_maps_if_due(st, &st->ts.t[i], now);
	return err;
}

/* Once a second: losses, dead targets, and a chunk to disk. */
static int tick(struct rec_state *st, struct hud_bpf *skel, uint64_t now)
{
	int i, err;

	err = write_lost(st, skel);
	for (i = 0; !err && i < st->ts.nr; i++) {
		struct target *t = &st->ts.t[i];

		if (!t->alive)
			continue;
		if (!proc__alive(t->pid)) {
			struct hud_rec_process r = {
				.pid = t->pid, .flags = HUD_PROCESS_EXITED, .time_ns = now};

			t->alive = 0;
			ilog("process %d exited; its data is kept%s", t->pid,
			     st->ts.nr > 1 ? ", recording the others" : "");
			err = hud_writer__add(st->w, HUD_REC_PROCESS, &r, sizeof(r), "\0\0", 3);
			continue;
		}
	}
	/* A chunk per second bounds what a kill -9 can lose. */
	return err ? err : hud_writer__flush(st->w);
}

static int any_alive(const struct targets *ts)
{
	int i;

	for (i = 0; i < ts->nr; i++)
		if (ts->t[i].alive)
			return 1;
	return 0;
}

int record__run(const struct record_opts *o)
{
	struct rec_state st = {.opts = o};
	struct bpf_link **perf_links = NULL;
	struct ring_buffer *rb = NULL;
	struct hud_bpf *skel = NULL;
	struct sigaction sa = {0};
	uint64_t start_mono, start_rt, deadline = 0, next_tick;
	const char *attach = NULL;
	int nr_links = 0, fd = -1, err, i, ret = RECORD_EXIT_FAILED;
	char tmp_output[PATH_MAX + 16] = "";
	uint32_t reason = HUD_FINISH_SIGNAL;
	struct hud_rec_finish fin = {0};

	/*
	 * From the start: a signal that arrives while the programs load must still end in a
	 * finalized file, not a torn one. A closed stderr or output pipe gives EPIPE to the
	 * writes, which report it, instead of killing hud-record mid-file.
	 */
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	record__setup_libbpf();
	err = targets__init(&st.ts, o->pids, o->nr_pids);
	if (err) {
		elog("out of memory");
		goto cleanup;
	}
	err = record__load_bpf(&skel, o, &attach);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			elog("loading BPF programs: %s: run hud-record as root (or with CAP_BPF "
			     "and CAP_PERFMON)",
			     strerror(-err));
		else
			elog("loading BPF programs failed: %s: rerun with -v to see the verifier "
			     "log",
			     strerror(-err));
		ret = exit_for_errno(err);
		goto cleanup;
	}
	_Static_assert(RECORD_MAX_TARGETS == HUD_MAX_TARGETS, "target lists differ");
	/* The programs read the targets from .bss, mapped here: set them before attaching. */
	for (i = 0; i < o->nr_pids && i < HUD_MAX_TARGETS; i++)
		skel->bss->target_tgids[i] = (uint32_t)o->pids[i];
	skel->bss->nr_targets = (uint32_t)i;
	st.ncpus = libbpf_num_possible_cpus();
	st.lost_prev = calloc(st.ncpus > 0 ? st.ncpus : 1, sizeof(*st.lost_prev));
	if (st.ncpus <= 0 || !st.lost_prev) {
		elog("cannot size per-CPU counters: %s", strerror(ENOMEM));
		goto cleanup;
	}

	fd = open_output(o->output, tmp_output, sizeof(tmp_output));
	if (fd < 0) {
		elog("cannot create %s: %s: choose another path with -o", o->output, strerror(-fd));
		ret = RECORD_EXIT_OUTPUT;
		goto cleanup;
	}
	st.w = hud_writer__new(fd, NULL);
	if (!st.w) {
		elog("cannot write %s: %s", o->output, strerror(errno));
		ret = RECORD_EXIT_OUTPUT;
		goto cleanup;
	}

	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, &st, NULL);
	if (!rb) {
		err = -errno;
		elog("cannot open the BPF ring buffer: %s", strerror(-err));
		goto cleanup;
	}

	/* Metadata, names and maps first, then attach: the first events can be named. */
	start_rt = hud_realtime_ns();
	start_mono = hud_now_ns();
	err = write_meta(st.w, o, attach, record__user_stack_hook(skel, attach), st.ncpus, start_rt,
			 start_mono);
	if (!err)
		err = targets__snapshot(&st.ts, st.w, start_mono);
	if (!err)
		err = hud_writer__flush(st.w);
	if (err) {
		elog("writing %s: %s", o->output, strerror(-err));
		ret = RECORD_EXIT_OUTPUT;
		goto cleanup;
	}
	if (!any_alive(&st.ts)) {
		elog("the target exited before recording started");
		ret = RECORD_EXIT_NO_TARGET;
		goto cleanup;
	}

	err = hud_bpf__attach(skel);
	if (!err)
		err = record__open_perf_events(skel, o->freq_hz, &perf_links, &nr_links);
	if (err) {
		elog("attaching BPF programs: %s%s", strerror(-err),
		     err == -EPERM || err == -EACCES
			     ? ": run hud-record as root (or with CAP_BPF and CAP_PERFMON)"
			     : "");
		ret = exit_for_errno(err);
		goto cleanup;
	}
	err = output_publish(o->output, tmp_output);
	if (err) {
		elog("cannot create %s: %s: choose another path with -o", o->output,
		     strerror(-err));
		ret = RECORD_EXIT_OUTPUT;
		goto cleanup;
	}

	vlog("recording %d process(es) (%s sched_switch, user stacks of long waits at %s, %llu Hz, "
	     "threshold %.1f ms) into %s",
	     o->nr_pids, attach, record__user_stack_hook(skel, attach),
	     (unsigned long long)o->freq_hz, o->threshold_ns / 1e6, o->output);
	if (o->duration_s > 0)
		deadline = start_mono + (uint64_t)(o->duration_s * 1e9);
	next_tick = start_mono + 1000000000ull;
	for (;;) {
		uint64_t now;

		/*
		 * BPF wakes us only when the ring fills up (see wakeup_flags()), so poll()
		 * mostly times out: drain explicitly to keep the file current.
		 */
		err = ring_buffer__poll(rb, 100);
		if (err >= 0 || err == -EINTR)
			err = ring_buffer__consume(rb);
		if (st.err)
			break; /* on_event() failed writing: reported below */
		if (err < 0 && err != -EINTR) {
			elog("reading the ring buffer: %s", strerror(-err));
			reason = HUD_FINISH_ERROR;
			break;
		}
		if (stop_signal) {
			reason = HUD_FINISH_SIGNAL;
			break;
		}
		now = hud_now_ns();
		st.err = reread_stale_maps(&st, now);
		if (st.err)
			break;
		if (now >= next_tick) {
			st.err = tick(&st, skel, now);
			if (st.err)
				break;
			print_status(&st, now - start_mono, 0);
			next_tick = now + 1000000000ull;
		}
		if (deadline && now >= deadline) {
			reason = HUD_FINISH_DURATION;
			break;
		}
		if (!any_alive(&st.ts)) {
			reason = HUD_FINISH_TARGET_EXITED;
			break;
		}
		/* Cheap check between ticks so an exit ends the recording promptly. */
		if (st.ts.nr == 1 && !proc__alive(st.ts.t[0].pid) &&
		    (st.err = tick(&st, skel, now)))
			break;
	}
	print_status(&st, 0, 1);

	/* Stop the producers, then drain what is left in the ring. */
	for (i = 0; i < nr_links; i++) {
		bpf_link__destroy(perf_links[i]);
		perf_links[i] = NULL;
	}
	hud_bpf__detach(skel);
	if (!st.err)
		ring_buffer__consume(rb);
	if (!st.err)
		st.err = write_lost(&st, skel);
	fin.end_ns = hud_now_ns();
	/* Names and mappings may have changed (renames, dlopen); kernel frames get names. */
	if (!st.err)
		st.err = targets__snapshot(&st.ts, st.w, fin.end_ns);
	if (!st.err)
		st.err = targets__write_role_hint(&st.ts, st.w, o->workers);
	if (!st.err) {
		err = ksyms__write(st.w, &st.kips, o->kallsyms ? o->kallsyms : "/proc/kallsyms");
		if (err == -EPERM || err == -ENOENT || err == -EACCES)
			wlog("kernel frames will be unnamed: cannot read kernel symbols (%s)",
			     strerror(-err));
		else if (err < 0)
			st.err = err;
	}
	if (st.err) {
		elog("writing %s: %s%s", o->output, strerror(-st.err),
		     st.err == -ENOSPC ? ": free some space or record elsewhere with -o" : "");
		reason = HUD_FINISH_ERROR;
	}
	fin.samples = st.samples;
	fin.offcpu = st.offcpu;
	fin.lost = st.lost;
	fin.reason = reason;
	err = hud_writer__add(st.w, HUD_REC_FINISH, &fin, sizeof(fin), NULL, 0);
	if (!err)
		err = hud_writer__close(st.w);
	else
		hud_writer__close(st.w);
	st.w = NULL;
	if (err && !st.err) {
		elog("writing %s: %s%s", o->output, strerror(-err),
		     err == -ENOSPC ? ": free some space or record elsewhere with -o" : "");
		st.err = err;
	}
	if (!st.err && fsync(fd) && errno != EINVAL && errno != EROFS) {
		st.err = -errno;
		elog("writing %s: %s", o->output, strerror(errno));
	}
	if (st.bad_events)
		wlog("%llu malformed events from the kernel were ignored",
		     (unsigned long long)st.bad_events);
	ilog("%s: %.1f s, %llu samples, %llu off-CPU events, %llu lost%s", o->output,
	     (fin.end_ns - start_mono) / 1e9, (unsigned long long)st.samples,
	     (unsigned long long)st.offcpu, (unsigned long long)st.lost,
	     st.lost ? " (increase the ring with --ring-size)" : "");
	if (o->archive && !st.err) {
		err = targets__archive(&st.ts, o->archive);
		if (err < 0) {
			elog("archiving binaries into %s: %s", o->archive, strerror(-err));
			st.err = err;
		} else {
			ilog("archived %d binaries into %s: hud-report --debug-dir %s", err,
			     o->archive, o->archive);
		}
	}
	if (st.err)
		ret = st.err == -ENOMEM ? RECORD_EXIT_FAILED : RECORD_EXIT_OUTPUT;
	else
		ret = reason == HUD_FINISH_ERROR ? RECORD_EXIT_FAILED : RECORD_EXIT_OK;

cleanup:
	for (i = 0; i < nr_links; i++)
		bpf_link__destroy(perf_links[i]);
	free(perf_links);
	ring_buffer__free(rb);
	hud_writer__close(st.w);
	if (fd >= 0)
		close(fd);
	/* Failed before recording started: PATH and PATH.old are untouched. */
	if (tmp_output[0])
		unlink(tmp_output);
	hud_bpf__destroy(skel);
	free(st.lost_prev);
	targets__free(&st.ts);
	u64set__free(&st.kips);
	return ret;
}
