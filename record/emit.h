/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The one place where hud-record writes file records (format/FORMAT.md): kernel events
 * (bpf/hud_events.h) and facts read from /proc and kallsyms become SAMPLE, OFFCPU,
 * OFFCPU_SAMPLED, THREAD_STATE, META, PROCESS, THREAD, MAP, LOST, KSYM and FINISH records
 * here, and nowhere else. Each
 * function returns 0 or the writer's -errno.
 */
#ifndef HUD_RECORD_EMIT_H
#define HUD_RECORD_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "hud_format.h"

struct hud_writer;
struct proc_info;
struct proc_map;

int emit__meta(struct hud_writer *w, const char *key, const char *value);

/* A META record whose value is a number (in decimal). */
int emit__meta_u64(struct hud_writer *w, const char *key, uint64_t value);

/* A PROCESS record: @pi describes it (NULL: nothing known, e.g. it has exited). */
int emit__process(struct hud_writer *w, uint32_t pid, uint32_t flags, uint64_t time_ns,
		  const struct proc_info *pi);

/* A THREAD record; @comm is the kernel's 16-byte name (NUL-padded). */
int emit__thread(struct hud_writer *w, uint32_t pid, uint32_t tid, uint64_t time_ns,
		 const char comm[HUD_COMM_LEN]);

int emit__map(struct hud_writer *w, uint32_t pid, uint64_t time_ns, const struct proc_map *m);

/* The frames of a kernel event with a stack, once it is known to be well formed. */
struct emit_stack {
	uint32_t pid, tid;
	uint32_t nr_kernel, nr_user;
	const uint64_t *ips; /* kernel frames, then user frames, leaf first */
	uint32_t copied;     /* bytes of user stack copied with it */
	int sampled;	     /* an OFFCPU_SAMPLED record: shorter than the threshold */
};

/*
 * Translate a HUD_EVT_SAMPLE or HUD_EVT_OFFCPU event of @size bytes into its record, and
 * describe its frames in @out. Returns 0, -EBADMSG for an event that is not well formed
 * (nothing written: bpf/ and record/ disagree), or the writer's -errno.
 */
int emit__stack_event(struct hud_writer *w, const void *event, size_t size, struct emit_stack *out);

/* A THREAD_STATE record of @kind (enum hud_thread_state_kind); @since_ns, @state and
 * @flags only for HUD_TSTATE_OPEN (0 otherwise). */
int emit__thread_state(struct hud_writer *w, uint32_t pid, uint32_t tid, uint64_t time_ns,
		       uint32_t kind, uint64_t since_ns, uint32_t state, uint32_t flags);

int emit__lost(struct hud_writer *w, uint64_t time_ns, uint32_t cpu, uint64_t count);

int emit__ksym(struct hud_writer *w, uint64_t start, uint64_t end, const char *name,
	       const char *module);

int emit__finish(struct hud_writer *w, const struct hud_rec_finish *f);

#endif /* HUD_RECORD_EMIT_H */
