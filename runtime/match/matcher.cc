#include "runtime/match/matcher.h"

#include <algorithm>
#include <array>
#include <bit>
#include <deque>
#include <map>
#include <new>
#include <optional>
#include <set>

#include "runtime/match/prefilter.h"
#include "runtime/match/text.h"

namespace sg::match {
namespace {

using pack::Instr;
using pack::Opcode;
using pack::PredOp;
using pack::PredRecord;
using prefilter::GuardLit;
using prefilter::Lit;
using prefilter::Mode;
using prefilter::Option;

// Rules that share a guard literal all run when it occurs: each other
// rule offering the literal adds this much to its cost.
constexpr size_t kShareCost = 3;

bool string_op(PredOp op) {
  return op >= PredOp::StrIn && op <= PredOp::StrMatches;
}

} // namespace

struct Matcher::Impl {
  // A string literal ready to compare.
  struct StrLit {
    std::string_view text;  // lower case under nocase (not regexes)
    std::string_view kinds; // globs: what each byte of text is
    const RE2* re = nullptr;
  };
  struct Pred {
    uint16_t field = 0;
    PredOp op = PredOp::StrIn;
    bool nocase = false;
    bool all = false;
    bool list = false;
    uint32_t first = 0; // into strs, ints or nets
    uint32_t count = 0;
  };
  // The guard indexes of one field, for one event kind.
  struct FieldIndex {
    uint16_t field = 0;
    prefilter::ExactTable exact;
    prefilter::LiteralIndex literals;
    prefilter::IntIndex ints;
    prefilter::NetIndex nets;
  };
  struct KindIndex {
    std::vector<uint32_t> rules;  // pack rule index, by position
    std::vector<uint64_t> always; // positions to run for every event
    std::vector<FieldIndex> fields;
  };
  // A field lower-cased for this event.
  struct Lower {
    uint32_t stamp = 0;
    std::string buf;
    std::vector<std::pair<uint32_t, uint32_t>> items; // lists: offset, size
  };

  Impl(const pack::Pack& p, MatcherOptions o) : pack(p), options(o) {}

  // Building.
  void build(MatcherStats& stats);
  void compile_preds();
  std::vector<Option> options_of(uint32_t pred);
  void choose_guards(std::vector<std::optional<Option>>& guards,
                     std::vector<bool>& never);
  void index_rules(const std::vector<std::optional<Option>>& guards,
                   const std::vector<bool>& never);

  // Matching.
  bool match(const Event& e, std::vector<Match>& out);
  void next_generation();
  bool run(uint32_t pc, const Event& e);
  bool pred(uint32_t i, const Event& e);
  bool eval(const Pred& p, const Event& e);
  bool str_value(const Pred& p, std::string_view v);
  bool str_one(const Pred& p, const StrLit& l, std::string_view v) const;
  std::string_view lower_scalar(const Event& e, uint16_t field);
  Lower& lower_list(const Event& e, uint16_t field);
  void probe(const FieldIndex& fi, const Event& e);
  void probe_string(const FieldIndex& fi, std::string_view v);
  void mark(uint32_t pos) { cand[pos / 64] |= uint64_t{1} << (pos % 64); }

  const pack::Pack& pack;
  MatcherOptions options;
  std::deque<std::string> owned; // lower-cased and glob text; never moves
  std::vector<StrLit> strs;
  std::vector<int64_t> ints;
  std::vector<IpNet> nets;
  std::vector<Pred> preds;
  std::array<KindIndex, schema::kKindLimit> kinds;

  // Per event.
  uint32_t gen = 0;
  std::vector<uint32_t> memo; // per predicate: gen << 1 | value
  std::vector<Lower> lower;   // per field slot
  std::vector<uint64_t> cand; // positions to run
  std::vector<uint32_t> held;
  uint64_t runs = 0;
};

// ------------------------------------------------------------ building

void Matcher::Impl::compile_preds() {
  auto keep = [&](std::string s) -> std::string_view {
    owned.push_back(std::move(s));
    return owned.back();
  };
  std::span<const PredRecord> recs = pack.predicates();
  preds.resize(recs.size());
  for (uint32_t i = 0; i < recs.size(); ++i) {
    const PredRecord& r = recs[i];
    const schema::Field* f = schema::field_by_id(r.field);
    Pred& p = preds[i];
    p.field = r.field;
    p.op = PredOp(r.op);
    p.nocase = (r.flags & pack::kPredNocase) != 0;
    p.all = (r.flags & pack::kPredAll) != 0;
    p.list = f != nullptr && schema::is_list(f->type);
    p.count = r.count;
    if (string_op(p.op)) {
      p.first = uint32_t(strs.size());
      for (uint32_t k = 0; k < r.count; ++k) {
        std::string_view literal = pack.ref(r.first + k);
        StrLit l;
        if (p.op == PredOp::StrMatches) {
          l.text = literal;
          l.re = pack.regex(i, k);
        } else if (p.op == PredOp::StrLike) {
          std::string glob;
          std::string glob_kinds;
          text::compile_glob(p.nocase ? text::lowered(literal)
                                      : std::string(literal),
                             glob, glob_kinds);
          l.text = keep(std::move(glob));
          l.kinds = keep(std::move(glob_kinds));
        } else {
          // Lowering packs lower-case nocase literals already; doing it
          // again keeps a hand-made pack right too.
          l.text = p.nocase ? keep(text::lowered(literal)) : literal;
        }
        strs.push_back(l);
      }
      if (p.op == PredOp::StrIn) {
        std::sort(
            strs.begin() + p.first, strs.end(),
            [](const StrLit& a, const StrLit& b) { return a.text < b.text; });
      }
    } else if (p.op == PredOp::IpIn || p.op == PredOp::IpCidr) {
      p.first = uint32_t(nets.size());
      for (uint32_t k = 0; k < r.count; ++k) {
        const pack::NetRecord& n = pack.nets()[r.first + k];
        IpNet net;
        std::copy(std::begin(n.addr), std::end(n.addr), net.addr.begin());
        net.prefix = std::min<uint8_t>(n.prefix, 128);
        nets.push_back(net);
      }
    } else {
      p.first = uint32_t(ints.size());
      for (uint32_t k = 0; k < r.count; ++k) {
        ints.push_back(pack.ints()[r.first + k]);
      }
      if (p.op == PredOp::IntIn) {
        std::sort(ints.begin() + p.first, ints.end());
      }
    }
  }
}

// The guard options of predicate `i`: each option is a set of literals of
// which one occurs whenever the predicate holds. None: the predicate gives
// nothing to index.
std::vector<Option> Matcher::Impl::options_of(uint32_t i) {
  const Pred& p = preds[i];
  std::vector<Option> out;
  // With `all` every literal is needed, so each is an option of its own;
  // without, the option is all of them.
  bool each = p.all && p.count > 1;
  auto add = [&](std::vector<GuardLit> lits) {
    for (GuardLit& g : lits) {
      g.field = p.field;
    }
    if (each) {
      for (GuardLit& g : lits) {
        out.push_back({std::move(g)});
      }
    } else if (!lits.empty()) {
      out.push_back(std::move(lits));
    }
  };
  std::span<const StrLit> lits(strs.data() + p.first,
                               string_op(p.op) ? p.count : 0);
  std::vector<GuardLit> found;
  switch (p.op) {
  case PredOp::StrIn:
    for (const StrLit& l : lits) {
      GuardLit g;
      g.kind = p.nocase ? GuardLit::Kind::Text : GuardLit::Kind::Hash;
      g.mode = Mode::Exact;
      g.text = p.nocase ? text::lowered(l.text) : std::string(l.text);
      found.push_back(std::move(g));
    }
    add(std::move(found));
    return out;
  case PredOp::StrContains:
  case PredOp::StrStarts:
  case PredOp::StrEnds:
    for (const StrLit& l : lits) {
      if (l.text.empty()) {
        if (!each) {
          return {}; // holds for every value
        }
        continue;
      }
      GuardLit g;
      g.kind = GuardLit::Kind::Text;
      g.mode = p.op == PredOp::StrContains ? Mode::Contains
               : p.op == PredOp::StrStarts ? Mode::Starts
                                           : Mode::Ends;
      g.text = text::lowered(l.text);
      found.push_back(std::move(g));
    }
    add(std::move(found));
    return out;
  case PredOp::StrLike:
  case PredOp::StrMatches: {
    // Each pattern gives literals each of which it needs (a glob's runs,
    // a regex's atoms), or else a set one of which it needs.
    std::vector<std::vector<GuardLit>> needs; // per pattern: each needed
    std::vector<std::vector<GuardLit>> anys;  // per pattern: one needed
    for (const StrLit& l : lits) {
      std::vector<GuardLit> need;
      std::vector<GuardLit> any;
      if (p.op == PredOp::StrLike) {
        need = prefilter::glob_runs(l.text, l.kinds);
      } else if (auto atoms = prefilter::regex_atoms(l.text, p.nocase)) {
        for (auto* list : {&atoms->single, &atoms->any}) {
          for (const std::string& a : *list) {
            GuardLit g;
            g.kind = GuardLit::Kind::Text;
            g.mode = Mode::Contains;
            g.text = a;
            (list == &atoms->single ? need : any).push_back(std::move(g));
          }
        }
      }
      for (GuardLit& g : need) {
        g.field = p.field;
      }
      for (GuardLit& g : any) {
        g.field = p.field;
      }
      needs.push_back(std::move(need));
      anys.push_back(std::move(any));
    }
    if (p.all || p.count == 1) {
      // Every pattern must match: any one needed literal will do.
      for (size_t k = 0; k < needs.size(); ++k) {
        for (GuardLit& g : needs[k]) {
          out.push_back({std::move(g)});
        }
        if (!anys[k].empty()) {
          out.push_back(std::move(anys[k]));
        }
      }
      return out;
    }
    // One pattern must match: one literal of each pattern, together.
    Option option;
    for (size_t k = 0; k < needs.size(); ++k) {
      if (!needs[k].empty()) {
        option.push_back(*std::min_element(
            needs[k].begin(), needs[k].end(),
            [](auto& a, auto& b) { return a.base_cost() < b.base_cost(); }));
      } else if (!anys[k].empty()) {
        option.insert(option.end(), anys[k].begin(), anys[k].end());
      } else {
        return {};
      }
    }
    out.push_back(std::move(option));
    return out;
  }
  case PredOp::IntIn:
    for (uint32_t k = 0; k < p.count; ++k) {
      GuardLit g;
      g.kind = GuardLit::Kind::Int;
      g.value = ints[p.first + k];
      found.push_back(std::move(g));
    }
    add(std::move(found));
    return out;
  case PredOp::IpIn:
  case PredOp::IpCidr:
    for (uint32_t k = 0; k < p.count; ++k) {
      GuardLit g;
      g.kind = GuardLit::Kind::Net;
      g.net = nets[p.first + k];
      if (p.op == PredOp::IpIn) {
        g.net.prefix = 128; // equality: the whole address
      }
      found.push_back(std::move(g));
    }
    add(std::move(found));
    return out;
  default:
    return {};
  }
}

// Each rule's guard: the cheapest of the clauses that must hold for it to
// fire whose predicates all give literals, each predicate taking its
// cheapest option. `never` marks rules whose code cannot return true.
void Matcher::Impl::choose_guards(std::vector<std::optional<Option>>& guards,
                                  std::vector<bool>& never) {
  std::span<const pack::RuleRecord> rules = pack.rules();
  // Per rule, what must hold for it to fire: clauses of predicates.
  std::vector<std::vector<Option>> pred_options(preds.size());
  std::vector<bool> pred_done(preds.size(), false);
  auto opts = [&](Lit l) -> const std::vector<Option>& {
    static const std::vector<Option> kNone;
    uint32_t i = l >> 1;
    if ((l & 1) != 0 || i >= preds.size()) {
      return kNone; // a negated test gives no literal
    }
    if (!pred_done[i]) {
      pred_options[i] = options_of(i);
      pred_done[i] = true;
    }
    return pred_options[i];
  };
  std::vector<std::vector<prefilter::Clause>> clauses(rules.size());
  std::map<std::string, size_t> shared; // literal key → rules offering it
  for (uint32_t ri = 0; ri < rules.size(); ++ri) {
    auto facts = prefilter::necessary(pack.code(), rules[ri].code_begin,
                                      rules[ri].code_end);
    if (!facts) {
      never[ri] = true;
      continue;
    }
    std::set<std::string> offered;
    for (prefilter::Clause& c : *facts) {
      bool usable = std::all_of(c.begin(), c.end(),
                                [&](Lit l) { return !opts(l).empty(); });
      if (!usable) {
        continue;
      }
      for (Lit l : c) {
        for (const Option& o : opts(l)) {
          for (const GuardLit& g : o) {
            offered.insert(g.key());
          }
        }
      }
      clauses[ri].push_back(std::move(c));
    }
    for (const std::string& k : offered) {
      ++shared[k];
    }
  }
  // The cheapest clause of each rule, with the cheapest option of each
  // of its predicates.
  auto cost = [&](const Option& o) {
    size_t c = 0;
    for (const GuardLit& g : o) {
      auto it = shared.find(g.key());
      size_t others = it == shared.end() ? 0 : it->second - 1;
      c += g.base_cost() + kShareCost * others;
    }
    return c;
  };
  for (uint32_t ri = 0; ri < rules.size(); ++ri) {
    size_t best_cost = 0;
    for (const prefilter::Clause& c : clauses[ri]) {
      Option guard;
      size_t total = 0;
      for (Lit l : c) {
        const std::vector<Option>& os = opts(l);
        auto best =
            std::min_element(os.begin(), os.end(), [&](auto& a, auto& b) {
              return cost(a) < cost(b);
            });
        total += cost(*best);
        guard.insert(guard.end(), best->begin(), best->end());
      }
      if (!guards[ri] || total < best_cost) {
        guards[ri] = std::move(guard);
        best_cost = total;
      }
    }
  }
}

void Matcher::Impl::build(MatcherStats& stats) {
  compile_preds();
  std::span<const pack::RuleRecord> rules = pack.rules();
  stats.rules = rules.size();
  std::vector<std::optional<Option>> guards(rules.size());
  std::vector<bool> never(rules.size(), false);
  if (options.prefilter) {
    choose_guards(guards, never);
  }
  for (uint32_t ri = 0; ri < rules.size(); ++ri) {
    stats.never += never[ri] ? 1 : 0;
    stats.guarded += guards[ri] ? 1 : 0;
    stats.always += !never[ri] && !guards[ri] ? 1 : 0;
  }
  index_rules(guards, never);

  memo.assign(preds.size(), 0);
  lower.resize(kFieldIdLimit);
  for (const Pred& p : preds) {
    if (p.nocase && p.op != PredOp::StrMatches && p.field < kFieldIdLimit) {
      lower[p.field].buf.reserve(256);
      lower[p.field].items.reserve(16);
    }
  }
  held.reserve(64);
}

void Matcher::Impl::index_rules(
    const std::vector<std::optional<Option>>& guards,
    const std::vector<bool>& never) {
  struct Pending {
    std::vector<std::pair<std::string_view, uint32_t>> exact;
    std::vector<std::pair<std::string, prefilter::LiteralIndex::Output>>
        literals;
    std::vector<std::pair<int64_t, uint32_t>> ints;
    std::vector<std::pair<IpNet, uint32_t>> nets;
  };
  std::span<const pack::RuleRecord> rules = pack.rules();
  size_t words = 0;
  for (unsigned k = 0; k < schema::kKindLimit; ++k) {
    KindIndex& ki = kinds[k];
    std::map<uint16_t, Pending> pending;
    for (uint32_t ri = 0; ri < rules.size(); ++ri) {
      if ((rules[ri].kinds & (1U << k)) == 0) {
        continue;
      }
      auto pos = uint32_t(ki.rules.size());
      ki.rules.push_back(ri);
      ki.always.resize((ki.rules.size() + 63) / 64, 0);
      if (never[ri]) {
        continue;
      }
      if (!guards[ri]) {
        ki.always[pos / 64] |= uint64_t{1} << (pos % 64);
        continue;
      }
      for (const GuardLit& g : *guards[ri]) {
        Pending& pf = pending[g.field];
        switch (g.kind) {
        case GuardLit::Kind::Hash:
          owned.push_back(g.text);
          pf.exact.emplace_back(owned.back(), pos);
          break;
        case GuardLit::Kind::Text:
          pf.literals.push_back({g.text, {pos, g.mode}});
          break;
        case GuardLit::Kind::Int:
          pf.ints.emplace_back(g.value, pos);
          break;
        case GuardLit::Kind::Net:
          pf.nets.emplace_back(g.net, pos);
          break;
        }
      }
    }
    for (auto& [field, pf] : pending) {
      FieldIndex fi;
      fi.field = field;
      fi.exact.build(std::move(pf.exact));
      fi.literals.build(pf.literals);
      fi.ints.build(std::move(pf.ints));
      fi.nets.build(pf.nets);
      ki.fields.push_back(std::move(fi));
    }
    words = std::max(words, ki.always.size());
  }
  cand.assign(words, 0);
}

// ----------------------------------------------------------- per event

std::string_view Matcher::Impl::lower_scalar(const Event& e, uint16_t field) {
  Lower& l = lower[field];
  if (l.stamp != gen) {
    l.stamp = gen;
    l.buf.clear();
    text::lower_into(e.get_string(field), l.buf);
  }
  return l.buf;
}

Matcher::Impl::Lower& Matcher::Impl::lower_list(const Event& e,
                                                uint16_t field) {
  Lower& l = lower[field];
  if (l.stamp != gen) {
    l.stamp = gen;
    l.buf.clear();
    l.items.clear();
    for (size_t i = 0, n = e.list_size(field); i < n; ++i) {
      auto off = uint32_t(l.buf.size());
      std::string_view item = e.list_item(field, i);
      text::lower_into(item, l.buf);
      l.items.emplace_back(off, uint32_t(item.size()));
    }
  }
  return l;
}

bool Matcher::Impl::str_one(const Pred& p, const StrLit& l,
                            std::string_view v) const {
  switch (p.op) {
  case PredOp::StrIn:
    return v == l.text;
  case PredOp::StrContains:
    return v.find(l.text) != std::string_view::npos;
  case PredOp::StrStarts:
    return v.starts_with(l.text);
  case PredOp::StrEnds:
    return v.ends_with(l.text);
  case PredOp::StrLike:
    return text::glob_match(l.text, l.kinds, v);
  case PredOp::StrMatches:
    return l.re != nullptr && RE2::PartialMatch(v, *l.re);
  default:
    return false;
  }
}

// Any literal (every one, with `all`) matches the one value `v`.
bool Matcher::Impl::str_value(const Pred& p, std::string_view v) {
  const StrLit* first = strs.data() + p.first;
  const StrLit* last = first + p.count;
  if (p.all) {
    return std::all_of(first, last,
                       [&](const StrLit& l) { return str_one(p, l, v); });
  }
  if (p.op == PredOp::StrIn) {
    const StrLit* it = std::lower_bound(
        first, last, v,
        [](const StrLit& l, std::string_view x) { return l.text < x; });
    return it != last && it->text == v;
  }
  return std::any_of(first, last,
                     [&](const StrLit& l) { return str_one(p, l, v); });
}

bool Matcher::Impl::eval(const Pred& p, const Event& e) {
  const uint16_t f = p.field;
  Event::Tag tag = e.tag(f);
  auto each_int = [&](auto test) {
    if (tag != Event::Tag::Int) {
      return false;
    }
    int64_t v = e.get_int(f);
    const int64_t* first = ints.data() + p.first;
    const int64_t* last = first + p.count;
    auto holds = [&](int64_t x) { return test(v, x); };
    return p.all ? std::all_of(first, last, holds)
                 : std::any_of(first, last, holds);
  };
  switch (p.op) {
  case PredOp::StrIn:
  case PredOp::StrContains:
  case PredOp::StrStarts:
  case PredOp::StrEnds:
  case PredOp::StrLike:
  case PredOp::StrMatches: {
    bool fold = p.nocase && p.op != PredOp::StrMatches;
    if (!p.list) {
      if (tag != Event::Tag::String) {
        return false;
      }
      return str_value(p, fold ? lower_scalar(e, f) : e.get_string(f));
    }
    if (tag != Event::Tag::List) {
      return false;
    }
    size_t n = e.list_size(f);
    const Lower* low = fold ? &lower_list(e, f) : nullptr;
    auto item = [&](size_t i) {
      if (low == nullptr) {
        return e.list_item(f, i);
      }
      auto [off, len] = low->items[i];
      return std::string_view(low->buf).substr(off, len);
    };
    if (!p.all) {
      for (size_t i = 0; i < n; ++i) {
        if (str_value(p, item(i))) {
          return true;
        }
      }
      return false;
    }
    // Every literal is matched by some element.
    for (uint32_t k = 0; k < p.count; ++k) {
      const StrLit& l = strs[p.first + k];
      bool found = false;
      for (size_t i = 0; i < n && !found; ++i) {
        found = str_one(p, l, item(i));
      }
      if (!found) {
        return false;
      }
    }
    return true;
  }
  case PredOp::IntIn:
    if (!p.all && tag == Event::Tag::Int) {
      return std::binary_search(ints.data() + p.first,
                                ints.data() + p.first + p.count, e.get_int(f));
    }
    return each_int([](int64_t v, int64_t x) { return v == x; });
  case PredOp::IntLt:
    return each_int([](int64_t v, int64_t x) { return v < x; });
  case PredOp::IntLe:
    return each_int([](int64_t v, int64_t x) { return v <= x; });
  case PredOp::IntGt:
    return each_int([](int64_t v, int64_t x) { return v > x; });
  case PredOp::IntGe:
    return each_int([](int64_t v, int64_t x) { return v >= x; });
  case PredOp::FlagsAny:
    return each_int(
        [](int64_t v, int64_t m) { return (uint64_t(v) & uint64_t(m)) != 0; });
  case PredOp::FlagsAll:
    return each_int([](int64_t v, int64_t m) {
      return (uint64_t(v) & uint64_t(m)) == uint64_t(m);
    });
  case PredOp::IpIn:
  case PredOp::IpCidr: {
    if (tag != Event::Tag::Ip) {
      return false;
    }
    IpAddr a = e.get_ip(f);
    auto test = [&](const IpNet& n) {
      return p.op == PredOp::IpIn ? n.addr == a : n.contains(a);
    };
    const IpNet* first = nets.data() + p.first;
    const IpNet* last = first + p.count;
    return p.all ? std::all_of(first, last, test)
                 : std::any_of(first, last, test);
  }
  }
  return false;
}

bool Matcher::Impl::pred(uint32_t i, const Event& e) {
  uint32_t m = memo[i];
  if (m >> 1 == gen) {
    return (m & 1) != 0;
  }
  bool v = eval(preds[i], e);
  memo[i] = gen << 1 | (v ? 1 : 0);
  return v;
}

bool Matcher::Impl::run(uint32_t pc, const Event& e) {
  const Instr* code = pack.code().data();
  bool acc = false;
  for (;;) {
    const Instr& in = code[pc];
    switch (Opcode(in.op)) {
    case Opcode::Pred:
      acc = pred(in.arg, e);
      ++pc;
      break;
    case Opcode::Const:
      acc = in.arg != 0;
      ++pc;
      break;
    case Opcode::Not:
      acc = !acc;
      ++pc;
      break;
    case Opcode::JumpIfFalse:
      pc = acc ? pc + 1 : in.arg;
      break;
    case Opcode::JumpIfTrue:
      pc = acc ? in.arg : pc + 1;
      break;
    case Opcode::Ret:
      return acc;
    default:
      return false; // the pack reader refuses other opcodes
    }
  }
}

void Matcher::Impl::probe_string(const FieldIndex& fi, std::string_view v) {
  if (!fi.exact.empty()) {
    for (uint32_t pos : fi.exact.find(v)) {
      mark(pos);
    }
  }
  if (!fi.literals.empty()) {
    fi.literals.scan(v, [this](uint32_t pos) { mark(pos); });
  }
}

void Matcher::Impl::probe(const FieldIndex& fi, const Event& e) {
  switch (e.tag(fi.field)) {
  case Event::Tag::None:
    return;
  case Event::Tag::String:
    probe_string(fi, e.get_string(fi.field));
    return;
  case Event::Tag::List:
    for (size_t i = 0, n = e.list_size(fi.field); i < n; ++i) {
      probe_string(fi, e.list_item(fi.field, i));
    }
    return;
  case Event::Tag::Int:
    if (!fi.ints.empty()) {
      fi.ints.find(e.get_int(fi.field), [this](uint32_t pos) { mark(pos); });
    }
    return;
  case Event::Tag::Ip:
    if (!fi.nets.empty()) {
      fi.nets.find(e.get_ip(fi.field), [this](uint32_t pos) { mark(pos); });
    }
    return;
  }
}

// A new generation makes every memo and lower-cased field stale.
void Matcher::Impl::next_generation() {
  if (++gen >= (1U << 31)) {
    gen = 1;
    std::fill(memo.begin(), memo.end(), 0);
    for (Lower& l : lower) {
      l.stamp = 0;
    }
  }
}

bool Matcher::Impl::match(const Event& e, std::vector<Match>& out) {
  next_generation();
  held.clear();
  auto k = unsigned(e.kind());
  if (k >= schema::kKindLimit) {
    return true;
  }
  const KindIndex& ki = kinds[k];
  if (ki.rules.empty()) {
    return true;
  }
  const size_t words = ki.always.size();
  std::copy(ki.always.begin(), ki.always.end(), cand.begin());
  for (const FieldIndex& fi : ki.fields) {
    probe(fi, e);
  }
  std::span<const pack::RuleRecord> rules = pack.rules();
  for (size_t w = 0; w < words; ++w) {
    for (uint64_t bits = cand[w]; bits != 0; bits &= bits - 1) {
      size_t pos = w * 64 + size_t(std::countr_zero(bits));
      uint32_t ri = ki.rules[pos];
      const pack::RuleRecord& r = rules[ri];
      ++runs;
      if (!run(r.code_begin, e)) {
        continue;
      }
      Match m{ri, uint32_t(held.size()), 0};
      for (uint32_t s = 0; s < r.sels_count; ++s) {
        if (run(pack.selections()[r.sels_first + s].code_begin, e)) {
          held.push_back(s);
          ++m.held_count;
        }
      }
      out.push_back(m);
    }
  }
  return true;
}

// ------------------------------------------------------------ Matcher

Matcher::Matcher(const pack::Pack& pack, MatcherOptions options)
    : pack_(pack), impl_(std::make_unique<Impl>(pack, options)) {
  impl_->build(stats_);
}

Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;

bool Matcher::match(const Event& event, std::vector<Match>& out) noexcept {
  try {
    return impl_->match(event, out);
  } catch (const std::bad_alloc&) {
    return false;
  }
}

bool Matcher::evaluate(const Event& event, uint32_t rule,
                       std::vector<uint32_t>& held) {
  held.clear();
  if (rule >= pack_.rules().size()) {
    return false;
  }
  impl_->next_generation();
  const pack::RuleRecord& r = pack_.rules()[rule];
  for (uint32_t s = 0; s < r.sels_count; ++s) {
    if (impl_->run(pack_.selections()[r.sels_first + s].code_begin, event)) {
      held.push_back(s);
    }
  }
  return impl_->run(r.code_begin, event);
}

std::span<const uint32_t> Matcher::selections(const Match& m) const {
  const std::vector<uint32_t>& held = impl_->held;
  if (m.held_first > held.size() || m.held_count > held.size() - m.held_first) {
    return {};
  }
  return {held.data() + m.held_first, m.held_count};
}

uint64_t Matcher::rules_run() const {
  return impl_->runs;
}

} // namespace sg::match
