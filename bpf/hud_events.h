/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Events shared by the BPF programs (bpf/hud.bpf.c) and hud-record. No includes: the BPF
 * side gets __u32/__u64 from vmlinux.h, userspace from <linux/types.h>. Fixed-width
 * fields only, and hud-record translates these into file records: kernel structs never
 * reach the disk.
 */
#ifndef HUD_EVENTS_H
#define HUD_EVENTS_H

/*
 * Stack depth captured per event. 127 is perf's default max; kernel stacks in the
 * scheduler are short, so 63 frames suffice. 63 is also a mask (see capture_stacks()).
 */
#define HUD_MAX_USTACK	127
#define HUD_MAX_KSTACK	63
#define HUD_MAX_FRAMES	(HUD_MAX_USTACK + HUD_MAX_KSTACK)
#define HUD_MAX_TARGETS 64 /* processes recorded at once */
/*
 * User stack copies, for unwinding with CFI where frame pointers cannot be trusted: at
 * most this many bytes from sp up, read a page at a time. A power of two.
 */
#define HUD_USTACK_MAX	(32 << 10)
#define HUD_USTACK_PAGE 4096
#define HUD_MAX_NOFP	64 /* code ranges without frame pointers, over all targets */

enum hud_evt_type {
	HUD_EVT_SAMPLE = 1,
	HUD_EVT_OFFCPU = 2,
	HUD_EVT_COMM = 3,
	HUD_EVT_EXIT = 4, /* struct hud_evt_comm: a target thread exits, with its last name */
	HUD_EVT_MMAP = 5, /* struct hud_evt_header alone: a target thread maps code */
	HUD_EVT_SEEN = 6, /* struct hud_evt_header alone: a target thread's first switch seen */
};

/* Where the BPF side takes the user stack of a long interval (rodata defer_hook). */
enum hud_defer_hook {
	HUD_DEFER_RSEQ = 1,	/* rseq_update, back to user space after a switch */
	HUD_DEFER_SYS_EXIT = 2, /* sys_exit: every system call; preempted threads walk at once */
};

enum hud_evt_flags {
	HUD_EVT_PREEMPTED = 1u << 0,
	HUD_EVT_SAMPLED = 1u << 1, /* shorter than the threshold, holds a grid point */
};

enum hud_ustack_evt_flags {
	HUD_USTACK_EVT_SHORT = 1u << 0, /* a page could not be read: the stack ends there */
};

/*
 * The user registers and the stack copy of an event. size 0: no copy; else size bytes of
 * stack from sp up follow the event's ips.
 */
struct hud_evt_ustack {
	__u64 ip, sp, bp;
	__u32 size;
	__u32 flags; /* enum hud_ustack_evt_flags */
};

/* A code range of a target whose frames are walked with CFI (set by hud-record). */
struct hud_nofp_range {
	__u64 start, end;
	__u32 tgid;
	__u32 reserved;
};

struct hud_evt_header {
	__u32 type; /* enum hud_evt_type */
	__u32 pid;  /* tgid */
	__u32 tid;
	__u32 cpu;
	__u64 time_ns; /* CLOCK_MONOTONIC; for OFFCPU the switch-out time */
};

/* Only the bytes used of an event travel through the ring buffer: fixed, ips, copy. */
struct hud_evt_sample {
	struct hud_evt_header hdr;
	__u32 nr_kernel;
	__u32 nr_user;
	struct hud_evt_ustack ustack;
	__u64 ips[HUD_MAX_FRAMES]; /* kernel frames, then user frames, leaf first */
};

/*
 * Doubles as the per-thread switch-out record kept in a hash map: the switch-in path
 * fills in duration_ns and submits the map value itself, so no stack is copied twice.
 */
struct hud_evt_offcpu {
	struct hud_evt_header hdr;
	__u64 duration_ns; /* 0 while the thread is running */
	__u64 runq_ns;	   /* wake-up (or preemption) to switch-in */
	__u64 wakeup_ns;   /* when it became runnable again, 0 while sleeping */
	__u32 state;	   /* task state bits at switch-out */
	__u32 flags;	   /* enum hud_evt_flags */
	__u32 nr_kernel;
	__u32 nr_user;
	/* Kernel-side bookkeeping, ignored by hud-record (see bpf/hud.bpf.c). */
	__u64 user_ip, user_sp;	      /* user registers at switch-out, to check a deferred stack */
	__u32 pending;		      /* ended, long enough, waiting for its user stack */
	__u32 offcpu;		      /* switched out and not back yet */
	struct hud_evt_ustack ustack; /* size 0 in the map: copies are made when sent */
	__u64 ips[HUD_MAX_FRAMES];
};

/*
 * A target thread renamed itself (prctl(PR_SET_NAME), /proc/.../comm), or, as
 * HUD_EVT_EXIT, is exiting under this name: a thread gone before hud-record read its
 * /proc entry is still named.
 */
struct hud_evt_comm {
	struct hud_evt_header hdr;
	char comm[16];
};

#define HUD_EVT_SAMPLE_FIXED 64
#define HUD_EVT_OFFCPU_FIXED 120

#endif /* HUD_EVENTS_H */
