// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "hud_events.h" /* before the skeleton: its .bss uses these types */
#include "hud.skel.h"
#include "hud_format.h"
#include "log.h"
#include "record.h"
#include "util.h"

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

void capture__setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

/*
 * Deferred user stacks are taken at the rseq_update tracepoint when the kernel has it: it
 * fires only for threads coming back from a context switch. sys_exit, the fallback, runs
 * for every system call of the machine. HUD_RECORD_NO_RSEQ=1 forces it (tests).
 */
/* A fresh seed for the sampling grid's jitter, so no two recordings share a grid. */
static uint64_t grid_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed))
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
}

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
 * those (no BTF for the tracepoint, old kernel).
 */
int capture__load(struct capture *c, const struct record_opts *o)
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
		/* One grid point a sampling period: the same rate as on-CPU samples. */
		skel->rodata->sample_period_ns = c->grid_period_ns =
			o->freq_hz ? 1000000000ull / o->freq_hz : 0;
		skel->rodata->grid_seed = c->grid_seed = grid_seed();
		skel->rodata->sample_kernel = o->sample_kernel;
		skel->rodata->offcpu_kernel = true;
		skel->rodata->wakeup_bytes = o->ring_bytes / 4;
		bpf_map__set_max_entries(skel->maps.events, o->ring_bytes);
		skel->rodata->ustack_size = o->ustack_mode == RECORD_USTACK_FP ? 0 : o->ustack_size;
		skel->rodata->ustack_leaf_size = o->ustack_leaf_size;
		skel->rodata->ustack_leaf_min = RECORD_USTACK_LEAF_MIN < o->ustack_leaf_size
							? RECORD_USTACK_LEAF_MIN
							: o->ustack_leaf_size;
		skel->rodata->ustack_always = o->ustack_mode == RECORD_USTACK_DWARF;
		/* Two scratch buffers per CPU: samples may interrupt the tracepoints. */
		bpf_map__set_max_entries(
			skel->maps.evt_bufs,
			2 * (libbpf_num_possible_cpus() > 0 ? libbpf_num_possible_cpus() : 1));
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
			c->skel = skel;
			c->attach = kinds[i];
			return 0;
		}
		vlog("loading %s programs failed: %s", kinds[i], strerror(-err));
		hud_bpf__destroy(skel);
		skel = NULL;
	}
	return err;
}

int capture__alloc_counters(struct capture *c)
{
	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0)
		return c->ncpus ? c->ncpus : -EINVAL;
	c->lost_prev = calloc(c->ncpus, sizeof(*c->lost_prev));
	return c->lost_prev ? 0 : -ENOMEM;
}

const char *capture__user_stack_hook(const struct capture *c)
{
	if (strcmp(c->attach, "tp_btf"))
		return "switch-out";
	return c->skel->rodata->defer_hook == HUD_DEFER_RSEQ ? "rseq_update" : "sys_exit";
}

void capture__set_targets(struct capture *c, const pid_t *pids, int nr)
{
	int i;

	_Static_assert(RECORD_MAX_TARGETS == HUD_MAX_TARGETS, "target lists differ");
	/* The programs read the targets from .bss, mapped here: set them before attaching. */
	for (i = 0; i < nr && i < HUD_MAX_TARGETS; i++)
		c->skel->bss->target_tgids[i] = (uint32_t)pids[i];
	c->skel->bss->nr_targets = (uint32_t)i;
}

void capture__copy_all(struct capture *c, int i)
{
	if (i >= 0 && i < HUD_MAX_TARGETS)
		c->skel->bss->target_copy_all[i] = 1;
}

int capture__set_nofp(struct capture *c, const struct capture_range *r, int nr)
{
	struct hud_nofp_range *t = c->skel->bss->nofp;
	int i, n = nr < HUD_MAX_NOFP ? nr : HUD_MAX_NOFP;

	/*
	 * The programs read the table while it changes: shrink the count first, and grow it
	 * only once the entries are written, so that a reader sees old or new entries.
	 */
	if (n < (int)c->skel->bss->nr_nofp)
		c->skel->bss->nr_nofp = (uint32_t)n;
	__sync_synchronize();
	for (i = 0; i < n; i++)
		t[i] = (struct hud_nofp_range){
			.start = r[i].start, .end = r[i].end, .tgid = r[i].pid};
	__sync_synchronize();
	c->skel->bss->nr_nofp = (uint32_t)n;
	return nr - n;
}

int capture__open_ring(struct capture *c, int (*fn)(void *ctx, void *data, size_t size), void *ctx)
{
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), fn, ctx, NULL);
	return c->rb ? 0 : -errno;
}

int capture__attach(struct capture *c)
{
	return hud_bpf__attach(c->skel);
}

int capture__open_perf_events(struct capture *c, uint64_t freq)
{
	int ncpus = libbpf_num_possible_cpus(), cpu, opened = 0;

	if (ncpus <= 0)
		return -EINVAL;
	c->perf_links = calloc(ncpus, sizeof(*c->perf_links));
	if (!c->perf_links)
		return -ENOMEM;
	c->nr_perf_links = ncpus;
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
		c->perf_links[cpu] = bpf_program__attach_perf_event(c->skel->progs.hud_sample, fd);
		if (!c->perf_links[cpu]) {
			int err = -errno;

			close(fd);
			return err;
		}
		opened++;
	}
	return opened ? 0 : -ENODEV;
}

int capture__poll(struct capture *c, int timeout_ms)
{
	int err;

	/*
	 * BPF wakes us only when the ring fills up (see wakeup_flags()), so poll() mostly
	 * times out: drain explicitly to keep the file current.
	 */
	err = ring_buffer__poll(c->rb, timeout_ms);
	if (err >= 0 || err == -EINTR)
		err = ring_buffer__consume(c->rb);
	return err < 0 && err != -EINTR ? err : 0;
}

int capture__lost(struct capture *c, int (*fn)(void *ctx, int cpu, uint64_t n), void *ctx)
{
	uint64_t vals[c->ncpus];
	uint32_t zero = 0;
	int cpu, err;

	err = bpf_map__lookup_elem(c->skel->maps.lost, &zero, sizeof(zero), vals, sizeof(vals), 0);
	if (err)
		return err;
	for (cpu = 0; cpu < c->ncpus; cpu++) {
		if (vals[cpu] <= c->lost_prev[cpu])
			continue;
		err = fn(ctx, cpu, vals[cpu] - c->lost_prev[cpu]);
		c->lost_prev[cpu] = vals[cpu];
		if (err)
			return err;
	}
	return 0;
}

int capture__for_each_thread(struct capture *c,
			     int (*fn)(void *ctx, const struct capture_thread *t), void *ctx)
{
	struct hud_evt_offcpu *v = malloc(sizeof(*v));
	int fd = bpf_map__fd(c->skel->maps.offcpu_start), err = 0;
	uint32_t key, next, *prev = NULL;

	if (!v)
		return -ENOMEM;
	while (!err && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, v))
			continue; /* gone meanwhile */
		err = fn(ctx,
			 &(struct capture_thread){
				 .pid = v->hdr.pid,
				 .tid = key,
				 .offcpu = v->offcpu || v->pending,
				 .since_ns = v->hdr.time_ns,
				 .state = v->state,
				 .flags = (v->flags & HUD_EVT_PREEMPTED) ? HUD_OFFCPU_PREEMPTED : 0,
			 });
	}
	free(v);
	return err;
}

void capture__detach(struct capture *c)
{
	int i;

	for (i = 0; i < c->nr_perf_links; i++) {
		bpf_link__destroy(c->perf_links[i]);
		c->perf_links[i] = NULL;
	}
	if (c->skel)
		hud_bpf__detach(c->skel);
}

void capture__free(struct capture *c)
{
	int i;

	for (i = 0; i < c->nr_perf_links; i++)
		bpf_link__destroy(c->perf_links[i]);
	free(c->perf_links);
	ring_buffer__free(c->rb);
	hud_bpf__destroy(c->skel);
	free(c->lost_prev);
	memset(c, 0, sizeof(*c));
}
