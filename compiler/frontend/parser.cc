#include "compiler/frontend/parser.h"

#include <charconv>
#include <unordered_map>

#include <antlr4-runtime.h>

#include "SgRulesLexer.h"
#include "SgRulesParser.h"

namespace sg {
namespace {

using P = sggrammar::SgRulesParser;
using antlr4::ParserRuleContext;
using antlr4::Token;
using antlr4::tree::TerminalNode;

// ---------------------------------------------------------------- input

uint32_t code_points(std::string_view s) {
  uint32_t n = 0;
  for (char c : s) {
    n += (uint8_t(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

// Position (line, column) of byte `offset`, both 1-based.
SourceRange range_at(FileId id, std::string_view text, size_t offset) {
  uint32_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  uint32_t col = code_points(text.substr(line_start, offset - line_start)) + 1;
  return {id, line, col, line, col};
}

// Returns the offset of the first byte that is not valid UTF-8 text (a NUL
// or a malformed sequence), or npos.
size_t find_bad_byte(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = uint8_t(s[i]);
    size_t len = c < 0x80         ? 1
                 : (c >> 5) == 6  ? 2
                 : (c >> 4) == 14 ? 3
                 : (c >> 3) == 30 ? 4
                                  : 0;
    if (c == 0 || len == 0 || i + len > s.size()) {
      return i;
    }
    for (size_t k = 1; k < len; ++k) {
      if ((uint8_t(s[i + k]) & 0xC0) != 0x80) {
        return i;
      }
    }
    if ((len == 2 && c < 0xC2) || (len == 4 && c > 0xF4)) {
      return i; // overlong, or beyond U+10FFFF
    }
    auto next = len > 1 ? uint8_t(s[i + 1]) : 0;
    if ((c == 0xE0 && next < 0xA0) || (c == 0xF0 && next < 0x90) ||
        (c == 0xED && next > 0x9F) || (c == 0xF4 && next > 0x8F)) {
      return i; // overlong, a UTF-16 surrogate, or beyond U+10FFFF
    }
    i += len;
  }
  return std::string_view::npos;
}

// ---------------------------------------------------------------- errors

class ErrorCollector : public antlr4::BaseErrorListener {
public:
  ErrorCollector(FileId id, Diagnostics& diags, size_t max_errors)
      : id_(id), diags_(diags), max_errors_(max_errors) {}

  void syntaxError(antlr4::Recognizer*, Token* bad, size_t line, size_t col,
                   const std::string& msg, std::exception_ptr) override {
    uint32_t width = 1;
    std::string text;
    if (bad != nullptr) {
      text = bad->getType() == Token::EOF ? "" : bad->getText();
      width = std::max<uint32_t>(1, code_points(text));
    }
    SourceRange r{id_, uint32_t(line), uint32_t(col + 1), uint32_t(line),
                  uint32_t(col + width)};
    Diagnostic& d = diags_.report(Code::E0100, r, describe(bad, msg));
    if (text == "\"") {
      d.hints.emplace_back("a string ends with '\"' on the same line");
    }
    if (++count_ >= max_errors_) {
      throw antlr4::ParseCancellationException();
    }
  }

  size_t count() const { return count_; }

private:
  static std::string describe(Token* bad, const std::string& msg) {
    if (bad == nullptr) {
      return msg;
    }
    if (bad->getType() == Token::EOF) {
      return "unexpected end of file" + expected(msg);
    }
    std::string text = bad->getText();
    if (text == "\"") {
      return "unterminated string";
    }
    if (text.size() > 40) {
      size_t cut = 40; // not inside a UTF-8 sequence
      while (cut > 0 && (uint8_t(text[cut]) & 0xC0) == 0x80) {
        --cut;
      }
      text = text.substr(0, cut) + "...";
    }
    std::string shown; // control characters spelled out, not sent raw
    for (char c : text) {
      if (uint8_t(c) < 0x20 || c == 0x7f) {
        char buf[8];
        snprintf(buf, sizeof buf, "\\x%02x", unsigned(uint8_t(c)));
        shown += buf;
      } else {
        shown += c;
      }
    }
    return "unexpected '" + shown + "'" + expected(msg);
  }

  // ANTLR says "... expecting {A, B, C}", or "missing X at 'y'" when one
  // token is missing; keep the list when it is short.
  static std::string expected(const std::string& msg) {
    std::string what;
    if (size_t at = msg.find("expecting "); at != std::string::npos) {
      what = msg.substr(at + 10);
    } else if (size_t end = msg.find(" at ", 8);
               msg.rfind("missing ", 0) == 0 && end != std::string::npos) {
      what = msg.substr(8, end - 8);
    }
    if (what.empty() || std::count(what.begin(), what.end(), ',') > 4) {
      return "";
    }
    if (what.size() > 2 && what.front() == '{' && what.back() == '}') {
      what = what.substr(1, what.size() - 2);
    }
    return ", expected " + what;
  }

  FileId id_;
  Diagnostics& diags_;
  size_t max_errors_;
  size_t count_ = 0;
};

// ---------------------------------------------------------------- builder

class Builder {
public:
  Builder(FileId id, Diagnostics& diags, const ParseLimits& limits,
          antlr4::CommonTokenStream& tokens)
      : id_(id), diags_(diags), limits_(limits), tokens_(tokens) {}

  ast::File file(P::FileContext* ctx);

private:
  SourceRange range(Token* t) const {
    auto line = uint32_t(t->getLine());
    auto col = uint32_t(t->getCharPositionInLine() + 1);
    uint32_t width = std::max<uint32_t>(1, code_points(t->getText()));
    return {id_, line, col, line, col + width - 1};
  }
  SourceRange range(TerminalNode* n) const { return range(n->getSymbol()); }
  SourceRange range(ParserRuleContext* ctx) const {
    return SourceRange::span(range(ctx->getStart()), range(ctx->getStop()));
  }
  ast::Trivia trivia(ParserRuleContext* ctx) const {
    ast::Trivia t;
    t.first_token = uint32_t(ctx->getStart()->getTokenIndex());
    t.last_token = uint32_t(ctx->getStop()->getTokenIndex());
    return t;
  }

  std::string text(Token* t);
  int64_t number(Token* t);
  void check_date(Token* t);

  ast::Decl decl(P::DeclContext* ctx);
  ast::Rule rule(P::RuleDeclContext* ctx);
  void rule_item(ast::Rule& r, P::RuleItemContext* ctx);
  ast::Exception exception(P::ExceptionDeclContext* ctx);
  ast::Override override_decl(P::OverrideDeclContext* ctx);
  ast::Item item(ParserRuleContext* ctx, const std::vector<Token*>& values);
  void set_once(std::optional<ast::Item>& slot, ast::Item it,
                std::string_view what);

  ast::Expr expr(P::ExprContext* ctx);
  ast::Expr and_expr(P::AndExprContext* ctx);
  ast::Expr unary(P::UnaryContext* ctx);
  ast::Test test(P::TestContext* ctx);
  ast::Value value(P::ValueContext* ctx);
  ast::Value list(P::ListLitContext* ctx);

  FileId id_;
  Diagnostics& diags_;
  const ParseLimits& limits_;
  antlr4::CommonTokenStream& tokens_;
};

std::string Builder::text(Token* t) {
  std::string out;
  size_t bad_at = 0;
  if (!decode_string(t->getText(), out, bad_at)) {
    SourceRange r = range(t);
    r.col += code_points(t->getText().substr(0, bad_at));
    r.end_col = r.col + 1;
    r.end_line = r.line;
    diags_.report(Code::E0104, r, "unknown escape sequence in string")
        .hints.emplace_back(
            "escapes are \\\\ \\\" \\n \\r \\t and \\xHH; write \\\\ for a "
            "backslash");
  }
  if (out.size() > limits_.max_string_bytes) {
    diags_.report(Code::E0102, range(t),
                  "string of " + std::to_string(out.size()) +
                      " bytes is over the budget of " +
                      std::to_string(limits_.max_string_bytes));
  }
  return out;
}

int64_t Builder::number(Token* t) {
  std::string s = t->getText();
  int base = 10;
  size_t skip = 0;
  if (s.rfind("0x", 0) == 0) {
    base = 16;
    skip = 2;
  } else if (s.rfind("0o", 0) == 0) {
    base = 8;
    skip = 2;
  }
  int64_t v = 0;
  auto [end, ec] =
      std::from_chars(s.data() + skip, s.data() + s.size(), v, base);
  if (ec != std::errc() || end != s.data() + s.size()) {
    diags_.report(Code::E0104, range(t),
                  "number '" + s + "' does not fit in 64 bits");
  }
  return v;
}

void Builder::check_date(Token* t) {
  std::string s = t->getText(); // YYYY-MM-DD, by the lexer
  int y = std::stoi(s.substr(0, 4));
  int m = std::stoi(s.substr(5, 2));
  int d = std::stoi(s.substr(8, 2));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1] ||
      (m == 2 && d == 29 && !leap)) {
    diags_.report(Code::E0104, range(t), "'" + s + "' is not a calendar date");
  }
}

ast::File Builder::file(P::FileContext* ctx) {
  ast::File f;
  f.id = id_;
  for (P::DeclContext* d : ctx->decl()) {
    f.decls.push_back(decl(d));
  }
  f.closing.first_token = uint32_t(ctx->EOF()->getSymbol()->getTokenIndex());
  f.closing.last_token = f.closing.first_token;
  return f;
}

ast::Decl Builder::decl(P::DeclContext* ctx) {
  if (auto* c = ctx->importDecl()) {
    ast::Import im{text(c->STRING()->getSymbol()), range(c->STRING()), range(c),
                   trivia(c)};
    return im;
  }
  if (auto* c = ctx->listDecl()) {
    ast::List l{c->IDENT()->getText(), range(c->IDENT()), list(c->listLit()),
                range(c), trivia(c)};
    return l;
  }
  if (auto* c = ctx->macroDecl()) {
    ast::Macro m{c->IDENT()->getText(), range(c->IDENT()), expr(c->expr()),
                 range(c), trivia(c)};
    return m;
  }
  if (auto* c = ctx->ruleDecl()) {
    return rule(c);
  }
  if (auto* c = ctx->exceptionDecl()) {
    return exception(c);
  }
  return override_decl(ctx->overrideDecl());
}

ast::Item Builder::item(ParserRuleContext* ctx,
                        const std::vector<Token*>& values) {
  ast::Item it;
  for (Token* t : values) {
    bool quoted = t->getType() == P::STRING;
    it.values.push_back(quoted ? text(t) : t->getText());
    it.value_ranges.push_back(range(t));
  }
  it.range = range(ctx);
  it.trivia = trivia(ctx);
  return it;
}

void Builder::set_once(std::optional<ast::Item>& slot, ast::Item it,
                       std::string_view what) {
  if (slot) {
    Diagnostic& d =
        diags_.report(Code::E0210, it.range,
                      "'" + std::string(what) + "' is given more than once");
    d.notes.push_back({slot->range, "first given here"});
    return;
  }
  slot = std::move(it);
}

ast::Rule Builder::rule(P::RuleDeclContext* ctx) {
  ast::Rule r;
  r.name = ctx->IDENT()->getText();
  r.name_range = range(ctx->IDENT());
  r.range = range(ctx);
  r.trivia = trivia(ctx);
  for (P::RuleItemContext* item : ctx->ruleItem()) {
    rule_item(r, item);
  }
  auto close = uint32_t(ctx->getStop()->getTokenIndex());
  r.closing.first_token = r.closing.last_token = close;
  return r;
}

void Builder::rule_item(ast::Rule& r, P::RuleItemContext* ctx) {
  if (auto* c = dynamic_cast<P::RuleTextContext*>(ctx)) {
    std::string key = c->key->getText();
    auto& slot = key == "id"            ? r.id
                 : key == "title"       ? r.title
                 : key == "description" ? r.description
                 : key == "author"      ? r.author
                                        : r.output;
    set_once(slot, item(c, {c->STRING()->getSymbol()}), key);
  } else if (auto* c = dynamic_cast<P::RuleWordContext*>(ctx)) {
    std::string key = c->key->getText();
    set_once(key == "level" ? r.level : r.status, item(c, {c->word}), key);
  } else if (auto* c = dynamic_cast<P::RuleTagsContext*>(ctx)) {
    std::vector<Token*> tags;
    for (P::TagContext* t : c->tag()) {
      tags.push_back(t->getStart());
    }
    set_once(r.tags, item(c, tags), "tags");
  } else if (auto* c = dynamic_cast<P::RuleStringsContext*>(ctx)) {
    std::vector<Token*> strings;
    for (TerminalNode* s : c->stringList()->STRING()) {
      strings.push_back(s->getSymbol());
    }
    std::string key = c->key->getText();
    set_once(key == "references" ? r.references : r.falsepositives,
             item(c, strings), key);
  } else if (auto* c = dynamic_cast<P::RuleEventContext*>(ctx)) {
    std::vector<Token*> kinds;
    for (TerminalNode* k : c->IDENT()) {
      kinds.push_back(k->getSymbol());
    }
    set_once(r.events, item(c, kinds), "event");
  } else if (auto* c = dynamic_cast<P::RuleSelectContext*>(ctx)) {
    ast::Selection s{
        c->IDENT()->getText(), range(c->IDENT()), {}, range(c), trivia(c)};
    for (P::TestContext* t : c->test()) {
      s.tests.push_back(test(t));
    }
    r.selections.push_back(std::move(s));
  } else if (auto* c = dynamic_cast<P::RuleConditionContext*>(ctx)) {
    ast::Condition cond{expr(c->expr()), range(c), trivia(c)};
    if (r.condition) {
      diags_
          .report(Code::E0210, cond.range,
                  "'condition' is given more than once")
          .notes.push_back({r.condition->range, "first given here"});
    } else {
      r.condition = std::move(cond);
    }
  } else if (auto* c = dynamic_cast<P::RuleAllowContext*>(ctx)) {
    std::vector<Token*> names;
    for (TerminalNode* n : c->IDENT()) {
      names.push_back(n->getSymbol());
    }
    set_once(r.allow, item(c, names), "allow");
  } else if (auto* c = dynamic_cast<P::RuleTestContext*>(ctx)) {
    ast::RuleTest t;
    t.match = c->verdict->getType() == P::MATCH;
    t.label = text(c->STRING()->getSymbol());
    t.range = range(c);
    t.trivia = trivia(c);
    for (P::AssignContext* a : c->assign()) {
      t.fields.push_back(
          {a->key->getText(), range(a->key), value(a->value()), trivia(a)});
    }
    r.tests.push_back(std::move(t));
  }
}

ast::Exception Builder::exception(P::ExceptionDeclContext* ctx) {
  ast::Exception e;
  e.name = ctx->IDENT()->getText();
  e.name_range = range(ctx->IDENT());
  e.range = range(ctx);
  e.trivia = trivia(ctx);
  for (P::ExceptionItemContext* it : ctx->exceptionItem()) {
    if (auto* c = dynamic_cast<P::ExceptionRuleContext*>(it)) {
      set_once(e.rule, item(c, {c->IDENT()->getSymbol()}), "rule");
    } else if (auto* c = dynamic_cast<P::ExceptionTagContext*>(it)) {
      set_once(e.tag, item(c, {c->tag()->getStart()}), "tag");
    } else if (auto* c = dynamic_cast<P::ExceptionReasonContext*>(it)) {
      set_once(e.reason, item(c, {c->STRING()->getSymbol()}), "reason");
    } else if (auto* c = dynamic_cast<P::ExceptionExpiresContext*>(it)) {
      check_date(c->DATE()->getSymbol());
      set_once(e.expires, item(c, {c->DATE()->getSymbol()}), "expires");
    } else if (auto* c = dynamic_cast<P::ExceptionWhenContext*>(it)) {
      ast::Condition when{expr(c->expr()), range(c), trivia(c)};
      if (e.when) {
        diags_.report(Code::E0210, when.range, "'when' is given more than once")
            .notes.push_back({e.when->range, "first given here"});
      } else {
        e.when = std::move(when);
      }
    }
  }
  auto close = uint32_t(ctx->getStop()->getTokenIndex());
  e.closing.first_token = e.closing.last_token = close;
  return e;
}

ast::Override Builder::override_decl(P::OverrideDeclContext* ctx) {
  ast::Override o;
  o.rule = ctx->IDENT()->getText();
  o.rule_range = range(ctx->IDENT());
  o.range = range(ctx);
  o.trivia = trivia(ctx);
  for (P::OverrideItemContext* it : ctx->overrideItem()) {
    if (auto* c = dynamic_cast<P::OverrideDisableContext*>(it)) {
      set_once(o.disable, item(c, {c->DISABLE()->getSymbol()}), "disable");
    } else if (auto* c = dynamic_cast<P::OverrideLevelContext*>(it)) {
      set_once(o.level, item(c, {c->IDENT()->getSymbol()}), "level");
    }
  }
  auto close = uint32_t(ctx->getStop()->getTokenIndex());
  o.closing.first_token = o.closing.last_token = close;
  return o;
}

ast::Expr Builder::expr(P::ExprContext* ctx) {
  std::vector<P::AndExprContext*> terms = ctx->andExpr();
  if (terms.size() == 1) {
    return and_expr(terms[0]);
  }
  ast::Expr e;
  e.kind = ast::Expr::Kind::Or;
  e.range = range(ctx);
  for (P::AndExprContext* t : terms) {
    e.operands.push_back(and_expr(t));
  }
  return e;
}

ast::Expr Builder::and_expr(P::AndExprContext* ctx) {
  std::vector<P::UnaryContext*> terms = ctx->unary();
  if (terms.size() == 1) {
    return unary(terms[0]);
  }
  ast::Expr e;
  e.kind = ast::Expr::Kind::And;
  e.range = range(ctx);
  for (P::UnaryContext* t : terms) {
    e.operands.push_back(unary(t));
  }
  return e;
}

ast::Expr Builder::unary(P::UnaryContext* ctx) {
  ast::Expr e;
  e.range = range(ctx);
  if (auto* c = dynamic_cast<P::NotExprContext*>(ctx)) {
    e.kind = ast::Expr::Kind::Not;
    e.operands.push_back(unary(c->unary()));
  } else if (auto* c = dynamic_cast<P::ParenExprContext*>(ctx)) {
    e = expr(c->expr());
  } else if (auto* c = dynamic_cast<P::QuantExprContext*>(ctx)) {
    P::QuantifierContext* q = c->quantifier();
    e.kind = ast::Expr::Kind::Quantifier;
    e.quant_all = q->count->getType() == P::ALL;
    if (!e.quant_all && q->count->getText() != "1") {
      diags_.report(Code::E0100, range(q->count),
                    "only '1 of' and 'all of' are quantifiers");
    }
    std::string target = q->target->getText();
    if (q->target->getType() == P::THEM) {
      e.target = ast::Expr::Target::Them;
    } else if (q->target->getType() == P::PATTERN) {
      e.target = ast::Expr::Target::Pattern;
      e.name = target.substr(0, target.size() - 1);
    } else {
      e.target = ast::Expr::Target::Name;
      e.name = target;
    }
  } else if (auto* c = dynamic_cast<P::TestExprContext*>(ctx)) {
    e.kind = ast::Expr::Kind::Test;
    e.test = test(c->test());
  } else if (auto* c = dynamic_cast<P::RefExprContext*>(ctx)) {
    e.kind = ast::Expr::Kind::Ref;
    e.name = c->IDENT()->getText();
  }
  return e;
}

ast::Op op_of(const std::string& s) {
  static const std::pair<std::string_view, ast::Op> kOps[] = {
      {"==", ast::Op::Eq},
      {"<", ast::Op::Lt},
      {"<=", ast::Op::Le},
      {">", ast::Op::Gt},
      {">=", ast::Op::Ge},
      {"in", ast::Op::In},
      {"contains", ast::Op::Contains},
      {"startswith", ast::Op::StartsWith},
      {"endswith", ast::Op::EndsWith},
      {"like", ast::Op::Like},
      {"matches", ast::Op::Matches},
      {"cidr", ast::Op::Cidr},
      {"has", ast::Op::Has},
  };
  for (auto& [text, op] : kOps) {
    if (text == s) {
      return op;
    }
  }
  return ast::Op::Eq; // unreachable: the grammar allows only these
}

ast::Test Builder::test(P::TestContext* ctx) {
  ast::Test t;
  t.field = ctx->IDENT()->getText();
  t.field_range = range(ctx->IDENT());
  t.op = op_of(ctx->op()->getText());
  t.op_range = range(ctx->op());
  for (P::ModifierContext* m : ctx->modifier()) {
    bool is_all = m->ALL() != nullptr;
    bool& flag = is_all ? t.all : t.nocase;
    SourceRange& where = is_all ? t.all_range : t.nocase_range;
    if (flag) {
      diags_.report(Code::E0210, range(m),
                    "'" + m->getText() + "' is given more than once");
    }
    flag = true;
    where = range(m);
  }
  t.value = value(ctx->value());
  t.range = range(ctx);
  t.trivia = trivia(ctx);
  return t;
}

ast::Value Builder::value(P::ValueContext* ctx) {
  ast::Value v;
  v.range = range(ctx);
  v.trivia = trivia(ctx);
  if (auto* c = dynamic_cast<P::StringValueContext*>(ctx)) {
    v.kind = ast::Value::Kind::String;
    v.text = text(c->STRING()->getSymbol());
  } else if (auto* c = dynamic_cast<P::IntValueContext*>(ctx)) {
    v.kind = ast::Value::Kind::Int;
    v.text = c->INT()->getText();
    v.number = number(c->INT()->getSymbol());
  } else if (auto* c = dynamic_cast<P::BoolValueContext*>(ctx)) {
    v.kind = ast::Value::Kind::Bool;
    v.boolean = c->TRUE() != nullptr;
  } else if (auto* c = dynamic_cast<P::NameValueContext*>(ctx)) {
    v.kind = ast::Value::Kind::Name;
    v.text = c->IDENT()->getText();
  } else if (auto* c = dynamic_cast<P::ListValueContext*>(ctx)) {
    v = list(c->listLit());
  }
  return v;
}

ast::Value Builder::list(P::ListLitContext* ctx) {
  ast::Value v;
  v.kind = ast::Value::Kind::List;
  v.range = range(ctx);
  v.trivia = trivia(ctx);
  std::vector<P::ValueContext*> items = ctx->value();
  if (items.size() > limits_.max_list_items) {
    diags_.report(Code::E0102, SourceRange::span(v.range, v.range),
                  "list of " + std::to_string(items.size()) +
                      " values is over the budget of " +
                      std::to_string(limits_.max_list_items));
    return v;
  }
  for (P::ValueContext* item : items) {
    v.items.push_back(value(item));
    if (v.items.back().kind == ast::Value::Kind::List) {
      diags_.report(Code::E0303, v.items.back().range,
                    "a list cannot contain a list");
    }
  }
  return v;
}

// ---------------------------------------------------------------- comments

// Collects every Trivia of the tree in source order of first token.
class TriviaWalker {
public:
  std::vector<ast::Trivia*> all;

  void file(ast::File& f) {
    for (ast::Decl& d : f.decls) {
      std::visit([this](auto& x) { decl(x); }, d);
    }
    all.push_back(&f.closing);
  }

private:
  void decl(ast::Import& x) { all.push_back(&x.trivia); }
  void decl(ast::List& x) {
    all.push_back(&x.trivia);
    value(x.items);
  }
  void decl(ast::Macro& x) { all.push_back(&x.trivia); }
  void decl(ast::Rule& x) {
    all.push_back(&x.trivia);
    for (auto* it : {&x.id, &x.title, &x.description, &x.author, &x.level,
                     &x.status, &x.tags, &x.references, &x.falsepositives,
                     &x.events, &x.output, &x.allow}) {
      if (*it) {
        all.push_back(&(*it)->trivia);
      }
    }
    for (ast::Selection& s : x.selections) {
      all.push_back(&s.trivia);
      for (ast::Test& t : s.tests) {
        all.push_back(&t.trivia);
      }
    }
    if (x.condition) {
      all.push_back(&x.condition->trivia);
    }
    for (ast::RuleTest& t : x.tests) {
      all.push_back(&t.trivia);
      for (ast::Assign& a : t.fields) {
        all.push_back(&a.trivia);
      }
    }
    all.push_back(&x.closing);
  }
  void decl(ast::Exception& x) {
    all.push_back(&x.trivia);
    for (auto* it : {&x.rule, &x.tag, &x.reason, &x.expires}) {
      if (*it) {
        all.push_back(&(*it)->trivia);
      }
    }
    if (x.when) {
      all.push_back(&x.when->trivia);
    }
    all.push_back(&x.closing);
  }
  void decl(ast::Override& x) {
    all.push_back(&x.trivia);
    for (auto* it : {&x.disable, &x.level}) {
      if (*it) {
        all.push_back(&(*it)->trivia);
      }
    }
    all.push_back(&x.closing);
  }
  void value(ast::Value& v) {
    for (ast::Value& item : v.items) {
      all.push_back(&item.trivia);
    }
  }
};

// Gives each comment token to a node: a comment that follows a node's last
// token on the same line trails that node; any other comment leads the
// first node that starts after it. No comment is dropped: the file's
// closing trivia takes whatever is left.
void attach_comments(ast::File& f, antlr4::CommonTokenStream& tokens) {
  TriviaWalker w;
  w.file(f);
  std::stable_sort(w.all.begin(), w.all.end(), [](auto* a, auto* b) {
    return a->first_token < b->first_token;
  });
  // The nodes ending at each token, in first-token order: the innermost is
  // the last. Lookups stay cheap however many comments a file has.
  std::unordered_map<size_t, std::vector<ast::Trivia*>> by_last;
  for (ast::Trivia* tr : w.all) {
    by_last[tr->last_token].push_back(tr);
  }
  auto ending_at = [&](Token* end) -> ast::Trivia* {
    auto it = by_last.find(end->getTokenIndex());
    if (it == by_last.end()) {
      return nullptr;
    }
    for (auto tr = it->second.rbegin(); tr != it->second.rend(); ++tr) {
      if ((*tr)->trailing.empty()) {
        return *tr;
      }
    }
    return nullptr;
  };
  Token* prev = nullptr;   // the last token that is not a comment
  Token* before = nullptr; // the one before it
  for (Token* t : tokens.getTokens()) {
    if (t->getChannel() == Token::DEFAULT_CHANNEL) {
      before = prev;
      prev = t;
    }
    if (t->getChannel() != Token::HIDDEN_CHANNEL) {
      continue;
    }
    auto index = uint32_t(t->getTokenIndex());
    std::string text = t->getText();
    ast::Trivia* trail = nullptr;
    if (prev != nullptr && prev->getLine() == t->getLine()) {
      trail = ending_at(prev);
      // A list element's comma is not part of it: `"a",  # c` trails "a".
      if (trail == nullptr && before != nullptr && prev->getText() == ",") {
        trail = ending_at(before);
      }
    }
    if (trail != nullptr) {
      trail->trailing = text;
      continue;
    }
    auto next = std::upper_bound(
        w.all.begin(), w.all.end(), index,
        [](uint32_t i, const ast::Trivia* tr) { return i < tr->first_token; });
    (next == w.all.end() ? &f.closing : *next)->leading.push_back(text);
  }
}

// Rejects nesting deeper than the parser's recursion can take.
bool check_nesting(FileId id, antlr4::CommonTokenStream& tokens,
                   Diagnostics& diags, uint32_t max) {
  uint32_t depth = 0;
  uint32_t nots = 0; // the `not`s just read
  // The `not`s before each open bracket, which stay until it closes: in
  // `not (not (a))` the second is two levels deep, however it is spelled.
  std::vector<uint32_t> held;
  uint32_t held_nots = 0;
  for (Token* t : tokens.getTokens()) {
    std::string s = t->getType() == P::NOT ? "not" : t->getText();
    if (t->getChannel() != Token::DEFAULT_CHANNEL) {
      continue;
    }
    if (t->getType() == P::NOT) {
      ++nots;
    } else if (s == "(" || s == "[") {
      held.push_back(nots);
      held_nots += nots;
      nots = 0;
      ++depth;
    } else {
      if ((s == ")" || s == "]") && depth > 0) {
        --depth;
        held_nots -= held.back();
        held.pop_back();
      }
      nots = 0;
    }
    if (depth + held_nots + nots > max) {
      auto line = uint32_t(t->getLine());
      auto col = uint32_t(t->getCharPositionInLine() + 1);
      diags.report(Code::E0103, {id, line, col, line, col},
                   "nesting is deeper than " + std::to_string(max) + " levels");
      return false;
    }
  }
  return true;
}

} // namespace

bool decode_string(std::string_view token, std::string& out, size_t& bad_at) {
  out.clear();
  std::string_view body = token.substr(1, token.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    char e = i + 1 < body.size() ? body[i + 1] : '\0';
    auto hex = [](char h) { return std::isxdigit(uint8_t(h)) != 0; };
    switch (e) {
    case '\\':
      out += '\\';
      break;
    case '"':
      out += '"';
      break;
    case 'n':
      out += '\n';
      break;
    case 'r':
      out += '\r';
      break;
    case 't':
      out += '\t';
      break;
    case 'x':
      if (i + 3 < body.size() + 0 && hex(body[i + 2]) && hex(body[i + 3])) {
        out += char(std::stoi(std::string(body.substr(i + 2, 2)), nullptr, 16));
        i += 2;
        break;
      }
      [[fallthrough]];
    default:
      bad_at = i + 1; // +1 for the opening quote
      return false;
    }
    ++i;
  }
  return true;
}

std::optional<ast::File> parse_file(FileId id, const SourceManager& sm,
                                    Diagnostics& diags,
                                    const ParseLimits& limits) {
  const std::string& text = sm.file(id).text;
  if (text.size() > limits.max_file_bytes) {
    diags.report(Code::E0102, {id, 1, 1, 1, 1},
                 "file of " + std::to_string(text.size()) +
                     " bytes is over the budget of " +
                     std::to_string(limits.max_file_bytes));
    return std::nullopt;
  }
  if (size_t bad = find_bad_byte(text); bad != std::string_view::npos) {
    diags.report(
        Code::E0101, range_at(id, text, bad), "byte 0x" + [&] {
          char buf[3];
          snprintf(buf, sizeof buf, "%02x", uint8_t(text[bad]));
          return std::string(buf);
        }() + " is not UTF-8 text");
    return std::nullopt;
  }

  antlr4::ANTLRInputStream input(text);
  sggrammar::SgRulesLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  if (tokens.size() > limits.max_tokens) {
    diags.report(Code::E0102, {id, 1, 1, 1, 1},
                 "file of " + std::to_string(tokens.size()) +
                     " tokens is over the budget of " +
                     std::to_string(limits.max_tokens));
    return std::nullopt;
  }
  if (!check_nesting(id, tokens, diags, limits.max_nesting)) {
    return std::nullopt;
  }

  P parser(&tokens);
  parser.removeErrorListeners();
  ErrorCollector errors(id, diags, limits.max_syntax_errors);
  parser.addErrorListener(&errors);
  P::FileContext* tree = nullptr;
  try {
    tree = parser.file();
  } catch (const antlr4::ParseCancellationException&) {
    return std::nullopt;
  }
  if (errors.count() > 0) {
    return std::nullopt;
  }
  Builder builder(id, diags, limits, tokens);
  ast::File file = builder.file(tree);
  attach_comments(file, tokens);
  return file;
}

} // namespace sg
