// The abstract syntax tree of a rule file.
//
// The tree keeps everything the canonical printer needs: names with their
// source ranges, values as written, and the comments around each
// declaration, rule item, test and list element.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/diag/source.h"

namespace sg::ast {

// Comments that belong to a node: whole lines before it, and one comment
// after it on its last line. `first_token`/`last_token` are the node's
// token indices, used only while the parser attaches comments.
struct Trivia {
  std::vector<std::string> leading;
  std::string trailing;
  uint32_t first_token = 0;
  uint32_t last_token = 0;
};

struct Value {
  enum class Kind { String, Int, Bool, Name, List };
  Kind kind = Kind::String;
  std::string text; // String: decoded contents; Name: the identifier
  int64_t number = 0;
  bool boolean = false;
  std::vector<Value> items; // List
  SourceRange range;
  Trivia trivia; // list elements only
};

enum class Op {
  Eq,
  Lt,
  Le,
  Gt,
  Ge,
  In,
  Contains,
  StartsWith,
  EndsWith,
  Like,
  Matches,
  Cidr,
  Has
};

std::string_view op_text(Op op);

struct Test {
  std::string field;
  SourceRange field_range;
  Op op = Op::Eq;
  SourceRange op_range;
  bool all = false;
  bool nocase = false;
  SourceRange all_range;
  SourceRange nocase_range;
  Value value;
  SourceRange range;
  Trivia trivia;
};

struct Expr {
  enum class Kind { And, Or, Not, Ref, Test, Quantifier };
  enum class Target { Pattern, Name, Them };
  Kind kind = Kind::Ref;
  std::vector<Expr> operands; // And, Or: two or more; Not: one
  std::string name;           // Ref; Quantifier: pattern without '*', or name
  Test test;                  // Test
  bool quant_all = false;     // Quantifier: `all of` rather than `1 of`
  Target target = Target::Them;
  SourceRange range;
};

// A metadata item: `title "..."`, `level high`, `tags [...]`...
struct Item {
  std::vector<std::string> values; // one for scalar items
  std::vector<SourceRange> value_ranges;
  SourceRange range;
  Trivia trivia;

  const std::string& value() const { return values.front(); }
};

struct Selection {
  std::string name;
  SourceRange name_range;
  std::vector<Test> tests;
  SourceRange range;
  Trivia trivia;
};

struct Condition {
  Expr expr;
  SourceRange range;
  Trivia trivia;
};

struct Assign {
  std::string field;
  SourceRange field_range;
  Value value;
  Trivia trivia;
};

struct RuleTest {
  bool match = true;
  std::string label;
  std::vector<Assign> fields;
  SourceRange range;
  Trivia trivia;
};

struct Import {
  std::string path;
  SourceRange path_range;
  SourceRange range;
  Trivia trivia;
};

struct List {
  std::string name;
  SourceRange name_range;
  Value items; // Kind::List
  SourceRange range;
  Trivia trivia;
};

struct Macro {
  std::string name;
  SourceRange name_range;
  Expr body;
  SourceRange range;
  Trivia trivia;
};

struct Rule {
  std::string name;
  SourceRange name_range;
  std::optional<Item> id, title, description, author, level, status, tags,
      references, falsepositives, events, output, allow;
  std::vector<Selection> selections;
  std::optional<Condition> condition;
  std::vector<RuleTest> tests;
  SourceRange range;
  Trivia trivia;
  Trivia closing; // comments before the closing brace
};

struct Exception {
  std::string name;
  SourceRange name_range;
  std::optional<Item> rule, tag, reason, expires;
  std::optional<Condition> when;
  SourceRange range;
  Trivia trivia;
  Trivia closing;
};

struct Override {
  std::string rule;
  SourceRange rule_range;
  std::optional<Item> disable, level;
  SourceRange range;
  Trivia trivia;
  Trivia closing;
};

using Decl = std::variant<Import, List, Macro, Rule, Exception, Override>;

struct File {
  FileId id = kNoFile;
  std::vector<Decl> decls;
  Trivia closing; // comments after the last declaration
};

// A structural dump without positions or comments, for tests and
// `sgc lint --dump ast`.
std::string dump(const File& file);

} // namespace sg::ast
