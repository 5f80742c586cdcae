// The canonical printer (`sgc fmt`): every rule file of the repository and
// a corpus of every construct survive printing, printing is idempotent,
// comments are kept, whitespace carries no meaning, and the canonical form
// is exactly what the style says.
#include <random>

#include <antlr4-runtime.h>
#include <gtest/gtest.h>

#include "SgRulesLexer.h"
#include "compiler/frontend/parser.h"
#include "compiler/frontend/printer.h"
#include "tests/unit/rule_corpus.h"

namespace sg::testing {
namespace {

namespace fs = std::filesystem;

struct Parsed {
  std::optional<ast::File> file;
  std::string errors; // rendered error diagnostics
};

// Parses `text` on its own, as `sgc fmt` does: imports are not followed.
Parsed parse_text(const std::string& text) {
  SourceManager sm;
  Diagnostics diags;
  FileId id = sm.add("test.sg", text, {});
  Parsed p;
  p.file = parse_file(id, sm, diags);
  for (const Diagnostic& d : diags.sorted(sm)) {
    if (d.severity == Severity::Error) {
      p.errors += render_text(d, sm);
    }
  }
  return p;
}

// The tokens of `text` without comments, and how many comments it has.
struct Lexed {
  std::vector<std::string> tokens;
  size_t comments = 0;
};

Lexed lex(const std::string& text) {
  antlr4::ANTLRInputStream input(text);
  sggrammar::SgRulesLexer lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream stream(&lexer);
  stream.fill();
  Lexed out;
  for (antlr4::Token* t : stream.getTokens()) {
    if (t->getType() == sggrammar::SgRulesLexer::COMMENT) {
      ++out.comments;
    } else if (t->getType() != antlr4::Token::EOF) {
      out.tokens.push_back(t->getText());
    }
  }
  return out;
}

// Every property of a good round trip of `text`, which must parse.
void expect_round_trip(const std::string& text) {
  Parsed original = parse_text(text);
  ASSERT_TRUE(original.file.has_value() && original.errors.empty())
      << original.errors;
  std::string printed = print_file(*original.file);
  Parsed again = parse_text(printed);
  ASSERT_TRUE(again.file.has_value() && again.errors.empty())
      << again.errors << "\nin the printed text:\n"
      << printed;
  EXPECT_EQ(print_file(*again.file), printed) << "printing is not idempotent";
  EXPECT_EQ(ast::dump(*again.file), ast::dump(*original.file));
  EXPECT_EQ(lex(printed).comments, lex(text).comments)
      << "comments were lost or made:\n"
      << printed;
}

// Whitespace of one to four characters, drawn from every kind the lexer
// skips.
std::string random_space(std::mt19937& rng) {
  static constexpr const char* kSpaces[] = {" ", "\t", "\n", "\r\n", "  "};
  std::uniform_int_distribution<size_t> count(1, 4);
  std::uniform_int_distribution<size_t> pick(0, std::size(kSpaces) - 1);
  std::string out;
  for (size_t n = count(rng); n > 0; --n) {
    out += kSpaces[pick(rng)];
  }
  return out;
}

// Re-joins the tokens of `text` with random whitespace, for several fixed
// seeds, and checks that the tree is the same.
void expect_whitespace_free(const std::string& text) {
  Parsed original = parse_text(text);
  ASSERT_TRUE(original.file.has_value()) << original.errors;
  std::string want = ast::dump(*original.file);
  std::vector<std::string> tokens = lex(text).tokens;
  for (uint32_t seed : {1U, 2U, 3U, 42U, 20260601U}) {
    std::mt19937 rng(seed);
    std::string joined = random_space(rng);
    for (const std::string& t : tokens) {
      joined += t + random_space(rng);
    }
    Parsed p = parse_text(joined);
    ASSERT_TRUE(p.file.has_value() && p.errors.empty())
        << "seed " << seed << ":\n"
        << p.errors;
    EXPECT_EQ(ast::dump(*p.file), want) << "seed " << seed;
    // One line per token, too, with nothing else around them.
    if (seed == 1) {
      std::string lines;
      for (const std::string& t : tokens) {
        lines += t + "\n";
      }
      Parsed one = parse_text(lines);
      ASSERT_TRUE(one.file.has_value()) << one.errors;
      EXPECT_EQ(ast::dump(*one.file), want);
    }
  }
}

std::string canonical(const std::string& text) {
  Parsed p = parse_text(text);
  EXPECT_TRUE(p.file.has_value() && p.errors.empty()) << p.errors;
  return p.file ? print_file(*p.file) : "";
}

// The repository's own rule files. Those that are meant to be broken
// (diagnostic fixtures) are skipped; shipped rules must all parse.
std::vector<fs::path> parsing_repo_files() {
  std::vector<fs::path> out;
  for (const fs::path& p : repo_rule_files()) {
    std::string rel = fs::relative(p, source_dir()).string();
    Parsed parsed = parse_text(read_text(p));
    bool ok = parsed.file.has_value() && parsed.errors.empty();
    bool shipped =
        rel.rfind("stdlib-rules/", 0) == 0 || rel.rfind("rules/", 0) == 0;
    EXPECT_TRUE(ok || !shipped) << rel << ":\n" << parsed.errors;
    if (ok) {
      out.push_back(p);
    }
  }
  return out;
}

TEST(Format, CorpusParsesAndIsLintClean) {
  // The corpus is only useful if it is a good program: errors would stop
  // the later passes from ever seeing it.
  LintResult r = lint(kCorpus);
  EXPECT_EQ(r.errors, 0U) << r.text;
  std::string dump = ast_dump(kCorpus);
  for (const char* part :
       {"(list ports [22, 0x50, 0o17, 1023])", "(list empty_list [])",
        "(macro negated (not (not (not (ref trusted)))))",
        "(allow \"optional-field\" \"W0405\")",
        "(select multi (file.path startswith \"/etc/\")",
        "(file.name endswith nocase \"shadow\")",
        "(proc.args contains all [\"-r\", \"-f\"]))", "(1 of sh_*)",
        "(all of them)", "(all of rx)", "(test match \"m\" (event net.accept)",
        "(exception quoted_tag\n  (tag \"quoted tag\")",
        "(override net_rule\n  (disable \"disable\"))"}) {
    EXPECT_NE(dump.find(part), std::string::npos) << part << "\n" << dump;
  }
}

TEST(Format, CorpusRoundTrips) {
  expect_round_trip(kCorpus);
}

TEST(Format, CorpusIgnoresWhitespace) {
  expect_whitespace_free(kCorpus);
}

TEST(Format, RepoFilesRoundTrip) {
  std::vector<fs::path> files = parsing_repo_files();
  EXPECT_FALSE(files.empty()) << "no rule files under " << source_dir();
  for (const fs::path& p : files) {
    SCOPED_TRACE(p.string());
    expect_round_trip(read_text(p));
  }
}

TEST(Format, RepoFilesIgnoreWhitespace) {
  for (const fs::path& p : parsing_repo_files()) {
    SCOPED_TRACE(p.string());
    expect_whitespace_free(read_text(p));
  }
}

TEST(Format, ShippedRulesAreCanonical) {
  for (const fs::path& p : parsing_repo_files()) {
    std::string rel = fs::relative(p, source_dir()).string();
    if (rel.rfind("stdlib-rules/", 0) == 0) {
      std::string text = read_text(p);
      EXPECT_EQ(canonical(text), text) << rel << " is not in canonical form";
    }
  }
}

TEST(Format, SgcFmtPrintsWhatThePrinterPrints) {
  TempDir dir;
  std::string f = dir.write("corpus.sg", kCorpus);
  RunResult r = run(sgc_path() + " fmt " + f);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, canonical(kCorpus));
  EXPECT_EQ(run(sgc_path() + " fmt --check " + f + " >/dev/null").status, 1);
  EXPECT_EQ(run(sgc_path() + " fmt -w " + f).status, 0);
  EXPECT_EQ(run(sgc_path() + " fmt --check " + f).status, 0);
  EXPECT_EQ(read_text(f), canonical(kCorpus));
}

TEST(Format, SgcFmtDoesNotNeedImportsToExist) {
  TempDir dir;
  std::string f = dir.write("a.sg", "import \"missing.sg\"\nlist l = [1]\n");
  RunResult r = run(sgc_path() + " fmt " + f + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "import \"missing.sg\"\n\nlist l = [1]\n");
}

// A file with an error that still leaves a tree must not be printed: the
// tree lacks what the error was about, and `fmt -w` would delete it.
TEST(Format, SgcFmtRefusesFilesWithErrors) {
  TempDir dir;
  struct Case {
    const char* text;
    const char* code;
  };
  for (const Case& c : {
           Case{"rule r {\n  level low\n  level high\n}\n", "E0210"},
           Case{"list l = [\"a\\qb\"]\n", "E0104"},
           Case{"list l = [99999999999999999999]\n", "E0104"},
           Case{"rule r {\n  condition: 2 of them\n}\n", "E0100"},
           Case{"exception e {\n  expires 2026-02-30\n}\n", "E0104"},
       }) {
    std::string f = dir.write("bad.sg", c.text);
    RunResult r = run(sgc_path() + " fmt -w " + f + " 2>&1");
    EXPECT_EQ(r.status, 1) << c.text;
    EXPECT_NE(r.out.find(std::string("error[") + c.code + "]"),
              std::string::npos)
        << r.out;
    EXPECT_EQ(read_text(f), c.text) << "fmt -w changed a broken file";
  }
}

// ---------------------------------------------------------------- golden

TEST(FormatGolden, MessyRuleBecomesCanonical) {
  const char* messy =
      "rule   shadow_read{output \"{proc.exe} read {file.path}\" "
      "event file.open level high title\t\"Authentication database read\"\n"
      "id \"sg-cred-0001\" tags[attack.credential_access,attack.t1003.008,]\n"
      "test nomatch \"sshd\"{proc.exe:\"/usr/sbin/sshd\",file.path:"
      "\"/etc/shadow\" file.flags:[read]}"
      "condition:target and(reading)and not trusted "
      "select target:file.path in auth_files "
      "select reading:file.flags has read\n"
      "test match \"cat\"{}}\n"
      "override shadow_read{level medium}"
      "exception backup{when:proc.exe==\"/opt/backup/agent\" "
      "expires 2027-06-30 reason \"backup agent\" rule shadow_read}";
  EXPECT_EQ(canonical(messy), R"(rule shadow_read {
  id "sg-cred-0001"
  title "Authentication database read"
  level high
  tags [attack.credential_access, attack.t1003.008]
  event file.open

  select target: file.path in auth_files
  select reading: file.flags has read
  condition: target and reading and not trusted

  output "{proc.exe} read {file.path}"

  test nomatch "sshd" {
    proc.exe: "/usr/sbin/sshd"
    file.path: "/etc/shadow"
    file.flags: [read]
  }

  test match "cat" {}
}

override shadow_read {
  level medium
}

exception backup {
  rule shadow_read
  reason "backup agent"
  expires 2027-06-30
  when: proc.exe == "/opt/backup/agent"
}
)");
}

// `head` and a list of two paths, the second padded so the line is
// `width` columns wide.
constexpr std::string_view kFirst = "[\"/usr/bin/aaaa\", \"/usr/bin/";

std::string b_run(const std::string& head, size_t width) {
  return std::string(width - head.size() - kFirst.size() - 2, 'b');
}

std::string list_line(const std::string& head, size_t width) {
  return head + std::string(kFirst) + b_run(head, width) + "\"]";
}

// Lists and tests are kept on one line up to exactly 80 columns.
TEST(FormatGolden, ListsWrapPastEightyColumns) {
  std::string fits = list_line("list a = ", 80) + "\n";
  EXPECT_EQ(canonical(fits), fits);
  std::string over = list_line("list a = ", 81) + "\n";
  EXPECT_EQ(canonical(over), "list a = [\n"
                             "  \"/usr/bin/aaaa\",\n"
                             "  \"/usr/bin/" +
                                 b_run("list a = ", 81) +
                                 "\",\n"
                                 "]\n");
  // In a selection the indent counts.
  std::string head = "rule r {\n  event exec\n\n";
  std::string sel_fits =
      head + list_line("  select s: proc.exe in ", 80) + "\n}\n";
  EXPECT_EQ(canonical(sel_fits), sel_fits);
  std::string sel_over =
      head + list_line("  select s: proc.exe in ", 81) + "\n}\n";
  EXPECT_EQ(canonical(sel_over), head +
                                     "  select s: proc.exe in [\n"
                                     "    \"/usr/bin/aaaa\",\n"
                                     "    \"/usr/bin/" +
                                     b_run("  select s: proc.exe in ", 81) +
                                     "\",\n"
                                     "  ]\n"
                                     "}\n");
  // A condition that is one test wraps its list the same way.
  std::string cond_over =
      head + list_line("  condition: proc.exe in ", 81) + "\n}\n";
  EXPECT_EQ(canonical(cond_over), head +
                                      "  condition: proc.exe in [\n"
                                      "    \"/usr/bin/aaaa\",\n"
                                      "    \"/usr/bin/" +
                                      b_run("  condition: proc.exe in ", 81) +
                                      "\",\n"
                                      "  ]\n"
                                      "}\n");
  // Tags wrap the same way; short ones stay inline.
  EXPECT_EQ(canonical("rule r { tags [attack.execution, attack.t1059.004, "
                      "attack.persistence, attack.t1505.003] }"),
            R"(rule r {
  tags [
    attack.execution,
    attack.t1059.004,
    attack.persistence,
    attack.t1505.003,
  ]
}
)");
  EXPECT_EQ(canonical("rule r{tags[a,b,]}"), "rule r {\n  tags [a, b]\n}\n");
}

// A condition too long for one line is split at its top-level operator,
// one operand a line; inner groups keep only the parentheses they need.
TEST(FormatGolden, ConditionsWrapByOperator) {
  const char* messy =
      "rule r { event exec condition: (alpha_sel or bravo_sel) and not "
      "charlie_sel and delta_sel or echo_selection_long_name_here }\n"
      "macro m = alpha_selection_long or not (bravo_selection_long and "
      "charlie) or delta\n"
      "macro short = a or (b and c) or not not (d or e)\n"
      "macro nested = (a or b) and ((c and d) or e) and not (f and (g or h))\n"
      "exception e { when: proc.name == \"aaaaaaaaaaaaaaaaaaaaaaaaa\" and "
      "proc.exe startswith \"/tmp/bbbbbbbbbbbbbbbbbb\" }";
  EXPECT_EQ(canonical(messy), R"(rule r {
  event exec

  condition:
      (alpha_sel or bravo_sel) and not charlie_sel and delta_sel
      or echo_selection_long_name_here
}

macro m =
    alpha_selection_long
    or not (bravo_selection_long and charlie)
    or delta

macro short = a or b and c or not not (d or e)

macro nested = (a or b) and (c and d or e) and not (f and (g or h))

exception e {
  when:
      proc.name == "aaaaaaaaaaaaaaaaaaaaaaaaa"
      and proc.exe startswith "/tmp/bbbbbbbbbbbbbbbbbb"
}
)");
}

TEST(FormatGolden, CommentsStayWithTheirNodes) {
  const char* messy = R"(# file header
import "lib/a.sg"   # why a
# before b
import "lib/b.sg"
list shells = [ # first
  "/bin/sh", # the classic
  # bash
  "/bin/bash" ,  # default
]   # after the list
rule r {   # head
  event exec  # kind
  title "t"
  # about id
  id "x"
  select s:   # one test
    proc.name == "sh"  # sh
  select many:
    proc.uid == 0  # root
    proc.name == "sh"
  condition: s and many  # both
  test match "m" { proc.name: "sh"  # field
  }  # after test
  test nomatch "n" {} # empty test
  # inside, at the end
}  # after rule
override r { disable }   # off
# end of file
)";
  EXPECT_EQ(canonical(messy), R"(# file header
import "lib/a.sg"  # why a
# before b
import "lib/b.sg"

list shells = [
  # first
  "/bin/sh",  # the classic
  # bash
  "/bin/bash",  # default
]  # after the list

rule r {
  # about id
  id "x"
  title "t"
  # head
  event exec  # kind

  select s:
    # one test
    proc.name == "sh"  # sh
  select many:
    proc.uid == 0  # root
    proc.name == "sh"
  condition: s and many  # both

  test match "m" {
    proc.name: "sh"  # field
  }  # after test

  test nomatch "n" {}  # empty test
  # inside, at the end
}  # after rule

override r {
  disable
}  # off

# end of file
)");
}

TEST(FormatGolden, ValuesAreWrittenOneWay) {
  const char* messy =
      "list l = [\"tab\\there\", \"\\x41\\x7f\\x01\", \"caf\\xc3\\xa9\", "
      "0x1F, 0o17, -5, true, false, name.with-dash, \"\\xc3U\"]\n"
      "rule r { tags [\"plain\", \"two words\", \"rule\", \"a..b\", "
      "\"1st\"] event [exec, file.open] }";
  // Escapes are normalised: UTF-8 is written as text, other bytes stay
  // escaped. Numbers keep their base; tags that the lexer would not read
  // back as one word stay quoted.
  EXPECT_EQ(canonical(messy),
            "list l = [\n"
            "  \"tab\\there\",\n"
            "  \"A\\x7f\\x01\",\n"
            "  \"café\",\n"
            "  0x1F,\n"
            "  0o17,\n"
            "  -5,\n"
            "  true,\n"
            "  false,\n"
            "  name.with-dash,\n"
            "  \"\\xc3U\",\n"
            "]\n\n"
            "rule r {\n"
            "  tags [plain, \"two words\", \"rule\", \"a..b\", \"1st\"]\n"
            "  event [exec, file.open]\n"
            "}\n");
}

TEST(FormatGolden, EmptyAndCommentOnlyFiles) {
  EXPECT_EQ(canonical(""), "");
  EXPECT_EQ(canonical("\n\n  \t\n"), "");
  EXPECT_EQ(canonical("  # only a comment  \n\n# and another\n"),
            "# only a comment\n# and another\n");
}

} // namespace
} // namespace sg::testing
