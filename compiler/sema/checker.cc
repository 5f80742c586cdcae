#include "compiler/sema/checker.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include "compiler/frontend/printer.h"
#include "compiler/sema/lint.h"
#include "compiler/sema/values.h"
#include "runtime/common/net.h"

namespace sg {
namespace {

using schema::Type;

constexpr std::string_view kLevels[] = {"informational", "low", "medium",
                                        "high", "critical"};
constexpr std::string_view kStatuses[] = {"stable", "test", "experimental",
                                          "deprecated", "unsupported"};

template <size_t N>
bool one_of(std::string_view s, const std::string_view (&words)[N]) {
  return std::find(std::begin(words), std::end(words), s) != std::end(words);
}

template <size_t N>
std::string joined(const std::string_view (&words)[N]) {
  std::string out;
  for (std::string_view w : words) {
    out += (out.empty() ? "" : ", ") + std::string(w);
  }
  return out;
}

std::string kinds_text(schema::KindSet kinds) {
  std::string out;
  for (const schema::KindInfo& k : schema::kinds()) {
    if ((kinds & schema::kind_bit(k.kind)) != 0) {
      out += (out.empty() ? "" : ", ") + std::string(k.name);
    }
  }
  return out;
}

// Where the text being checked came from: the macro expansions and the
// rule that led to it, innermost first when rendered.
struct Frame {
  SourceRange where;
  std::string what;
  bool context_only = false; // shown only under a frame that is not
};

// What a name in an expression may refer to, and what tests see.
struct Scope {
  FileId file = kNoFile;
  schema::KindSet kinds = 0;
  const ast::Rule* rule = nullptr; // selections are visible when set
  std::string subject;             // "rule 'x'", for messages
};

class Checker {
public:
  Checker(const Program& p, Diagnostics& d, const CheckOptions& o)
      : program_(p), diags_(d), options_(o) {}

  Model run();

private:
  Diagnostic& report(Code code, SourceRange range, std::string message);
  bool visible(FileId from, FileId to);
  std::string not_imported_hint(FileId from, FileId to);

  void collect();
  void check_lists();
  void check_macro_cycles();
  void check_rule(RuleInfo& info);
  void check_exception(const ast::Exception& e, FileId file);
  void check_override(const ast::Override& o);
  void check_unused_macros();

  void check_expr(const ast::Expr& e, const Scope& scope);
  void check_macro_use(const std::string& name, SourceRange at,
                       const Scope& scope);
  void check_test(const ast::Test& t, const Scope& scope);
  const schema::Field* field(const std::string& name, SourceRange at,
                             const Scope& scope);
  // `expanded`: the named lists already flattened for this test; each is
  // flattened once, so lists that name a list twice stay linear.
  std::vector<const ast::Value*>
  values_of(const ast::Value& v, const Scope& scope, bool& is_list,
            std::set<std::string>* expanded = nullptr);
  void check_element(const ast::Test& t, const schema::Field& f,
                     const ast::Value& v);
  void check_template(const ast::Item& output, const Scope& scope);
  void check_rule_test(const ast::RuleTest& t, const Scope& rule);
  void check_level(const ast::Item& level);

  const Program& program_;
  Diagnostics& diags_;
  const CheckOptions& options_;
  Model model_;
  std::map<std::string, FileId> list_file_;
  std::map<std::string, FileId> macro_file_;
  std::map<std::string, std::pair<const ast::Item*, FileId>> rule_ids_;
  std::map<std::string, std::vector<std::string>> rules_by_tag_;
  std::map<FileId, std::vector<bool>> visible_;
  std::set<std::string> cyclic_; // lists and macros in cycles
  std::set<std::pair<std::string, schema::KindSet>> macros_done_;
  std::vector<std::string> macro_stack_;
  std::vector<Frame> frames_;
  const schema::SymbolSet* symbols_ = nullptr; // of the field being tested
  std::map<std::string, SourceRange> exception_names_;
  std::map<const ast::Rule*, std::set<std::string>> selection_names_;

  // A rule's selection names, so that looking names up stays cheap however
  // long a condition is.
  const std::set<std::string>& selection_names(const ast::Rule& r) {
    auto [it, fresh] = selection_names_.try_emplace(&r);
    if (fresh) {
      for (const ast::Selection& s : r.selections) {
        it->second.insert(s.name);
      }
    }
    return it->second;
  }
};

Diagnostic& Checker::report(Code code, SourceRange range, std::string message) {
  Diagnostic& d = diags_.report(code, range, std::move(message));
  bool expanded = std::any_of(frames_.begin(), frames_.end(),
                              [](const Frame& f) { return !f.context_only; });
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    if (expanded || !it->context_only) {
      d.notes.push_back({it->where, it->what});
    }
  }
  // Text in an imported file: how the compilation reached that file.
  FileId f = range.file;
  for (int hops = 0; f != kNoFile && hops < 8; ++hops) {
    const SourceRange& at = program_.sources.file(f).imported_at;
    if (!at.valid()) {
      break;
    }
    d.notes.push_back({at, "in a file imported here"});
    f = at.file;
  }
  return d;
}

bool Checker::visible(FileId from, FileId to) {
  auto it = visible_.find(from);
  if (it == visible_.end()) {
    it = visible_.emplace(from, program_.visible_from(from)).first;
  }
  return it->second[to];
}

std::string Checker::not_imported_hint(FileId from, FileId to) {
  namespace fs = std::filesystem;
  fs::path here = fs::path(program_.sources.file(from).path).parent_path();
  fs::path there = program_.sources.file(to).path;
  return "it is defined in '" + there.string() + "'; add: import \"" +
         there.lexically_relative(here).string() + "\"";
}

void Checker::collect() {
  for (FileId f = 0; f < program_.files.size(); ++f) {
    if (!program_.files[f]) {
      continue;
    }
    auto duplicate = [&](const std::string& name, SourceRange at,
                         SourceRange first, std::string_view what) {
      report(Code::E0203, at,
             std::string(what) + " '" + name + "' is defined twice")
          .notes.push_back({first, "first defined here"});
    };
    for (const ast::Decl& d : program_.files[f]->decls) {
      if (auto* l = std::get_if<ast::List>(&d)) {
        auto [it, fresh] = model_.lists.emplace(l->name, l);
        if (!fresh) {
          duplicate(l->name, l->name_range, it->second->name_range, "list");
        } else {
          list_file_[l->name] = f;
        }
      } else if (auto* m = std::get_if<ast::Macro>(&d)) {
        auto [it, fresh] = model_.macros.emplace(m->name, m);
        if (!fresh) {
          duplicate(m->name, m->name_range, it->second->name_range, "macro");
        } else {
          macro_file_[m->name] = f;
        }
      } else if (auto* r = std::get_if<ast::Rule>(&d)) {
        auto [it, fresh] = model_.rules.emplace(r->name, RuleInfo{r, f});
        if (!fresh) {
          duplicate(r->name, r->name_range, it->second.rule->name_range,
                    "rule");
          continue;
        }
        if (r->id) {
          auto [at, new_id] =
              rule_ids_.emplace(r->id->value(), std::pair(&*r->id, f));
          if (!new_id) {
            report(Code::E0204, r->id->value_ranges[0],
                   "rule id '" + r->id->value() + "' is already used")
                .notes.push_back(
                    {at->second.first->value_ranges[0], "used first here"});
          }
        }
        if (r->tags) {
          for (const std::string& t : r->tags->values) {
            rules_by_tag_[t].push_back(r->name);
          }
        }
      }
    }
  }
}

// Lists may name other lists; a list that reaches itself is an error.
void Checker::check_lists() {
  std::map<std::string, int> state; // 1 visiting, 2 done
  auto visit = [&](auto& self, const std::string& name) -> void {
    state[name] = 1;
    const ast::List* l = model_.lists.at(name);
    FileId file = list_file_.at(name);
    for (const ast::Value& v : l->items.items) {
      if (v.kind != ast::Value::Kind::Name) {
        continue;
      }
      auto ref = model_.lists.find(v.text);
      if (ref == model_.lists.end()) {
        continue; // an enum or flag name; checked where the list is used
      }
      if (!visible(file, list_file_.at(v.text))) {
        report(Code::E0202, v.range,
               "list '" + v.text + "' is not visible here")
            .hints.push_back(not_imported_hint(file, list_file_.at(v.text)));
      }
      if (state[v.text] == 1) {
        cyclic_.insert(name);
        report(Code::E0207, v.range,
               "list '" + name + "' includes itself through '" + v.text + "'");
      } else if (state[v.text] == 0) {
        self(self, v.text);
      }
    }
    state[name] = 2;
  };
  for (auto& [name, list] : model_.lists) {
    if (state[name] == 0) {
      visit(visit, name);
    }
  }
}

// Macros may use other macros; a macro that reaches itself is an error.
void Checker::check_macro_cycles() {
  std::map<std::string, int> state;
  auto refs = [](const ast::Expr& e, auto& out, auto& self) -> void {
    if (e.kind == ast::Expr::Kind::Ref) {
      out.push_back(&e);
    }
    for (const ast::Expr& op : e.operands) {
      self(op, out, self);
    }
  };
  auto visit = [&](auto& self, const std::string& name) -> void {
    state[name] = 1;
    std::vector<const ast::Expr*> used;
    refs(model_.macros.at(name)->body, used, refs);
    for (const ast::Expr* r : used) {
      if (model_.macros.count(r->name) == 0) {
        continue;
      }
      if (state[r->name] == 1) {
        cyclic_.insert(name);
        cyclic_.insert(r->name);
        report(Code::E0207, r->range,
               "macro '" + name + "' uses itself through '" + r->name + "'");
      } else if (state[r->name] == 0) {
        self(self, r->name);
      }
    }
    state[name] = 2;
  };
  for (auto& [name, macro] : model_.macros) {
    if (state[name] == 0) {
      visit(visit, name);
    }
  }
}

const schema::Field* Checker::field(const std::string& name, SourceRange at,
                                    const Scope& scope) {
  const schema::Field* f = schema::find_field(name);
  if (f != nullptr && (f->kinds & scope.kinds) == scope.kinds) {
    return f;
  }
  std::vector<std::string_view> names;
  for (const schema::Field& c : schema::fields()) {
    if ((c.kinds & scope.kinds) == scope.kinds) {
      names.push_back(c.name);
    }
  }
  std::string msg =
      f == nullptr ? "unknown field '" + name + "'"
                   : "field '" + name + "' does not exist for event " +
                         "kind '" + kinds_text(scope.kinds & ~f->kinds) + "'";
  Diagnostic& d = report(Code::E0301, at, msg);
  if (f != nullptr) {
    d.hints.push_back("'" + name + "' exists for: " + kinds_text(f->kinds));
  } else if (std::string near = closest_name(name, names); !near.empty()) {
    d.hints.push_back("did you mean '" + near + "'?");
  }
  return nullptr;
}

// The values a test compares against: the literal, the elements of a list
// literal, or the elements of a named list (flattened).
std::vector<const ast::Value*>
Checker::values_of(const ast::Value& v, const Scope& scope, bool& is_list,
                   std::set<std::string>* expanded) {
  std::set<std::string> mine;
  if (expanded == nullptr) {
    expanded = &mine;
  }
  std::vector<const ast::Value*> out;
  is_list = false;
  if (v.kind == ast::Value::Kind::List) {
    is_list = true;
    for (const ast::Value& item : v.items) {
      bool nested = false;
      auto inner = values_of(item, scope, nested, expanded);
      out.insert(out.end(), inner.begin(), inner.end());
    }
    return out;
  }
  if (v.kind != ast::Value::Kind::Name) {
    return {&v};
  }
  // A name of the field's own symbols (`read`, `inet6`) is that symbol,
  // even where a list has the same name.
  if (symbols_ != nullptr && schema::find_symbol(*symbols_, v.text)) {
    return {&v};
  }
  auto list = model_.lists.find(v.text);
  if (list == model_.lists.end()) {
    return {&v}; // an enum or flag name, or an unknown name
  }
  is_list = true;
  FileId where = list_file_.at(v.text);
  if (!visible(scope.file, where)) {
    report(Code::E0202, v.range, "list '" + v.text + "' is not visible here")
        .hints.push_back(not_imported_hint(scope.file, where));
  }
  if (cyclic_.count(v.text) != 0 || !expanded->insert(v.text).second) {
    return {};
  }
  for (const ast::Value& item : list->second->items.items) {
    bool nested = false;
    auto inner = values_of(item, scope, nested, expanded);
    out.insert(out.end(), inner.begin(), inner.end());
  }
  return out;
}

void Checker::check_element(const ast::Test& t, const schema::Field& f,
                            const ast::Value& v) {
  auto mismatch = [&](const std::string& want) {
    report(Code::E0303, v.range,
           "'" + std::string(f.name) + "' takes " + want + ", not " +
               describe_value(v))
        .hints.push_back("'" + std::string(f.name) + "' is of type " +
                         std::string(schema::type_name(f.type)));
  };
  if (v.kind == ast::Value::Kind::Name && f.symbols == nullptr) {
    Diagnostic& d =
        report(Code::E0202, v.range, "unknown list '" + v.text + "'");
    std::vector<std::string_view> names;
    for (auto& [name, l] : model_.lists) {
      names.push_back(name);
    }
    if (std::string near = closest_name(v.text, names); !near.empty()) {
      d.hints.push_back("did you mean '" + near + "'?");
    } else {
      d.hints.push_back("a string is written in double quotes");
    }
    return;
  }
  switch (f.type) {
  case Type::String:
  case Type::Path:
  case Type::StringList:
  case Type::PathList:
    if (v.kind != ast::Value::Kind::String) {
      mismatch("a string");
    }
    return;
  case Type::Int:
    if (v.kind != ast::Value::Kind::Int) {
      mismatch("a number");
    }
    return;
  case Type::Bool:
    if (v.kind != ast::Value::Kind::Bool) {
      mismatch("true or false");
    }
    return;
  case Type::Ip:
    if (v.kind != ast::Value::Kind::String) {
      mismatch(t.op == ast::Op::Cidr ? "a network such as \"10.0.0.0/8\""
                                     : "an address in double quotes");
    } else if (t.op == ast::Op::Cidr ? !parse_cidr(v.text)
                                     : !parse_ip(v.text)) {
      Code code = t.op == ast::Op::Cidr ? Code::E0306 : Code::E0303;
      report(code, v.range,
             "'" + v.text + "' is not a valid " +
                 (t.op == ast::Op::Cidr ? "network" : "IP address"))
          .hints.push_back(t.op == ast::Op::Cidr
                               ? "write an address and a prefix length, such "
                                 "as \"10.0.0.0/8\" or \"fd00::/8\""
                               : "write an IPv4 or IPv6 address, such as "
                                 "\"10.0.0.1\" or \"::1\"");
    }
    return;
  case Type::Enum:
  case Type::Flags:
    if (v.kind != ast::Value::Kind::Name) {
      mismatch("a name of " + std::string(f.symbols->name));
    } else if (schema::find_symbol(*f.symbols, v.text) == nullptr) {
      std::vector<std::string_view> names;
      for (const schema::Symbol& s : f.symbols->symbols) {
        names.push_back(s.name);
      }
      Diagnostic& d = report(Code::E0303, v.range,
                             "'" + v.text + "' is not one of the " +
                                 std::string(f.symbols->name));
      if (std::string near = closest_name(v.text, names); !near.empty()) {
        d.hints.push_back("did you mean '" + near + "'?");
      }
    }
    return;
  }
}

void Checker::check_test(const ast::Test& t, const Scope& scope) {
  const schema::Field* f = field(t.field, t.field_range, scope);
  if (f == nullptr) {
    return;
  }
  const OpRule& rule = op_rule(f->type, t.op);
  if (!rule.allowed) {
    report(Code::E0302, t.op_range,
           "'" + std::string(ast::op_text(t.op)) + "' does not apply to '" +
               t.field + "', of type " +
               std::string(schema::type_name(f->type)))
        .hints.push_back("tests on " + std::string(schema::type_name(f->type)) +
                         " fields: " + ops_for(f->type));
    return;
  }
  if (t.all && !rule.takes_all) {
    report(Code::E0307, t.all_range,
           "'all' does not apply to '" + std::string(ast::op_text(t.op)) +
               "' on " + std::string(schema::type_name(f->type)) + " fields");
  }
  if (t.nocase && !rule.takes_nocase) {
    report(Code::E0307, t.nocase_range,
           "'nocase' does not apply to '" + std::string(ast::op_text(t.op)) +
               "' on " + std::string(schema::type_name(f->type)) + " fields");
  }
  bool is_list = false;
  symbols_ = f->symbols;
  std::vector<const ast::Value*> values = values_of(t.value, scope, is_list);
  symbols_ = nullptr;
  if (is_list && !rule.takes_list) {
    report(Code::E0303, t.value.range,
           "'" + std::string(ast::op_text(t.op)) + "' takes one value, not " +
               "a list")
        .hints.push_back(t.op == ast::Op::Eq
                             ? "use 'in' to test against a list"
                             : "split the test, or use a selection per value");
    return;
  }
  if (!is_list && rule.needs_list && t.value.kind == ast::Value::Kind::Name &&
      f->symbols == nullptr) {
    check_element(t, *f, t.value); // a list that does not exist
    return;
  }
  if (!is_list && rule.needs_list) {
    report(Code::E0303, t.value.range,
           "'in' takes a list, not " + describe_value(t.value))
        .hints.push_back("use '==' for one value, or write [" +
                         print_value(t.value) + "]");
    return;
  }
  if (t.all && rule.takes_all && !is_list) {
    report(Code::E0307, t.all_range, "'all' needs a list of values");
  }
  for (const ast::Value* v : values) {
    if (t.op == ast::Op::Matches && v->kind == ast::Value::Kind::String &&
        schema::is_string_like(f->type)) {
      RegexCheck rc =
          check_regex_text(v->text, t.nocase, options_.regex_max_mem,
                           options_.regex_max_program);
      if (!rc.error.empty()) {
        report(rc.too_large ? Code::E0305 : Code::E0304, v->range, rc.error);
      }
      continue;
    }
    check_element(t, *f, *v);
  }
}

void Checker::check_macro_use(const std::string& name, SourceRange at,
                              const Scope& scope) {
  FileId where = macro_file_.at(name);
  if (!visible(scope.file, where)) {
    report(Code::E0202, at, "macro '" + name + "' is not visible here")
        .hints.push_back(not_imported_hint(scope.file, where));
  }
  if (cyclic_.count(name) != 0 ||
      std::find(macro_stack_.begin(), macro_stack_.end(), name) !=
          macro_stack_.end() ||
      !macros_done_.emplace(name, scope.kinds).second) {
    return;
  }
  Scope inner{where, scope.kinds, nullptr, scope.subject};
  frames_.push_back({at, "in macro '" + name + "', used here"});
  macro_stack_.push_back(name);
  check_expr(model_.macros.at(name)->body, inner);
  macro_stack_.pop_back();
  frames_.pop_back();
}

void Checker::check_expr(const ast::Expr& e, const Scope& scope) {
  switch (e.kind) {
  case ast::Expr::Kind::And:
  case ast::Expr::Kind::Or:
  case ast::Expr::Kind::Not:
    for (const ast::Expr& op : e.operands) {
      check_expr(op, scope);
    }
    return;
  case ast::Expr::Kind::Test:
    check_test(e.test, scope);
    return;
  case ast::Expr::Kind::Quantifier: {
    if (scope.rule == nullptr) {
      report(Code::E0211, e.range,
             "'" + print_expr(e) +
                 "' needs selections; only a rule's "
                 "condition has them");
      return;
    }
    const std::set<std::string>& names = selection_names(*scope.rule);
    auto first = names.lower_bound(e.name);
    bool any = e.target == ast::Expr::Target::Them ||
               (e.target == ast::Expr::Target::Pattern
                    ? first != names.end() && first->rfind(e.name, 0) == 0
                    : names.count(e.name) != 0);
    if (!any || scope.rule->selections.empty()) {
      report(Code::E0208, e.range,
             "'" + print_expr(e) + "' matches no selection of " +
                 scope.subject);
    }
    return;
  }
  case ast::Expr::Kind::Ref:
    break;
  }
  if (scope.rule != nullptr &&
      selection_names(*scope.rule).count(e.name) != 0) {
    return;
  }
  if (model_.macros.count(e.name) != 0) {
    check_macro_use(e.name, e.range, scope);
    return;
  }
  if (model_.lists.count(e.name) != 0) {
    report(Code::E0211, e.range, "'" + e.name + "' is a list, not a condition")
        .hints.push_back("test a field against it: FIELD in " + e.name);
    return;
  }
  std::vector<std::string_view> names;
  if (scope.rule != nullptr) {
    for (const ast::Selection& s : scope.rule->selections) {
      names.push_back(s.name);
    }
  }
  for (auto& [name, m] : model_.macros) {
    names.push_back(name);
  }
  std::string what = scope.rule != nullptr ? "selection or macro" : "macro";
  Diagnostic& d =
      report(Code::E0202, e.range, "unknown " + what + " '" + e.name + "'");
  if (std::string near = closest_name(e.name, names); !near.empty()) {
    d.hints.push_back("did you mean '" + near + "'?");
  }
}

void Checker::check_template(const ast::Item& output, const Scope& scope) {
  const std::string& s = output.value();
  SourceRange base = output.value_ranges[0];
  // Escapes make the source longer than the text: find the source byte
  // each byte of `s` came from, then the closing quote.
  std::string_view src = program_.sources.file(base.file).line(base.line);
  size_t quote = 0;
  for (uint32_t c = 1; c < base.col && quote < src.size(); ++c) {
    ++quote;
    while (quote < src.size() && (uint8_t(src[quote]) & 0xC0) == 0x80) {
      ++quote;
    }
  }
  std::vector<size_t> from;
  size_t p = quote + 1;
  while (p < src.size() && src[p] != '"') {
    from.push_back(p);
    bool hex = src[p] == '\\' && p + 1 < src.size() && src[p + 1] == 'x';
    p += src[p] != '\\' ? 1 : hex ? 4 : 2;
  }
  from.push_back(p);
  auto column = [&](size_t offset) {
    if (from.size() == s.size() + 1) {
      return base.col + code_points(src.substr(quote, from[offset] - quote));
    }
    return base.col + 1 + code_points(std::string_view(s).substr(0, offset));
  };
  auto at = [&](size_t offset, size_t len) {
    SourceRange r = base;
    r.col = column(offset);
    r.end_line = r.line;
    r.end_col = len == 0 ? r.col : column(offset + len) - 1;
    return r;
  };
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
      ++i;
      continue;
    }
    if (s[i] == '}') {
      report(Code::E0104, at(i, 1), "unmatched '}' in output template")
          .hints.push_back("write '}}' for a literal brace");
      continue;
    }
    if (s[i] != '{') {
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '{') {
      ++i;
      continue;
    }
    size_t close = s.find('}', i);
    if (close == std::string::npos) {
      report(Code::E0104, at(i, 1), "unclosed '{' in output template")
          .hints.push_back("write '{{' for a literal brace");
      return;
    }
    std::string name = s.substr(i + 1, close - i - 1);
    if (name.empty()) {
      report(Code::E0104, at(i, 2), "empty '{}' in output template")
          .hints.push_back("name a field, such as {proc.exe}, or write "
                           "'{{}}' for literal braces");
    } else {
      field(name, at(i + 1, name.size()), scope);
    }
    i = close;
  }
}

// A test's event has one kind: the one its `event:` names, or else the
// first the rule lists. Its fields are checked against that kind.
void Checker::check_rule_test(const ast::RuleTest& t, const Scope& rule) {
  Scope scope = rule;
  if (const schema::KindInfo* first =
          schema::find_kind(rule.rule->events->values.front())) {
    scope.kinds = schema::kind_bit(first->kind);
  }
  for (const ast::Assign& a : t.fields) {
    const schema::KindInfo* k = a.value.kind == ast::Value::Kind::Name
                                    ? schema::find_kind(a.value.text)
                                    : nullptr;
    if (a.field == "event" && k != nullptr &&
        (rule.kinds & schema::kind_bit(k->kind)) != 0) {
      scope.kinds = schema::kind_bit(k->kind);
    }
  }
  std::map<std::string, SourceRange> seen;
  for (const ast::Assign& a : t.fields) {
    auto [it, fresh] = seen.emplace(a.field, a.field_range);
    if (!fresh) {
      report(Code::E0210, a.field_range,
             "field '" + a.field + "' is given twice in one test")
          .notes.push_back({it->second, "first given here"});
      continue;
    }
    if (a.field == "event") {
      const schema::KindInfo* k = a.value.kind == ast::Value::Kind::Name
                                      ? schema::find_kind(a.value.text)
                                      : nullptr;
      if (k == nullptr || (rule.kinds & schema::kind_bit(k->kind)) == 0) {
        report(Code::E0303, a.value.range,
               "the test's event must be one of the rule's kinds: " +
                   kinds_text(rule.kinds));
      }
      continue;
    }
    const schema::Field* f = field(a.field, a.field_range, scope);
    if (f == nullptr) {
      continue;
    }
    if (std::string err = check_event_value(*f, a.value); !err.empty()) {
      report(Code::E0303, a.value.range, err)
          .hints.push_back("'" + a.field + "' is of type " +
                           std::string(schema::type_name(f->type)));
    }
  }
}

void Checker::check_level(const ast::Item& level) {
  if (!one_of(level.value(), kLevels)) {
    report(Code::E0308, level.value_ranges[0],
           "unknown level '" + level.value() + "'")
        .hints.push_back("levels are: " + joined(kLevels));
  }
}

void Checker::check_rule(RuleInfo& info) {
  const ast::Rule& r = *info.rule;
  Scope scope{info.file, 0, &r, "rule '" + r.name + "'"};
  size_t errors_before = diags_.errors();
  auto require = [&](const std::optional<ast::Item>& it, std::string_view key) {
    if (!it) {
      report(Code::E0209, r.name_range,
             "rule '" + r.name + "' has no '" + std::string(key) + "'");
    }
  };
  require(r.id, "id");
  require(r.title, "title");
  require(r.level, "level");
  require(r.events, "event");
  if (!r.condition) {
    report(Code::E0209, r.name_range, "rule '" + r.name + "' has no condition");
  }
  if (r.level) {
    check_level(*r.level);
  }
  if (r.status && !one_of(r.status->value(), kStatuses)) {
    report(Code::E0308, r.status->value_ranges[0],
           "unknown status '" + r.status->value() + "'")
        .hints.push_back("statuses are: " + joined(kStatuses));
  }
  if (r.allow) {
    for (size_t i = 0; i < r.allow->values.size(); ++i) {
      const CodeInfo* c = find_code(r.allow->values[i]);
      if (c == nullptr || c->severity != Severity::Warning) {
        report(Code::E0308, r.allow->value_ranges[i],
               "'" + r.allow->values[i] + "' is not a warning name or code")
            .hints.push_back("sgc lint --list-codes lists them; only "
                             "warnings can be allowed");
      } else if (!is_rule_warning(c->code)) {
        report(Code::E0308, r.allow->value_ranges[i],
               "'" + r.allow->values[i] + "' is not checked rule by rule")
            .hints.push_back("a rule can allow: unused-selection, "
                             "constant-condition, missing-test, "
                             "optional-field; use sgc lint --allow for "
                             "the others");
      }
    }
  }
  if (r.events) {
    for (size_t i = 0; i < r.events->values.size(); ++i) {
      const std::string& name = r.events->values[i];
      const schema::KindInfo* k = schema::find_kind(name);
      if (k != nullptr) {
        scope.kinds |= schema::kind_bit(k->kind);
        continue;
      }
      std::vector<std::string_view> names;
      for (const schema::KindInfo& c : schema::kinds()) {
        names.push_back(c.name);
      }
      Diagnostic& d = report(Code::E0300, r.events->value_ranges[i],
                             "unknown event kind '" + name + "'");
      if (std::string near = closest_name(name, names); !near.empty()) {
        d.hints.push_back("did you mean '" + near + "'?");
      }
    }
  }
  info.kinds = scope.kinds;
  if (scope.kinds == 0) {
    return; // without a kind no field can be checked
  }
  frames_.push_back(
      {r.name_range,
       "in rule '" + r.name + "' (event " + kinds_text(scope.kinds) + ")",
       true});
  std::map<std::string, SourceRange> seen;
  for (const ast::Selection& s : r.selections) {
    auto [it, fresh] = seen.emplace(s.name, s.name_range);
    if (!fresh) {
      report(Code::E0203, s.name_range,
             "selection '" + s.name + "' is defined twice")
          .notes.push_back({it->second, "first defined here"});
    }
    for (const ast::Test& t : s.tests) {
      check_test(t, scope);
    }
  }
  if (r.condition) {
    check_expr(r.condition->expr, scope);
  }
  if (r.output) {
    check_template(*r.output, scope);
  }
  for (const ast::RuleTest& t : r.tests) {
    check_rule_test(t, scope);
  }
  frames_.pop_back();
  if (diags_.errors() == errors_before) {
    lint_rule(r, diags_); // lint on a broken rule would only add noise
  }
}

void Checker::check_exception(const ast::Exception& e, FileId file) {
  auto [named, fresh] = exception_names_.emplace(e.name, e.name_range);
  if (!fresh) {
    report(Code::E0203, e.name_range,
           "exception '" + e.name + "' is defined twice")
        .notes.push_back({named->second, "first defined here"});
  }
  if (!e.rule && !e.tag) {
    report(Code::E0209, e.name_range,
           "exception '" + e.name + "' names no rule and no tag")
        .hints.push_back("add 'rule NAME' or 'tag TAG'");
  }
  if (e.rule && e.tag) {
    report(Code::E0211, e.tag->range,
           "exception '" + e.name + "' has both a rule and a tag")
        .hints.push_back("write one exception for each scope");
  }
  if (!e.reason) {
    report(Code::E0209, e.name_range,
           "exception '" + e.name + "' has no reason");
  }
  if (!e.when) {
    report(Code::E0209, e.name_range,
           "exception '" + e.name + "' has no 'when' condition");
  }
  std::vector<RuleInfo*> scope_rules;
  if (e.rule) {
    auto it = model_.rules.find(e.rule->value());
    if (it == model_.rules.end()) {
      std::vector<std::string_view> names;
      for (auto& [n, info] : model_.rules) {
        names.push_back(n);
      }
      Diagnostic& d = report(Code::E0205, e.rule->value_ranges[0],
                             "exception '" + e.name + "' names no rule: '" +
                                 e.rule->value() + "' is not defined");
      if (std::string near = closest_name(e.rule->value(), names);
          !near.empty()) {
        d.hints.push_back("did you mean '" + near + "'?");
      }
    } else {
      scope_rules.push_back(&it->second);
    }
  } else if (e.tag) {
    auto it = rules_by_tag_.find(e.tag->value());
    if (it == rules_by_tag_.end()) {
      report(Code::E0206, e.tag->value_ranges[0],
             "no rule has the tag '" + e.tag->value() + "'");
    } else {
      for (const std::string& name : it->second) {
        scope_rules.push_back(&model_.rules.at(name));
      }
    }
  }
  // The condition is checked once per set of event kinds: rules with the
  // same kinds would only repeat the same findings, many times over.
  std::set<schema::KindSet> checked;
  for (RuleInfo* info : scope_rules) {
    info->exceptions.push_back(&e);
    if (!e.when || info->kinds == 0 || !checked.insert(info->kinds).second) {
      continue;
    }
    Scope scope{file, info->kinds, nullptr, "exception '" + e.name + "'"};
    frames_.push_back({info->rule->name_range,
                       "applied to rule '" + info->rule->name + "' (event " +
                           kinds_text(info->kinds) + ")"});
    check_expr(e.when->expr, scope);
    frames_.pop_back();
  }
  if (e.expires && !options_.today.empty() &&
      e.expires->value() < options_.today) {
    report(Code::W0404, e.expires->value_ranges[0],
           "exception '" + e.name + "' expired on " + e.expires->value())
        .hints.push_back("remove it, or extend it with a new date and "
                         "reason");
  }
}

void Checker::check_override(const ast::Override& o) {
  auto it = model_.rules.find(o.rule);
  if (it == model_.rules.end()) {
    std::vector<std::string_view> names;
    for (auto& [n, info] : model_.rules) {
      names.push_back(n);
    }
    Diagnostic& d =
        report(Code::E0205, o.rule_range,
               "override names no rule: '" + o.rule + "' is not defined");
    if (std::string near = closest_name(o.rule, names); !near.empty()) {
      d.hints.push_back("did you mean '" + near + "'?");
    }
  } else {
    if (!it->second.overrides.empty()) {
      report(Code::E0210, o.rule_range,
             "rule '" + o.rule + "' is overridden more than once")
          .notes.push_back(
              {it->second.overrides.front()->rule_range, "first here"});
    }
    it->second.overrides.push_back(&o);
  }
  if (!o.disable && !o.level) {
    report(Code::E0209, o.rule_range,
           "override of '" + o.rule + "' changes nothing")
        .hints.push_back("an override can 'disable' a rule or set its "
                         "'level'; exceptions are declared on their own");
  }
  if (o.level) {
    check_level(*o.level);
  }
}

Model Checker::run() {
  collect();
  check_lists();
  check_macro_cycles();
  for (auto& [name, info] : model_.rules) {
    check_rule(info);
  }
  for (FileId f = 0; f < program_.files.size(); ++f) {
    if (!program_.files[f]) {
      continue;
    }
    for (const ast::Decl& d : program_.files[f]->decls) {
      if (auto* e = std::get_if<ast::Exception>(&d)) {
        check_exception(*e, f);
      } else if (auto* o = std::get_if<ast::Override>(&d)) {
        check_override(*o);
      }
    }
  }
  check_unused_macros();
  lint_program(program_, model_, diags_);
  return std::move(model_);
}

// A macro no rule expands is still checked, against the event kinds that
// have every field it tests, so a typo in a library is found before a rule
// first uses it.
void Checker::check_unused_macros() {
  schema::KindSet all = 0;
  for (const schema::KindInfo& k : schema::kinds()) {
    all |= schema::kind_bit(k.kind);
  }
  for (auto& [macro_name, m] : model_.macros) {
    const std::string& name = macro_name; // lambdas cannot capture bindings
    bool expanded = std::any_of(macros_done_.begin(), macros_done_.end(),
                                [&](auto& done) { return done.first == name; });
    if (expanded || cyclic_.count(name) != 0) {
      continue;
    }
    schema::KindSet kinds = all;
    std::set<std::string> seen;
    std::function<void(const ast::Expr&)> fields = [&](const ast::Expr& e) {
      if (e.kind == ast::Expr::Kind::Test) {
        if (const schema::Field* f = schema::find_field(e.test.field)) {
          kinds &= f->kinds;
        }
      } else if (e.kind == ast::Expr::Kind::Ref &&
                 model_.macros.count(e.name) != 0 &&
                 seen.insert(e.name).second) {
        fields(model_.macros.at(e.name)->body);
      }
      for (const ast::Expr& op : e.operands) {
        fields(op);
      }
    };
    fields(m->body);
    Scope scope{macro_file_.at(name), kinds == 0 ? all : kinds, nullptr,
                "macro '" + name + "'"};
    macros_done_.emplace(name, scope.kinds);
    macro_stack_.push_back(name);
    check_expr(m->body, scope);
    macro_stack_.pop_back();
  }
}

} // namespace

Model check_program(const Program& program, Diagnostics& diags,
                    const CheckOptions& options) {
  Checker checker(program, diags, options);
  return checker.run();
}

} // namespace sg
