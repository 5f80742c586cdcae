// The matcher's prefilter, in parts: what must hold for a rule's code to
// return true, the literals that tests give for it, and the indexes that
// find, in one pass over an event's fields, every rule whose guard holds.
//
// A guard is a disjunction of literals: whenever the rule fires, one of
// them occurs in the event (an exact string, a substring, prefix or
// suffix, an integer, an address in a network). The prefilter may let
// through rules that then do not fire; it never holds back one that does.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/common/net.h"
#include "runtime/match/text.h"
#include "runtime/pack/format.h"

namespace sg::match::prefilter {

// ---------------------------------------------------------------- guards

// How a string literal must occur in the value.
enum class Mode : uint8_t { Contains, Starts, Ends, Exact };

struct GuardLit {
  enum class Kind : uint8_t {
    Hash, // the value equals `text` exactly
    Text, // `text` (lower case) occurs in the lower-cased value per `mode`
    Int,  // the value equals `value`
    Net,  // the address lies in `net` (one address when prefix is 128)
  };
  uint16_t field = 0;
  Kind kind = Kind::Hash;
  Mode mode = Mode::Exact;
  std::string text;
  int64_t value = 0;
  IpNet net;

  // Names the literal, so rules that share it can be counted.
  std::string key() const;
  // How often the literal is expected to let its rule through: lower is
  // better.
  size_t base_cost() const;
};

// A disjunction: one of the literals occurs whenever the test holds.
using Option = std::vector<GuardLit>;

// Literals by a glob's runs of plain bytes: each run alone is necessary,
// anchored where the pattern anchors it. `kinds` as text::compile_glob.
std::vector<GuardLit> glob_runs(std::string_view text, std::string_view kinds);

// Substrings, lower case, that a regular expression needs (RE2's
// FilteredRE2 analysis): each of `single` occurs in every text it matches,
// and some element of `any` does. Nothing when the expression gives no
// such literal, or when ASCII lower-casing of the text could miss one
// (patterns beyond ASCII, inline flags, Unicode classes, and under
// `nocase` the letters k and s, which fold to non-ASCII letters too).
struct RegexAtoms {
  std::vector<std::string> single;
  std::vector<std::string> any;
};
std::optional<RegexAtoms> regex_atoms(std::string_view pattern, bool nocase);

// ------------------------------------------------------------- analysis

// Predicate literals: pred << 1, | 1 when negated.
using Lit = uint32_t;
// A disjunction of predicate literals, sorted.
using Clause = std::vector<Lit>;

// Clauses that all hold whenever the routine [begin, end) returns true,
// or nothing when it never does. Found by running the bytecode abstractly,
// tracking what is known when the accumulator is true and when it is
// false; jumps only go forward, so one pass in order sees every edge into
// an instruction before the instruction itself. Clauses are capped in
// size and number, which only loses knowledge.
std::optional<std::vector<Clause>> necessary(std::span<const pack::Instr> code,
                                             uint32_t begin, uint32_t end);

// -------------------------------------------------------------- indexes

// Exact strings → positions. Open addressing over views of storage the
// caller keeps alive.
class ExactTable {
public:
  void build(std::vector<std::pair<std::string_view, uint32_t>> entries);
  bool empty() const { return slots_.empty(); }
  std::span<const uint32_t> find(std::string_view key) const;

private:
  struct Slot {
    uint64_t hash = 0;
    std::string_view key;
    uint32_t first = 0;
    uint32_t count = 0; // 0: the slot is empty
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> positions_;
  size_t mask_ = 0;
};

// Literals → positions, found in one pass over a value, ignoring ASCII
// case (literals are lower case). Literals of three bytes or more are
// keyed by a trigram: prefixes and exact values by their first, suffixes
// by their last, so each costs one lookup per value; substrings by their
// first, looked up at every position of the value through a bitmap of
// trigram hashes that fits in L1, so a value with no candidate costs a few
// cycles a byte and no dependent loads. Shorter literals are checked one
// by one.
class LiteralIndex {
public:
  struct Output {
    uint32_t pos; // the rule's position
    Mode mode;
  };

  void build(const std::vector<std::pair<std::string, Output>>& literals);
  bool empty() const { return empty_; }

  // Calls hit(pos) for each literal that occurs in `v` as its mode asks;
  // a position may be reported more than once.
  template <typename Hit>
  void scan(std::string_view v, Hit&& hit) const {
    const size_t n = v.size();
    if (n >= 3) {
      visit(starts_, trigram(v, 0), [&](const Lit& l) {
        if (l.len <= n && (l.mode != Mode::Exact || l.len == n) &&
            equal_lower(v.substr(0, l.len), l)) {
          hit(l.pos);
        }
      });
      visit(ends_, trigram(v, n - 3), [&](const Lit& l) {
        if (l.len <= n && equal_lower(v.substr(n - l.len), l)) {
          hit(l.pos);
        }
      });
      if (!contains_.ids.empty()) {
        uint32_t key = trigram(v, 0);
        for (size_t i = 0;; ++i) {
          if (contains_.maybe(key)) {
            visit(contains_, key, [&](const Lit& l) {
              if (l.len <= n - i && equal_lower(v.substr(i, l.len), l)) {
                hit(l.pos);
              }
            });
          }
          if (i + 3 >= n) {
            break;
          }
          key = (key << 8 | text::kLower[uint8_t(v[i + 3])]) & 0xffffffU;
        }
      }
    }
    for (const Lit& l : short_) {
      if (short_match(v, l)) {
        hit(l.pos);
      }
    }
  }

private:
  struct Lit {
    uint32_t off; // into texts_
    uint32_t len;
    uint32_t pos;
    Mode mode;
  };
  // Literals by trigram: a bitmap of hashes, then an open-addressing
  // table from the trigram to its literals.
  struct Buckets {
    static constexpr unsigned kBits = 16;
    std::vector<uint64_t> bitmap; // 1 << kBits bits
    struct Slot {
      uint32_t key = 0; // trigram + 1; 0: empty
      uint32_t first = 0;
      uint32_t count = 0;
    };
    std::vector<Slot> slots;
    std::vector<uint32_t> ids; // into lits_
    size_t mask = 0;

    static uint32_t hash(uint32_t key) {
      return (key * 0x9E3779B1U) >> (32 - kBits);
    }
    bool maybe(uint32_t key) const {
      uint32_t h = hash(key);
      return (bitmap[h / 64] >> (h % 64) & 1U) != 0;
    }
    void build(std::vector<std::pair<uint32_t, uint32_t>> entries);
  };

  static uint32_t trigram(std::string_view v, size_t at) {
    return uint32_t(text::kLower[uint8_t(v[at])]) << 16 |
           uint32_t(text::kLower[uint8_t(v[at + 1])]) << 8 |
           text::kLower[uint8_t(v[at + 2])];
  }
  template <typename Fn>
  void visit(const Buckets& b, uint32_t key, Fn&& fn) const {
    if (b.slots.empty()) {
      return;
    }
    for (size_t at = Buckets::hash(key) & b.mask; b.slots[at].key != 0;
         at = (at + 1) & b.mask) {
      if (b.slots[at].key == key + 1) {
        for (uint32_t k = 0; k < b.slots[at].count; ++k) {
          fn(lits_[b.ids[b.slots[at].first + k]]);
        }
        return;
      }
    }
  }
  bool equal_lower(std::string_view v, const Lit& l) const {
    const char* t = texts_.data() + l.off;
    for (size_t i = 0; i < v.size(); ++i) {
      if (text::kLower[uint8_t(v[i])] != uint8_t(t[i])) {
        return false;
      }
    }
    return true;
  }
  bool short_match(std::string_view v, const Lit& l) const;

  bool empty_ = true;
  std::string texts_;
  std::vector<Lit> lits_;
  Buckets starts_;   // Starts and Exact, by the first trigram
  Buckets ends_;     // Ends, by the last trigram
  Buckets contains_; // Contains, by the first trigram
  std::vector<Lit> short_;
};

// Integers → positions.
class IntIndex {
public:
  void build(std::vector<std::pair<int64_t, uint32_t>> entries);
  bool empty() const { return entries_.empty(); }
  template <typename Hit>
  void find(int64_t v, Hit&& hit) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), v,
                               [](const std::pair<int64_t, uint32_t>& e,
                                  int64_t x) { return e.first < x; });
    for (; it != entries_.end() && it->first == v; ++it) {
      hit(it->second);
    }
  }

private:
  std::vector<std::pair<int64_t, uint32_t>> entries_; // sorted
};

// Networks → positions: for each prefix length, the masked addresses,
// sorted; a lookup masks the address once per length.
class NetIndex {
public:
  using Addr = std::array<uint8_t, 16>;
  void build(const std::vector<std::pair<IpNet, uint32_t>>& entries);
  bool empty() const { return groups_.empty(); }
  template <typename Hit>
  void find(const Addr& a, Hit&& hit) const {
    for (const Group& g : groups_) {
      Addr m = masked(a, g.prefix);
      auto it = std::lower_bound(g.entries.begin(), g.entries.end(), m,
                                 [](const std::pair<Addr, uint32_t>& e,
                                    const Addr& x) { return e.first < x; });
      for (; it != g.entries.end() && it->first == m; ++it) {
        hit(it->second);
      }
    }
  }

private:
  static Addr masked(const Addr& a, uint8_t prefix);
  struct Group {
    uint8_t prefix = 128;
    std::vector<std::pair<Addr, uint32_t>> entries; // sorted
  };
  std::vector<Group> groups_;
};

} // namespace sg::match::prefilter
