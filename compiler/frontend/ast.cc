#include "compiler/frontend/ast.h"

#include "compiler/frontend/printer.h"

namespace sg::ast {

std::string_view op_text(Op op) {
  switch (op) {
  case Op::Eq:
    return "==";
  case Op::Lt:
    return "<";
  case Op::Le:
    return "<=";
  case Op::Gt:
    return ">";
  case Op::Ge:
    return ">=";
  case Op::In:
    return "in";
  case Op::Contains:
    return "contains";
  case Op::StartsWith:
    return "startswith";
  case Op::EndsWith:
    return "endswith";
  case Op::Like:
    return "like";
  case Op::Matches:
    return "matches";
  case Op::Cidr:
    return "cidr";
  case Op::Has:
    return "has";
  }
  return "?";
}

namespace {

std::string expr_sexp(const Expr& e) {
  switch (e.kind) {
  case Expr::Kind::And:
  case Expr::Kind::Or:
  case Expr::Kind::Not: {
    std::string out = e.kind == Expr::Kind::And  ? "(and"
                      : e.kind == Expr::Kind::Or ? "(or"
                                                 : "(not";
    for (const Expr& op : e.operands) {
      out += " " + expr_sexp(op);
    }
    return out + ")";
  }
  case Expr::Kind::Ref:
    return "(ref " + e.name + ")";
  case Expr::Kind::Quantifier:
  case Expr::Kind::Test:
    return "(" + print_expr(e) + ")";
  }
  return "";
}

std::string item_sexp(std::string_view key, const std::optional<Item>& it) {
  if (!it) {
    return "";
  }
  std::string out = "\n  (" + std::string(key);
  for (const std::string& v : it->values) {
    out += " " + quote(v);
  }
  return out + ")";
}

struct Dumper {
  std::string out;

  void operator()(const Import& x) { out += "(import " + quote(x.path) + ")"; }
  void operator()(const List& x) {
    out += "(list " + x.name + " " + print_value(x.items) + ")";
  }
  void operator()(const Macro& x) {
    out += "(macro " + x.name + " " + expr_sexp(x.body) + ")";
  }
  void operator()(const Rule& x) {
    out += "(rule " + x.name;
    out += item_sexp("id", x.id) + item_sexp("title", x.title) +
           item_sexp("description", x.description) +
           item_sexp("author", x.author) + item_sexp("level", x.level) +
           item_sexp("status", x.status) + item_sexp("tags", x.tags) +
           item_sexp("references", x.references) +
           item_sexp("falsepositives", x.falsepositives) +
           item_sexp("allow", x.allow) + item_sexp("event", x.events) +
           item_sexp("output", x.output);
    for (const Selection& s : x.selections) {
      out += "\n  (select " + s.name;
      for (const Test& t : s.tests) {
        out += " (" +
               print_expr(Expr{Expr::Kind::Test, {}, {}, t, false, {}, {}}) +
               ")";
      }
      out += ")";
    }
    if (x.condition) {
      out += "\n  (condition " + expr_sexp(x.condition->expr) + ")";
    }
    for (const RuleTest& t : x.tests) {
      out += std::string("\n  (test ") + (t.match ? "match " : "nomatch ") +
             quote(t.label);
      for (const Assign& a : t.fields) {
        out += " (" + a.field + " " + print_value(a.value) + ")";
      }
      out += ")";
    }
    out += ")";
  }
  void operator()(const Exception& x) {
    out += "(exception " + x.name + item_sexp("rule", x.rule) +
           item_sexp("tag", x.tag) + item_sexp("reason", x.reason) +
           item_sexp("expires", x.expires);
    if (x.when) {
      out += "\n  (when " + expr_sexp(x.when->expr) + ")";
    }
    out += ")";
  }
  void operator()(const Override& x) {
    out += "(override " + x.rule + item_sexp("disable", x.disable) +
           item_sexp("level", x.level) + ")";
  }
};

} // namespace

std::string dump(const File& file) {
  Dumper d;
  for (const Decl& decl : file.decls) {
    std::visit(d, decl);
    d.out += "\n";
  }
  return d.out;
}

} // namespace sg::ast
