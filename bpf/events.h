/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * What the kernel sensors and userspace share: the events the sensors
 * write into the ring buffers, and the keys and values of the maps that
 * userspace fills or reads.
 *
 * This header is C, included by the BPF programs (after vmlinux.h) and by
 * runtime/sensor (C++). Every type is fixed-width, every struct has
 * explicit padding, and sizes are checked here and again on the C++ side.
 * Numeric ids are stable: an id is never reused or renumbered. Any change
 * to a layout bumps SG_BPF_ABI_VERSION; the loader refuses an object
 * whose version differs from the one it was compiled with.
 *
 * Events are variable-length: a fixed part followed by packed string
 * bytes, of which only hdr.size bytes are written to the ring buffer.
 * Strings carry a length and no terminating NUL.
 */
#ifndef SG_BPF_EVENTS_H
#define SG_BPF_EVENTS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define SG_BPF_ABI_VERSION 1

/*
 * Event kinds. Kinds a rule can name take their ids from the schema
 * (runtime/schema/kinds.def); the process lifecycle kinds that only feed
 * the process table start at 100.
 */
enum sg_event_kind {
#define SG_KIND(id, ident, name, doc) SG_EV_##ident = (id),
#include "runtime/schema/kinds.def"
#undef SG_KIND
	SG_EV_Fork = 100,
	SG_EV_Exit = 101,
};

/* Bound of every kind id: the size of the per-kind maps. */
#define SG_EVENT_KIND_MAX 128
/* Kinds that rules filter on have ids below 32: a bit of a __u32 mask. */
#define SG_FILTER_KIND_MAX 32

#define SG_COMM_LEN 16
#define SG_TTY_LEN  64
/* A resolved path is at most SG_PATH_MAX - 1 bytes. */
#define SG_PATH_MAX 4096
/* argv is copied up to this many bytes; SG_EXEC_ARGV_TRUNCATED says more. */
#define SG_ARGV_MAX 4096

/* sg_event_header.flags */
#define SG_HDR_NO_AUDIT (1U << 0) /* loginuid, sessionid unknown */

/*
 * The header of every event. It describes the task the event is about:
 * the acting task, or for fork the new process. Times are CLOCK_BOOTTIME
 * nanoseconds.
 */
struct sg_event_header {
	__u16 kind;	 /* enum sg_event_kind */
	__u16 flags;	 /* SG_HDR_* */
	__u32 size;	 /* bytes of the event, this header included */
	__u64 seq;	 /* per-CPU, per-ring sequence number, from 1 */
	__u64 ktime_ns;	 /* when the sensor saw the event */
	__u64 start_ns;	 /* when the process (thread group) started */
	__u64 cgroup_id; /* cgroup v2 id */
	__u32 cpu;
	__u32 tgid; /* process id */
	__u32 tid;  /* thread id */
	__u32 ppid; /* real parent's process id */
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 egid;
	__u32 loginuid;	 /* (__u32)-1 when unset */
	__u32 sessionid; /* (__u32)-1 when unset */
	char comm[SG_COMM_LEN];
};

/* Set on a path that is not complete: too long, too deep, or unreadable. */
#define SG_PATH_TRUNCATED (1U << 0)
/* The file is not reachable from the root (pseudo file, detached mount). */
#define SG_PATH_DETACHED (1U << 1)
/* The file's name was removed (deleted while open or running). */
#define SG_PATH_DELETED (1U << 2)

/* sg_exec_event.flags */
#define SG_EXEC_ARGV_TRUNCATED (1U << 0) /* argv longer than SG_ARGV_MAX */
#define SG_EXEC_ARGV_FAULT     (1U << 1) /* argv could not be read */
#define SG_EXEC_EXE_MEMFD      (1U << 2) /* executed from memfd_create */
#define SG_EXEC_EXE_DELETED    (1U << 3) /* the executable was deleted */
#define SG_EXEC_EXE_TRUNCATED  (1U << 4) /* exe path incomplete */
#define SG_EXEC_CWD_TRUNCATED  (1U << 5) /* cwd path incomplete */

/*
 * Room for the packed strings of an exec event. At most
 * 2 * (SG_PATH_MAX - 1) + SG_ARGV_MAX + SG_TTY_LEN bytes are used; the
 * rest is what the programs' bounds checks need.
 */
#define SG_EXEC_DATA_MAX (4 * SG_PATH_MAX + SG_TTY_LEN)

/*
 * A program was executed. data holds, packed in this order: the resolved
 * path of the executed file (exe_len bytes), the working directory
 * (cwd_len), argv as the process holds it, each argument followed by a
 * NUL (argv_len), and the controlling terminal's kernel name such as
 * "pts0" (tty_len, 0 without a terminal).
 */
struct sg_exec_event {
	struct sg_event_header hdr;
	__u32 flags; /* SG_EXEC_* */
	__u32 argc;
	__u16 exe_len;
	__u16 cwd_len;
	__u16 argv_len;
	__u16 tty_len;
	__u32 old_tid; /* thread that called execve, if not the leader */
	__u32 pad;
	char data[SG_EXEC_DATA_MAX];
};

/* A new process (not a thread). The header describes the child. */
struct sg_fork_event {
	struct sg_event_header hdr;
	__u32 creator_tgid; /* process that called fork/clone */
	__u32 creator_tid;
};

/* The last thread of a process exited. */
struct sg_exit_event {
	struct sg_event_header hdr;
	__u32 exit_code; /* wait status: exit code << 8 | signal */
	__u32 pad;
};

/* Which system call opened the file (sg_open_event.syscall). */
enum sg_open_syscall {
	SG_OPEN_OPENAT = 1,
	SG_OPEN_OPENAT2 = 2,
	SG_OPEN_OPEN = 3,
	SG_OPEN_CREAT = 4,
};

/*
 * A file was opened. path is the resolved absolute path of the opened
 * file, taken from its struct file at system call exit, relative to the
 * root of the task's mount namespace.
 */
struct sg_open_event {
	struct sg_event_header hdr;
	__u32 flags;	 /* open flags as the caller passed them */
	__u32 mode;	 /* creation mode as the caller passed it */
	__s32 fd;	 /* the returned descriptor */
	__u16 path_len;	 /* bytes of path */
	__u8 syscall;	 /* enum sg_open_syscall */
	__u8 path_flags; /* SG_PATH_* */
	__u64 dev;	 /* the file's device (kernel encoding) */
	__u64 ino;	 /* the file's inode number */
	char path[SG_PATH_MAX];
};

/*
 * The kernel filter, double-buffered. Each filter map holds two sets,
 * slot 0 and slot 1; programs read the active slot from sg_state once
 * per event. A reload fills the idle slot, then flips sg_state.
 *
 * sg_state = generation << 1 | active slot. The generation also
 * invalidates every cached verdict; it rises on a reload and on any
 * change of the name space (rename, rmdir, mount).
 */
#define SG_STATE_SLOT(state) ((__u32)((state)&1))
#define SG_STATE_GEN_STEP    2

/* Keys of the path tries: the slot byte, then path bytes. */
#define SG_LPM_DATA_MAX 256
#define SG_LPM_PATH_MAX (SG_LPM_DATA_MAX - 1)

struct sg_lpm_key {
	__u32 prefixlen; /* in bits, the slot byte included */
	__u8 data[SG_LPM_DATA_MAX];
};

struct sg_comm_key {
	__u32 slot;
	char comm[SG_COMM_LEN];
};

/* Value of every filter map entry: bit k set for each kind k whose
 * filter holds the atom, or an atom that is a prefix of it. */
struct sg_filter_value {
	__u32 kinds;
	__u32 pad;
};

/* sg_kind_config.flags */
#define SG_KIND_COLLECT	   (1U << 0) /* some rule watches the kind */
#define SG_KIND_PASS_ALL   (1U << 1) /* every event of the kind passes */
#define SG_KIND_HAS_PATH   (1U << 2) /* exact paths or path prefixes */
#define SG_KIND_HAS_SUFFIX (1U << 3) /* path suffixes or file names */
#define SG_KIND_HAS_COMM   (1U << 4) /* command names */
#define SG_KIND_HAS_EXE	   (1U << 5) /* executables, exact or prefix */

/* Per-kind filter configuration, at index slot * SG_EVENT_KIND_MAX + kind. */
struct sg_kind_config {
	__u32 flags; /* SG_KIND_* */
	__u32 pad;
};

/* Per-CPU counters of one event kind. */
struct sg_kind_stats {
	__u64 seen;	 /* events the sensor considered (kind collected) */
	__u64 filtered;	 /* dropped by the pack's filter */
	__u64 emitted;	 /* written to a ring buffer */
	__u64 ring_full; /* lost: no room in the ring buffer */
	__u64 truncated; /* a path or argv was cut short */
	__u64 errors;	 /* kernel data could not be read */
};

/* Ring buffers, and the index of each in the per-CPU sequence array. */
enum sg_ring {
	SG_RING_PROC = 0, /* exec, fork, exit: never starved by file events */
	SG_RING_FILE = 1, /* everything else */
	SG_RING_COUNT = 2,
};

struct sg_ring_seq {
	__u64 next[SG_RING_COUNT];
};

#ifndef __cplusplus
_Static_assert(sizeof(struct sg_event_header) == 96, "header size");
_Static_assert(sizeof(struct sg_exec_event) == 120 + SG_EXEC_DATA_MAX,
	       "exec event size");
_Static_assert(sizeof(struct sg_fork_event) == 104, "fork event size");
_Static_assert(sizeof(struct sg_exit_event) == 104, "exit event size");
_Static_assert(sizeof(struct sg_open_event) == 96 + 32 + SG_PATH_MAX,
	       "open event size");
_Static_assert(sizeof(struct sg_lpm_key) == 4 + SG_LPM_DATA_MAX, "lpm key");
_Static_assert(sizeof(struct sg_comm_key) == 20, "comm key");
_Static_assert(sizeof(struct sg_kind_stats) == 48, "stats size");
#endif

#endif /* SG_BPF_EVENTS_H */
