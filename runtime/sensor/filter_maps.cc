#include "runtime/sensor/filter_maps.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <string_view>

namespace sg::sensor {
namespace {

using pack::AtomKind;

// A trie key as bytes: the slot, then the path bytes; the prefix length
// is the whole string.
using TrieKeys = std::map<std::string, uint32_t>;

std::string trie_key(uint32_t slot, std::string_view bytes, bool exact) {
  std::string k(1, char(slot));
  if (bytes.size() >= SG_LPM_PATH_MAX) {
    k.append(bytes.substr(0, SG_LPM_PATH_MAX)); // cut: a prefix
    return k;
  }
  k.append(bytes);
  if (exact) {
    k.push_back('\0');
  }
  return k;
}

std::string reversed(std::string_view s) {
  return {s.rbegin(), s.rend()};
}

// Each key also answers for the shorter keys that are its prefixes.
std::vector<TrieEntry> close_over_prefixes(const TrieKeys& keys) {
  std::vector<TrieEntry> out;
  for (const auto& [k, kinds] : keys) {
    uint32_t all = kinds;
    for (size_t len = 1; len < k.size(); ++len) {
      auto it = keys.find(k.substr(0, len));
      if (it != keys.end()) {
        all |= it->second;
      }
    }
    TrieEntry e{};
    e.key.prefixlen = uint32_t(k.size() * 8);
    std::memcpy(e.key.data, k.data(), k.size());
    e.value.kinds = all;
    out.push_back(e);
  }
  return out;
}

// The directory of every path key: "dir/" and a NUL.
TrieKeys directories(const TrieKeys& paths) {
  TrieKeys out;
  for (const auto& [k, kinds] : paths) {
    std::string_view body(k);
    body.remove_prefix(1); // the slot
    if (!body.empty() && body.back() == '\0') {
      body.remove_suffix(1);
    }
    size_t slash = body.rfind('/');
    if (slash == std::string_view::npos || slash + 1 >= SG_LPM_PATH_MAX) {
      continue; // the kernel does not cache such directories
    }
    std::string d = k.substr(0, 1);
    d.append(body.substr(0, slash + 1));
    d.push_back('\0');
    out[d] |= kinds;
  }
  return out;
}

// The part of a suffix before its last slash, when there is one.
std::string_view suffix_directory(std::string_view suffix) {
  size_t slash = suffix.rfind('/');
  if (slash == std::string_view::npos || slash == 0) {
    return {};
  }
  return suffix.substr(0, slash);
}

uint32_t config_flag(AtomKind k) {
  switch (k) {
  case AtomKind::PathExact:
  case AtomKind::PathPrefix:
    return SG_KIND_HAS_PATH;
  case AtomKind::PathSuffix:
  case AtomKind::PathName:
    return SG_KIND_HAS_SUFFIX;
  case AtomKind::Comm:
    return SG_KIND_HAS_COMM;
  case AtomKind::ExeExact:
  case AtomKind::ExePrefix:
    return SG_KIND_HAS_EXE;
  }
  return 0;
}

} // namespace

FilterTables build_filter_tables(const pack::Pack& pack, uint32_t slot) {
  FilterTables t;
  t.slot = slot;
  TrieKeys paths, suffixes, exes, dir_suffixes;
  std::map<std::string, uint32_t> comms;

  for (const pack::FilterRecord& f : pack.filters()) {
    if (f.kind >= SG_FILTER_KIND_MAX) {
      continue; // the pack reader refuses unknown kinds; be safe anyway
    }
    uint32_t bit = 1U << f.kind;
    sg_kind_config& cfg = t.kinds[f.kind];
    cfg.flags |= SG_KIND_COLLECT;
    if ((f.flags & pack::kFilterPassAll) != 0) {
      cfg.flags |= SG_KIND_PASS_ALL;
      continue;
    }
    for (uint32_t i = f.atoms_first; i < f.atoms_first + f.atoms_count; ++i) {
      const pack::AtomRecord& a = pack.atoms()[i];
      auto kind = AtomKind(a.kind);
      std::string_view v = pack.str(a.value);
      cfg.flags |= config_flag(kind);
      switch (kind) {
      case AtomKind::PathExact:
        paths[trie_key(slot, v, true)] |= bit;
        break;
      case AtomKind::PathPrefix:
        paths[trie_key(slot, v, false)] |= bit;
        break;
      case AtomKind::PathSuffix:
        suffixes[trie_key(slot, reversed(v), false)] |= bit;
        if (std::string_view d = suffix_directory(v); !d.empty()) {
          dir_suffixes[trie_key(slot, reversed(d), false)] |= bit;
        }
        break;
      case AtomKind::PathName:
        suffixes[trie_key(slot, reversed("/" + std::string(v)), false)] |= bit;
        break;
      case AtomKind::Comm:
        comms[std::string(v.substr(0, SG_COMM_LEN - 1))] |= bit;
        break;
      case AtomKind::ExeExact:
        exes[trie_key(slot, v, true)] |= bit;
        break;
      case AtomKind::ExePrefix:
        exes[trie_key(slot, v, false)] |= bit;
        break;
      }
    }
  }

  t.paths = close_over_prefixes(paths);
  t.suffixes = close_over_prefixes(suffixes);
  t.exes = close_over_prefixes(exes);
  t.dirs = close_over_prefixes(directories(paths));
  t.dir_suffixes = close_over_prefixes(dir_suffixes);
  for (const auto& [name, kinds] : comms) {
    CommEntry e{};
    e.key.slot = slot;
    std::memcpy(e.key.comm, name.data(), name.size());
    e.value.kinds = kinds;
    t.comms.push_back(e);
  }
  return t;
}

} // namespace sg::sensor
