// Hostile input: truncated, mutated, random, deep, huge or pathological
// rule files never crash or hang the compiler, and each gets a clear
// error with the right code and position. Budgets come from ParseLimits.
//
// Nothing here is timed: a hang shows as the test's timeout, a crash as a
// failed test binary. Generated inputs use fixed seeds.
#include <random>

#include <antlr4-runtime.h>
#include <gtest/gtest.h>

#include "SgRulesLexer.h"
#include "compiler/frontend/printer.h"
#include "tests/unit/rule_corpus.h"

namespace sg::testing {
namespace {

namespace fs = std::filesystem;

std::string codes_of(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const Diagnostic& d : diags) {
    out += std::string(code_info(d.code).id) + " ";
  }
  return out;
}

// What every pass made of one file.
struct Outcome {
  FileId file = kNoFile;
  bool parsed = false; // the file has a tree
  size_t errors = 0;
  std::vector<Diagnostic> diags; // sorted
  std::string text;              // rendered
};

Outcome outcome_of(const Compilation& c, FileId file) {
  Outcome o;
  o.file = file;
  o.parsed = file < c.program.files.size() && c.program.files[file];
  o.errors = c.diags.errors();
  o.diags = c.diags.sorted(c.program.sources);
  for (const Diagnostic& d : o.diags) {
    o.text += render_text(d, c.program.sources);
  }
  return o;
}

// Runs the full pass list over `text`, written to `name` in `dir`.
Outcome compile_file(const TempDir& dir, const std::string& text,
                     const std::string& name = "fuzz.sg") {
  Compilation c;
  c.check.today = "2026-06-01";
  c.inputs = {dir.write(name, text)};
  run_passes(c);
  return outcome_of(c, 0);
}

// Runs the pass list, up to `last` (all when empty), over `text` held in
// memory.
Outcome compile_text(const std::string& text, const ParseLimits& limits = {},
                     std::string_view last = {}) {
  Compilation c;
  c.check.today = "2026-06-01";
  c.limits = limits;
  FileId id = add_source(c.program, "mem.sg", text, c.diags, c.limits);
  run_passes(c, last);
  return outcome_of(c, id);
}

// The front end: parsing and checking. The blow-up tests below stop there.
Outcome check_text(const std::string& text) {
  return compile_text(text, {}, "check");
}

// The codes of `o`, which must all be `code`, and there must be some.
::testing::AssertionResult only(const Outcome& o, Code code) {
  bool ok = !o.diags.empty();
  for (const Diagnostic& d : o.diags) {
    ok &= d.code == code;
  }
  if (ok) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "want only " << code_info(code).id
                                       << ", got " << codes_of(o.diags) << "\n"
                                       << o.text.substr(0, 2000);
}

size_t line_count(const std::string& text) {
  return size_t(std::count(text.begin(), text.end(), '\n')) + 1;
}

// What must hold whatever the input: a file without a tree has an error,
// the output is capped, every diagnostic is rendered with its code and
// points into the file, and a tree without errors prints back to itself.
void expect_sane(const Outcome& o, const std::string& text) {
  SCOPED_TRACE(::testing::Message()
               << "input of " << text.size()
               << " bytes: " << ::testing::PrintToString(text.substr(0, 300)));
  EXPECT_TRUE(o.parsed || o.errors > 0) << "no tree and no error";
  EXPECT_LE(o.diags.size(), Diagnostics::kMaxPerFile);
  size_t lines = line_count(text);
  for (const Diagnostic& d : o.diags) {
    std::string id(code_info(d.code).id);
    EXPECT_NE(o.text.find("[" + id + "]"), std::string::npos) << id;
    if (d.range.file != o.file) {
      continue; // in an imported file, or about the run itself
    }
    EXPECT_GE(d.range.line, 1U) << d.message;
    EXPECT_LE(d.range.line, lines) << d.message;
    EXPECT_GE(d.range.col, 1U) << d.message;
    EXPECT_FALSE(d.message.empty());
  }
  EXPECT_EQ(o.diags.empty(), o.text.empty());
  if (!o.parsed) {
    return;
  }
  // A tree that parsed cleanly prints to text that parses to the same tree.
  SourceManager sm;
  Diagnostics diags;
  std::optional<ast::File> tree =
      parse_file(sm.add("x.sg", text, {}), sm, diags);
  if (!tree || diags.errors() > 0) {
    return;
  }
  std::string printed = print_file(*tree);
  Diagnostics again;
  std::optional<ast::File> back =
      parse_file(sm.add("y.sg", printed, {}), sm, again);
  std::string why;
  for (const Diagnostic& d : again.sorted(sm)) {
    why += render_text(d, sm);
  }
  ASSERT_TRUE(back.has_value() && again.errors() == 0) << why << printed;
  EXPECT_EQ(ast::dump(*back), ast::dump(*tree)) << printed;
  EXPECT_EQ(print_file(*back), printed);
}

// ---------------------------------------------------------------- fuzz

TEST(Robustness, CorpusCompilesCleanly) {
  // The mutations below start from a program every pass accepts.
  TempDir dir;
  Outcome o = compile_file(dir, kCorpus);
  EXPECT_EQ(o.errors, 0U) << o.text;
  EXPECT_TRUE(o.parsed);
}

TEST(Robustness, EveryTruncationOfTheCorpus) {
  std::string corpus = kCorpus;
  size_t parsed = 0;
  for (size_t n = 0; n <= corpus.size(); ++n) {
    std::string prefix = corpus.substr(0, n);
    Outcome o = compile_text(prefix);
    expect_sane(o, prefix);
    parsed += o.parsed ? 1 : 0;
    if (::testing::Test::HasFailure()) {
      break; // one input is enough to see
    }
  }
  // Prefixes ending between declarations parse: the loop saw real trees.
  EXPECT_GT(parsed, 10U);
}

TEST(Robustness, EveryTruncationOfTheRepoFiles) {
  for (const fs::path& p : repo_rule_files()) {
    std::string text = read_text(p);
    // Every byte of small files; about 400 cuts of larger ones.
    size_t step = std::max<size_t>(1, text.size() / 400);
    for (size_t n = 0; n <= text.size(); n += step) {
      std::string prefix = text.substr(0, n);
      expect_sane(compile_text(prefix), prefix);
    }
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "in " << p;
      break;
    }
  }
}

TEST(Robustness, ByteFlips) {
  std::string corpus = kCorpus;
  static constexpr char kNasty[] = {
      '\0', '"', '#', '\n', '(', ')', '[',    ']',    '{',    '}',
      ',',  ':', '*', '\\', ' ', 'x', '\xff', '\xc3', '\x80', '9'};
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> at(0, corpus.size() - 1);
  std::uniform_int_distribution<size_t> flips(1, 4);
  std::uniform_int_distribution<size_t> nasty(0, std::size(kNasty) - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 1200 && !::testing::Test::HasFailure(); ++i) {
    std::string text = corpus;
    for (size_t n = flips(rng); n > 0; --n) {
      size_t pos = at(rng);
      switch (byte(rng) % 3) {
      case 0:
        text[pos] = kNasty[nasty(rng)];
        break;
      case 1:
        text[pos] = char(byte(rng));
        break;
      default:
        text.erase(std::min(pos, text.size()), 1 + size_t(byte(rng) % 8));
      }
    }
    expect_sane(compile_text(text), text);
  }
}

// Tokens of the grammar, taken from the generated lexer so new keywords
// join in, with samples of the tokens that have no fixed text.
std::vector<std::string> grammar_tokens() {
  antlr4::ANTLRInputStream input("");
  sggrammar::SgRulesLexer lexer(&input);
  const antlr4::dfa::Vocabulary& vocab = lexer.getVocabulary();
  std::vector<std::string> out;
  for (size_t t = 1; t <= vocab.getMaxTokenType(); ++t) {
    std::string lit = vocab.getLiteralName(t);
    if (lit.size() >= 3 && lit.front() == '\'') {
      out.push_back(lit.substr(1, lit.size() - 2));
    }
  }
  for (const char* sample : {"2027-06-30",
                             "2026-02-30",
                             "0",
                             "1",
                             "-1",
                             "0x1f",
                             "0o7",
                             "99999999999999999999",
                             "sel_*",
                             "proc.name",
                             "file.path",
                             "file.flags",
                             "net.daddr",
                             "exec",
                             "file.open",
                             "read",
                             "high",
                             "x",
                             "\"x\"",
                             "\"/etc/shadow\"",
                             "\"10.0.0.0/8\"",
                             "\"a\\qb\"",
                             "\"(a+)+\"",
                             "\"{proc.exe}\"",
                             "\"",
                             "# comment\n",
                             "@",
                             "\xe2\x9c\x93"}) {
    out.emplace_back(sample);
  }
  return out;
}

TEST(Robustness, GrammarTokenSoup) {
  std::vector<std::string> vocab = grammar_tokens();
  ASSERT_GT(vocab.size(), 60U);
  EXPECT_NE(std::find(vocab.begin(), vocab.end(), "startswith"), vocab.end());
  EXPECT_NE(std::find(vocab.begin(), vocab.end(), "<="), vocab.end());
  std::mt19937 rng(11);
  std::uniform_int_distribution<size_t> pick(0, vocab.size() - 1);
  std::uniform_int_distribution<size_t> length(1, 120);
  // Wrapped in a rule body half the time, so rule items get further.
  for (int i = 0; i < 1200 && !::testing::Test::HasFailure(); ++i) {
    std::string text = i % 2 == 0 ? "rule r {\n  event exec\n" : "";
    for (size_t n = length(rng); n > 0; --n) {
      text += vocab[pick(rng)] + (n % 7 == 0 ? "\n" : " ");
    }
    text += i % 2 == 0 ? "\n}\n" : "";
    expect_sane(compile_text(text), text);
  }
}

TEST(Robustness, RandomBytes) {
  std::mt19937 rng(13);
  std::uniform_int_distribution<size_t> length(0, 400);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> ascii(9, 126);
  for (int i = 0; i < 800 && !::testing::Test::HasFailure(); ++i) {
    std::string text;
    for (size_t n = length(rng); n > 0; --n) {
      // Every other input is printable ASCII, which gets past the encoding
      // check and into the lexer and parser.
      text += char(i % 2 == 0 ? byte(rng) : ascii(rng));
    }
    expect_sane(compile_text(text), text);
  }
}

// ---------------------------------------------------------------- nesting

TEST(Robustness, DeepParenthesesAreRejected) {
  const size_t n = 100'000;
  std::string text =
      "macro m = " + std::string(n, '(') + "a" + std::string(n, ')') + "\n";
  Outcome o = compile_text(text);
  ASSERT_TRUE(only(o, Code::E0103));
  ASSERT_EQ(o.diags.size(), 1U);
  // The 101st parenthesis is one too many; it starts at column 11 + 100.
  EXPECT_EQ(o.diags[0].range.line, 1U);
  EXPECT_EQ(o.diags[0].range.col, 111U);
  EXPECT_FALSE(o.parsed);
}

TEST(Robustness, DeepNegationIsRejected) {
  const size_t n = 100'000;
  std::string nots;
  for (size_t i = 0; i < n; ++i) {
    nots += "not ";
  }
  Outcome o = compile_text("rule r {\n  condition: " + nots + "a\n}\n");
  ASSERT_TRUE(only(o, Code::E0103));
  EXPECT_EQ(o.diags[0].range.line, 2U);
  EXPECT_EQ(o.diags[0].range.col, 14U + 4 * 100);
  // In an exception too.
  EXPECT_TRUE(
      only(compile_text("exception e { when: " + nots + "a }"), Code::E0103));
}

TEST(Robustness, DeepBracketsAreRejected) {
  const size_t n = 100'000;
  std::string deep = std::string(n, '[') + std::string(n, ']');
  EXPECT_TRUE(only(compile_text("list l = " + deep + "\n"), Code::E0103));
  EXPECT_TRUE(
      only(compile_text("rule r { select s: proc.name in " + deep + " }"),
           Code::E0103));
  // Unbalanced, as a truncated file would be.
  EXPECT_TRUE(
      only(compile_text("list l = " + std::string(n, '[')), Code::E0103));
}

// `not (` repeated: each `not` and each parenthesis is a level.
std::string not_paren(size_t levels) {
  std::string text = "macro m = ";
  for (size_t i = 0; i < levels; ++i) {
    text += "not (";
  }
  return text + "proc.name == \"a\"" + std::string(levels, ')') + "\n";
}

TEST(Robustness, NegationsCountAcrossParentheses) {
  // 50 pairs are 100 levels: the budget, accepted, and printed back.
  std::string fits = not_paren(50);
  Outcome ok = compile_text(fits);
  EXPECT_EQ(ok.errors, 0U) << ok.text;
  expect_sane(ok, fits);
  Outcome over = compile_text(not_paren(51));
  ASSERT_TRUE(only(over, Code::E0103));
  EXPECT_EQ(over.diags[0].range.col, 11U + 5 * 50);
  // A run of `not`s before each of 100 parentheses: thousands of levels,
  // however the budget is spread, are refused before any recursion.
  std::string text = "macro m = ";
  for (size_t k = 1; k <= 100; ++k) {
    text += std::string(4 * (100 - k), ' ');
    for (size_t i = 0; i + k <= 100; ++i) {
      text += "not ";
    }
    text += "(";
  }
  text += "proc.name == \"a\"" + std::string(100, ')') + "\n";
  EXPECT_TRUE(only(compile_text(text), Code::E0103));
}

// ---------------------------------------------------------------- size

TEST(Robustness, HundredMegabyteFileIsRefusedUnread) {
  TempDir dir;
  // Sparse: nothing is written, and were it read it would be NUL bytes,
  // which would give E0101 instead.
  std::string path = dir.write("huge.sg", "");
  fs::resize_file(path, size_t{100} << 20);
  Compilation c;
  c.inputs = {path};
  run_passes(c);
  Outcome o = outcome_of(c, 0);
  ASSERT_TRUE(only(o, Code::E0102));
  EXPECT_NE(o.diags[0].message.find("104857600 bytes"), std::string::npos)
      << o.diags[0].message;
  EXPECT_TRUE(c.unreadable.empty());

  RunResult r = run(sgc_path() + " lint " + path + " 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("error[E0102]"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("E0101"), std::string::npos) << r.out;

  // Imported, the same.
  std::string importer = dir.write("main.sg", "import \"huge.sg\"\n");
  Compilation ci;
  ci.inputs = {importer};
  run_passes(ci);
  EXPECT_TRUE(only(outcome_of(ci, 0), Code::E0102));
}

TEST(Robustness, OversizedTextInMemoryIsRefused) {
  ParseLimits limits;
  std::string text(limits.max_file_bytes + 1, ' ');
  Outcome o = compile_text(text);
  ASSERT_TRUE(only(o, Code::E0102));
  EXPECT_EQ(o.diags[0].range.line, 1U);
  // Exactly at the budget is fine.
  text.pop_back();
  EXPECT_EQ(compile_text(text).errors, 0U);
}

TEST(Robustness, HugeListIsRefused) {
  std::string items;
  for (size_t i = 0; i < 200'000; ++i) {
    items += (i == 0 ? "" : ", ") + std::to_string(i);
  }
  Outcome o = compile_text("list l = [" + items + "]\n");
  ASSERT_TRUE(only(o, Code::E0102)) << o.text;
  EXPECT_NE(o.diags[0].message.find("200000 values"), std::string::npos);
  // Inline in a test, too.
  EXPECT_TRUE(
      only(compile_text("rule r { select s: proc.uid in [" + items + "] }"),
           Code::E0102));
}

TEST(Robustness, LongStringIsRefused) {
  std::string big(100'000, 'a');
  Outcome o = compile_text("rule r {\n  title \"" + big + "\"\n}\n");
  ASSERT_TRUE(only(o, Code::E0102));
  EXPECT_EQ(o.diags[0].range.line, 2U);
  EXPECT_EQ(o.diags[0].range.col, 9U);
  // Just within the budget is accepted by the parser.
  ParseLimits limits;
  std::string fits(limits.max_string_bytes, 'a');
  Outcome ok = compile_text("list l = [\"" + fits + "\"]\n");
  EXPECT_EQ(ok.errors, 0U) << ok.text;
}

TEST(Robustness, HugeNumbersAreRejected) {
  for (const char* n : {"99999999999999999999", "9223372036854775808",
                        "-9223372036854775809", "0xffffffffffffffffff",
                        "0x8000000000000000", "0o7777777777777777777777777"}) {
    Outcome o = compile_text(std::string("list l = [") + n + "]\n");
    ASSERT_TRUE(only(o, Code::E0104)) << n;
    EXPECT_EQ(o.diags[0].range.col, 11U) << n;
    EXPECT_NE(o.diags[0].message.find(n), std::string::npos)
        << o.diags[0].message;
  }
  // The extremes that fit are numbers.
  std::string dump = ast_dump("list l = [9223372036854775807, "
                              "-9223372036854775808, 0x7fffffffffffffff]");
  EXPECT_EQ(dump, "(list l [9223372036854775807, -9223372036854775808, "
                  "0x7fffffffffffffff])\n");
}

TEST(Robustness, TooManyTokensAreRefused) {
  ParseLimits limits;
  limits.max_tokens = 1000;
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text += "list l" + std::to_string(i) + " = [1]\n";
  }
  Outcome o = compile_text(text, limits);
  ASSERT_TRUE(only(o, Code::E0102));
  EXPECT_NE(o.diags[0].message.find("tokens"), std::string::npos);
}

// ---------------------------------------------------------------- bytes

TEST(Robustness, NulByteIsBadEncodingAtItsPosition) {
  std::string text = "rule r {\n  id \"x\"\n  ti";
  text += '\0';
  text += "tle \"t\"\n}\n";
  Outcome o = compile_text(text);
  ASSERT_TRUE(only(o, Code::E0101));
  EXPECT_EQ(o.diags[0].range.line, 3U);
  EXPECT_EQ(o.diags[0].range.col, 5U);
  EXPECT_NE(o.diags[0].message.find("0x00"), std::string::npos);
}

TEST(Robustness, InvalidUtf8IsBadEncodingAtItsPosition) {
  struct Case {
    std::string bad;  // the offending bytes
    const char* byte; // as the message names it
  };
  for (const Case& c : {
           Case{"\xff", "0xff"},
           Case{"\x80", "0x80"},             // a continuation byte alone
           Case{"\xc3(", "0xc3"},            // a lead byte without its tail
           Case{"\xc0\xaf", "0xc0"},         // overlong '/'
           Case{"\xe0\x80\xaf", "0xe0"},     // overlong, three bytes
           Case{"\xed\xa0\x80", "0xed"},     // a UTF-16 surrogate
           Case{"\xf4\x90\x80\x80", "0xf4"}, // beyond U+10FFFF
           Case{"\xf8\x88\x80\x80\x80", "0xf8"},
       }) {
    // Two-byte and three-byte characters before it count one column each.
    std::string text = "list a = [\"x\"]\nlist b = [\"é✓" + c.bad + "\"]\n";
    Outcome o = compile_text(text);
    ASSERT_TRUE(only(o, Code::E0101)) << c.byte;
    EXPECT_EQ(o.diags[0].range.line, 2U) << c.byte;
    EXPECT_EQ(o.diags[0].range.col, 14U) << c.byte;
    EXPECT_NE(o.diags[0].message.find(c.byte), std::string::npos)
        << o.diags[0].message;
  }
  // Truncated at the end of the file.
  Outcome o = compile_text("list b = [\"\xe2\x9c");
  ASSERT_TRUE(only(o, Code::E0101));
  EXPECT_EQ(o.diags[0].range.col, 12U);
  // Every valid form is accepted: 1 to 4 bytes, the last code point.
  EXPECT_EQ(
      compile_text("list b = [\"a\xc2\x80\xe0\xa0\x80\xed\x9f\xbf\xf0\x90\x80"
                   "\x80\xf4\x8f\xbf\xbf\"]\n")
          .errors,
      0U);
}

TEST(Robustness, BinaryJunkThroughSgc) {
  TempDir dir;
  std::string junk = "rule r {\n";
  for (int i = 0; i < 4096; ++i) {
    junk += char(i % 256);
  }
  std::string f = dir.write("junk.sg", junk);
  RunResult r = run(sgc_path() + " lint " + f + " 2>&1");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("junk.sg:2:1: error[E0101]"), std::string::npos)
      << r.out;
  RunResult fmt = run(sgc_path() + " fmt " + f + " 2>&1");
  EXPECT_EQ(fmt.status, 1);
  EXPECT_NE(fmt.out.find("error[E0101]"), std::string::npos);
}

// ---------------------------------------------------------------- errors

TEST(Robustness, ThousandsOfSyntaxErrorsAreCapped) {
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    text += "rule { ] select ) condition: ( }\n";
  }
  Outcome o = compile_text(text);
  ASSERT_TRUE(only(o, Code::E0100));
  ParseLimits limits;
  EXPECT_LE(o.diags.size(), limits.max_syntax_errors);
  EXPECT_GE(o.diags.size(), 1U);

  TempDir dir;
  std::string f = dir.write("errors.sg", text);
  RunResult r = run(sgc_path() + " lint " + f + " 2>/dev/null");
  EXPECT_EQ(r.status, 1);
  size_t reported = 0;
  for (size_t at = r.out.find("error[E0100]"); at != std::string::npos;
       at = r.out.find("error[E0100]", at + 1)) {
    ++reported;
  }
  EXPECT_GE(reported, 1U);
  EXPECT_LE(reported, limits.max_syntax_errors);
  EXPECT_LT(r.out.size(), 20'000U);
}

TEST(Robustness, ThousandsOfCheckErrorsAreCapped) {
  std::string text;
  for (int i = 0; i < 5000; ++i) {
    std::string n = std::to_string(i);
    text += "rule r" + n + " { id \"x" + n +
            "\" title \"t\" level low event exec "
            "condition: proc.nmae == \"a\" }\n";
  }
  Outcome o = compile_text(text);
  ASSERT_TRUE(only(o, Code::E0301)) << o.text.substr(0, 500);
  EXPECT_EQ(o.diags.size(), Diagnostics::kMaxPerFile);
}

// ---------------------------------------------------------------- blow-ups

std::string matching_rule(const std::string& test) {
  return "rule r {\n  id \"x\"\n  title \"t\"\n  level low\n  event exec\n"
         "  select s: " +
         test + "\n  condition: s\n}\n";
}

TEST(Robustness, RegexBombIsTooLarge) {
  Outcome o = compile_text(
      matching_rule("proc.cmdline matches \"(((a{100}){100}){100})\""));
  ASSERT_TRUE(only(o, Code::E0305));
  EXPECT_EQ(o.diags[0].range.line, 6U);
  EXPECT_EQ(o.diags[0].range.col, 34U);
  for (const char* bomb : {"a{1001}", "(a{2,1001})", "((a{10}){10}){11}",
                           "(x+x+)+y", "[a-z]{1000}[a-z]{1000}[a-z]{1000}"}) {
    Outcome b = compile_text(
        matching_rule(std::string("proc.cmdline matches \"") + bomb + "\""));
    bool catastrophic = std::string(bomb) == "(x+x+)+y";
    // RE2 runs in linear time, so a backtracking bomb is just a regex.
    if (catastrophic) {
      EXPECT_EQ(b.errors, 0U) << b.text;
    } else {
      EXPECT_TRUE(only(b, Code::E0305)) << bomb;
    }
  }
  // A repetition that is malformed, not large, is still invalid.
  EXPECT_TRUE(
      only(compile_text(matching_rule("proc.cmdline matches \"a{2,1}\"")),
           Code::E0304));
  EXPECT_TRUE(only(compile_text(matching_rule("proc.cmdline matches \"(a\"")),
                   Code::E0304));
}

TEST(Robustness, MacroChainsDoNotExplode) {
  // m40 expands to 2^40 tests: checking must not expand it.
  std::string text = "macro m0 = proc.name == \"x\"\n";
  for (int i = 1; i <= 40; ++i) {
    std::string prev = "m" + std::to_string(i - 1);
    text += "macro m" + std::to_string(i) + " = " + prev + " and not " + prev +
            "\n";
  }
  text += "rule r {\n  id \"x\"\n  title \"t\"\n  level low\n  event exec\n"
          "  condition: m40 or proc.name == \"y\"\n"
          "  test match \"y\" { proc.name: \"y\" }\n"
          "  test nomatch \"z\" { proc.name: \"z\" }\n}\n";
  Outcome o = check_text(text);
  EXPECT_EQ(o.errors, 0U) << o.text;
  // An error deep in the chain is found, once.
  std::string bad = text;
  bad.replace(bad.find("proc.name == \"x\""), 16, "proc.nmae == \"x\"");
  Outcome b = check_text(bad);
  ASSERT_TRUE(only(b, Code::E0301));
  EXPECT_EQ(b.diags.size(), 1U);
}

TEST(Robustness, ListChainsDoNotExplode) {
  // l40 holds 2^40 copies of one string when flattened.
  std::string text = "list l0 = [\"x\"]\n";
  for (int i = 1; i <= 40; ++i) {
    std::string prev = "l" + std::to_string(i - 1);
    text += "list l" + std::to_string(i) + " = [" + prev + ", " + prev + "]\n";
  }
  text += matching_rule("proc.name in l40");
  Outcome o = check_text(text);
  EXPECT_EQ(o.errors, 0U) << o.text;
  std::string bad = text;
  bad.replace(bad.find("[\"x\"]"), 5, "[1]");
  ASSERT_TRUE(only(check_text(bad), Code::E0303));
}

TEST(Robustness, LongConditionsDoNotStallLint) {
  // Fourteen selections, and a condition that is true for every event
  // however its 2^14 cases are tried, 20,000 groups long.
  std::string text = "rule r {\n  id \"x\"\n  title \"t\"\n  level low\n"
                     "  event exec\n";
  for (int i = 0; i < 14; ++i) {
    text += "  select s" + std::to_string(i) + ": proc.name == \"n" +
            std::to_string(i) + "\"\n";
  }
  text += "  condition: ";
  for (int i = 0; i < 20'000; ++i) {
    std::string s = "s" + std::to_string(i % 14);
    text += (i == 0 ? "(" : " and (") + s + " or not " + s + ")";
  }
  text += "\n}\n";
  EXPECT_EQ(compile_text(text).errors, 0U);
}

TEST(Robustness, ManySelectionsAndQuantifiers) {
  // Every quantifier and name in a long condition is looked up among many
  // selections.
  std::string text = "rule r {\n  id \"x\"\n  title \"t\"\n  level low\n"
                     "  event exec\n";
  for (int i = 0; i < 3000; ++i) {
    text += "  select s" + std::to_string(i) +
            ": proc.uid == " + std::to_string(i) + "\n";
  }
  text += "  condition: ";
  for (int i = 0; i < 10'000; ++i) {
    text += i == 0 ? "" : " and ";
    text += "1 of them and not s2999 and all of s2999*";
  }
  text += "\n}\n";
  Outcome o = check_text(text);
  EXPECT_EQ(o.errors, 0U) << o.text.substr(0, 1000);
  // One missing pattern among them all is found.
  std::string bad = text;
  bad.replace(bad.rfind("s2999*"), 6, "t*");
  ASSERT_TRUE(only(check_text(bad), Code::E0208));
}

TEST(Robustness, ExceptionOverManyRules) {
  // One exception scoped by tag to thousands of rules, with a long
  // condition: each kind of event is checked once, not once per rule.
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    std::string n = std::to_string(i);
    text += "rule r" + n + " { id \"x" + n +
            "\" title \"t\" level low event exec tags [t] condition: "
            "proc.uid == " +
            n + " }\n";
  }
  text += "exception e { tag t reason \"r\" when: ";
  for (int i = 0; i < 10'000; ++i) {
    text += (i == 0 ? "" : " or ") + std::string("proc.name == \"w") +
            std::to_string(i) + "\"";
  }
  text += " }\n";
  Outcome o = check_text(text);
  EXPECT_EQ(o.errors, 0U) << o.text.substr(0, 1000);
}

TEST(Robustness, ManyComments) {
  std::string text = "list l = [\n";
  for (int i = 0; i < 50'000; ++i) {
    text += "  # before " + std::to_string(i) + "\n  \"v" + std::to_string(i) +
            "\",  # after\n";
  }
  text += "]\n";
  for (int i = 0; i < 50'000; ++i) {
    text += "# trailing " + std::to_string(i) + "\n";
  }
  SourceManager sm;
  Diagnostics diags;
  std::optional<ast::File> f = parse_file(sm.add("c.sg", text, {}), sm, diags);
  ASSERT_TRUE(f.has_value());
  const auto& list = std::get<ast::List>(f->decls[0]);
  ASSERT_EQ(list.items.items.size(), 50'000U);
  EXPECT_EQ(list.items.items[7].trivia.leading,
            std::vector<std::string>{"# before 7"});
  EXPECT_EQ(list.items.items[7].trivia.trailing, "# after");
  EXPECT_EQ(f->closing.leading.size(), 50'000U);
}

// ---------------------------------------------------------------- imports

TEST(Robustness, LongImportChainAndCycle) {
  const int n = 5000;
  TempDir dir;
  for (int i = 0; i < n; ++i) {
    std::string next =
        i + 1 < n ? "import \"c" + std::to_string(i + 1) + ".sg\"\n" : "";
    dir.write("chain/c" + std::to_string(i) + ".sg",
              next + "list l" + std::to_string(i) + " = [\"x\"]\n");
    dir.write("cycle/c" + std::to_string(i) + ".sg",
              "import \"c" + std::to_string((i + 1) % n) + ".sg\"\n");
  }
  Compilation chain;
  chain.inputs = {(dir.path() / "chain/c0.sg").string()};
  run_passes(chain);
  EXPECT_EQ(chain.program.files.size(), size_t(n));
  EXPECT_EQ(chain.diags.errors(), 0U);

  Compilation cycle;
  cycle.inputs = {(dir.path() / "cycle/c0.sg").string()};
  run_passes(cycle);
  EXPECT_EQ(cycle.program.files.size(), size_t(n));
  std::vector<Diagnostic> diags = cycle.diags.sorted(cycle.program.sources);
  ASSERT_EQ(diags.size(), 1U) << codes_of(diags);
  EXPECT_EQ(diags[0].code, Code::E0201);
  // The cycle closes at the last file's import of the first.
  EXPECT_NE(
      cycle.program.sources.file(diags[0].range.file).path.find("c4999.sg"),
      std::string::npos);
  // The rendering stays readable: not one note per file of the cycle.
  std::string text = render_text(diags[0], cycle.program.sources);
  EXPECT_LT(line_count(text), 200U) << text.substr(0, 2000);

  // Every file a root, too: the same one cycle.
  Compilation all;
  all.inputs = {(dir.path() / "cycle").string()};
  run_passes(all);
  std::vector<Diagnostic> all_diags = all.diags.sorted(all.program.sources);
  ASSERT_EQ(all_diags.size(), 1U) << codes_of(all_diags);
  EXPECT_EQ(all_diags[0].code, Code::E0201);
}

TEST(Robustness, SelfImportIsACycle) {
  Outcome o = compile_text("import \"mem.sg\"\n");
  // In memory, the file cannot import itself by path: it is not on disk.
  EXPECT_TRUE(only(o, Code::E0200));
  TempDir dir;
  Outcome self = compile_file(dir, "import \"self.sg\"\n", "self.sg");
  ASSERT_TRUE(only(self, Code::E0201));
  EXPECT_EQ(self.diags[0].range.col, 8U);
}

} // namespace
} // namespace sg::testing
