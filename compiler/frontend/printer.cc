#include "compiler/frontend/printer.h"

#include <cstdio>

namespace sg {
namespace {

constexpr size_t kWidth = 80;

// Length of the UTF-8 character at s[i], or 0 when the bytes there are
// not one: overlong forms, UTF-16 surrogates and code points beyond
// U+10FFFF are not.
size_t utf8_length(std::string_view s, size_t i) {
  auto c = uint8_t(s[i]);
  size_t len = c < 0x80         ? 1
               : (c >> 5) == 6  ? 2
               : (c >> 4) == 14 ? 3
               : (c >> 3) == 30 ? 4
                                : 0;
  if (len == 0 || i + len > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((uint8_t(s[i + k]) & 0xC0) != 0x80) {
      return 0;
    }
  }
  auto next = len > 1 ? uint8_t(s[i + 1]) : 0;
  if ((len == 2 && c < 0xC2) || (c == 0xE0 && next < 0xA0) ||
      (c == 0xED && next > 0x9F) || (c == 0xF0 && next < 0x90) ||
      (c == 0xF4 && next > 0x8F) || c > 0xF4) {
    return 0;
  }
  return len;
}

bool is_bare_word(std::string_view s) {
  if (s.empty() || !(std::isalpha(uint8_t(s[0])) || s[0] == '_')) {
    return false;
  }
  bool after_dot = false;
  for (char c : s) {
    bool word = std::isalnum(uint8_t(c)) || c == '_' || c == '-';
    if (c == '.') {
      if (after_dot) {
        return false;
      }
      after_dot = true;
    } else if (!word) {
      return false;
    } else {
      after_dot = false;
    }
  }
  return !after_dot;
}

// Words the lexer takes as keywords cannot be printed bare.
bool is_keyword(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "import",   "list",       "macro",     "rule",        "exception",
      "override", "id",         "title",     "description", "author",
      "level",    "status",     "tags",      "references",  "falsepositives",
      "event",    "select",     "condition", "output",      "test",
      "match",    "nomatch",    "tag",       "reason",      "expires",
      "when",     "disable",    "allow",     "and",         "or",
      "not",      "of",         "all",       "them",        "in",
      "contains", "startswith", "endswith",  "like",        "matches",
      "cidr",     "has",        "nocase",    "true",        "false"};
  for (std::string_view w : kWords) {
    if (w == s) {
      return true;
    }
  }
  return false;
}

std::string word_or_string(std::string_view s) {
  return is_bare_word(s) && !is_keyword(s) ? std::string(s) : quote(s);
}

int precedence(const ast::Expr& e);
std::string print_operand(const ast::Expr& e, int min_precedence);
std::string test_text(const ast::Test& t);

class Printer {
public:
  std::string out;

  void file(const ast::File& f);

private:
  void line(int indent, const std::string& text, const ast::Trivia& t);
  void leading(int indent, const ast::Trivia& t);
  void closing(int indent, const ast::Trivia& t, const std::string& text);
  void decl(const ast::Import& x);
  void decl(const ast::List& x);
  void decl(const ast::Macro& x);
  void decl(const ast::Rule& x);
  void decl(const ast::Exception& x);
  void decl(const ast::Override& x);
  void list_block(int indent, const std::string& head,
                  const std::vector<std::string>& items,
                  const std::vector<const ast::Trivia*>& trivia,
                  const ast::Trivia& t, const std::string& tail);
  void item(int indent, std::string_view key,
            const std::optional<ast::Item>& it, bool quoted);
  void word_list(int indent, std::string_view key,
                 const std::optional<ast::Item>& it, bool strings);
  void selection(const ast::Selection& s);
  void expr_lines(int indent, const std::string& head, const ast::Expr& e,
                  const ast::Trivia& t);
  void test_lines(int indent, const std::string& head, const ast::Test& test,
                  const ast::Trivia& t);
  void rule_test(const ast::RuleTest& t);
};

void Printer::leading(int indent, const ast::Trivia& t) {
  for (const std::string& c : t.leading) {
    std::string text = c;
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
      text.pop_back();
    }
    out += std::string(size_t(indent), ' ') + text + "\n";
  }
}

void Printer::line(int indent, const std::string& text, const ast::Trivia& t) {
  leading(indent, t);
  out += std::string(size_t(indent), ' ') + text;
  if (!t.trailing.empty()) {
    out += "  " + t.trailing;
  }
  out += "\n";
}

void Printer::closing(int indent, const ast::Trivia& t,
                      const std::string& text) {
  leading(indent + 2, t);
  line(indent, text, ast::Trivia{{}, t.trailing});
}

// `head [a, b]` on one line when it fits and no element has a comment,
// else one element a line.
void Printer::list_block(int indent, const std::string& head,
                         const std::vector<std::string>& items,
                         const std::vector<const ast::Trivia*>& trivia,
                         const ast::Trivia& t, const std::string& tail) {
  bool commented = false;
  for (const ast::Trivia* tr : trivia) {
    commented |=
        tr != nullptr && (!tr->leading.empty() || !tr->trailing.empty());
  }
  std::string joined;
  for (const std::string& s : items) {
    joined += (joined.empty() ? "" : ", ") + s;
  }
  std::string one = head + "[" + joined + "]" + tail;
  if (!commented && size_t(indent) + one.size() <= kWidth) {
    line(indent, one, t);
    return;
  }
  line(indent, head + "[", ast::Trivia{t.leading, {}});
  for (size_t i = 0; i < items.size(); ++i) {
    const ast::Trivia* tr = i < trivia.size() ? trivia[i] : nullptr;
    line(indent + 2, items[i] + ",", tr ? *tr : ast::Trivia{});
  }
  line(indent, "]" + tail, ast::Trivia{{}, t.trailing});
}

void Printer::file(const ast::File& f) {
  const ast::Decl* prev = nullptr;
  for (const ast::Decl& d : f.decls) {
    bool both_imports = prev != nullptr &&
                        std::holds_alternative<ast::Import>(*prev) &&
                        std::holds_alternative<ast::Import>(d);
    if (prev != nullptr && !both_imports) {
      out += "\n";
    }
    std::visit([this](auto& x) { decl(x); }, d);
    prev = &d;
  }
  if (!f.closing.leading.empty()) {
    if (!f.decls.empty()) {
      out += "\n";
    }
    leading(0, f.closing);
  }
}

void Printer::decl(const ast::Import& x) {
  line(0, "import " + quote(x.path), x.trivia);
}

void Printer::decl(const ast::List& x) {
  std::vector<std::string> items;
  std::vector<const ast::Trivia*> trivia;
  for (const ast::Value& v : x.items.items) {
    items.push_back(print_value(v));
    trivia.push_back(&v.trivia);
  }
  list_block(0, "list " + x.name + " = ", items, trivia, x.trivia, "");
}

void Printer::decl(const ast::Macro& x) {
  expr_lines(0, "macro " + x.name + " =", x.body, x.trivia);
}

void Printer::item(int indent, std::string_view key,
                   const std::optional<ast::Item>& it, bool quoted) {
  if (it) {
    std::string v = quoted ? quote(it->value()) : it->value();
    line(indent, std::string(key) + " " + v, it->trivia);
  }
}

void Printer::word_list(int indent, std::string_view key,
                        const std::optional<ast::Item>& it, bool strings) {
  if (!it) {
    return;
  }
  std::vector<std::string> items;
  for (const std::string& v : it->values) {
    items.push_back(strings ? quote(v) : word_or_string(v));
  }
  list_block(indent, std::string(key) + " ", items, {}, it->trivia, "");
}

// `head` and the expression on one line when it fits; else the operands of
// a top-level `and`/`or` one a line, each after its operator.
void Printer::expr_lines(int indent, const std::string& head,
                         const ast::Expr& e, const ast::Trivia& t) {
  std::string one = head + " " + print_expr(e);
  bool chain = e.kind == ast::Expr::Kind::And || e.kind == ast::Expr::Kind::Or;
  if (size_t(indent) + one.size() <= kWidth || !chain) {
    if (e.kind == ast::Expr::Kind::Test) {
      test_lines(indent, head + " ", e.test, t);
    } else {
      line(indent, one, t);
    }
    return;
  }
  bool is_or = e.kind == ast::Expr::Kind::Or;
  line(indent, head, ast::Trivia{t.leading, {}});
  for (size_t i = 0; i < e.operands.size(); ++i) {
    std::string op = i == 0 ? "" : is_or ? "or " : "and ";
    bool last = i + 1 == e.operands.size();
    line(indent + 4, op + print_operand(e.operands[i], is_or ? 1 : 2),
         ast::Trivia{{}, last ? t.trailing : ""});
  }
}

// A test on one line when it fits; else its list one value a line.
void Printer::test_lines(int indent, const std::string& head,
                         const ast::Test& test, const ast::Trivia& t) {
  std::string one = head + test_text(test);
  if (size_t(indent) + one.size() <= kWidth ||
      test.value.kind != ast::Value::Kind::List) {
    line(indent, one, t);
    return;
  }
  std::string prefix =
      one.substr(0, one.size() - print_value(test.value).size());
  std::vector<std::string> items;
  for (const ast::Value& v : test.value.items) {
    items.push_back(print_value(v));
  }
  list_block(indent, prefix, items, {}, t, "");
}

void Printer::selection(const ast::Selection& s) {
  std::string head = "select " + s.name + ":";
  if (s.tests.size() == 1 && s.tests[0].trivia.leading.empty()) {
    const ast::Test& t = s.tests[0];
    ast::Trivia tr{s.trivia.leading, t.trivia.trailing.empty()
                                         ? s.trivia.trailing
                                         : t.trivia.trailing};
    test_lines(2, head + " ", t, tr);
    return;
  }
  line(2, head, s.trivia);
  for (const ast::Test& t : s.tests) {
    test_lines(4, "", t, t.trivia);
  }
}

void Printer::rule_test(const ast::RuleTest& t) {
  std::string head = std::string("test ") + (t.match ? "match " : "nomatch ") +
                     quote(t.label) + " {";
  if (t.fields.empty()) {
    line(2, head + "}", t.trivia);
    return;
  }
  // A comment after the closing brace stays there: on the head line it
  // would lead the first field when read back.
  line(2, head, ast::Trivia{t.trivia.leading, {}});
  for (const ast::Assign& a : t.fields) {
    line(4, a.field + ": " + print_value(a.value), a.trivia);
  }
  line(2, "}", ast::Trivia{{}, t.trivia.trailing});
}

void Printer::decl(const ast::Rule& x) {
  line(0, "rule " + x.name + " {", x.trivia);
  item(2, "id", x.id, true);
  item(2, "title", x.title, true);
  item(2, "description", x.description, true);
  item(2, "author", x.author, true);
  item(2, "level", x.level, false);
  item(2, "status", x.status, false);
  word_list(2, "tags", x.tags, false);
  word_list(2, "references", x.references, true);
  word_list(2, "falsepositives", x.falsepositives, true);
  word_list(2, "allow", x.allow, false);
  if (x.events) {
    if (x.events->values.size() == 1) {
      item(2, "event", x.events, false);
    } else {
      word_list(2, "event", x.events, false);
    }
  }
  if (!x.selections.empty() || x.condition) {
    out += "\n";
  }
  for (const ast::Selection& s : x.selections) {
    selection(s);
  }
  if (x.condition) {
    expr_lines(2, "condition:", x.condition->expr, x.condition->trivia);
  }
  if (x.output) {
    out += "\n";
    item(2, "output", x.output, true);
  }
  for (const ast::RuleTest& t : x.tests) {
    out += "\n";
    rule_test(t);
  }
  closing(0, x.closing, "}");
}

void Printer::decl(const ast::Exception& x) {
  line(0, "exception " + x.name + " {", x.trivia);
  item(2, "rule", x.rule, false);
  if (x.tag) {
    line(2, "tag " + word_or_string(x.tag->value()), x.tag->trivia);
  }
  item(2, "reason", x.reason, true);
  item(2, "expires", x.expires, false);
  if (x.when) {
    expr_lines(2, "when:", x.when->expr, x.when->trivia);
  }
  closing(0, x.closing, "}");
}

void Printer::decl(const ast::Override& x) {
  line(0, "override " + x.rule + " {", x.trivia);
  if (x.disable) {
    line(2, "disable", x.disable->trivia);
  }
  item(2, "level", x.level, false);
  closing(0, x.closing, "}");
}

int precedence(const ast::Expr& e) {
  switch (e.kind) {
  case ast::Expr::Kind::Or:
    return 0;
  case ast::Expr::Kind::And:
    return 1;
  case ast::Expr::Kind::Not:
    return 2;
  default:
    return 3;
  }
}

std::string print_operand(const ast::Expr& e, int min_precedence) {
  std::string s = print_expr(e);
  return precedence(e) < min_precedence ? "(" + s + ")" : s;
}

std::string test_text(const ast::Test& t) {
  std::string out = t.field + " " + std::string(ast::op_text(t.op));
  if (t.all) {
    out += " all";
  }
  if (t.nocase) {
    out += " nocase";
  }
  return out + " " + print_value(t.value);
}

} // namespace

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (size_t len = utf8_length(s, i); len > 1) {
      out += s.substr(i, len);
      i += len - 1;
      continue;
    }
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      // Control characters, and bytes that are not UTF-8 text (which an
      // escape can make), are escaped: the file must stay UTF-8.
      if (uint8_t(c) < 0x20 || uint8_t(c) >= 0x7f) {
        char buf[5];
        snprintf(buf, sizeof buf, "\\x%02x", uint8_t(c));
        out += buf;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

std::string print_value(const ast::Value& v) {
  switch (v.kind) {
  case ast::Value::Kind::String:
    return quote(v.text);
  case ast::Value::Kind::Int:
    return v.text;
  case ast::Value::Kind::Bool:
    return v.boolean ? "true" : "false";
  case ast::Value::Kind::Name:
    return v.text;
  case ast::Value::Kind::List: {
    std::string out = "[";
    for (size_t i = 0; i < v.items.size(); ++i) {
      out += (i == 0 ? "" : ", ") + print_value(v.items[i]);
    }
    return out + "]";
  }
  }
  return "";
}

std::string print_expr(const ast::Expr& e) {
  switch (e.kind) {
  case ast::Expr::Kind::Or:
  case ast::Expr::Kind::And: {
    bool is_or = e.kind == ast::Expr::Kind::Or;
    std::string out;
    for (const ast::Expr& op : e.operands) {
      if (!out.empty()) {
        out += is_or ? " or " : " and ";
      }
      out += print_operand(op, is_or ? 1 : 2);
    }
    return out;
  }
  case ast::Expr::Kind::Not:
    return "not " + print_operand(e.operands.front(), 2);
  case ast::Expr::Kind::Ref:
    return e.name;
  case ast::Expr::Kind::Quantifier: {
    std::string target = e.target == ast::Expr::Target::Them      ? "them"
                         : e.target == ast::Expr::Target::Pattern ? e.name + "*"
                                                                  : e.name;
    return (e.quant_all ? "all of " : "1 of ") + target;
  }
  case ast::Expr::Kind::Test:
    return test_text(e.test);
  }
  return "";
}

std::string print_file(const ast::File& file) {
  Printer p;
  p.file(file);
  return p.out;
}

} // namespace sg
