#include "compiler/sema/lint.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "compiler/frontend/printer.h"

namespace sg {
namespace {

bool quantifier_matches(const ast::Expr& q, const std::string& selection) {
  switch (q.target) {
  case ast::Expr::Target::Them:
    return true;
  case ast::Expr::Target::Pattern:
    return selection.rfind(q.name, 0) == 0;
  case ast::Expr::Target::Name:
    return selection == q.name;
  }
  return false;
}

// What a quantifier ranges over, as a key: `1 of x*` and `all of x*` range
// over the same selections.
std::string target_key(const ast::Expr& q) {
  return std::to_string(int(q.target)) + ":" + q.name;
}

void walk(const ast::Expr& e, const std::function<void(const ast::Expr&)>& f) {
  f(e);
  for (const ast::Expr& op : e.operands) {
    walk(op, f);
  }
}

// A selection that no event can satisfy: an `in []`, or two different
// exact values required of one field.
bool selection_is_false(const ast::Selection& s) {
  std::map<std::string, std::string> equal;
  for (const ast::Test& t : s.tests) {
    bool empty =
        t.value.kind == ast::Value::Kind::List && t.value.items.empty();
    if (empty && !t.all) {
      return true;
    }
    // Only a scalar field has one value: two elements of a list field can
    // each equal a different value.
    const schema::Field* f = schema::find_field(t.field);
    if (t.op != ast::Op::Eq || t.nocase || f == nullptr ||
        schema::is_list(f->type) || t.value.kind == ast::Value::Kind::List) {
      continue;
    }
    std::string v = t.value.kind == ast::Value::Kind::Int
                        ? std::to_string(t.value.number)
                        : print_value(t.value);
    auto [it, fresh] = equal.emplace(t.field, v);
    if (!fresh && it->second != v) {
      return true;
    }
  }
  return false;
}

// Decides whether a condition is the same for every event, by trying all
// truth assignments of its atoms (selections, macros, inline tests).
class ConstantCheck {
public:
  explicit ConstantCheck(const ast::Rule& r) : rule_(r) {
    for (const ast::Selection& s : r.selections) {
      if (selection_is_false(s)) {
        fixed_false_.insert(atom("ref:" + s.name));
      }
    }
  }

  // -1 always false, 1 always true, 0 depends on the event (or too many
  // atoms to tell).
  int verdict(const ast::Expr& e) {
    collect(e);
    if (atoms_.size() > kMaxAtoms || (nodes_ << atoms_.size()) > kMaxSteps) {
      return 0;
    }
    bool seen_true = false;
    bool seen_false = false;
    for (uint32_t bits = 0;
         bits < (1U << atoms_.size()) && !(seen_true && seen_false); ++bits) {
      bool skip = false;
      for (size_t a : fixed_false_) {
        skip |= ((bits >> a) & 1U) != 0;
      }
      if (skip) {
        continue;
      }
      (eval(e, bits) ? seen_true : seen_false) = true;
    }
    return seen_true && seen_false ? 0 : seen_true ? 1 : -1;
  }

private:
  static constexpr size_t kMaxAtoms = 14;
  // Node visits for all assignments, so a long condition cannot stall lint.
  static constexpr size_t kMaxSteps = size_t{1} << 20;

  size_t atom(const std::string& key) {
    return atoms_.emplace(key, atoms_.size()).first->second;
  }

  std::string key(const ast::Expr& e) {
    return e.kind == ast::Expr::Kind::Ref ? "ref:" + e.name
                                          : "test:" + print_expr(e);
  }

  void collect(const ast::Expr& e) {
    walk(e, [this](const ast::Expr& x) {
      ++nodes_;
      if (x.kind == ast::Expr::Kind::Ref || x.kind == ast::Expr::Kind::Test) {
        leaf_[&x] = atom(key(x));
      } else if (x.kind == ast::Expr::Kind::Quantifier) {
        // Once per distinct target: a condition may repeat one many times.
        auto [it, fresh] = by_target_.try_emplace(target_key(x));
        if (fresh) {
          for (const ast::Selection& s : rule_.selections) {
            if (quantifier_matches(x, s.name)) {
              it->second.push_back(atom("ref:" + s.name));
            }
          }
        }
        quantified_[&x] = &it->second;
      }
    });
  }

  bool eval(const ast::Expr& e, uint32_t bits) {
    switch (e.kind) {
    case ast::Expr::Kind::And:
      for (const ast::Expr& op : e.operands) {
        if (!eval(op, bits)) {
          return false;
        }
      }
      return true;
    case ast::Expr::Kind::Or:
      for (const ast::Expr& op : e.operands) {
        if (eval(op, bits)) {
          return true;
        }
      }
      return false;
    case ast::Expr::Kind::Not:
      return !eval(e.operands.front(), bits);
    case ast::Expr::Kind::Quantifier: {
      bool all = true;
      bool any = false;
      for (size_t a : *quantified_.at(&e)) {
        bool v = ((bits >> a) & 1U) != 0;
        all &= v;
        any |= v;
      }
      return e.quant_all ? all : any;
    }
    default:
      return ((bits >> leaf_.at(&e)) & 1U) != 0;
    }
  }

  const ast::Rule& rule_;
  std::map<std::string, size_t> atoms_;
  std::set<size_t> fixed_false_;
  size_t nodes_ = 0;
  std::map<const ast::Expr*, size_t> leaf_; // atom of each Ref and Test
  std::map<std::string, std::vector<size_t>> by_target_;
  std::map<const ast::Expr*, const std::vector<size_t>*> quantified_;
};

void unused_selections(const ast::Rule& r, Diagnostics& diags) {
  std::set<std::string> used;
  std::set<std::string> targets;
  walk(r.condition->expr, [&](const ast::Expr& e) {
    if (e.kind == ast::Expr::Kind::Ref) {
      used.insert(e.name);
    } else if (e.kind == ast::Expr::Kind::Quantifier &&
               targets.insert(target_key(e)).second) {
      for (const ast::Selection& s : r.selections) {
        if (quantifier_matches(e, s.name)) {
          used.insert(s.name);
        }
      }
    }
  });
  for (const ast::Selection& s : r.selections) {
    if (used.count(s.name) == 0) {
      diags
          .report(Code::W0400, s.name_range,
                  "selection '" + s.name + "' is not used by the condition")
          .hints.push_back("use it in the condition, or remove it");
    }
  }
}

// Tests under an odd number of `not`s on fields that may be missing: a
// missing field makes the test false, so the negation holds.
void negated_optional_fields(const ast::Rule& r, Diagnostics& diags) {
  std::set<std::string> negated_refs;
  std::set<const ast::Test*> reported;
  auto warn = [&](const ast::Test& t, SourceRange negation) {
    const schema::Field* f = schema::find_field(t.field);
    if (f == nullptr || !f->optional || !reported.insert(&t).second) {
      return;
    }
    Diagnostic& d =
        diags.report(Code::W0406, t.field_range,
                     "'" + t.field +
                         "' may be missing, and this test is negated: events "
                         "without the field satisfy the negation");
    if (schema::is_string_like(f->type)) {
      d.hints.push_back("if the field must be present, also require it, "
                        "for example: " +
                        t.field + " like \"*\"");
    }
    d.hints.push_back("if events without the field should fire the rule, "
                      "say so with: allow [optional-field]");
    d.notes.push_back({negation, "negated here"});
  };
  std::function<void(const ast::Expr&, bool, SourceRange)> visit =
      [&](const ast::Expr& e, bool negated, SourceRange at) {
        switch (e.kind) {
        case ast::Expr::Kind::Not:
          visit(e.operands.front(), !negated, e.range);
          return;
        case ast::Expr::Kind::Test:
          if (negated) {
            warn(e.test, at);
          }
          return;
        case ast::Expr::Kind::Ref: {
          // A negated macro is not looked into: what a missing field
          // means inside `not trusted_thing` is the macro's design, and
          // usually right (an unknown ancestry is not trusted).
          // Each test warns once, so each name needs looking up once.
          if (!negated || !negated_refs.insert(e.name).second) {
            return;
          }
          for (const ast::Selection& s : r.selections) {
            if (s.name != e.name) {
              continue;
            }
            for (const ast::Test& t : s.tests) {
              warn(t, at);
            }
          }
          return;
        }
        case ast::Expr::Kind::Quantifier:
          if (!negated) {
            return;
          }
          for (const ast::Selection& s : r.selections) {
            if (quantifier_matches(e, s.name) &&
                negated_refs.insert(s.name).second) {
              for (const ast::Test& t : s.tests) {
                warn(t, at);
              }
            }
          }
          return;
        default:
          for (const ast::Expr& op : e.operands) {
            visit(op, negated, at);
          }
        }
      };
  visit(r.condition->expr, false, {});
}

void missing_tests(const ast::Rule& r, Diagnostics& diags) {
  bool fires = false;
  bool quiet = false;
  for (const ast::RuleTest& t : r.tests) {
    (t.match ? fires : quiet) = true;
  }
  if (fires && quiet) {
    return;
  }
  std::string what = !fires && !quiet ? "no test"
                     : !fires         ? "no test that fires it"
                                      : "no test that it must not fire on";
  std::string add = !fires && !quiet
                        ? "'test match \"...\" { FIELD: VALUE }' and "
                          "'test nomatch ...'"
                    : !fires ? "'test match \"...\" { FIELD: VALUE }'"
                             : "'test nomatch \"...\" { FIELD: VALUE }'";
  diags.report(Code::W0405, r.name_range, "rule '" + r.name + "' has " + what)
      .hints.push_back("add " + add);
}

} // namespace

static void lint_rule_checks(const ast::Rule& r, Diagnostics& diags);

void lint_rule(const ast::Rule& r, Diagnostics& diags) {
  std::vector<Code> allowed;
  if (r.allow) {
    for (const std::string& name : r.allow->values) {
      if (const CodeInfo* c = find_code(name)) {
        allowed.push_back(c->code);
      }
    }
  }
  for (Code c : allowed) {
    diags.allow(c);
  }
  lint_rule_checks(r, diags);
  for (Code c : allowed) {
    diags.unallow(c);
  }
}

static void lint_rule_checks(const ast::Rule& r, Diagnostics& diags) {
  missing_tests(r, diags);
  if (!r.condition) {
    return;
  }
  unused_selections(r, diags);
  negated_optional_fields(r, diags);
  ConstantCheck check(r);
  if (int v = check.verdict(r.condition->expr); v != 0) {
    Diagnostic& d = diags.report(Code::W0403, r.condition->expr.range,
                                 std::string("condition is always ") +
                                     (v > 0 ? "true" : "false"));
    d.hints.push_back(v > 0 ? "the rule fires on every event of its kind"
                            : "no event can fire the rule");
  }
}

bool is_rule_warning(Code c) {
  return c == Code::W0400 || c == Code::W0403 || c == Code::W0405 ||
         c == Code::W0406;
}

void lint_program(const Program& program, const Model& model,
                  Diagnostics& diags) {
  std::set<std::string> used;
  auto note_value = [&](const ast::Value& v, auto& self) -> void {
    if (v.kind == ast::Value::Kind::Name) {
      used.insert(v.text);
    }
    for (const ast::Value& item : v.items) {
      self(item, self);
    }
  };
  auto note_expr = [&](const ast::Expr& e) {
    walk(e, [&](const ast::Expr& x) {
      if (x.kind == ast::Expr::Kind::Ref) {
        used.insert(x.name);
      } else if (x.kind == ast::Expr::Kind::Test) {
        note_value(x.test.value, note_value);
      }
    });
  };
  std::vector<bool> imported(program.files.size(), false);
  std::vector<bool> has_rules(program.files.size(), false);
  for (FileId f = 0; f < program.files.size(); ++f) {
    for (FileId to : program.imports[f]) {
      imported[to] = true;
    }
    if (!program.files[f]) {
      continue;
    }
    for (const ast::Decl& d : program.files[f]->decls) {
      if (auto* l = std::get_if<ast::List>(&d)) {
        note_value(l->items, note_value);
      } else if (auto* m = std::get_if<ast::Macro>(&d)) {
        note_expr(m->body);
      } else if (auto* r = std::get_if<ast::Rule>(&d)) {
        has_rules[f] = true;
        for (const ast::Selection& s : r->selections) {
          for (const ast::Test& t : s.tests) {
            note_value(t.value, note_value);
          }
        }
        if (r->condition) {
          note_expr(r->condition->expr);
        }
      } else if (auto* e = std::get_if<ast::Exception>(&d); e && e->when) {
        note_expr(e->when->expr);
      }
    }
  }
  // A file that nothing imports and that has no rules is a library being
  // linted on its own: its lists and macros are for others to use.
  auto in_use_scope = [&](SourceRange r) {
    return imported[r.file] || has_rules[r.file];
  };
  for (auto& [name, l] : model.lists) {
    if (used.count(name) == 0 && in_use_scope(l->name_range)) {
      diags.report(Code::W0401, l->name_range,
                   "list '" + name + "' is never used");
    }
  }
  for (auto& [name, m] : model.macros) {
    if (used.count(name) == 0 && in_use_scope(m->name_range)) {
      diags.report(Code::W0402, m->name_range,
                   "macro '" + name + "' is never used");
    }
  }
}

} // namespace sg
