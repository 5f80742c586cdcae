/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Resolving a struct path to the absolute path string, as d_path would,
 * which tracepoints cannot call.
 *
 * The walk goes from the dentry up through d_parent; at the root of a
 * mount it steps to the mount point in the parent mount, and it stops at
 * the root of the mount namespace. Names are copied backwards into the
 * per-CPU walk buffer, so the path ends at path[SG_PATH_MAX]. bpf_loop
 * keeps the verifier's work linear whatever the depth.
 *
 * The walk reads without the kernel's rename lock: a rename racing with
 * it can produce a path that never existed at one instant.
 */
#ifndef SG_BPF_PATH_H
#define SG_BPF_PATH_H

#include "bpf/maps.h"

/* Most components a walk climbs before it gives up (truncated). */
#define SG_PATH_DEPTH 1024
#define SG_NAME_MAX   255

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

struct path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct walk_buf *buf;
	__u32 pos;   /* the path is buf->path[pos, SG_PATH_MAX) */
	__u32 flags; /* SG_PATH_* */
};

static __always_inline struct mount *path__real_mount(struct vfsmount *m)
{
	unsigned long addr = (unsigned long)m;

	addr -= bpf_core_field_offset(struct mount, mnt);
	return bpf_rdonly_cast((void *)addr,
			       bpf_core_type_id_kernel(struct mount));
}

/* Puts "/name" in front of what the walk has built. */
static __always_inline long path__prepend(struct path_walk *w, struct dentry *d)
{
	__u32 len = d->d_name.len;
	const unsigned char *name = d->d_name.name;

	if (len > SG_NAME_MAX || len + 1 >= w->pos) {
		w->flags |= SG_PATH_TRUNCATED;
		return 1;
	}
	w->pos -= len + 1;
	w->buf->path[w->pos & (SG_PATH_MAX - 1)] = '/';
	bpf_probe_read_kernel(&w->buf->path[(w->pos + 1) & (SG_PATH_MAX - 1)],
			      len & SG_NAME_MAX, name);
	return 0;
}

/* One step up: a name, or a crossing into the parent mount. */
static long path__step(__u32 i, struct path_walk *w)
{
	struct dentry *d = w->dentry;
	struct dentry *up;

	if (d == w->vfsmnt->mnt_root) {
		struct mount *parent = w->mnt->mnt_parent;

		if (parent == w->mnt)
			return 1; /* the root of the namespace */
		w->dentry = w->mnt->mnt_mountpoint;
		w->mnt = parent;
		w->vfsmnt = &parent->mnt;
		return 0;
	}
	up = d->d_parent;
	if (up == d) {
		/* A pseudo file, or a tree no longer mounted anywhere. */
		w->flags |= SG_PATH_DETACHED;
		path__prepend(w, d);
		return 1;
	}
	if (path__prepend(w, d))
		return 1;
	w->dentry = up;
	return 0;
}

/*
 * Resolves `dentry` on `vfsmnt` into buf. Returns the length of the path;
 * the path starts at buf->path[SG_PATH_MAX - length].
 */
static __always_inline __u32 path__resolve(struct walk_buf *buf,
					   struct dentry *dentry,
					   struct vfsmount *vfsmnt,
					   __u32 *flags)
{
	struct path_walk w = {
		.dentry = dentry,
		.vfsmnt = vfsmnt,
		.mnt = path__real_mount(vfsmnt),
		.buf = buf,
		.pos = SG_PATH_MAX,
	};
	long n;

	n = bpf_loop(SG_PATH_DEPTH, path__step, &w, 0);
	if (n >= SG_PATH_DEPTH)
		w.flags |= SG_PATH_TRUNCATED;
	if (w.pos >= SG_PATH_MAX) {
		w.pos = SG_PATH_MAX - 1;
		buf->path[SG_PATH_MAX - 1] = '/';
	}
	if (dentry->d_hash.pprev == 0 && dentry->d_parent != dentry)
		w.flags |= SG_PATH_DELETED;
	*flags = w.flags;
	return SG_PATH_MAX - w.pos;
}

/* The start of a resolved path of length len in buf. */
static __always_inline const char *path__start(struct walk_buf *buf, __u32 len)
{
	return &buf->path[(SG_PATH_MAX - len) & (SG_PATH_MAX - 1)];
}

/* Copies a resolved path to dst, which has room for SG_PATH_MAX bytes. */
static __always_inline void path__copy(char *dst, struct walk_buf *buf,
				       __u32 len)
{
	bpf_probe_read_kernel(dst, len & (SG_PATH_MAX - 1),
			      path__start(buf, len));
}

#endif /* SG_BPF_PATH_H */
