// A pack's kernel filter, laid out as the entries of the sensors' filter
// maps (bpf/maps.h) for one slot.
//
// Each FilterRecord of the pack turns into a kind configuration and, for
// each atom, a map entry whose value has the kind's bit set:
//   PathExact  -> path_trie, the path and a NUL
//   PathPrefix -> path_trie, the prefix
//   PathSuffix -> suffix_trie, the suffix reversed
//   PathName   -> suffix_trie, "/" and the name, reversed
//   Comm       -> comm_set, at most 15 bytes
//   ExeExact   -> exe_trie, the path and a NUL
//   ExePrefix  -> exe_trie, the prefix
// A trie returns only its longest match, so every entry also carries the
// kinds of all shorter entries that are prefixes of it.
//
// Two more tries serve the kernel's directory cache: dir_trie holds the
// directory ("dir/" and a NUL) of every path_trie entry, and
// dirsuffix_trie the directory part of every suffix that has one
// ("/.ssh" of "/.ssh/authorized_keys"), reversed. A directory found in
// neither, and not covered by a prefix, holds no file that a path atom
// passes: its files are decided by their name alone. Values too long
// for a key are cut to a prefix (a suffix keeps its end): the filter then
// passes more events, never fewer.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "bpf/events.h"
#include "runtime/pack/reader.h"

namespace sg::sensor {

struct TrieEntry {
  sg_lpm_key key;
  sg_filter_value value;
};

struct CommEntry {
  sg_comm_key key;
  sg_filter_value value;
};

struct FilterTables {
  uint32_t slot = 0;
  std::vector<TrieEntry> paths;                          // path_trie
  std::vector<TrieEntry> suffixes;                       // suffix_trie
  std::vector<TrieEntry> exes;                           // exe_trie
  std::vector<TrieEntry> dirs;                           // dir_trie
  std::vector<TrieEntry> dir_suffixes;                   // dirsuffix_trie
  std::vector<CommEntry> comms;                          // comm_set
  std::array<sg_kind_config, SG_EVENT_KIND_MAX> kinds{}; // by kind id

  size_t entries() const {
    return paths.size() + suffixes.size() + exes.size() + dirs.size() +
           dir_suffixes.size() + comms.size();
  }
};

FilterTables build_filter_tables(const pack::Pack& pack, uint32_t slot);

} // namespace sg::sensor
