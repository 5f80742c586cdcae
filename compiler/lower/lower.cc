#include "compiler/lower/lower.h"

#include <algorithm>
#include <map>
#include <set>

#include "compiler/frontend/printer.h"

namespace sg {
namespace {

using ir::Node;
using ir::NodeId;
using ir::Predicate;
using ir::PredOp;
using schema::Type;

std::string lower_ascii(std::string s) {
  for (char& c : s) {
    c = char(std::tolower(uint8_t(c)));
  }
  return s;
}

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// How a `like` pattern simplifies: an exact string, a prefix, a suffix, a
// substring, or a real glob.
struct GlobShape {
  PredOp op;
  std::string literal; // unescaped, for all but StrLike
};

GlobShape glob_shape(const std::string& pattern) {
  std::string literal;
  std::vector<size_t> stars; // positions in `literal` of unescaped '*'
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      literal += pattern[++i];
    } else if (c == '?') {
      return {PredOp::StrLike, pattern};
    } else if (c == '*') {
      stars.push_back(literal.size());
    } else {
      literal += c;
    }
  }
  size_t n = literal.size();
  if (stars.empty()) {
    return {PredOp::StrIn, literal};
  }
  bool lead = stars.front() == 0;
  bool trail = stars.back() == n;
  bool inner = std::any_of(stars.begin(), stars.end(),
                           [&](size_t s) { return s != 0 && s != n; });
  if (inner) {
    return {PredOp::StrLike, pattern};
  }
  if (lead && trail) {
    return {PredOp::StrContains, literal};
  }
  return {lead ? PredOp::StrEnds : PredOp::StrStarts, literal};
}

class Lowerer {
public:
  Lowerer(const Program& p, const Model& m) : program_(p), model_(m) {}

  ir::Module run();

private:
  NodeId node(Node n);
  NodeId constant(bool v) {
    return node({v ? Node::Kind::True : Node::Kind::False});
  }
  NodeId pred(Predicate p) {
    auto [it, fresh] = preds_.emplace(p, uint32_t(module_.preds.size()));
    if (fresh) {
      module_.preds.push_back(std::move(p));
    }
    return node({Node::Kind::Pred, it->second, {}});
  }
  NodeId all_of(const std::vector<NodeId>& kids);
  NodeId any_of(const std::vector<NodeId>& kids);
  NodeId negate(NodeId kid);

  void flatten(const ast::Value& v, const schema::Field& f,
               std::vector<const ast::Value*>& out,
               std::set<std::string>& expanded);
  NodeId test(const ast::Test& t);
  NodeId string_test(const ast::Test& t, const schema::Field& f,
                     const std::vector<const ast::Value*>& values);
  NodeId expr(const ast::Expr& e, const ast::Rule* rule);
  void rule(const RuleInfo& info);

  const Program& program_;
  const Model& model_;
  ir::Module module_;
  std::map<Predicate, uint32_t> preds_;
  std::map<Node, NodeId> nodes_;
  std::map<std::string, NodeId> macros_;     // of the rule being lowered
  std::map<std::string, NodeId> selections_; // of the rule being lowered
  ir::Rule* current_ = nullptr;

  ir::Origin origin(const SourceRange& r) const {
    return {program_.sources.file(r.file).path, r.line, r.col};
  }
  NodeId noted(NodeId n, const SourceRange& r) {
    current_->origins.emplace(n, origin(r));
    return n;
  }
};

NodeId Lowerer::node(Node n) {
  auto [it, fresh] = nodes_.emplace(n, NodeId(module_.nodes.size()));
  if (fresh) {
    module_.nodes.push_back(std::move(n));
  }
  return it->second;
}

// and: nested ands are flattened, true dropped, repeats removed; false
// absorbs everything.
NodeId Lowerer::all_of(const std::vector<NodeId>& kids) {
  std::vector<NodeId> flat;
  for (NodeId k : kids) {
    const Node& n = module_.nodes[k];
    if (n.kind == Node::Kind::False) {
      return k;
    }
    if (n.kind == Node::Kind::True) {
      continue;
    }
    std::vector<NodeId> parts =
        n.kind == Node::Kind::And ? n.kids : std::vector<NodeId>{k};
    for (NodeId p : parts) {
      if (std::find(flat.begin(), flat.end(), p) == flat.end()) {
        flat.push_back(p);
      }
    }
  }
  if (flat.empty()) {
    return constant(true);
  }
  return flat.size() == 1 ? flat[0] : node({Node::Kind::And, 0, flat});
}

NodeId Lowerer::any_of(const std::vector<NodeId>& kids) {
  std::vector<NodeId> flat;
  for (NodeId k : kids) {
    const Node& n = module_.nodes[k];
    if (n.kind == Node::Kind::True) {
      return k;
    }
    if (n.kind == Node::Kind::False) {
      continue;
    }
    std::vector<NodeId> parts =
        n.kind == Node::Kind::Or ? n.kids : std::vector<NodeId>{k};
    for (NodeId p : parts) {
      if (std::find(flat.begin(), flat.end(), p) == flat.end()) {
        flat.push_back(p);
      }
    }
  }
  if (flat.empty()) {
    return constant(false);
  }
  return flat.size() == 1 ? flat[0] : node({Node::Kind::Or, 0, flat});
}

NodeId Lowerer::negate(NodeId kid) {
  const Node& n = module_.nodes[kid];
  switch (n.kind) {
  case Node::Kind::True:
    return constant(false);
  case Node::Kind::False:
    return constant(true);
  case Node::Kind::Not:
    return n.kids[0];
  default:
    return node({Node::Kind::Not, 0, {kid}});
  }
}

// The literal values of `v`: list literals and named lists are expanded,
// each named list once (so lists naming each other cannot blow up), and a
// name of the field's own symbols stays a symbol, as the checker reads it.
void Lowerer::flatten(const ast::Value& v, const schema::Field& f,
                      std::vector<const ast::Value*>& out,
                      std::set<std::string>& expanded) {
  if (v.kind == ast::Value::Kind::List) {
    for (const ast::Value& item : v.items) {
      flatten(item, f, out, expanded);
    }
    return;
  }
  bool symbol = f.symbols != nullptr && schema::find_symbol(*f.symbols, v.text);
  if (v.kind == ast::Value::Kind::Name && !symbol) {
    if (auto it = model_.lists.find(v.text); it != model_.lists.end()) {
      if (expanded.insert(v.text).second) {
        flatten(it->second->items, f, out, expanded);
      }
      return;
    }
  }
  out.push_back(&v);
}

NodeId Lowerer::string_test(const ast::Test& t, const schema::Field& f,
                            const std::vector<const ast::Value*>& values) {
  // Each value becomes (operation, literal); values of one operation share
  // a predicate. `like` patterns that are really prefixes, suffixes or
  // substrings become those, so they share with other tests and can reach
  // the kernel filter.
  std::map<PredOp, std::vector<std::string>> groups;
  for (const ast::Value* v : values) {
    PredOp op = PredOp::StrIn;
    std::string literal = v->text;
    switch (t.op) {
    case ast::Op::Contains:
      op = PredOp::StrContains;
      break;
    case ast::Op::StartsWith:
      op = PredOp::StrStarts;
      break;
    case ast::Op::EndsWith:
      op = PredOp::StrEnds;
      break;
    case ast::Op::Matches:
      op = PredOp::StrMatches;
      break;
    case ast::Op::Like: {
      GlobShape g = glob_shape(v->text);
      op = g.op;
      literal = g.literal;
      break;
    }
    default:
      break;
    }
    if (t.nocase && op != PredOp::StrMatches) {
      literal = lower_ascii(literal);
    }
    groups[op].push_back(literal);
  }
  std::vector<NodeId> parts;
  for (auto& [op, literals] : groups) {
    Predicate p;
    p.field = f.id;
    p.op = op;
    p.nocase = t.nocase;
    p.strings = std::move(literals);
    sort_unique(p.strings);
    // `all` over several literals needs one predicate; over one literal it
    // is the same as any.
    p.all = t.all && p.strings.size() > 1;
    if (p.all && schema::is_list(f.type)) {
      // Every literal matched by some element: one predicate a literal.
      for (const std::string& s : p.strings) {
        Predicate one = p;
        one.all = false;
        one.strings = {s};
        parts.push_back(pred(std::move(one)));
      }
      continue;
    }
    parts.push_back(pred(std::move(p)));
  }
  return t.all ? all_of(parts) : any_of(parts);
}

NodeId Lowerer::test(const ast::Test& t) {
  const schema::Field& f = *schema::find_field(t.field);
  std::vector<const ast::Value*> values;
  std::set<std::string> expanded;
  flatten(t.value, f, values, expanded);
  if (values.empty()) {
    return constant(t.all); // any of nothing is false; all of nothing true
  }
  if (schema::is_string_like(f.type)) {
    return string_test(t, f, values);
  }
  Predicate p;
  p.field = f.id;
  switch (f.type) {
  case Type::Int:
  case Type::Bool:
  case Type::Enum:
    p.op = t.op == ast::Op::Lt   ? PredOp::IntLt
           : t.op == ast::Op::Le ? PredOp::IntLe
           : t.op == ast::Op::Gt ? PredOp::IntGt
           : t.op == ast::Op::Ge ? PredOp::IntGe
                                 : PredOp::IntIn;
    for (const ast::Value* v : values) {
      p.ints.push_back(
          f.type == Type::Int ? v->number
          : f.type == Type::Bool
              ? int64_t(v->boolean)
              : int64_t(schema::find_symbol(*f.symbols, v->text)->value));
    }
    break;
  case Type::Flags: {
    p.op = t.all ? PredOp::FlagsAll : PredOp::FlagsAny;
    uint64_t mask = 0;
    for (const ast::Value* v : values) {
      mask |= schema::find_symbol(*f.symbols, v->text)->value;
    }
    p.ints = {int64_t(mask)};
    break;
  }
  case Type::Ip:
    p.op = t.op == ast::Op::Cidr ? PredOp::IpCidr : PredOp::IpIn;
    for (const ast::Value* v : values) {
      auto ip =
          p.op == PredOp::IpCidr ? parse_cidr(v->text) : parse_ip(v->text);
      p.nets.push_back(*ip);
    }
    break;
  default:
    break;
  }
  sort_unique(p.ints);
  sort_unique(p.nets);
  return pred(std::move(p));
}

NodeId Lowerer::expr(const ast::Expr& e, const ast::Rule* rule) {
  std::vector<NodeId> kids;
  switch (e.kind) {
  case ast::Expr::Kind::And:
  case ast::Expr::Kind::Or:
    for (const ast::Expr& op : e.operands) {
      kids.push_back(expr(op, rule));
    }
    return e.kind == ast::Expr::Kind::And ? all_of(kids) : any_of(kids);
  case ast::Expr::Kind::Not:
    return negate(expr(e.operands[0], rule));
  case ast::Expr::Kind::Test:
    return noted(test(e.test), e.range);
  case ast::Expr::Kind::Quantifier:
    for (const ast::Selection& s : rule->selections) {
      bool hit =
          e.target == ast::Expr::Target::Them ||
          (e.target == ast::Expr::Target::Pattern ? s.name.rfind(e.name, 0) == 0
                                                  : s.name == e.name);
      if (hit) {
        kids.push_back(selections_.at(s.name));
      }
    }
    return e.quant_all ? all_of(kids) : any_of(kids);
  case ast::Expr::Kind::Ref:
    break;
  }
  if (rule != nullptr) {
    if (auto it = selections_.find(e.name); it != selections_.end()) {
      return it->second;
    }
  }
  if (auto it = macros_.find(e.name); it != macros_.end()) {
    return noted(it->second, e.range);
  }
  NodeId n = expr(model_.macros.at(e.name)->body, nullptr);
  macros_.emplace(e.name, n);
  return noted(n, e.range);
}

void Lowerer::rule(const RuleInfo& info) {
  const ast::Rule& r = *info.rule;
  ir::Rule out;
  std::string level = r.level->value();
  for (const ast::Override* o : info.overrides) {
    if (o->disable) {
      return;
    }
    if (o->level) {
      level = o->level->value();
    }
  }
  for (ir::Level l :
       {ir::Level::Informational, ir::Level::Low, ir::Level::Medium,
        ir::Level::High, ir::Level::Critical}) {
    if (ir::level_name(l) == level) {
      out.level = l;
    }
  }
  out.name = r.name;
  out.id = r.id->value();
  out.title = r.title->value();
  out.tags = r.tags ? r.tags->values : std::vector<std::string>{};
  out.output = r.output ? r.output->value() : r.title->value();
  out.kinds = info.kinds;
  out.origin = origin(r.name_range);
  current_ = &out;

  // Macros are lowered again for each rule (equal nodes are shared all the
  // same) so each rule's code locates a macro's tests in the macro's body.
  selections_.clear();
  macros_.clear();
  for (const ast::Selection& s : r.selections) {
    std::vector<NodeId> tests;
    for (const ast::Test& t : s.tests) {
      tests.push_back(noted(test(t), t.range));
    }
    NodeId n = noted(all_of(tests), s.name_range);
    selections_.emplace(s.name, n);
    out.selections.push_back({s.name, n});
  }
  std::vector<NodeId> root{
      noted(expr(r.condition->expr, &r), r.condition->expr.range)};
  for (const ast::Exception* e : info.exceptions) {
    NodeId when = noted(expr(e->when->expr, nullptr), e->when->expr.range);
    root.push_back(noted(negate(when), e->name_range));
    out.exceptions.push_back(e->name);
  }
  out.root = all_of(root);
  module_.rules.push_back(std::move(out));
}

ir::Module Lowerer::run() {
  std::vector<const RuleInfo*> rules;
  for (auto& [name, info] : model_.rules) {
    rules.push_back(&info);
  }
  std::sort(rules.begin(), rules.end(), [](auto* a, auto* b) {
    return a->rule->id->value() < b->rule->id->value();
  });
  for (const RuleInfo* info : rules) {
    rule(*info);
  }
  return std::move(module_);
}

std::string pred_text(const Predicate& p) {
  std::string out = std::string(schema::field_by_id(p.field)->name) + " " +
                    std::string(ir::pred_op_name(p.op));
  out += p.nocase ? " nocase" : "";
  out += p.all ? " all" : "";
  std::string values;
  for (const std::string& s : p.strings) {
    values += (values.empty() ? "" : ", ") + quote(s);
  }
  for (int64_t i : p.ints) {
    values += (values.empty() ? "" : ", ") + std::to_string(i);
  }
  for (const IpNet& n : p.nets) {
    values += (values.empty() ? "" : ", ") + format_ip(n);
  }
  return out + " [" + values + "]";
}

} // namespace

std::string_view ir::pred_op_name(PredOp op) {
  switch (op) {
  case PredOp::StrIn:
    return "str_in";
  case PredOp::StrContains:
    return "str_contains";
  case PredOp::StrStarts:
    return "str_starts";
  case PredOp::StrEnds:
    return "str_ends";
  case PredOp::StrLike:
    return "str_like";
  case PredOp::StrMatches:
    return "str_matches";
  case PredOp::IntIn:
    return "int_in";
  case PredOp::IntLt:
    return "int_lt";
  case PredOp::IntLe:
    return "int_le";
  case PredOp::IntGt:
    return "int_gt";
  case PredOp::IntGe:
    return "int_ge";
  case PredOp::IpIn:
    return "ip_in";
  case PredOp::IpCidr:
    return "ip_cidr";
  case PredOp::FlagsAny:
    return "flags_any";
  case PredOp::FlagsAll:
    return "flags_all";
  }
  return "?";
}

std::string_view ir::level_name(Level l) {
  switch (l) {
  case Level::Informational:
    return "informational";
  case Level::Low:
    return "low";
  case Level::Medium:
    return "medium";
  case Level::High:
    return "high";
  case Level::Critical:
    return "critical";
  }
  return "?";
}

ir::Module lower_program(const Program& program, const Model& model) {
  return Lowerer(program, model).run();
}

std::string dump_module(const ir::Module& m) {
  std::string out;
  for (size_t i = 0; i < m.preds.size(); ++i) {
    out += "pred " + std::to_string(i) + ": " + pred_text(m.preds[i]) + "\n";
  }
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    out += "node " + std::to_string(i) + ": ";
    switch (n.kind) {
    case Node::Kind::False:
      out += "false";
      break;
    case Node::Kind::True:
      out += "true";
      break;
    case Node::Kind::Pred:
      out += "pred " + std::to_string(n.pred);
      break;
    case Node::Kind::And:
      out += "and";
      break;
    case Node::Kind::Or:
      out += "or";
      break;
    case Node::Kind::Not:
      out += "not";
      break;
    }
    for (NodeId k : n.kids) {
      out += " " + std::to_string(k);
    }
    out += "\n";
  }
  for (const ir::Rule& r : m.rules) {
    out += "rule " + r.id + " " + r.name +
           " level=" + std::string(ir::level_name(r.level)) +
           " root=" + std::to_string(r.root) + "\n";
    for (const ir::Selection& s : r.selections) {
      out += "  select " + s.name + " = " + std::to_string(s.node) + "\n";
    }
  }
  return out;
}

} // namespace sg
