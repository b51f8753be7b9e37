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
#include <bpf/libbpf.h>

#include "hud.skel.h"
#include "hud_events.h"
#include "hud_format.h"
#include "log.h"
#include "proc.h"
#include "record.h"
#include "util.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* Open-addressing set of tids already named in the file. */
struct tid_set {
	uint32_t *slots;
	size_t cap, len;
};

static int tid_set__add(struct tid_set *s, uint32_t tid) /* 1 new, 0 known, -ENOMEM */
{
	size_t i;

	if ((s->len + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 256;
		uint32_t *n = calloc(ncap, sizeof(*n));

		if (!n)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++) {
			size_t j;

			if (!s->slots[i])
				continue;
			for (j = s->slots[i] * 2654435761u % ncap; n[j]; j = (j + 1) % ncap)
				;
			n[j] = s->slots[i];
		}
		free(s->slots);
		s->slots = n;
		s->cap = ncap;
	}
	for (i = tid * 2654435761u % s->cap; s->slots[i]; i = (i + 1) % s->cap)
		if (s->slots[i] == tid)
			return 0;
	s->slots[i] = tid;
	s->len++;
	return 1;
}

struct rec_state {
	const struct record_opts *opts;
	struct hud_writer *w;
	struct tid_set tids;
	uint64_t samples, offcpu, lost, bad_events;
	uint64_t *lost_prev; /* per possible CPU */
	int ncpus;
	int err; /* first writer error */
};

static void tid_seen(void *ctx, pid_t tid)
{
	struct rec_state *st = ctx;

	if (tid_set__add(&st->tids, tid) < 0)
		st->err = -ENOMEM;
}

/* First event from a thread: name it in the file (threads born after attach, too). */
static void note_thread(struct rec_state *st, uint32_t pid, uint32_t tid)
{
	struct hud_rec_thread t = { .pid = pid, .tid = tid };
	int ret = tid_set__add(&st->tids, tid);

	if (ret <= 0) {
		if (ret < 0)
			st->err = ret;
		return;
	}
	t.time_ns = hud_now_ns();
	if (proc__comm(pid, tid, t.comm))
		return; /* gone already; the final scan cannot name it either */
	if (!st->err)
		st->err = hud_writer__add(st->w, HUD_REC_THREAD, &t, sizeof(t), NULL, 0);
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
		r.cpu = h->cpu;
		r.state = e->state;
		r.flags = (e->flags & HUD_EVT_PREEMPTED) ? HUD_OFFCPU_PREEMPTED : 0;
		r.nr_kernel = nk;
		r.nr_user = nu;
		err = hud_writer__add(st->w, HUD_REC_OFFCPU, &r, sizeof(r), e->ips, (nk + nu) * 8);
		st->offcpu++;
		break;
	}
	default:
		goto bad;
	}
	if (err) {
		st->err = err;
		return err; /* stops ring_buffer__poll() */
	}
	note_thread(st, h->pid, h->tid);
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
		struct hud_rec_lost l = { 0 };

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

/*
 * Load the skeleton with tp_btf programs, or with raw_tp ones when the kernel refuses
 * those (no BTF for the tracepoint, old kernel). Returns 0 or -errno; *how names the pick.
 */
static int load_bpf(struct hud_bpf **out, const struct record_opts *o, const char **how)
{
	static const char *const kinds[] = { "tp_btf", "raw_tp" };
	struct hud_bpf *skel = NULL;
	int i, err = -ENOENT;

	for (i = 0; i < 2; i++) {
		int btf = i == 0;

		if (btf && access("/sys/kernel/btf/vmlinux", R_OK))
			continue;
		skel = hud_bpf__open();
		if (!skel)
			return -errno;
		skel->rodata->min_offcpu_ns = o->threshold_ns;
		skel->rodata->sample_kernel = o->sample_kernel;
		skel->rodata->offcpu_kernel = true;
		skel->rodata->wakeup_bytes = o->ring_bytes / 4;
		bpf_map__set_max_entries(skel->maps.events, o->ring_bytes);
		bpf_program__set_autoload(skel->progs.hud_switch_btf, btf);
		bpf_program__set_autoload(skel->progs.hud_exit_btf, btf);
		bpf_program__set_autoload(skel->progs.hud_switch_raw, !btf);
		bpf_program__set_autoload(skel->progs.hud_exit_raw, !btf);
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

static int open_perf_events(struct hud_bpf *skel, uint64_t freq, struct bpf_link ***links,
			    int *nr)
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

/* perf's habit: keep the previous recording as FILE.old rather than overwrite it. */
static int open_output(const char *path)
{
	char old[PATH_MAX];
	struct stat sb;
	const char *sudo_uid, *sudo_gid;
	int fd;

	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		if (snprintf(old, sizeof(old), "%s.old", path) >= (int)sizeof(old))
			return -ENAMETOOLONG;
		if (rename(path, old))
			return -errno;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* Under sudo, hand the file to the user who asked for it. */
	sudo_uid = getenv("SUDO_UID");
	sudo_gid = getenv("SUDO_GID");
	if (sudo_uid && sudo_gid && geteuid() == 0) {
		uint64_t uid, gid;

		if (!hud_parse_u64(sudo_uid, 0, UINT32_MAX - 1, &uid) &&
		    !hud_parse_u64(sudo_gid, 0, UINT32_MAX - 1, &gid) && fchown(fd, uid, gid))
			vlog("cannot chown %s to %s:%s: %s", path, sudo_uid, sudo_gid,
			     strerror(errno));
	}
	return fd;
}

static int write_meta(struct hud_writer *w, const struct record_opts *o, const char *attach,
		      int ncpus, uint64_t start_rt, uint64_t start_mono)
{
	char buf[4096], exe[PATH_MAX], comm[17] = "";
	struct {
		const char *key;
		const char *value;
	} kv[16];
	struct utsname u;
	char n[6][32];
	int i = 0, j, err;
	ssize_t len;

	uname(&u);
	snprintf(buf, sizeof(buf), "/proc/%d/exe", o->pid);
	len = readlink(buf, exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	proc__comm(o->pid, 0, comm);
	if (proc__cmdline(o->pid, buf, sizeof(buf)) < 0)
		buf[0] = '\0';
	snprintf(n[0], sizeof(n[0]), "%llu", (unsigned long long)start_rt);
	snprintf(n[1], sizeof(n[1]), "%llu", (unsigned long long)start_mono);
	snprintf(n[2], sizeof(n[2]), "%d", o->pid);
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
	kv[i].key = "target_exe", kv[i++].value = exe;
	kv[i].key = "target_cmdline", kv[i++].value = buf;
	kv[i].key = "target_comm", kv[i++].value = comm;
	kv[i].key = "sample_freq_hz", kv[i++].value = n[3];
	kv[i].key = "offcpu_threshold_ns", kv[i++].value = n[4];
	kv[i].key = "cpus", kv[i++].value = n[5];
	kv[i].key = "sched_switch_attach", kv[i++].value = attach;
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

int record__run(const struct record_opts *o)
{
	struct rec_state st = { .opts = o };
	struct bpf_link **perf_links = NULL;
	struct ring_buffer *rb = NULL;
	struct hud_bpf *skel = NULL;
	struct sigaction sa = { 0 };
	uint64_t start_mono, start_rt, deadline = 0, next_flush;
	const char *attach = NULL;
	int nr_links = 0, fd = -1, err, i, ret = RECORD_EXIT_FAILED;
	uint32_t reason = HUD_FINISH_SIGNAL;
	uint8_t one = 1;
	uint32_t tgid = o->pid;
	struct hud_rec_finish fin = { 0 };

	libbpf_set_print(libbpf_print);
	err = load_bpf(&skel, o, &attach);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			elog("loading BPF programs: %s: run hud-record as root (or with CAP_BPF and CAP_PERFMON)",
			     strerror(-err));
		else
			elog("loading BPF programs failed: %s: rerun with -v to see the verifier log",
			     strerror(-err));
		ret = exit_for_errno(err);
		goto cleanup;
	}
	err = bpf_map__update_elem(skel->maps.targets, &tgid, sizeof(tgid), &one, sizeof(one),
				   BPF_ANY);
	if (err) {
		elog("cannot set the target pid in the BPF map: %s", strerror(-err));
		goto cleanup;
	}
	st.ncpus = libbpf_num_possible_cpus();
	st.lost_prev = calloc(st.ncpus > 0 ? st.ncpus : 1, sizeof(*st.lost_prev));
	if (st.ncpus <= 0 || !st.lost_prev) {
		elog("cannot size per-CPU counters: %s", strerror(ENOMEM));
		goto cleanup;
	}

	fd = open_output(o->output);
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
	err = write_meta(st.w, o, attach, st.ncpus, start_rt, start_mono);
	if (!err) {
		err = proc__write_threads(st.w, o->pid, start_mono, tid_seen, &st);
		if (err == -ENOENT) {
			elog("process %d exited before recording started", o->pid);
			ret = RECORD_EXIT_NO_TARGET;
			goto cleanup;
		}
		err = err < 0 ? err : 0;
	}
	if (!err) {
		err = proc__write_maps(st.w, o->pid, start_mono);
		err = err < 0 ? err : 0;
	}
	if (!err)
		err = hud_writer__flush(st.w);
	if (err) {
		elog("writing %s: %s", o->output, strerror(-err));
		ret = RECORD_EXIT_OUTPUT;
		goto cleanup;
	}

	err = hud_bpf__attach(skel);
	if (!err)
		err = open_perf_events(skel, o->freq_hz, &perf_links, &nr_links);
	if (err) {
		elog("attaching BPF programs: %s%s", strerror(-err),
		     err == -EPERM || err == -EACCES ?
			     ": run hud-record as root (or with CAP_BPF and CAP_PERFMON)" : "");
		ret = exit_for_errno(err);
		goto cleanup;
	}

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	vlog("recording pid %d (%s sched_switch, %llu Hz, threshold %.1f ms) into %s", o->pid,
	     attach, (unsigned long long)o->freq_hz, o->threshold_ns / 1e6, o->output);
	if (o->duration_s > 0)
		deadline = start_mono + (uint64_t)(o->duration_s * 1e9);
	next_flush = start_mono + 1000000000ull;
	for (;;) {
		uint64_t now;

		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			elog("reading the ring buffer: %s", strerror(-err));
			reason = HUD_FINISH_ERROR;
			break;
		}
		if (st.err)
			break;
		if (stop_signal) {
			reason = HUD_FINISH_SIGNAL;
			break;
		}
		now = hud_now_ns();
		if (now >= next_flush) {
			/* A chunk per second bounds what a kill -9 can lose. */
			st.err = write_lost(&st, skel);
			if (!st.err)
				st.err = hud_writer__flush(st.w);
			if (st.err)
				break;
			next_flush = now + 1000000000ull;
		}
		if (deadline && now >= deadline) {
			reason = HUD_FINISH_DURATION;
			break;
		}
		if (!proc__alive(o->pid)) {
			ilog("process %d exited; finishing the recording", o->pid);
			reason = HUD_FINISH_TARGET_EXITED;
			break;
		}
	}

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
	if (!st.err && reason != HUD_FINISH_TARGET_EXITED) {
		/* Names and mappings may have changed (comm renames, dlopen). */
		int n = proc__write_threads(st.w, o->pid, fin.end_ns, NULL, NULL);

		if (n >= 0)
			n = proc__write_maps(st.w, o->pid, fin.end_ns);
		if (n < 0 && n != -ENOENT && n != -ESRCH)
			st.err = n;
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
		elog("writing %s: %s", o->output, strerror(-err));
		st.err = err;
	}
	if (fsync(fd) && !st.err && errno != EINVAL)
		st.err = -errno;
	if (st.bad_events)
		wlog("%llu malformed events from the kernel were ignored",
		     (unsigned long long)st.bad_events);
	ilog("%s: %.1f s, %llu samples, %llu off-CPU events, %llu lost%s", o->output,
	     (fin.end_ns - start_mono) / 1e9, (unsigned long long)st.samples,
	     (unsigned long long)st.offcpu, (unsigned long long)st.lost,
	     st.lost ? " (increase the ring with --ring-size)" : "");
	if (st.err)
		ret = st.err == -ENOSPC || st.err == -EIO || st.err == -EDQUOT ?
			      RECORD_EXIT_OUTPUT : RECORD_EXIT_FAILED;
	else
		ret = RECORD_EXIT_OK;

cleanup:
	for (i = 0; i < nr_links; i++)
		bpf_link__destroy(perf_links[i]);
	free(perf_links);
	ring_buffer__free(rb);
	hud_writer__close(st.w);
	if (fd >= 0)
		close(fd);
	hud_bpf__destroy(skel);
	free(st.lost_prev);
	free(st.tids.slots);
	return ret;
}
