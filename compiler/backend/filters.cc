#include "compiler/backend/filters.h"

#include <algorithm>
#include <optional>

namespace sg {
namespace {

using ir::Node;
using ir::PredOp;
using pack::AtomKind;

// The fields the sensors can test, and the atom each operation becomes.
std::optional<AtomKind> atom_for(uint16_t field, PredOp op) {
  using F = schema::Field;
  const F* path = schema::find_field("file.path");
  const F* name = schema::find_field("file.name");
  const F* exe = schema::find_field("proc.exe");
  const F* comm = schema::find_field("proc.name");
  if (field == path->id) {
    switch (op) {
    case PredOp::StrIn:
      return AtomKind::PathExact;
    case PredOp::StrStarts:
      return AtomKind::PathPrefix;
    case PredOp::StrEnds:
      return AtomKind::PathSuffix;
    case PredOp::StrLike:
      return AtomKind::PathPrefix;
    default:
      return std::nullopt;
    }
  }
  if (field == exe->id) {
    switch (op) {
    case PredOp::StrIn:
      return AtomKind::ExeExact;
    case PredOp::StrStarts:
    case PredOp::StrLike:
      return AtomKind::ExePrefix;
    default:
      return std::nullopt;
    }
  }
  if (field == name->id && op == PredOp::StrIn) {
    return AtomKind::PathName;
  }
  if (field == comm->id && op == PredOp::StrIn) {
    return AtomKind::Comm;
  }
  return std::nullopt;
}

// The literal text of a glob before its first wildcard.
std::string glob_prefix(const std::string& pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*' || c == '?') {
      break;
    }
    if (c == '\\' && i + 1 < pattern.size()) {
      c = pattern[++i];
    }
    out += c;
  }
  return out;
}

// The operator as a rule author writes it.
std::string_view op_words(PredOp op) {
  switch (op) {
  case PredOp::StrIn:
  case PredOp::IntIn:
  case PredOp::IpIn:
    return "==";
  case PredOp::StrContains:
    return "contains";
  case PredOp::StrStarts:
    return "startswith";
  case PredOp::StrEnds:
    return "endswith";
  case PredOp::StrLike:
    return "like";
  case PredOp::StrMatches:
    return "matches";
  case PredOp::IntLt:
    return "<";
  case PredOp::IntLe:
    return "<=";
  case PredOp::IntGt:
    return ">";
  case PredOp::IntGe:
    return ">=";
  case PredOp::IpCidr:
    return "cidr";
  case PredOp::FlagsAny:
  case PredOp::FlagsAll:
    return "has";
  }
  return "?";
}

RuleFilter pass_all(std::string reason) {
  return {true, {}, std::move(reason)};
}

class Deriver {
public:
  explicit Deriver(const ir::Module& m) : m_(m) {}

  RuleFilter node(ir::NodeId id) const;

private:
  RuleFilter pred(const ir::Predicate& p) const;

  const ir::Module& m_;
};

RuleFilter Deriver::pred(const ir::Predicate& p) const {
  std::string field(schema::field_by_id(p.field)->name);
  std::optional<AtomKind> kind = atom_for(p.field, p.op);
  if (!kind) {
    return pass_all("the kernel cannot test '" + field + " " +
                    std::string(op_words(p.op)) + "'");
  }
  if (p.nocase) {
    return pass_all("the test on '" + field +
                    "' ignores case, which the kernel cannot");
  }
  std::vector<std::string> literals = p.strings;
  if (p.op == PredOp::StrLike) {
    for (std::string& s : literals) {
      s = glob_prefix(s);
      if (s.empty()) {
        return pass_all("the pattern on '" + field +
                        "' starts with a wildcard");
      }
    }
  }
  if (p.all && !literals.empty()) {
    // Every literal must hold, so any one of them is necessary: keep the
    // longest, the most selective.
    auto longest =
        std::max_element(literals.begin(), literals.end(),
                         [](auto& a, auto& b) { return a.size() < b.size(); });
    literals = {*longest};
  }
  RuleFilter f;
  for (const std::string& s : literals) {
    bool prefix = *kind == AtomKind::PathPrefix || *kind == AtomKind::ExePrefix;
    if (prefix && s.size() <= 1) {
      return pass_all("the prefix '" + s + "' of '" + field +
                      "' matches every path");
    }
    f.atoms.push_back({*kind, s});
  }
  std::sort(f.atoms.begin(), f.atoms.end());
  f.atoms.erase(std::unique(f.atoms.begin(), f.atoms.end()), f.atoms.end());
  return f;
}

// Lower is better: exact atoms cost one lookup, others a scan.
size_t cost(const RuleFilter& f) {
  size_t c = 0;
  for (const Atom& a : f.atoms) {
    bool exact = a.kind == AtomKind::PathExact ||
                 a.kind == AtomKind::ExeExact || a.kind == AtomKind::Comm ||
                 a.kind == AtomKind::PathName;
    c += exact ? 1 : 2;
  }
  return c;
}

RuleFilter Deriver::node(ir::NodeId id) const {
  const Node& n = m_.nodes[id];
  switch (n.kind) {
  case Node::Kind::False:
    return {};
  case Node::Kind::True:
    return pass_all("the condition is always true");
  case Node::Kind::Pred:
    return pred(m_.preds[n.pred]);
  case Node::Kind::Not:
    return pass_all("a negated test cannot narrow the kernel filter");
  case Node::Kind::And: {
    // Any part of a conjunction is necessary: keep the cheapest part the
    // kernel can test.
    std::optional<RuleFilter> best;
    std::string reason;
    for (ir::NodeId k : n.kids) {
      RuleFilter f = node(k);
      if (f.pass_all) {
        reason = reason.empty() ? f.reason : reason;
      } else if (!best || cost(f) < cost(*best)) {
        best = std::move(f);
      }
    }
    return best ? *best : pass_all(reason);
  }
  case Node::Kind::Or: {
    RuleFilter out;
    for (ir::NodeId k : n.kids) {
      RuleFilter f = node(k);
      if (f.pass_all) {
        return f;
      }
      out.atoms.insert(out.atoms.end(), f.atoms.begin(), f.atoms.end());
    }
    std::sort(out.atoms.begin(), out.atoms.end());
    out.atoms.erase(std::unique(out.atoms.begin(), out.atoms.end()),
                    out.atoms.end());
    return out;
  }
  }
  return pass_all("unknown node");
}

} // namespace

std::string_view atom_kind_name(pack::AtomKind k) {
  switch (k) {
  case AtomKind::PathExact:
    return "path";
  case AtomKind::PathPrefix:
    return "path-prefix";
  case AtomKind::PathSuffix:
    return "path-suffix";
  case AtomKind::PathName:
    return "file-name";
  case AtomKind::Comm:
    return "comm";
  case AtomKind::ExeExact:
    return "exe";
  case AtomKind::ExePrefix:
    return "exe-prefix";
  }
  return "?";
}

FilterPlan derive_filters(const ir::Module& m) {
  FilterPlan plan;
  Deriver d(m);
  for (const ir::Rule& r : m.rules) {
    plan.rules.push_back(d.node(r.root));
  }
  for (const schema::KindInfo& k : schema::kinds()) {
    KindFilter kf{k.kind, false, {}, {}};
    bool any = false;
    for (size_t i = 0; i < m.rules.size(); ++i) {
      if ((m.rules[i].kinds & schema::kind_bit(k.kind)) == 0) {
        continue;
      }
      any = true;
      const RuleFilter& rf = plan.rules[i];
      if (rf.pass_all) {
        kf.pass_all = true;
        kf.forcing_rules.push_back(i);
      }
      kf.atoms.insert(kf.atoms.end(), rf.atoms.begin(), rf.atoms.end());
    }
    if (!any) {
      continue;
    }
    if (kf.pass_all) {
      kf.atoms.clear();
    }
    std::sort(kf.atoms.begin(), kf.atoms.end());
    kf.atoms.erase(std::unique(kf.atoms.begin(), kf.atoms.end()),
                   kf.atoms.end());
    plan.kinds.push_back(std::move(kf));
  }
  return plan;
}

} // namespace sg
