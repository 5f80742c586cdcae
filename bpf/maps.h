/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Every map of the sensors, in one place. Key and value types shared with
 * userspace are in events.h; the ones only the programs use are here.
 *
 * Limits, and what happens at each:
 * - ring buffers: sized by the loader; a full ring loses the event and
 *   counts it in kind_stats.ring_full of its kind.
 * - filter maps: SG_FILTER_ENTRIES_MAX entries in all; the loader refuses
 *   a pack that needs more, and the previous filter stays active.
 * - proc_verdict: one entry per live process, freed with the task.
 * - dir_cache: an LRU; an evicted verdict is recomputed by a full walk.
 */
#ifndef SG_BPF_MAPS_H
#define SG_BPF_MAPS_H

#include "bpf/events.h"

#define SG_FILTER_ENTRIES_MAX 16384
#define SG_DIR_CACHE_ENTRIES  16384

/* Process lifecycle events: exec, fork, exit. Sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} proc_events SEC(".maps");

/* Every other event kind. Sized by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} file_events SEC(".maps");

/*
 * Next sequence number of each ring on this CPU. A number is taken for
 * every event that passed the filter, whether or not the ring had room,
 * so a gap in what userspace reads is a count of lost events.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sg_ring_seq);
} ring_seq SEC(".maps");

/* Counters per event kind, per CPU; userspace sums the CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SG_EVENT_KIND_MAX);
	__type(key, __u32);
	__type(value, struct sg_kind_stats);
} kind_stats SEC(".maps");

/*
 * Filter configuration of each kind in each slot, at index
 * slot * SG_EVENT_KIND_MAX + kind. All zero (nothing collected) until
 * userspace applies a pack.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * SG_EVENT_KIND_MAX);
	__type(key, __u32);
	__type(value, struct sg_kind_config);
} kind_config SEC(".maps");

/*
 * Exact paths and path prefixes of file events. An exact path is stored
 * with its terminating NUL, so it matches only a whole path; a prefix
 * without. The longest match wins, so each entry's value also carries
 * the kinds of every shorter entry that is a prefix of it. Keys hold at
 * most SG_LPM_PATH_MAX path bytes: a longer atom is cut to a prefix,
 * which passes more events, never fewer.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_FILTER_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm_key);
	__type(value, struct sg_filter_value);
} path_trie SEC(".maps");

/*
 * Path suffixes and file names, reversed: a suffix s is the prefix
 * reverse(s) of the reversed path, and a file name n is the suffix "/n".
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_FILTER_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm_key);
	__type(value, struct sg_filter_value);
} suffix_trie SEC(".maps");

/* Executables, exact or by prefix, laid out as path_trie. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_FILTER_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm_key);
	__type(value, struct sg_filter_value);
} exe_trie SEC(".maps");

/*
 * For the directory cache: the directories (with "/" and a NUL) whose
 * files an exact path or a prefix in path_trie could name, and the
 * reversed directory part of every suffix that has one ("/.ssh" of
 * "/.ssh/authorized_keys"). A directory found in either may hold a file
 * that passes, so its files need the full test.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_FILTER_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm_key);
	__type(value, struct sg_filter_value);
} dir_trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SG_FILTER_ENTRIES_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sg_lpm_key);
	__type(value, struct sg_filter_value);
} dirsuffix_trie SEC(".maps");

/* Command names (comm, NUL-padded). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SG_FILTER_ENTRIES_MAX);
	__type(key, struct sg_comm_key);
	__type(value, struct sg_filter_value);
} comm_set SEC(".maps");

/*
 * The exe verdict of a process: the kinds whose exe atoms its executable
 * matches, computed at exec (or at its first event after a reload) and
 * kept on the thread group leader. Valid while state equals sg_state.
 */
struct proc_verdict {
	__u64 state;
	__u32 kinds;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct proc_verdict);
} proc_verdict SEC(".maps");

/*
 * The directory cache: what the filter says about the files directly in
 * one directory, computed from the directory's resolved path the first
 * time a file in it is opened. A directory is named by its mount and
 * inode; the entry also keeps the dentry, and holds only while state
 * equals sg_state, which every rename, rmdir, mount change and reload
 * raises. While such a call is running (sg_inflight > 0) the cache is
 * not used.
 */
struct dir_key {
	__u64 mnt; /* mount's unique id (its id before Linux 6.8) */
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

struct dir_verdict {
	__u64 state;
	__u64 dentry;
	__u32 all;   /* kinds for which every file here passes */
	__u32 maybe; /* kinds for which some file here may pass */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SG_DIR_CACHE_ENTRIES);
	__type(key, struct dir_key);
	__type(value, struct dir_verdict);
} dir_cache SEC(".maps");

/* Set on a thread while it is inside a call that renames or (un)mounts. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} ns_changing SEC(".maps");

/* Scratch space, one per CPU: programs do not nest on a CPU. */
struct walk_buf {
	/* A path is built backwards and ends at path[SG_PATH_MAX]. */
	char path[SG_PATH_MAX + 256];
	struct sg_lpm_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_buf);
} walk_buf SEC(".maps");

union event_buf {
	struct sg_event_header hdr;
	struct sg_exec_event exec;
	struct sg_fork_event fork;
	struct sg_exit_event exit;
	struct sg_open_event open;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union event_buf);
} event_buf SEC(".maps");

#endif /* SG_BPF_MAPS_H */
