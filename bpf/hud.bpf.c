// SPDX-License-Identifier: (MIT OR Apache-2.0) AND GPL-2.0-only
/*
 * Kernel side of hud-record: on-CPU samples and off-CPU intervals of the target process.
 *
 * - A perf_event program (cpu-clock, every CPU) samples the user (and optionally kernel)
 *   stack of target threads.
 * - sched_switch remembers, per target thread, when and how it left the CPU and its stacks
 *   at that moment (current == prev there, so the stacks are the thread's own). When the
 *   thread is switched in again after >= min_offcpu_ns, the record goes to userspace.
 * - Walking stacks at every switch-out is what costs (the user stack frame by frame from
 *   user memory), and most intervals are shorter than the threshold. So with tp_btf, a
 *   thread keeps only its user registers at switch-out. Once the interval proved long, its
 *   kernel stack is read at switch-in (it has not run since, so the stack is intact) and its
 *   user stack when the thread itself runs again, before any user code: on its way back to
 *   user space. The hook for that is the rseq_update tracepoint, which the kernel fires
 *   exactly then for every thread that registered rseq (glibc does, for every thread), and
 *   only after a context switch. Where that tracepoint is missing the hook is sys_exit: then
 *   every system call of the machine runs it and takes the kernel's slow exit path, and
 *   preempted threads, which may not be in a system call, are walked at switch-out. Threads
 *   without rseq are walked at switch-out too. The registers are compared first, so a
 *   stack taken after the thread ran other user code is never attached to the interval.
 *
 * Stacks travel inline in ring-buffer events: a stack-id map with BPF_F_REUSE_STACKID can
 * silently hand back another stack when ids are reused.
 *
 * Frame-pointer walks fail in code built without frame pointers (Debian's glibc, a default
 * `cargo build --release`). For an event whose leaf is in such code (ranges hud-record
 * found and put in nofp[]), or for every event of a target built without them, the event
 * also carries the user registers and a copy of the top of the user stack, which
 * hud-report unwinds with the binaries' CFI. Off-CPU intervals get their copy where the
 * deferred user stack is taken (in the thread's own context).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "hud_events.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* Set by hud-record through the skeleton's rodata before load. */
const volatile __u64 min_offcpu_ns = 5000000;
const volatile bool sample_kernel = false;
const volatile bool offcpu_kernel = true;
/* Where deferred user stacks are taken: HUD_DEFER_* (hud_events.h), set by hud-record. */
const volatile __u32 defer_hook = HUD_DEFER_RSEQ;
/* Ring fill level at which the reader is woken (a quarter of the ring by default). */
const volatile __u64 wakeup_bytes = 2 << 20;
/*
 * Off-CPU sampling: every target thread has one point of its sampling grid in each
 * period of sample_period_ns, at a place the seed and the thread make random (format/
 * FORMAT.md, "The sampling grid"). An interval shorter than min_offcpu_ns that holds a
 * point is sent too, flagged HUD_EVT_SAMPLED: hud-report weighs it by its points. 0: off.
 */
const volatile __u64 sample_period_ns = 0;
const volatile __u64 grid_seed = 0;
/*
 * Bytes of user stack copied when a copy is wanted (0: never), and whether always; and the
 * bytes copied at a leaf in nofp[] of a target with frame pointers, where the kernel's walk
 * is good again from the first caller that keeps a frame record.
 */
const volatile __u32 ustack_size = 0;
const volatile __u32 ustack_leaf_size = 0;
const volatile __u32 ustack_leaf_min = 0;
const volatile bool ustack_always = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by hud-record before load */
} events SEC(".maps");

/*
 * tgids being recorded, set by hud-record before attaching. A plain array in .bss: the
 * check runs at every context switch and wake-up of the machine, and comparing one or a
 * few words costs less than a hash-map lookup.
 */
__u32 target_tgids[HUD_MAX_TARGETS];
__u32 nr_targets;
/* Per target: its own code has no frame pointers, so every event gets a stack copy. */
__u32 target_copy_all[HUD_MAX_TARGETS];
/* Code of the targets without frame pointers (libraries, mostly), set by hud-record. */
struct hud_nofp_range nofp[HUD_MAX_NOFP];
__u32 nr_nofp;

/*
 * Intervals waiting for their user stack (pending). While there are none, which is most
 * of the time, the system-call exit hook (every system call of the machine) returns at
 * once.
 */
__s64 nr_pending;

/* tid -> switch-out record; only target threads are ever inserted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct hud_evt_offcpu);
} offcpu_start SEC(".maps");

/*
 * Scratch space: events are built here, then copied into the ring at their real size. Room
 * for the fixed part, the ips (indexed up to 255 for the verifier), and a stack copy that
 * may start anywhere below HUD_USTACK_MAX and run a page further.
 */
#define HUD_EVT_BUF_SIZE (HUD_EVT_OFFCPU_FIXED + 256 * 8 + HUD_USTACK_MAX + 2 * HUD_USTACK_PAGE)

struct hud_evt_buf {
	__u8 data[HUD_EVT_BUF_SIZE];
};

/*
 * One buffer per CPU and per context: samples (perf_event, NMI-like: they may interrupt
 * the tracepoints) and off-CPU intervals. Too big for a per-CPU array's value: a plain
 * array indexed by CPU, sized by hud-record to the possible CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* resized to 2 x possible CPUs by hud-record */
	__type(key, __u32);
	__type(value, struct hud_evt_buf);
} evt_bufs SEC(".maps");

/* Initial value for offcpu_start entries (a map value: too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hud_evt_offcpu);
} offcpu_init SEC(".maps");

/* Events dropped because the ring was full or a map was full, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Kernels before 5.14 call the field 'state'. */
struct task_struct___pre514 {
	long state;
} __attribute__((preserve_access_index));

/*
 * A field of a task: read directly where the program has a BTF pointer (tp_btf: plain
 * loads, relocated by CO-RE), through bpf_probe_read_kernel() otherwise (raw_tp). @btf is
 * a compile-time constant, so each program keeps one of the two. These reads run at every
 * context switch of the machine: a helper call each adds up.
 */
#define PF_EXITING 0x00000004 /* include/linux/sched.h: getting shut down */

#define TASK_READ(btf, t, field) ((btf) ? (t)->field : BPF_CORE_READ(t, field))

static __always_inline __u32 task_state(struct task_struct *t, bool btf)
{
	if (bpf_core_field_exists(t->__state))
		return TASK_READ(btf, t, __state);
	return BPF_CORE_READ((struct task_struct___pre514 *)t, state);
}

/* The thread registered rseq, so the rseq_update hook will see it return to user space. */
static __always_inline bool has_rseq(struct task_struct *t, bool btf)
{
	if (!bpf_core_field_exists(t->rseq))
		return false;
	return TASK_READ(btf, t, rseq) != NULL;
}

static __always_inline bool is_target(__u32 tgid)
{
	__u32 i, n = nr_targets;

	if (!tgid)
		return false;
	for (i = 0; i < HUD_MAX_TARGETS && i < n; i++)
		if (target_tgids[i] == tgid)
			return true;
	return false;
}

/* splitmix64's finalizer: the grid's jitter (FORMAT.md). */
static __always_inline __u64 grid_mix(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* The grid point of thread @tid in period @n. */
static __always_inline __u64 grid_point(__u32 tid, __u64 n)
{
	return n * sample_period_ns +
	       grid_mix(grid_seed + tid * 0x9e3779b97f4a7c15ULL + n) % sample_period_ns;
}

/* Does (@a, @b] hold a grid point of @tid? */
static __always_inline bool holds_grid_point(__u32 tid, __u64 a, __u64 b)
{
	__u64 na, nb;

	if (!sample_period_ns || b <= a)
		return false;
	na = a / sample_period_ns;
	nb = b / sample_period_ns;
	if (nb > na + 1)
		return true; /* a whole period inside */
	if (grid_point(tid, na) > a && grid_point(tid, na) <= b)
		return true;
	return nb != na && grid_point(tid, nb) <= b;
}

static __always_inline void set_pending(struct hud_evt_offcpu *s, __u8 on)
{
	if (s->pending == on)
		return;
	s->pending = on;
	__sync_fetch_and_add(&nr_pending, on ? 1 : -1);
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&lost, &zero);

	if (n)
		*n += 1;
}

/*
 * Wake the reader only when the ring is filling up: a wakeup per event would cost more
 * than the event. hud-record also polls with a short timeout.
 */
static __always_inline __u64 wakeup_flags(void)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	return avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

/* Tell userspace that @tid's scheduling is watched from @now on (a new map entry). */
static __always_inline void emit_seen(__u32 tgid, __u32 tid, __u64 now)
{
	struct hud_evt_header e = {};

	e.type = HUD_EVT_SEEN;
	e.pid = tgid;
	e.tid = tid;
	e.cpu = bpf_get_smp_processor_id();
	e.time_ns = now;
	if (bpf_ringbuf_output(&events, &e, sizeof(e), wakeup_flags()))
		count_lost();
}

/*
 * @tid's entry in offcpu_start; made if it has none, and then announced (HUD_EVT_SEEN):
 * its scheduling is watched from @now on. NULL if the map is full. Never for an exiting
 * thread (the caller checks): its entry would outlive it.
 */
static __always_inline struct hud_evt_offcpu *thread_entry(__u32 tgid, __u32 tid, __u64 now)
{
	struct hud_evt_offcpu *s = bpf_map_lookup_elem(&offcpu_start, &tid);
	__u32 zero = 0;
	void *init;

	if (s)
		return s;
	/* Zeroed (never written): not off-CPU, nothing pending. */
	init = bpf_map_lookup_elem(&offcpu_init, &zero);
	if (!init)
		return NULL;
	if (bpf_map_update_elem(&offcpu_start, &tid, init, BPF_NOEXIST)) {
		/* Another CPU made it first, or the map is full. */
		s = bpf_map_lookup_elem(&offcpu_start, &tid);
		if (!s)
			count_lost();
		return s;
	}
	s = bpf_map_lookup_elem(&offcpu_start, &tid);
	if (s)
		emit_seen(tgid, tid, now);
	return s;
}

/*
 * Capture kernel (optional) then user stack into ips[]. bpf_get_stack() returns bytes
 * written; the masks keep the verifier convinced the offsets stay inside ips[].
 */
static __always_inline void capture_stacks(void *ctx, __u64 *ips, __u32 *nr_kernel, __u32 *nr_user,
					   bool kernel)
{
	long n;
	__u32 nk = 0, nu = 0;

	if (kernel) {
		n = bpf_get_stack(ctx, ips, HUD_MAX_KSTACK * sizeof(__u64), 0);
		if (n > 0)
			nk = (__u32)n / sizeof(__u64);
		if (nk > HUD_MAX_KSTACK)
			nk = HUD_MAX_KSTACK;
	}
	n = bpf_get_stack(ctx, &ips[nk & 63], HUD_MAX_USTACK * sizeof(__u64), BPF_F_USER_STACK);
	if (n > 0)
		nu = (__u32)n / sizeof(__u64);
	if (nu > HUD_MAX_USTACK)
		nu = HUD_MAX_USTACK;
	*nr_kernel = nk;
	*nr_user = nu;
}

static __always_inline __u64 evt_size(__u32 fixed, __u32 nr_kernel, __u32 nr_user)
{
	__u64 n = (__u64)nr_kernel + nr_user;

	if (n > HUD_MAX_FRAMES)
		n = HUD_MAX_FRAMES;
	return fixed + n * sizeof(__u64);
}

/* This CPU's scratch buffer for @ctx_kind (0 samples, 1 off-CPU intervals), or NULL. */
static __always_inline struct hud_evt_buf *evt_buf(__u32 ctx_kind)
{
	__u32 key = bpf_get_smp_processor_id() * 2 + ctx_kind;

	return bpf_map_lookup_elem(&evt_bufs, &key);
}

/*
 * The bytes to copy at a leaf in code without frame pointers, in a program that has them,
 * for user registers @r. Such leaves (glibc's) mostly leave rbp alone, so rbp is still
 * the frame record of the first caller that keeps one, and hud-report's CFI needs the
 * stack only up to that record's end (bp + 16): the kernel's walk has the rest. A leaf
 * that used rbp for something else leaves it pointing anywhere, so never copy less than
 * ustack_leaf_min, nor more than ustack_leaf_size.
 */
static __always_inline __u32 leaf_copy_size(struct pt_regs *r)
{
	__u64 sp = PT_REGS_SP(r), end = PT_REGS_FP(r) + 16;

	if (end > sp + ustack_leaf_min && end <= sp + ustack_leaf_size)
		return (__u32)((end - sp + 7) & ~7ULL);
	if (end > sp && end <= sp + ustack_leaf_min)
		return ustack_leaf_min;
	return ustack_leaf_size;
}

/* How many bytes of stack does an event of @tgid with user registers @r copy (0: none)? */
static __always_inline __u32 wants_copy(__u32 tgid, struct pt_regs *r)
{
	__u64 ip = PT_REGS_IP(r);
	__u32 i, n;

	if (!ustack_size)
		return 0;
	if (ustack_always)
		return ustack_size;
	n = nr_targets;
	for (i = 0; i < HUD_MAX_TARGETS && i < n; i++)
		if (target_tgids[i] == tgid)
			break;
	if (i < HUD_MAX_TARGETS && i < n && target_copy_all[i])
		return ustack_size;
	n = nr_nofp;
	for (i = 0; i < HUD_MAX_NOFP && i < n; i++)
		if (nofp[i].tgid == tgid && ip >= nofp[i].start && ip < nofp[i].end)
			return leaf_copy_size(r);
	return 0;
}

/*
 * Copy the user stack of the current thread from @u's sp up into @dst, a page at a time
 * so that the end of the stack's mapping stops it cleanly: @want bytes, or fewer
 * (HUD_USTACK_EVT_SHORT) where a page cannot be read. @dst has room for HUD_USTACK_MAX and
 * a page more.
 */
static __always_inline void copy_ustack(__u8 *dst, struct hud_evt_ustack *u, __u64 want)
{
	__u64 off = 0, n;
	int i;

	if (want > HUD_USTACK_MAX)
		want = HUD_USTACK_MAX;
	u->flags = 0;
	n = HUD_USTACK_PAGE - (u->sp & (HUD_USTACK_PAGE - 1));
	for (i = 0; i < HUD_USTACK_MAX / HUD_USTACK_PAGE + 1; i++) {
		if (off >= want)
			break;
		if (n > want - off)
			n = want - off;
		/* The verifier's bound: never more than two pages (the buffer's slack). */
		n &= 2 * HUD_USTACK_PAGE - 1;
		if (bpf_probe_read_user(dst + (off & (HUD_USTACK_MAX - 1)), n,
					(void *)(u->sp + off))) {
			u->flags |= HUD_USTACK_EVT_SHORT;
			break;
		}
		off += n;
		n = HUD_USTACK_PAGE;
	}
	u->size = (__u32)off;
}

/* Fill @u with the user registers @uregs and copy @want bytes of the stack (0: none). */
static __always_inline void take_ustack(struct hud_evt_ustack *u, __u8 *dst, __u32 want,
					struct pt_regs *uregs)
{
	u->size = 0;
	u->flags = 0;
	if (!uregs || !want)
		return;
	u->ip = PT_REGS_IP(uregs);
	u->sp = PT_REGS_SP(uregs);
	u->bp = PT_REGS_FP(uregs);
	copy_ustack(dst, u, want);
}

SEC("perf_event")
int hud_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pt_regs *uregs;
	struct hud_evt_sample *e;
	struct hud_evt_buf *buf;
	__u32 n, copied;

	if (!is_target(id >> 32))
		return 0;
	/* A thread that runs without a switch is watched from its first sample. */
	if (!(bpf_get_current_task_btf()->flags & PF_EXITING))
		thread_entry(id >> 32, (__u32)id, bpf_ktime_get_ns());
	buf = evt_buf(0);
	if (!buf)
		return 0;
	e = (struct hud_evt_sample *)buf->data;
	e->hdr.type = HUD_EVT_SAMPLE;
	e->hdr.pid = id >> 32;
	e->hdr.tid = (__u32)id;
	e->hdr.cpu = bpf_get_smp_processor_id();
	e->hdr.time_ns = bpf_ktime_get_ns();
	capture_stacks(ctx, e->ips, &e->nr_kernel, &e->nr_user, sample_kernel);
	n = (e->nr_kernel + e->nr_user) & 255;
	/* The user registers, even when the sample interrupted the kernel. */
	uregs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	take_ustack(&e->ustack, buf->data + HUD_EVT_SAMPLE_FIXED + n * 8,
		    uregs ? wants_copy(id >> 32, uregs) : 0, uregs);
	copied = e->ustack.size;
	if (copied > HUD_USTACK_MAX)
		copied = HUD_USTACK_MAX;
	if (bpf_ringbuf_output(&events, e,
			       evt_size(HUD_EVT_SAMPLE_FIXED, e->nr_kernel, e->nr_user) + copied,
			       wakeup_flags()))
		count_lost();
	return 0;
}

/* Ring output of a finished interval (without a stack copy). */
static __always_inline void offcpu_submit(struct hud_evt_offcpu *s)
{
	s->ustack.size = 0;
	if (bpf_ringbuf_output(&events, s, evt_size(HUD_EVT_OFFCPU_FIXED, s->nr_kernel, s->nr_user),
			       wakeup_flags()))
		count_lost();
}

/*
 * Ring output of a finished interval with the user registers @uregs, and a stack copy if
 * one is wanted, from the thread's own context. The record is built in the scratch buffer:
 * the map value has no room for the copy.
 */
static __always_inline void offcpu_submit_ustack(struct hud_evt_offcpu *s, struct pt_regs *uregs)
{
	__u32 n = (s->nr_kernel + s->nr_user) & 255, size, copied;
	struct hud_evt_offcpu *e;
	struct hud_evt_buf *buf;
	__u32 want = wants_copy(s->hdr.pid, uregs);

	if (!want || !(buf = evt_buf(1))) {
		offcpu_submit(s);
		return;
	}
	size = evt_size(HUD_EVT_OFFCPU_FIXED, s->nr_kernel, s->nr_user);
	if (size > HUD_EVT_OFFCPU_FIXED + HUD_MAX_FRAMES * 8)
		size = HUD_EVT_OFFCPU_FIXED + HUD_MAX_FRAMES * 8;
	if (bpf_probe_read_kernel(buf->data, size, s)) {
		offcpu_submit(s);
		return;
	}
	e = (struct hud_evt_offcpu *)buf->data;
	take_ustack(&e->ustack, buf->data + HUD_EVT_OFFCPU_FIXED + n * 8, want, uregs);
	copied = e->ustack.size;
	if (copied > HUD_USTACK_MAX)
		copied = HUD_USTACK_MAX;
	if (bpf_ringbuf_output(&events, e, size + copied, wakeup_flags()))
		count_lost();
}

/*
 * Complete a pending interval from the thread's own context (@ctx: current is the
 * thread). Its user stack is taken now if the user registers are still those of the
 * switch-out, i.e. the thread has not run user code since; otherwise it goes without.
 */
static __always_inline void offcpu_flush(void *ctx, struct hud_evt_offcpu *s, struct pt_regs *uregs)
{
	__u32 nk = s->nr_kernel & 63;
	long n;

	set_pending(s, 0);
	s->nr_user = 0;
	if (uregs && PT_REGS_IP(uregs) == s->user_ip && PT_REGS_SP(uregs) == s->user_sp) {
		n = bpf_get_stack(ctx, &s->ips[nk], HUD_MAX_USTACK * sizeof(__u64),
				  BPF_F_USER_STACK);
		if (n > 0)
			s->nr_user = (__u32)n / sizeof(__u64);
		if (s->nr_user > HUD_MAX_USTACK)
			s->nr_user = HUD_MAX_USTACK;
		offcpu_submit_ustack(s, uregs);
		return;
	}
	offcpu_submit(s);
}

static __always_inline void switch_out(void *ctx, bool preempt, struct task_struct *prev,
				       __u32 tgid, __u64 now, bool btf)
{
	__u32 tid = TASK_READ(btf, prev, pid);
	struct hud_evt_offcpu *s;

	/*
	 * An exiting thread (after sched_process_exit removed its entry, it still switches
	 * out for the last time) must not put an entry back: dead tids would fill the map
	 * and every later thread's intervals would be lost.
	 */
	s = bpf_map_lookup_elem(&offcpu_start, &tid);
	if (TASK_READ(btf, prev, flags) & PF_EXITING) {
		if (btf && s && s->pending)
			offcpu_flush(ctx, s, (struct pt_regs *)bpf_task_pt_regs(prev));
		bpf_map_delete_elem(&offcpu_start, &tid);
		return;
	}
	if (!s && !(s = thread_entry(tgid, tid, now)))
		return;
	/* A second long wait inside one system call: finish the first one now. */
	if (btf && s->pending)
		offcpu_flush(ctx, s, (struct pt_regs *)bpf_task_pt_regs(prev));
	s->hdr.type = HUD_EVT_OFFCPU;
	s->hdr.pid = tgid;
	s->hdr.tid = tid;
	s->hdr.cpu = bpf_get_smp_processor_id();
	s->hdr.time_ns = now;
	s->offcpu = 1;
	s->duration_ns = 0;
	s->runq_ns = 0;
	s->state = task_state(prev, btf);
	s->flags = preempt ? HUD_EVT_PREEMPTED : 0;
	/* A preempted (or yielding) thread is runnable from the moment it leaves. */
	s->wakeup_ns = preempt || s->state == 0 ? now : 0;
	if (btf && (defer_hook == HUD_DEFER_RSEQ ? has_rseq(prev, btf) : !preempt)) {
		struct pt_regs *uregs = (struct pt_regs *)bpf_task_pt_regs(prev);

		/*
		 * No stack walk here, where every context switch would pay for it: most waits
		 * are short. If this one turns out long, its kernel stack is read at switch-in
		 * (the thread has not run since, so it is intact) and its user stack when the
		 * thread is back in its own context.
		 */
		s->nr_kernel = 0;
		s->nr_user = 0;
		s->user_ip = PT_REGS_IP(uregs);
		s->user_sp = PT_REGS_SP(uregs);
		return;
	}
	capture_stacks(ctx, s->ips, &s->nr_kernel, &s->nr_user, offcpu_kernel);
	s->user_ip = 0;
	s->user_sp = 0;
}

static __always_inline void switch_in(struct task_struct *next, __u32 tgid, __u64 now, bool btf)
{
	long n;
	__u32 tid = TASK_READ(btf, next, pid);
	struct hud_evt_offcpu *s;
	__u64 delta;

	s = bpf_map_lookup_elem(&offcpu_start, &tid);
	if (!s) {
		/* Off-CPU since before the attach: watched from now on. */
		if (!(TASK_READ(btf, next, flags) & PF_EXITING))
			thread_entry(tgid, tid, now);
		return;
	}
	if (!s->offcpu)
		return;
	s->offcpu = 0;
	delta = now - s->hdr.time_ns;
	/*
	 * runq_ns <= delta, so one test covers long sleeps and long run-queue waits. A
	 * shorter interval goes out as a sample of the off-CPU time when it holds a grid point
	 * (at most one a period per thread), through the same deferred-stack path.
	 */
	if (delta < min_offcpu_ns && holds_grid_point(tid, s->hdr.time_ns, now))
		s->flags |= HUD_EVT_SAMPLED;
	if (delta >= min_offcpu_ns || (s->flags & HUD_EVT_SAMPLED)) {
		s->duration_ns = delta;
		s->runq_ns = s->wakeup_ns && now > s->wakeup_ns ? now - s->wakeup_ns : 0;
		/* Deferred stacks: the kernel one now, the user one in the thread's context. */
		if (btf && s->user_sp) {
			if (offcpu_kernel) {
				n = bpf_get_task_stack(next, s->ips, HUD_MAX_KSTACK * sizeof(__u64),
						       0);
				s->nr_kernel = n > 0 ? (__u32)n / sizeof(__u64) : 0;
				if (s->nr_kernel > HUD_MAX_KSTACK)
					s->nr_kernel = HUD_MAX_KSTACK;
			}
			set_pending(s, 1);
		} else {
			offcpu_submit(s);
		}
	}
}

/* @btf is a compile-time constant: the raw_tp copy must not call tracing-only helpers. */
static __always_inline int handle_switch(void *ctx, bool preempt, struct task_struct *prev,
					 struct task_struct *next, bool btf)
{
	__u32 prev_tgid = TASK_READ(btf, prev, tgid);
	__u32 next_tgid = TASK_READ(btf, next, tgid);
	bool out = is_target(prev_tgid), in = is_target(next_tgid);
	__u64 now;

	if (!out && !in)
		return 0;
	now = bpf_ktime_get_ns();
	if (out)
		switch_out(ctx, preempt, prev, prev_tgid, now, btf);
	if (in)
		switch_in(next, next_tgid, now, btf);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(hud_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(ctx, preempt, prev, next, true);
}

/* The current thread is on its way back to user space: take a deferred user stack. */
static __always_inline void flush_current(void *ctx, struct pt_regs *uregs)
{
	__u64 id;
	__u32 tid;
	struct hud_evt_offcpu *s;

	if (nr_pending <= 0)
		return;
	id = bpf_get_current_pid_tgid();
	tid = (__u32)id;
	if (!is_target(id >> 32))
		return;
	s = bpf_map_lookup_elem(&offcpu_start, &tid);
	if (s && s->pending)
		offcpu_flush(ctx, s, uregs);
}

/*
 * Fired on the way back to user space after the thread was switched out (and on signal
 * delivery), before any user code runs, for threads with rseq registered.
 */
SEC("tp_btf/rseq_update")
int BPF_PROG(hud_rseq_btf, struct task_struct *t)
{
	flush_current(ctx, (struct pt_regs *)bpf_task_pt_regs(t));
	return 0;
}

/* Fallback for kernels without the rseq_update tracepoint: every system call's exit. */
SEC("tp_btf/sys_exit")
int BPF_PROG(hud_sys_exit_btf, struct pt_regs *regs, long ret)
{
	flush_current(ctx, regs);
	return 0;
}

/* Fallback for kernels whose tp_btf attach fails; chosen by hud-record at load time. */
SEC("raw_tp/sched_switch")
int BPF_PROG(hud_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return handle_switch(ctx, preempt, prev, next, false);
}

/* Run-queue delay starts when a sleeping target thread is woken. */
static __always_inline int handle_wakeup(struct task_struct *p, bool btf)
{
	struct hud_evt_offcpu *s;
	__u32 tid;

	if (!is_target(TASK_READ(btf, p, tgid)))
		return 0;
	tid = TASK_READ(btf, p, pid);
	s = bpf_map_lookup_elem(&offcpu_start, &tid);
	if (s && s->offcpu && !s->wakeup_ns)
		s->wakeup_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(hud_wakeup_btf, struct task_struct *p)
{
	return handle_wakeup(p, true);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(hud_wakeup_raw, struct task_struct *p)
{
	return handle_wakeup(p, false);
}

/* Tell userspace a target thread's name: a rename, or the name it exits with. */
static __always_inline void emit_comm(__u32 type, __u32 tgid, __u32 tid, const char *comm)
{
	struct hud_evt_comm e = {};

	e.hdr.type = type;
	e.hdr.pid = tgid;
	e.hdr.tid = tid;
	e.hdr.cpu = bpf_get_smp_processor_id();
	e.hdr.time_ns = bpf_ktime_get_ns();
	bpf_probe_read_kernel_str(e.comm, sizeof(e.comm), comm);
	if (bpf_ringbuf_output(&events, &e, sizeof(e), wakeup_flags()))
		count_lost();
}

/* Names change over time (Builder::thread_name, prctl): tell userspace when. */
static __always_inline int handle_rename(struct task_struct *task, const char *comm)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (is_target(tgid))
		emit_comm(HUD_EVT_COMM, tgid, BPF_CORE_READ(task, pid), comm);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(hud_rename_btf, struct task_struct *task, const char *comm)
{
	return handle_rename(task, comm);
}

SEC("raw_tp/task_rename")
int BPF_PROG(hud_rename_raw, struct task_struct *task, const char *comm)
{
	return handle_rename(task, comm);
}

/*
 * A target maps code (dlopen): hud-record re-reads its maps soon. Seeing a frame outside
 * the known mappings would tell it too, but not when the new code lies where unloaded code
 * was (dlclose, then dlopen of another library at the same address).
 */
#define HUD_PROT_EXEC 0x4

SEC("tracepoint/syscalls/sys_enter_mmap")
int hud_mmap(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct hud_evt_header e = {};

	if (!(ctx->args[2] & HUD_PROT_EXEC) || !is_target(id >> 32))
		return 0;
	e.type = HUD_EVT_MMAP;
	e.pid = id >> 32;
	e.tid = (__u32)id;
	e.cpu = bpf_get_smp_processor_id();
	e.time_ns = bpf_ktime_get_ns();
	if (bpf_ringbuf_output(&events, &e, sizeof(e), wakeup_flags()))
		count_lost();
	return 0;
}

/*
 * Exited threads leave the map so it cannot fill up with dead tids. The exiting thread is
 * current here, so a pending interval can still get its user stack. Its name goes out
 * last: hud-record may not have read it from /proc while the thread lived.
 */
static __always_inline int handle_exit(void *ctx, struct task_struct *p, bool btf)
{
	struct hud_evt_offcpu *s;
	__u32 tgid = TASK_READ(btf, p, tgid), tid;

	if (!is_target(tgid))
		return 0;
	tid = TASK_READ(btf, p, pid);
	s = bpf_map_lookup_elem(&offcpu_start, &tid);
	if (btf && s && s->pending)
		offcpu_flush(ctx, s, (struct pt_regs *)bpf_task_pt_regs(p));
	bpf_map_delete_elem(&offcpu_start, &tid);
	emit_comm(HUD_EVT_EXIT, tgid, tid, p->comm);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(hud_exit_btf, struct task_struct *p)
{
	return handle_exit(ctx, p, true);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(hud_exit_raw, struct task_struct *p)
{
	return handle_exit(ctx, p, false);
}
