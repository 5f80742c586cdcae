/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Filling the common event header from a task, and writing events to the
 * ring buffers with their sequence numbers and drop accounting.
 */
#ifndef SG_BPF_EMIT_H
#define SG_BPF_EMIT_H

#include "bpf/maps.h"

static __always_inline struct sg_kind_stats *emit__stats(__u32 kind)
{
	return bpf_map_lookup_elem(&kind_stats, &kind);
}

/* Per-CPU counters need no atomic add. */
static __always_inline void emit__count(__u64 *counter)
{
	*counter += 1;
}

/* The header of an event about task t. */
static __always_inline void emit__header(struct sg_event_header *h,
					 struct task_struct *t, __u16 kind)
{
	const struct cred *cred = t->real_cred;

	h->kind = kind;
	h->flags = 0;
	h->ktime_ns = bpf_ktime_get_boot_ns();
	h->start_ns = t->group_leader->start_boottime;
	h->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	h->cpu = bpf_get_smp_processor_id();
	h->tgid = t->tgid;
	h->tid = t->pid;
	h->ppid = t->real_parent->tgid;
	h->uid = cred->uid.val;
	h->euid = cred->euid.val;
	h->gid = cred->gid.val;
	h->egid = cred->egid.val;
	if (bpf_core_field_exists(t->loginuid)) {
		h->loginuid = t->loginuid.val;
		h->sessionid = t->sessionid;
	} else {
		h->flags |= SG_HDR_NO_AUDIT;
		h->loginuid = (__u32)-1;
		h->sessionid = (__u32)-1;
	}
	bpf_probe_read_kernel(h->comm, sizeof(h->comm), t->comm);
}

/*
 * Writes the first `size` bytes of the event at h to ring `ring`, after
 * giving it the ring's next sequence number on this CPU.
 */
static __always_inline void emit__event(__u32 ring, struct sg_event_header *h,
					__u32 size, struct sg_kind_stats *st)
{
	__u32 zero = 0;
	struct sg_ring_seq *seq = bpf_map_lookup_elem(&ring_seq, &zero);
	void *rb = ring == SG_RING_PROC ? (void *)&proc_events
					: (void *)&file_events;
	long err;

	if (seq)
		h->seq = ++seq->next[ring & (SG_RING_COUNT - 1)];
	h->size = size;
	err = bpf_ringbuf_output(rb, h, size, 0);
	if (!st)
		return;
	if (err)
		emit__count(&st->ring_full);
	else
		emit__count(&st->emitted);
}

#endif /* SG_BPF_EMIT_H */
