// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The kernel sensors: process lifecycle (exec, fork, exit) and file opens.
 *
 * Process events always reach userspace, on their own ring buffer, since
 * the process table needs every one. A file open reaches userspace only
 * when the pack's filter for file.open passes it; the cheap tests (is
 * the kind watched, is this the daemon, the command name, the cached exe
 * verdict) come before the path walk, and all of them before any ring
 * buffer space is taken.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/emit.bpf.h"
#include "bpf/filter.bpf.h"
#include "bpf/maps.h"
#include "bpf/path.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The ABI this object was built with; the loader compares it. */
const volatile __u32 sg_abi_version = SG_BPF_ABI_VERSION;

#define O_WRONLY 01
#define O_CREAT	 0100
#define O_TRUNC	 01000

/* "memfd:" read as a little-endian 64-bit number. */
#define SG_MEMFD_PREFIX 0x3a64666d656dULL

static __always_inline bool sensor__is_self(__u32 tgid)
{
	return sg_self_tgid != 0 && tgid == sg_self_tgid;
}

static __always_inline void *sensor__scratch(void *map)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(map, &zero);
}

/*
 * A rename, rmdir or mount call can change the path of every file below
 * a directory, so it makes every cached directory verdict stale: while
 * one runs the cache is not used (sg_inflight), and when it returns the
 * generation in sg_state rises.
 */
static __always_inline void ns__enter(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__u32 *in = bpf_task_storage_get(&ns_changing, t, 0,
					 BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (in && !*in) {
		*in = 1;
		__sync_fetch_and_add(&sg_inflight, 1);
	}
}

static __always_inline void ns__leave(struct task_struct *t)
{
	__u32 *in = bpf_task_storage_get(&ns_changing, t, 0, 0);

	if (in && *in) {
		*in = 0;
		__sync_fetch_and_add(&sg_state, SG_STATE_GEN_STEP);
		__sync_fetch_and_add(&sg_inflight, -1);
	}
}

/* ------------------------------------------------------------------ exec */

/* Resolves the executed file into data[0..); returns its length. */
static __always_inline __u32 exec__exe(struct sg_exec_event *e,
				       struct walk_buf *buf,
				       struct task_struct *p,
				       struct linux_binprm *bprm)
{
	struct file *file = bprm->file;
	struct dentry *dentry = file->f_path.dentry;
	__u32 len, flags;
	__u64 name = 0;

	len = path__resolve(buf, dentry, file->f_path.mnt, &flags);
	path__copy(e->data, buf, len);
	if (flags & SG_PATH_TRUNCATED)
		e->flags |= SG_EXEC_EXE_TRUNCATED;
	if (flags & SG_PATH_DELETED)
		e->flags |= SG_EXEC_EXE_DELETED;
	if (flags & SG_PATH_DETACHED) {
		/* memfd_create names its files "memfd:<name>". */
		bpf_probe_read_kernel(&name, 6, dentry->d_name.name);
		if (name == SG_MEMFD_PREFIX)
			e->flags |= SG_EXEC_EXE_MEMFD;
	}
	filter__save_exe_verdict(p, buf, sg_state, len);
	return len;
}

/* Resolves the working directory into data[off..); returns its length. */
static __always_inline __u32 exec__cwd(struct sg_exec_event *e,
				       struct walk_buf *buf,
				       struct task_struct *p, __u32 off)
{
	struct fs_struct *fs = p->fs;
	__u32 len, flags;

	len = path__resolve(buf, fs->pwd.dentry, fs->pwd.mnt, &flags);
	path__copy(&e->data[off & (SG_PATH_MAX - 1)], buf, len);
	if (flags & SG_PATH_TRUNCATED)
		e->flags |= SG_EXEC_CWD_TRUNCATED;
	return len;
}

/* Copies argv from the new image into data[off..); returns its length. */
static __always_inline __u32 exec__argv(struct sg_exec_event *e,
					struct task_struct *p, __u32 off)
{
	struct mm_struct *mm = p->mm;
	unsigned long start = mm->arg_start;
	unsigned long len = mm->arg_end - start;
	char *dst = &e->data[off & (2 * SG_PATH_MAX - 1)];

	if (len > SG_ARGV_MAX) {
		len = SG_ARGV_MAX;
		e->flags |= SG_EXEC_ARGV_TRUNCATED;
	}
	if (bpf_probe_read_user(dst, len & (2 * SG_ARGV_MAX - 1),
				(void *)start)) {
		e->flags |= SG_EXEC_ARGV_FAULT;
		return 0;
	}
	return len;
}

/* Copies the controlling terminal's name into data[off..). */
static __always_inline __u32 exec__tty(struct sg_exec_event *e,
				       struct task_struct *p, __u32 off)
{
	struct tty_struct *tty = p->signal->tty;
	long n;

	if (!tty)
		return 0;
	n = bpf_probe_read_kernel_str(&e->data[off & (4 * SG_PATH_MAX - 1)],
				      SG_TTY_LEN, tty->name);
	return n > 1 ? n - 1 : 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sg_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct sg_kind_stats *st = emit__stats(SG_EV_Exec);
	struct walk_buf *buf = sensor__scratch(&walk_buf);
	union event_buf *ev = sensor__scratch(&event_buf);
	struct sg_exec_event *e;
	__u32 off;

	if (!buf || !ev || sensor__is_self(p->tgid))
		return 0;
	if (st)
		emit__count(&st->seen);
	e = &ev->exec;
	emit__header(&e->hdr, p, SG_EV_Exec);
	e->flags = 0;
	e->argc = bprm->argc;
	e->old_tid = old_pid;
	e->pad = 0;

	e->exe_len = exec__exe(e, buf, p, bprm);
	off = e->exe_len;
	e->cwd_len = exec__cwd(e, buf, p, off);
	off += e->cwd_len;
	e->argv_len = exec__argv(e, p, off);
	off += e->argv_len;
	e->tty_len = exec__tty(e, p, off);
	off += e->tty_len;

	if (st && (e->flags & (SG_EXEC_EXE_TRUNCATED | SG_EXEC_CWD_TRUNCATED |
			       SG_EXEC_ARGV_TRUNCATED)))
		emit__count(&st->truncated);
	if (st && (e->flags & SG_EXEC_ARGV_FAULT))
		emit__count(&st->errors);
	emit__event(SG_RING_PROC, &e->hdr,
		    offsetof(struct sg_exec_event, data) +
			    (off & (4 * SG_PATH_MAX - 1)),
		    st);
	return 0;
}

/* ------------------------------------------------------------ fork, exit */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sg_fork, struct task_struct *parent, struct task_struct *child)
{
	struct sg_kind_stats *st = emit__stats(SG_EV_Fork);
	union event_buf *ev = sensor__scratch(&event_buf);
	struct proc_verdict *from, *to;
	struct sg_fork_event *e;

	/* A new thread is not a new process. */
	if (!ev || child->pid != child->tgid || sensor__is_self(parent->tgid))
		return 0;
	if (st)
		emit__count(&st->seen);

	/* The child runs the parent's executable: it inherits the verdict. */
	from = bpf_task_storage_get(&proc_verdict, parent->group_leader, 0, 0);
	if (from) {
		to = bpf_task_storage_get(&proc_verdict, child, 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (to) {
			to->state = from->state;
			to->kinds = from->kinds;
		}
	}

	e = &ev->fork;
	emit__header(&e->hdr, child, SG_EV_Fork);
	e->creator_tgid = parent->tgid;
	e->creator_tid = parent->pid;
	emit__event(SG_RING_PROC, &e->hdr, sizeof(*e), st);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sg_exit, struct task_struct *p)
{
	struct sg_kind_stats *st = emit__stats(SG_EV_Exit);
	union event_buf *ev = sensor__scratch(&event_buf);
	struct sg_exit_event *e;

	/* A thread that dies inside a rename no longer holds the cache. */
	ns__leave(p);

	/* Only the last thread of the group ends the process. */
	if (!ev || p->signal->live.counter != 0 || sensor__is_self(p->tgid))
		return 0;
	if (st)
		emit__count(&st->seen);
	e = &ev->exit;
	emit__header(&e->hdr, p, SG_EV_Exit);
	e->exit_code = p->exit_code;
	e->pad = 0;
	emit__event(SG_RING_PROC, &e->hdr, sizeof(*e), st);
	return 0;
}

/* ------------------------------------------------------------ file opens */

/* The file behind descriptor fd of task t, or NULL. */
static __always_inline struct file *open__file(struct task_struct *t, long fd)
{
	struct fdtable *fdt = t->files->fdt;
	struct file *f = 0;

	if (fd >= fdt->max_fds)
		return 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fdt->fd[fd]);
	if (!f)
		return 0;
	return bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file));
}

/* Flags and mode as the caller passed them, still in the saved regs. */
static __always_inline void open__args(struct sg_open_event *e,
				       struct task_struct *t, __u8 syscall)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	struct open_how how = {};

	switch (syscall) {
	case SG_OPEN_OPENAT:
		e->flags = regs->dx;
		e->mode = regs->r10;
		break;
	case SG_OPEN_OPENAT2:
		bpf_probe_read_user(&how, sizeof(how), (void *)regs->dx);
		e->flags = how.flags;
		e->mode = how.mode;
		break;
	case SG_OPEN_OPEN:
		e->flags = regs->si;
		e->mode = regs->dx;
		break;
	default:
		e->flags = O_CREAT | O_WRONLY | O_TRUNC;
		e->mode = regs->si;
		break;
	}
}

/*
 * The directory cache key of the directory holding the file, and that
 * directory's dentry; false for a file that is the root of its mount.
 */
static __always_inline bool
open__dir_key(struct file *file, struct dir_key *key, struct dentry **parent)
{
	struct dentry *d = file->f_path.dentry;
	struct vfsmount *m = file->f_path.mnt;
	struct mount *mnt;

	*parent = d->d_parent;
	if (d == m->mnt_root || *parent == d)
		return false;
	mnt = path__real_mount(m);
	if (bpf_core_field_exists(mnt->mnt_id_unique))
		key->mnt = mnt->mnt_id_unique;
	else
		key->mnt = mnt->mnt_id;
	key->ino = (*parent)->d_inode->i_ino;
	key->dev = (*parent)->d_sb->s_dev;
	key->pad = 0;
	return true;
}

static __always_inline int open__exit(long ret, __u8 syscall)
{
	__u32 bit = 1U << SG_EV_FileOpen;
	struct sg_kind_config *cfg;
	struct dir_verdict *cached;
	struct task_struct *task;
	struct sg_kind_stats *st;
	struct dentry *parent;
	struct walk_buf *buf;
	union event_buf *ev;
	struct sg_open_event *e;
	struct dir_key key;
	struct file *file;
	__u32 slot, flags, len, path_flags;
	__s64 inflight;
	__u64 state;
	bool pass, cacheable;

	/* Cheapest first: a failed call, an unwatched kind, the daemon. */
	if (ret < 0)
		return 0;
	inflight = sg_inflight;
	barrier(); /* the state must not be older than inflight */
	state = sg_state;
	slot = SG_STATE_SLOT(state);
	cfg = filter__config(slot, SG_EV_FileOpen);
	if (!cfg || !(cfg->flags & SG_KIND_COLLECT))
		return 0;
	if (sensor__is_self(bpf_get_current_pid_tgid() >> 32))
		return 0;
	st = emit__stats(SG_EV_FileOpen);
	buf = sensor__scratch(&walk_buf);
	ev = sensor__scratch(&event_buf);
	if (!st || !buf || !ev)
		return 0;
	emit__count(&st->seen);
	flags = cfg->flags;
	task = bpf_get_current_task_btf();

	/* Tests on the task, before any walk. */
	pass = flags & SG_KIND_PASS_ALL;
	if (!pass && (flags & SG_KIND_HAS_COMM))
		pass = filter__match_comm(slot, SG_EV_FileOpen);
	if (!pass && (flags & SG_KIND_HAS_EXE))
		pass = filter__match_exe(task, buf, state, SG_EV_FileOpen);
	file = open__file(task, ret);
	if (!file) {
		emit__count(&st->errors);
		return 0;
	}

	/* The directory's cached verdict, then the name alone. */
	cacheable = sg_use_dir_cache && !pass && inflight == 0 &&
		    (flags & (SG_KIND_HAS_PATH | SG_KIND_HAS_SUFFIX)) &&
		    open__dir_key(file, &key, &parent);
	cached = cacheable ? bpf_map_lookup_elem(&dir_cache, &key) : 0;
	if (cached && cached->state == state &&
	    cached->dentry == (__u64)parent) {
		cacheable = false;
		if (cached->all & bit) {
			pass = true;
		} else if (!(cached->maybe & bit)) {
			if (!(flags & SG_KIND_HAS_SUFFIX) ||
			    !filter__match_name(buf, slot, SG_EV_FileOpen,
						file->f_path.dentry)) {
				emit__count(&st->filtered);
				return 0;
			}
			pass = true;
		}
	}

	/* The resolved path, and the full test. */
	len = path__resolve(buf, file->f_path.dentry, file->f_path.mnt,
			    &path_flags);
	if (path_flags & SG_PATH_TRUNCATED) {
		emit__count(&st->truncated);
		pass = true; /* unknown: let userspace decide */
	}
	if (!pass)
		pass = filter__match_path(buf, slot, SG_EV_FileOpen, len,
					  flags);
	if (cacheable &&
	    !(path_flags & (SG_PATH_TRUNCATED | SG_PATH_DETACHED))) {
		struct dir_verdict v = { .state = state,
					 .dentry = (__u64)parent };

		if (filter__dir_verdict(buf, slot, len,
					file->f_path.dentry->d_name.len, &v))
			bpf_map_update_elem(&dir_cache, &key, &v, BPF_ANY);
	}
	if (!pass) {
		emit__count(&st->filtered);
		return 0;
	}

	e = &ev->open;
	emit__header(&e->hdr, task, SG_EV_FileOpen);
	open__args(e, task, syscall);
	e->fd = ret;
	e->path_len = len;
	e->syscall = syscall;
	e->path_flags = path_flags;
	e->dev = file->f_inode->i_sb->s_dev;
	e->ino = file->f_inode->i_ino;
	path__copy(e->path, buf, len);
	emit__event(SG_RING_FILE, &e->hdr,
		    offsetof(struct sg_open_event, path) +
			    (len & (SG_PATH_MAX - 1)),
		    st);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int sg_openat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return open__exit(ctx->ret, SG_OPEN_OPENAT);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int sg_openat2_exit(struct trace_event_raw_sys_exit *ctx)
{
	return open__exit(ctx->ret, SG_OPEN_OPENAT2);
}

SEC("tracepoint/syscalls/sys_exit_open")
int sg_open_exit(struct trace_event_raw_sys_exit *ctx)
{
	return open__exit(ctx->ret, SG_OPEN_OPEN);
}

SEC("tracepoint/syscalls/sys_exit_creat")
int sg_creat_exit(struct trace_event_raw_sys_exit *ctx)
{
	return open__exit(ctx->ret, SG_OPEN_CREAT);
}

/* ------------------------------------------------- name space changes */

#define SG_NS_CHANGE(call)                             \
	SEC("tracepoint/syscalls/sys_enter_" #call)    \
	int sg_##call##_enter(void *ctx)               \
	{                                              \
		ns__enter();                           \
		return 0;                              \
	}                                              \
	SEC("tracepoint/syscalls/sys_exit_" #call)     \
	int sg_##call##_exit(void *ctx)                \
	{                                              \
		ns__leave(bpf_get_current_task_btf()); \
		return 0;                              \
	}

SG_NS_CHANGE(rename)
SG_NS_CHANGE(renameat)
SG_NS_CHANGE(renameat2)
SG_NS_CHANGE(rmdir)
SG_NS_CHANGE(mount)
SG_NS_CHANGE(umount)
SG_NS_CHANGE(move_mount)
SG_NS_CHANGE(pivot_root)

#define AT_REMOVEDIR 0x200

/* unlinkat removes a directory only with AT_REMOVEDIR. */
SEC("tracepoint/syscalls/sys_enter_unlinkat")
int sg_unlinkat_enter(struct trace_event_raw_sys_enter *ctx)
{
	if (ctx->args[2] & AT_REMOVEDIR)
		ns__enter();
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unlinkat")
int sg_unlinkat_exit(void *ctx)
{
	ns__leave(bpf_get_current_task_btf());
	return 0;
}
