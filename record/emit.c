// SPDX-License-Identifier: MIT OR Apache-2.0
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "hud_events.h"
#include "proc.h"

int emit__meta(struct hud_writer *w, const char *key, const char *value)
{
	return hud_writer__add_meta(w, key, value);
}

int emit__meta_u64(struct hud_writer *w, const char *key, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	return hud_writer__add_meta(w, key, buf);
}

int emit__process(struct hud_writer *w, uint32_t pid, uint32_t flags, uint64_t time_ns,
		  const struct proc_info *pi)
{
	struct hud_rec_process r = {.pid = pid, .flags = flags, .time_ns = time_ns};
	char buf[sizeof(pi->exe) + sizeof(pi->cmdline) + sizeof(pi->comm) + 3];
	size_t a, b, c;

	if (!pi)
		return hud_writer__add(w, HUD_REC_PROCESS, &r, sizeof(r), "\0\0", 3);
	a = strnlen(pi->exe, sizeof(pi->exe) - 1);
	b = strnlen(pi->cmdline, sizeof(pi->cmdline) - 1);
	c = strnlen(pi->comm, sizeof(pi->comm) - 1);
	memcpy(buf, pi->exe, a);
	buf[a] = '\0';
	memcpy(buf + a + 1, pi->cmdline, b);
	buf[a + 1 + b] = '\0';
	memcpy(buf + a + b + 2, pi->comm, c);
	buf[a + b + 2 + c] = '\0';
	return hud_writer__add(w, HUD_REC_PROCESS, &r, sizeof(r), buf, a + b + c + 3);
}

int emit__thread(struct hud_writer *w, uint32_t pid, uint32_t tid, uint64_t time_ns,
		 const char comm[HUD_COMM_LEN])
{
	struct hud_rec_thread t = {.pid = pid, .tid = tid, .time_ns = time_ns};

	memcpy(t.comm, comm, sizeof(t.comm));
	return hud_writer__add(w, HUD_REC_THREAD, &t, sizeof(t), NULL, 0);
}

int emit__map(struct hud_writer *w, uint32_t pid, uint64_t time_ns, const struct proc_map *m)
{
	struct hud_rec_map r;

	memset(&r, 0, sizeof(r));
	r.pid = pid;
	r.start = m->start;
	r.end = m->end;
	r.pgoff = m->pgoff;
	r.inode = m->inode;
	r.dev_major = m->dev_major;
	r.dev_minor = m->dev_minor;
	r.build_id_size = m->build_id_size;
	memcpy(r.build_id, m->build_id, sizeof(r.build_id));
	r.time_ns = time_ns;
	return hud_writer__add(w, HUD_REC_MAP, &r, sizeof(r), m->path, strlen(m->path) + 1);
}

int emit__stack_event(struct hud_writer *w, const void *event, size_t size, struct emit_stack *out)
{
	const struct hud_evt_header *h = event;
	const struct hud_evt_sample *smp = event;
	const struct hud_evt_offcpu *off = event;
	const struct hud_evt_ustack *u;
	union {
		struct hud_rec_sample s;
		struct hud_rec_offcpu o;
	} r;
	struct hud_rec_ustack ru;
	struct hud_iovec iov[4];
	size_t fixed, frames;
	uint32_t type;

	if (size < sizeof(*h))
		return -EBADMSG;
	memset(&r, 0, sizeof(r));
	*out = (struct emit_stack){.pid = h->pid, .tid = h->tid};
	/*
	 * Both kinds: a fixed part, nr_kernel + nr_user frames, then ustack.size bytes of
	 * stack, all inside the event.
	 */
	if (h->type == HUD_EVT_SAMPLE && size >= HUD_EVT_SAMPLE_FIXED) {
		fixed = HUD_EVT_SAMPLE_FIXED;
		out->nr_kernel = smp->nr_kernel;
		out->nr_user = smp->nr_user;
		out->ips = (const uint64_t *)smp->ips;
		u = &smp->ustack;
	} else if (h->type == HUD_EVT_OFFCPU && size >= HUD_EVT_OFFCPU_FIXED) {
		fixed = HUD_EVT_OFFCPU_FIXED;
		out->nr_kernel = off->nr_kernel;
		out->nr_user = off->nr_user;
		out->ips = (const uint64_t *)off->ips;
		u = &off->ustack;
	} else {
		return -EBADMSG;
	}
	frames = ((size_t)out->nr_kernel + out->nr_user) * sizeof(__u64);
	if (out->nr_kernel + out->nr_user > HUD_MAX_FRAMES || u->size > HUD_USTACK_MAX ||
	    size < fixed + frames + u->size)
		return -EBADMSG;
	out->sampled = h->type == HUD_EVT_OFFCPU && (off->flags & HUD_EVT_SAMPLED);
	type = h->type == HUD_EVT_SAMPLE ? HUD_REC_SAMPLE
	       : out->sampled		 ? HUD_REC_OFFCPU_SAMPLED
					 : HUD_REC_OFFCPU;
	if (h->type == HUD_EVT_SAMPLE) {
		r.s.pid = h->pid;
		r.s.tid = h->tid;
		r.s.time_ns = h->time_ns;
		r.s.cpu = h->cpu;
		r.s.nr_kernel = (uint16_t)out->nr_kernel;
		r.s.nr_user = (uint16_t)out->nr_user;
		iov[0] = (struct hud_iovec){&r.s, sizeof(r.s)};
	} else {
		r.o.pid = h->pid;
		r.o.tid = h->tid;
		r.o.start_ns = h->time_ns;
		r.o.duration_ns = off->duration_ns;
		r.o.runq_ns = off->runq_ns;
		r.o.cpu = h->cpu;
		r.o.state = off->state;
		r.o.flags = (off->flags & HUD_EVT_PREEMPTED) ? HUD_OFFCPU_PREEMPTED : 0;
		/* Sampled or not is the record's type. */
		r.o.nr_kernel = (uint16_t)out->nr_kernel;
		r.o.nr_user = (uint16_t)out->nr_user;
		iov[0] = (struct hud_iovec){&r.o, sizeof(r.o)};
	}
	iov[1] = (struct hud_iovec){out->ips, frames};
	if (!u->size)
		return hud_writer__addv(w, type, iov, 2);
	ru = (struct hud_rec_ustack){.ip = u->ip,
				     .sp = u->sp,
				     .bp = u->bp,
				     .size = u->size,
				     .flags = (u->flags & HUD_USTACK_EVT_SHORT) ? HUD_USTACK_SHORT
										: 0};
	iov[2] = (struct hud_iovec){&ru, sizeof(ru)};
	iov[3] = (struct hud_iovec){(const uint8_t *)event + fixed + frames, u->size};
	out->copied = u->size;
	return hud_writer__addv(w, type, iov, 4);
}

int emit__thread_state(struct hud_writer *w, uint32_t pid, uint32_t tid, uint64_t time_ns,
		       uint32_t kind, uint64_t since_ns, uint32_t state, uint32_t flags)
{
	struct hud_rec_thread_state r = {.pid = pid,
					 .tid = tid,
					 .time_ns = time_ns,
					 .kind = kind,
					 .state = state,
					 .flags = flags,
					 .since_ns = since_ns};

	return hud_writer__add(w, HUD_REC_THREAD_STATE, &r, sizeof(r), NULL, 0);
}

int emit__lost(struct hud_writer *w, uint64_t time_ns, uint32_t cpu, uint64_t count)
{
	struct hud_rec_lost l = {.time_ns = time_ns, .cpu = cpu, .count = count};

	return hud_writer__add(w, HUD_REC_LOST, &l, sizeof(l), NULL, 0);
}

int emit__ksym(struct hud_writer *w, uint64_t start, uint64_t end, const char *name,
	       const char *module)
{
	struct hud_rec_ksym r = {.start = start, .end = end};
	size_t nl = strlen(name), ml = strlen(module);
	char buf[400];

	if (nl + ml + 2 > sizeof(buf))
		return 0; /* no kernel symbol is that long; skip rather than cut it */
	memcpy(buf, name, nl + 1);
	memcpy(buf + nl + 1, module, ml + 1);
	return hud_writer__add(w, HUD_REC_KSYM, &r, sizeof(r), buf, nl + ml + 2);
}

int emit__finish(struct hud_writer *w, const struct hud_rec_finish *f)
{
	return hud_writer__add(w, HUD_REC_FINISH, f, sizeof(*f), NULL, 0);
}
