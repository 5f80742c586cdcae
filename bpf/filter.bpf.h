/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The pack's kernel filter: whether an event of a kind can match any rule.
 *
 * A kind's filter passes an event when one of its atoms matches: an exact
 * path, a path prefix, a path suffix, a file name, a command name, or an
 * executable (exactly or by prefix). Every helper here answers for one
 * kind in one slot, and errs towards passing: a path it could not resolve
 * completely passes.
 */
#ifndef SG_BPF_FILTER_H
#define SG_BPF_FILTER_H

#include "bpf/path.bpf.h"

/* Set by the loader before load: the daemon's own process id. */
const volatile __u32 sg_self_tgid = 0;

/* Set by the loader: 0 walks every open's path (for measurements). */
const volatile __u32 sg_use_dir_cache = 1;

/* generation << 1 | active slot; see events.h. */
__u64 sg_state = 0;

/* Threads inside a rename, rmdir or mount call; see dir_cache. */
__s64 sg_inflight = 0;

static __always_inline bool filter__has_kind(struct sg_filter_value *v,
					     __u32 kind)
{
	return v && (v->kinds & (1U << (kind & (SG_FILTER_KIND_MAX - 1))));
}

static __always_inline struct sg_kind_config *filter__config(__u32 slot,
							     __u32 kind)
{
	__u32 index = slot * SG_EVENT_KIND_MAX + kind;

	return bpf_map_lookup_elem(&kind_config, &index);
}

static __always_inline bool filter__match_comm(__u32 slot, __u32 kind)
{
	struct sg_comm_key key = { .slot = slot };

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	return filter__has_kind(bpf_map_lookup_elem(&comm_set, &key), kind);
}

/*
 * Fills buf->key with the slot and the first n bytes of the path of
 * length len, then a NUL when they fit, so that exact atoms (stored with
 * their NUL) and prefixes both match. n is cut to SG_LPM_PATH_MAX.
 */
static __always_inline void filter__prefix_key(struct walk_buf *buf, __u32 slot,
					       __u32 len, __u32 n)
{
	if (n > SG_LPM_PATH_MAX)
		n = SG_LPM_PATH_MAX;
	buf->key.data[0] = slot;
	barrier_var(n);
	bpf_probe_read_kernel(&buf->key.data[1], n & SG_NAME_MAX,
			      path__start(buf, len));
	if (n < SG_LPM_PATH_MAX) {
		__u32 end = n + 1;

		barrier_var(end);
		buf->key.data[end & (SG_LPM_DATA_MAX - 1)] = 0;
		buf->key.prefixlen = (n + 2) * 8;
	} else {
		buf->key.prefixlen = SG_LPM_DATA_MAX * 8;
	}
}

/* The key of the whole path of length len. */
static __always_inline void filter__path_key(struct walk_buf *buf, __u32 slot,
					     __u32 len)
{
	filter__prefix_key(buf, slot, len, len);
}

/*
 * Fills buf->key with the slot and the n bytes of buf->path that end
 * before index end, reversed; n is at most SG_LPM_PATH_MAX.
 */
static __always_inline void filter__reversed_key(struct walk_buf *buf,
						 __u32 slot, __u32 end, __u32 n)
{
	__u32 i;

	buf->key.data[0] = slot;
#pragma clang loop unroll(disable)
	for (i = 0; i < SG_LPM_PATH_MAX; i++) {
		if (i >= n || i >= end)
			break;
		buf->key.data[i + 1] =
			buf->path[(end - 1 - i) & (SG_PATH_MAX - 1)];
	}
	buf->key.prefixlen = (i + 1) * 8;
}

/* Fills buf->key with the slot and the last bytes of the path, reversed. */
static __always_inline void filter__suffix_key(struct walk_buf *buf, __u32 slot,
					       __u32 len)
{
	__u32 n = len < SG_LPM_PATH_MAX ? len : SG_LPM_PATH_MAX;

	filter__reversed_key(buf, slot, SG_PATH_MAX, n);
}

/* The kinds whose path or exe trie holds a prefix of buf->key. */
static __always_inline __u32 filter__trie_kinds(void *trie,
						struct walk_buf *buf)
{
	struct sg_filter_value *v = bpf_map_lookup_elem(trie, &buf->key);

	return v ? v->kinds : 0;
}

/* Whether the resolved path in buf passes kind's path atoms. */
static __always_inline bool filter__match_path(struct walk_buf *buf, __u32 slot,
					       __u32 kind, __u32 len, __u32 cfg)
{
	__u32 bit = 1U << (kind & (SG_FILTER_KIND_MAX - 1));

	if (cfg & SG_KIND_HAS_PATH) {
		filter__path_key(buf, slot, len);
		if (filter__trie_kinds(&path_trie, buf) & bit)
			return true;
	}
	if (cfg & SG_KIND_HAS_SUFFIX) {
		filter__suffix_key(buf, slot, len);
		if (filter__trie_kinds(&suffix_trie, buf) & bit)
			return true;
	}
	return false;
}

/*
 * The directory verdict of the resolved path of length len in buf, whose
 * last component has name_len bytes: which kinds pass every file of the
 * directory (a prefix covers "dir/"), and which may pass some (an atom
 * names a file directly in it, or a suffix ends with the directory).
 * Returns false when the directory's path is too long to decide.
 */
static __always_inline bool filter__dir_verdict(struct walk_buf *buf,
						__u32 slot, __u32 len,
						__u32 name_len,
						struct dir_verdict *v)
{
	__u32 dir = len - name_len; /* "dir/", its slash included */
	__u32 end;

	if (name_len >= len || dir >= SG_LPM_PATH_MAX)
		return false;
	barrier_var(dir);
	dir &= SG_NAME_MAX;

	/* Prefixes of "dir/": every file here passes. */
	filter__prefix_key(buf, slot, len, dir);
	buf->key.prefixlen -= 8; /* no NUL: a prefix, not the whole path */
	v->all = filter__trie_kinds(&path_trie, buf);

	/* "dir/" itself, with its NUL: atoms naming files here. */
	buf->key.prefixlen += 8;
	v->maybe = filter__trie_kinds(&dir_trie, buf);

	/* Suffixes whose directory part ends "dir" (no slash). */
	end = SG_PATH_MAX - name_len - 1;
	filter__reversed_key(buf, slot, end, dir - 1);
	v->maybe |= filter__trie_kinds(&dirsuffix_trie, buf);
	return true;
}

/*
 * Whether the file name alone passes kind's suffix atoms: the suffixes
 * without a directory part, and the file names. Uses the end of the walk
 * buffer.
 */
static __always_inline bool filter__match_name(struct walk_buf *buf, __u32 slot,
					       __u32 kind, struct dentry *d)
{
	__u32 len = d->d_name.len;
	__u32 bit = 1U << (kind & (SG_FILTER_KIND_MAX - 1));

	if (len > SG_NAME_MAX)
		return true;
	buf->path[(SG_PATH_MAX - 1 - len) & (SG_PATH_MAX - 1)] = '/';
	bpf_probe_read_kernel(
		&buf->path[(SG_PATH_MAX - len) & (SG_PATH_MAX - 1)],
		len & SG_NAME_MAX, d->d_name.name);
	filter__reversed_key(buf, slot, SG_PATH_MAX, len + 1);
	return filter__trie_kinds(&suffix_trie, buf) & bit;
}

/*
 * The kinds whose exe atoms the executable path in buf matches, saved as
 * the process's verdict for the current state.
 */
static __always_inline __u32 filter__save_exe_verdict(struct task_struct *t,
						      struct walk_buf *buf,
						      __u64 state, __u32 len)
{
	struct proc_verdict *pv;
	__u32 kinds;

	filter__path_key(buf, SG_STATE_SLOT(state), len);
	kinds = filter__trie_kinds(&exe_trie, buf);
	pv = bpf_task_storage_get(&proc_verdict, t, 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (pv) {
		pv->state = state;
		pv->kinds = kinds;
	}
	return kinds;
}

/*
 * Whether the current process's executable passes kind's exe atoms. The
 * verdict is kept per process; a stale one (a reload, a rename) is
 * recomputed from mm->exe_file, which uses the walk buffer.
 */
static __always_inline bool filter__match_exe(struct task_struct *task,
					      struct walk_buf *buf, __u64 state,
					      __u32 kind)
{
	struct task_struct *leader = task->group_leader;
	struct proc_verdict *pv;
	struct file *exe;
	__u32 len, flags;
	__u32 bit = 1U << (kind & (SG_FILTER_KIND_MAX - 1));

	pv = bpf_task_storage_get(&proc_verdict, leader, 0, 0);
	if (pv && pv->state == state)
		return pv->kinds & bit;
	if (!task->mm || !task->mm->exe_file)
		return false;
	exe = task->mm->exe_file;
	len = path__resolve(buf, exe->f_path.dentry, exe->f_path.mnt, &flags);
	if (flags & SG_PATH_TRUNCATED)
		return true;
	return filter__save_exe_verdict(leader, buf, state, len) & bit;
}

#endif /* SG_BPF_FILTER_H */
