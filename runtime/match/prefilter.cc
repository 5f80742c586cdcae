#include "runtime/match/prefilter.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <iterator>

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include "runtime/match/text.h"

namespace sg::match::prefilter {

// ---------------------------------------------------------------- guards

std::string GuardLit::key() const {
  std::string k = std::to_string(field) + ":" + std::to_string(int(kind)) +
                  ":" + std::to_string(int(mode)) + ":";
  switch (kind) {
  case Kind::Hash:
  case Kind::Text:
    return k + text;
  case Kind::Int:
    return k + std::to_string(value);
  case Kind::Net:
    return k + format_ip(net);
  }
  return k;
}

size_t GuardLit::base_cost() const {
  size_t len = text.size();
  size_t short_penalty = len < 4 ? 4 - len : 0;
  switch (kind) {
  case Kind::Hash:
    return 1;
  case Kind::Int:
    return 2;
  case Kind::Net:
    return net.prefix >= 120 ? 1 : net.prefix >= 104 ? 2 : 4;
  case Kind::Text:
    break;
  }
  switch (mode) {
  case Mode::Exact:
    return 1;
  case Mode::Starts:
  case Mode::Ends:
    return 2 + 3 * short_penalty;
  case Mode::Contains:
    return 3 + 4 * short_penalty;
  }
  return 100;
}

std::vector<GuardLit> glob_runs(std::string_view text, std::string_view kinds) {
  std::vector<GuardLit> out;
  size_t i = 0;
  while (i < text.size()) {
    if (kinds[i] != text::kGlobLit) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && kinds[j] == text::kGlobLit) {
      ++j;
    }
    bool head = i == 0;
    bool tail = j == text.size();
    GuardLit g;
    g.kind = GuardLit::Kind::Text;
    g.mode = head && tail ? Mode::Exact
             : head       ? Mode::Starts
             : tail       ? Mode::Ends
                          : Mode::Contains;
    g.text = text::lowered(text.substr(i, j - i));
    out.push_back(std::move(g));
    i = j;
  }
  return out;
}

namespace {

// Whether ASCII lower-casing of a text keeps every atom RE2 finds for the
// pattern: the pattern is plain ASCII; it has no inline flags (groups are
// fine: "(?:" and "(?P<"), and no escape that names a byte by number or a
// Unicode class; and, when it ignores case, it has none of the letters
// that also fold to non-ASCII ones (k with U+212A, s with U+017F).
bool ascii_safe(std::string_view pattern, bool nocase) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    auto c = uint8_t(pattern[i]);
    char next = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (c >= 0x80) {
      return false;
    }
    if (c == '(' && next == '?') {
      char kind = i + 2 < pattern.size() ? pattern[i + 2] : '\0';
      if (kind != ':' && kind != 'P') {
        return false;
      }
    }
    if (c == '\\') {
      if (std::string_view("xpPCQ").find(next) != std::string_view::npos ||
          (next >= '0' && next <= '9')) {
        return false;
      }
      ++i; // the escaped character is not itself special
    }
  }
  return !nocase || pattern.find_first_of("kKsS") == std::string_view::npos;
}

} // namespace

std::optional<RegexAtoms> regex_atoms(std::string_view pattern, bool nocase) {
  if (!ascii_safe(pattern, nocase)) {
    return std::nullopt;
  }
  constexpr int kMinAtom = 3;
  re2::FilteredRE2 f(kMinAtom);
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_case_sensitive(!nocase);
  int id = 0;
  if (f.Add(pattern, opts, &id) != RE2::NoError) {
    return std::nullopt;
  }
  std::vector<std::string> atoms;
  f.Compile(&atoms);
  if (atoms.empty()) {
    return std::nullopt;
  }
  std::vector<int> potential;
  f.AllPotentials({}, &potential);
  if (!potential.empty()) {
    return std::nullopt; // it passes the filter with no atom at all
  }
  RegexAtoms out;
  out.any = atoms;
  for (size_t i = 0; i < atoms.size(); ++i) {
    std::vector<int> others;
    for (size_t k = 0; k < atoms.size(); ++k) {
      if (k != i) {
        others.push_back(int(k));
      }
    }
    f.AllPotentials(others, &potential);
    if (potential.empty()) {
      out.single.push_back(atoms[i]); // nothing passes without it
    }
  }
  return out;
}

// ------------------------------------------------------------- analysis

namespace {

constexpr size_t kMaxClause = 8;
constexpr size_t kMaxFacts = 32;

struct Know {
  bool reach = false;
  std::vector<Clause> facts;
};

// Sorted by size, without repeats or clauses implied by shorter ones.
void normalize(std::vector<Clause>& facts) {
  std::sort(facts.begin(), facts.end(), [](const Clause& a, const Clause& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  facts.erase(std::unique(facts.begin(), facts.end()), facts.end());
  std::vector<Clause> kept;
  for (Clause& c : facts) {
    bool implied = std::any_of(kept.begin(), kept.end(), [&](auto& k) {
      return std::includes(c.begin(), c.end(), k.begin(), k.end());
    });
    if (!implied && kept.size() < kMaxFacts) {
      kept.push_back(std::move(c));
    }
  }
  facts = std::move(kept);
}

// Either may hold: each clause of the result is a clause of `a` or'ed
// with a clause of `b`.
Know join(const Know& a, const Know& b) {
  if (!a.reach) {
    return b;
  }
  if (!b.reach || a.facts == b.facts) {
    return a;
  }
  Know out{true, {}};
  for (const Clause& x : a.facts) {
    for (const Clause& y : b.facts) {
      Clause c;
      std::set_union(x.begin(), x.end(), y.begin(), y.end(),
                     std::back_inserter(c));
      bool tautology = false;
      for (size_t i = 1; i < c.size(); ++i) {
        tautology |= (c[i] >> 1) == (c[i - 1] >> 1);
      }
      if (!tautology && c.size() <= kMaxClause) {
        out.facts.push_back(std::move(c));
      }
    }
  }
  normalize(out.facts);
  return out;
}

Know with(Know k, Lit lit) {
  k.facts.push_back({lit});
  normalize(k.facts);
  return k;
}

} // namespace

std::optional<std::vector<Clause>> necessary(std::span<const pack::Instr> code,
                                             uint32_t begin, uint32_t end) {
  using pack::Opcode;
  if (begin >= end || end > code.size()) {
    return std::nullopt;
  }
  struct State {
    Know t; // what is known when the accumulator is true
    Know f; // ... and when it is false
  };
  std::vector<State> in(end - begin);
  in[0].f.reach = true; // the accumulator starts false
  Know result;
  auto flow = [&](uint32_t to, const Know& t, const Know& f) {
    if (to <= begin || to >= end) {
      return; // the pack reader makes this impossible
    }
    State& d = in[to - begin];
    d.t = join(d.t, t);
    d.f = join(d.f, f);
  };
  const Know none;
  for (uint32_t pc = begin; pc < end; ++pc) {
    State s = std::move(in[pc - begin]);
    if (!s.t.reach && !s.f.reach) {
      continue;
    }
    const pack::Instr& ins = code[pc];
    switch (Opcode(ins.op)) {
    case Opcode::Pred: {
      Know base = join(s.t, s.f);
      flow(pc + 1, with(base, ins.arg << 1), with(base, ins.arg << 1 | 1));
      break;
    }
    case Opcode::Const: {
      Know base = join(s.t, s.f);
      flow(pc + 1, ins.arg != 0 ? base : none, ins.arg != 0 ? none : base);
      break;
    }
    case Opcode::Not:
      flow(pc + 1, s.f, s.t);
      break;
    case Opcode::JumpIfFalse:
      flow(ins.arg, none, s.f);
      flow(pc + 1, s.t, none);
      break;
    case Opcode::JumpIfTrue:
      flow(ins.arg, s.t, none);
      flow(pc + 1, none, s.f);
      break;
    case Opcode::Ret:
      result = join(result, s.t);
      break;
    default:
      return std::nullopt; // the reader refuses other opcodes
    }
  }
  if (!result.reach) {
    return std::nullopt;
  }
  return result.facts;
}

// -------------------------------------------------------------- indexes

namespace {

// Eight bytes at a time, each mixed in with a multiply.
uint64_t hash_bytes(std::string_view s) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * 0x94D049BB133111EBULL;
    h ^= h >> 29;
  }
  return h ^ (h >> 32);
}

} // namespace

void ExactTable::build(
    std::vector<std::pair<std::string_view, uint32_t>> entries) {
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  size_t keys = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    keys += i == 0 || entries[i].first != entries[i - 1].first ? 1 : 0;
  }
  slots_.clear();
  positions_.clear();
  if (keys == 0) {
    return;
  }
  size_t cap = std::bit_ceil(keys * 2);
  slots_.assign(cap, {});
  mask_ = cap - 1;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i;
    while (j < entries.size() && entries[j].first == entries[i].first) {
      positions_.push_back(entries[j].second);
      ++j;
    }
    uint64_t h = hash_bytes(entries[i].first);
    size_t at = h & mask_;
    while (slots_[at].count != 0) {
      at = (at + 1) & mask_;
    }
    slots_[at] = {h, entries[i].first, uint32_t(positions_.size() - (j - i)),
                  uint32_t(j - i)};
    i = j;
  }
}

std::span<const uint32_t> ExactTable::find(std::string_view key) const {
  if (slots_.empty()) {
    return {};
  }
  uint64_t h = hash_bytes(key);
  for (size_t at = h & mask_; slots_[at].count != 0; at = (at + 1) & mask_) {
    const Slot& s = slots_[at];
    if (s.hash == h && s.key == key) {
      return {positions_.data() + s.first, s.count};
    }
  }
  return {};
}

void LiteralIndex::Buckets::build(
    std::vector<std::pair<uint32_t, uint32_t>> entries) {
  bitmap.assign((size_t{1} << kBits) / 64, 0);
  slots.clear();
  ids.clear();
  if (entries.empty()) {
    return;
  }
  std::sort(entries.begin(), entries.end());
  size_t keys = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    keys += i == 0 || entries[i].first != entries[i - 1].first ? 1 : 0;
  }
  size_t cap = std::bit_ceil(keys * 2);
  slots.assign(cap, {});
  mask = cap - 1;
  for (size_t i = 0; i < entries.size();) {
    size_t j = i;
    uint32_t key = entries[i].first;
    while (j < entries.size() && entries[j].first == key) {
      ids.push_back(entries[j].second);
      ++j;
    }
    uint32_t h = hash(key);
    bitmap[h / 64] |= uint64_t{1} << (h % 64);
    size_t at = h & mask;
    while (slots[at].key != 0) {
      at = (at + 1) & mask;
    }
    slots[at] = {key + 1, uint32_t(ids.size() - (j - i)), uint32_t(j - i)};
    i = j;
  }
}

void LiteralIndex::build(
    const std::vector<std::pair<std::string, Output>>& literals) {
  texts_.clear();
  lits_.clear();
  short_.clear();
  std::vector<std::pair<uint32_t, uint32_t>> starts;
  std::vector<std::pair<uint32_t, uint32_t>> ends;
  std::vector<std::pair<uint32_t, uint32_t>> contains;
  for (const auto& [lit, out] : literals) {
    Lit l{uint32_t(texts_.size()), uint32_t(lit.size()), out.pos, out.mode};
    text::lower_into(lit, texts_);
    if (lit.size() < 3) {
      short_.push_back(l);
      continue;
    }
    auto id = uint32_t(lits_.size());
    lits_.push_back(l);
    std::string_view t(texts_.data() + l.off, l.len);
    switch (out.mode) {
    case Mode::Starts:
    case Mode::Exact:
      starts.emplace_back(trigram(t, 0), id);
      break;
    case Mode::Ends:
      ends.emplace_back(trigram(t, t.size() - 3), id);
      break;
    case Mode::Contains:
      contains.emplace_back(trigram(t, 0), id);
      break;
    }
  }
  starts_.build(std::move(starts));
  ends_.build(std::move(ends));
  contains_.build(std::move(contains));
  empty_ = literals.empty();
}

bool LiteralIndex::short_match(std::string_view v, const Lit& l) const {
  const size_t n = v.size();
  if (l.len > n) {
    return false;
  }
  switch (l.mode) {
  case Mode::Exact:
    return l.len == n && equal_lower(v, l);
  case Mode::Starts:
    return equal_lower(v.substr(0, l.len), l);
  case Mode::Ends:
    return equal_lower(v.substr(n - l.len), l);
  case Mode::Contains:
    for (size_t i = 0; i + l.len <= n; ++i) {
      if (equal_lower(v.substr(i, l.len), l)) {
        return true;
      }
    }
    return false;
  }
  return false;
}

void IntIndex::build(std::vector<std::pair<int64_t, uint32_t>> entries) {
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  entries_ = std::move(entries);
}

NetIndex::Addr NetIndex::masked(const Addr& a, uint8_t prefix) {
  Addr m = a;
  size_t full = std::min<size_t>(prefix, 128) / 8;
  if (full < m.size()) {
    unsigned rest = prefix % 8;
    m[full] &= uint8_t(0xff00U >> rest);
    std::fill(m.begin() + long(full) + 1, m.end(), 0);
  }
  return m;
}

void NetIndex::build(const std::vector<std::pair<IpNet, uint32_t>>& entries) {
  groups_.clear();
  for (const auto& entry : entries) {
    const IpNet& net = entry.first;
    auto g = std::find_if(groups_.begin(), groups_.end(), [&](const Group& x) {
      return x.prefix == net.prefix;
    });
    if (g == groups_.end()) {
      groups_.push_back({net.prefix, {}});
      g = groups_.end() - 1;
    }
    g->entries.emplace_back(masked(net.addr, net.prefix), entry.second);
  }
  for (Group& g : groups_) {
    std::sort(g.entries.begin(), g.entries.end());
    g.entries.erase(std::unique(g.entries.begin(), g.entries.end()),
                    g.entries.end());
  }
}

} // namespace sg::match::prefilter
