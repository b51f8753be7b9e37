// SPDX-License-Identifier: MIT OR Apache-2.0
/*
 * hud-record --check: one line per requirement, each failure with its fix. With a target,
 * also a one-second trial capture to see how deep its user stacks go (frame pointers).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture.h"
#include "elfread.h"
#include "hud_events.h" /* before the skeleton: its .bss uses these types */
#include "hud.skel.h"
#include "log.h"
#include "proc.h"
#include "record.h"
#include "util.h"

static int failures;
static void (*out_line)(void *ctx, const char *text);
static void *out_ctx;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out_line(out_ctx, buf);
}

/* One line of the verdict: ok (1), FAIL (0) or warn (-1), what was checked, and the fix. */
static void line(int ok, const char *what, const char *detail, const char *fix)
{
	say("%-5s %-30s %s%s%s",
	    ok > 0    ? "ok"
	    : ok == 0 ? "FAIL"
		      : "warn",
	    what, detail, ok <= 0 && fix ? ": " : "", ok <= 0 && fix ? fix : "");
	if (ok == 0)
		failures++;
}

static void check_kernel(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;
	char buf[128];

	uname(&u);
	sscanf(u.release, "%u.%u", &major, &minor);
	snprintf(buf, sizeof(buf), "%s", u.release);
	line(major > 5 || (major == 5 && minor >= 8), "kernel >= 5.8", buf,
	     "hud needs the BPF ring buffer (5.8); upgrade the kernel");
	line(access("/sys/kernel/btf/vmlinux", R_OK) == 0, "kernel BTF", "/sys/kernel/btf/vmlinux",
	     "build the kernel with CONFIG_DEBUG_INFO_BTF=y (raw_tp fallback still needs CO-RE)");
}

/* Debug info and the section a frame-pointer-less binary would lack nothing of: DWARF. */
static void check_debug_info(pid_t pid)
{
	char path[64], detail[PATH_MAX + 64];
	int fd, has_debug = 0, has_link = 0;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		line(0, "target executable", strerror(errno), "check the pid");
		return;
	}
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			const char *name;

			if (!gelf_getshdr(scn, &sh))
				continue;
			name = elf_strptr(elf, shstrndx, sh.sh_name);
			if (!name)
				continue;
			has_debug |= !strcmp(name, ".debug_info");
			has_link |= !strcmp(name, ".gnu_debuglink");
		}
	}
	elf_end(elf);
	close(fd);
	snprintf(detail, sizeof(detail), "%s",
		 has_debug  ? ".debug_info present"
		 : has_link ? "separate debug file (.gnu_debuglink)"
			    : "no DWARF: functions only, no file:line");
	line(has_debug || has_link ? 1 : -1, "target debug info", detail,
	     "build with debug = true (or \"line-tables-only\") in the Cargo profile");
}

struct trial {
	uint64_t events, depth_sum;
	uint32_t depth_max;
};

static int on_trial_event(void *ctx, void *data, size_t size)
{
	struct trial *t = ctx;
	const struct hud_evt_header *h = data;
	uint32_t nu;

	if (size < sizeof(*h))
		return 0;
	if (h->type == HUD_EVT_SAMPLE && size >= HUD_EVT_SAMPLE_FIXED)
		nu = ((const struct hud_evt_sample *)data)->nr_user;
	else if (h->type == HUD_EVT_OFFCPU && size >= HUD_EVT_OFFCPU_FIXED)
		nu = ((const struct hud_evt_offcpu *)data)->nr_user;
	else
		return 0;
	t->events++;
	t->depth_sum += nu;
	if (nu > t->depth_max)
		t->depth_max = nu;
	return 0;
}

/* Load, attach, sample the target for a second: proves permissions and shows stack depth. */
static void check_capture(pid_t pid)
{
	struct record_opts o = {.freq_hz = 99, .threshold_ns = 1000000, .ring_bytes = 1 << 20};
	struct capture c = {0};
	struct trial t = {0};
	uint64_t end;
	char detail[128];
	int err;

	capture__setup_libbpf();
	err = capture__load(&c, &o);
	if (err) {
		line(0, "load BPF programs", strerror(-err),
		     err == -EPERM || err == -EACCES
			     ? "run as root (or with CAP_BPF and CAP_PERFMON)"
			     : "run hud-record -v for the verifier log");
		goto cleanup;
	}
	snprintf(detail, sizeof(detail), "sched_switch via %s", c.attach);
	line(1, "load BPF programs", detail, NULL);
	err = capture__open_perf_events(&c, 99);
	line(!err, "perf_event sampling", err ? strerror(-err) : "cpu-clock on every CPU",
	     "run as root, or lower /proc/sys/kernel/perf_event_paranoid");
	if (err || !pid)
		goto cleanup;
	capture__set_targets(&c, &pid, 1);
	err = capture__attach(&c);
	if (!err)
		err = capture__open_ring(&c, on_trial_event, &t);
	if (err) {
		line(0, "trial capture", strerror(-err), "see hud-record -v");
		goto cleanup;
	}
	for (end = hud_now_ns() + 1000000000ull; hud_now_ns() < end;)
		capture__poll(&c, 100);
	if (!t.events) {
		line(-1, "user stacks", "no samples or off-CPU events in 1 s (target idle?)",
		     "check again under load");
		goto cleanup;
	}
	snprintf(detail, sizeof(detail), "%llu stacks, mean depth %.1f, max %u",
		 (unsigned long long)t.events, (double)t.depth_sum / t.events, t.depth_max);
	/*
	 * Without frame pointers the walk stops after a frame or two: hud-record then copies
	 * the top of the stack for hud-report to unwind with CFI, at some cost.
	 */
	line(t.depth_max >= 5 ? 1 : -1, "user stacks (frame pointers)", detail,
	     "frame-pointer walks stop early: hud-record copies the stack top for CFI "
	     "unwinding instead (larger files: see docs/PERFORMANCE.md)");
cleanup:
	capture__free(&c);
}

struct worker_count {
	int workers, threads;
};

static int count_worker(void *ctx, pid_t tid, const char *comm)
{
	static const char *const names[] = {"tokio-runtime-w", "tokio-rt-worker"};
	struct worker_count *c = ctx;
	size_t k;

	c->threads++;
	for (k = 0; k < ARRAY_SIZE(names); k++)
		c->workers += !strcmp(comm, names[k]);
	return 0;
}

/* Does the target's executable set up frame pointers? Without, every event is copied. */
static void check_frame_pointers(pid_t pid)
{
	struct elf_fp_census c;
	char path[64], detail[128];
	int fp;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fp = elf__has_frame_pointers(path, &c);
	if (fp < 0)
		return;
	snprintf(detail, sizeof(detail), "%s (%u%% of %u functions set one up)",
		 fp ? "built with them" : "built without them", c.with_frame * 100 / c.functions,
		 c.functions);
	line(fp ? 1 : -1, "target frame pointers", detail,
	     "hud-record copies the stack top of every event for CFI unwinding "
	     "(--call-graph dwarf; larger files, see docs/PERFORMANCE.md)");
}

static void check_workers(pid_t pid)
{
	struct worker_count c = {0};
	char detail[128];

	if (proc__for_each_thread(pid, count_worker, &c) < 0)
		return;
	snprintf(detail, sizeof(detail), "%d of %d threads have Tokio's worker names", c.workers,
		 c.threads);
	line(c.workers ? 1 : -1, "worker threads", detail,
	     "custom names or current_thread: hud-report tells workers by their stacks; "
	     "--workers PREFIX names them");
}

int record__check(pid_t pid, void (*line_fn)(void *ctx, const char *text), void *ctx)
{
	char comm[16] = "";

	out_line = line_fn;
	out_ctx = ctx;
	failures = 0;
	check_kernel();
	if (pid) {
		if (proc__comm(pid, 0, comm)) {
			line(0, "target", "no such process", "check the pid with ps");
			return RECORD_EXIT_NO_TARGET;
		}
		say("target: %d (%s)", pid, comm);
		check_debug_info(pid);
		check_frame_pointers(pid);
		check_workers(pid);
	}
	check_capture(pid);
	say("%s", failures ? "capture cannot work: fix the FAIL lines above" : "capture can work");
	if (!failures)
		return RECORD_EXIT_OK;
	return geteuid() ? RECORD_EXIT_PERM : RECORD_EXIT_FAILED;
}
