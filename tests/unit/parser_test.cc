// Every construct of the rule language, accepted and rejected.
//
// Accept cases run the whole pass list and expect no error; where the tree
// has structure worth seeing (precedence, flattening, decoded values) they
// also compare the AST dump. Reject cases expect one specific code.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <variant>

#include <gtest/gtest.h>

#include "tests/unit/test_util.h"

namespace sg::testing {
namespace {

// A rule that passes every check once it has a condition: `items` goes
// into its body after the event.
std::string rule(const std::string& items, const std::string& event = "exec") {
  return "rule r {\n"
         "  id \"t-1\"\n"
         "  title \"t\"\n"
         "  level low\n"
         "  event " +
         event + "\n" + items + "\n}\n";
}

// Three selections for conditions to refer to.
constexpr const char* kSelections = "  select a: proc.name == \"a\"\n"
                                    "  select b: proc.name == \"b\"\n"
                                    "  select c: proc.name == \"c\"\n";

std::string condition(const std::string& expr) {
  return rule(std::string(kSelections) + "  condition: " + expr);
}

// A rule whose condition is the one test `test`, on an event of `event`.
std::string test_rule(const std::string& test,
                      const std::string& event = "exec") {
  return rule("  condition: " + test, event);
}

std::string codes_text(const LintResult& r) {
  std::string out;
  for (Code c : r.codes) {
    out += std::string(code_info(c).id) + " ";
  }
  return out;
}

::testing::AssertionResult accepted(const LintResult& r,
                                    const std::string& text) {
  if (r.errors == 0) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "errors for:\n"
                                       << text << "\n"
                                       << r.text;
}

::testing::AssertionResult accepted(const std::string& text) {
  return accepted(lint(text), text);
}

::testing::AssertionResult rejected(const LintResult& r,
                                    const std::string& text, Code code) {
  bool found = std::find(r.codes.begin(), r.codes.end(), code) != r.codes.end();
  if (found && r.errors > 0) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "expected " << code_info(code).id << " for:\n"
         << text << "\ngot: " << codes_text(r) << "\n"
         << r.text;
}

::testing::AssertionResult rejected(const std::string& text, Code code) {
  return rejected(lint(text), text, code);
}

// The tree of `text`, or "" when it did not parse.
std::string dump(const std::string& text) {
  return ast_dump(text);
}

// The value in `macro m = proc.uid == VALUE`, when it parses clean.
std::optional<ast::Value> value_of(const std::string& value) {
  Program p;
  Diagnostics d;
  FileId id = add_source(p, "test.sg", "macro m = proc.uid == " + value, d);
  if (!p.files[id] || d.errors() > 0) {
    return std::nullopt;
  }
  return std::get<ast::Macro>(p.files[id]->decls.at(0)).body.test.value;
}

// ---------------------------------------------------------------- file

TEST(Parser, EmptyFileAndCommentsOnlyAreAccepted) {
  EXPECT_TRUE(accepted(""));
  EXPECT_TRUE(accepted("# nothing here\n\n   # indented\n"));
  EXPECT_EQ(dump("# only a comment"), "");
  EXPECT_EQ(dump("\n\n"), "");
}

TEST(Parser, CommentsAreAllowedAnywhereAndLeaveNoTrace) {
  std::string plain = "list l = [\"a\", \"b\"]\n"
                      "macro m = proc.name in l and not proc.uid == 0\n";
  std::string commented = "# leading\n"
                          "list l = [  # after the bracket\n"
                          "  \"a\",  # an element\n"
                          "  # between elements\n"
                          "  \"b\" # \"quotes\" and {braces} in a comment\n"
                          "]\n"
                          "macro m = # before the body\n"
                          "  proc.name in l and # inside\n"
                          "  not proc.uid == 0 # trailing\n"
                          "# at the end, without a newline";
  ASSERT_NE(dump(plain), "");
  EXPECT_EQ(dump(commented), dump(plain));
  EXPECT_TRUE(accepted(commented));
}

TEST(Parser, CommentInARuleBodyIsAccepted) {
  EXPECT_TRUE(accepted(rule("  # why this rule exists\n"
                            "  condition: proc.name == \"a\"  # trailing\n"
                            "  # before the brace")));
}

TEST(Parser, OtherCommentSyntaxesAreRejected) {
  EXPECT_TRUE(rejected("// not a comment\n", Code::E0100));
  EXPECT_TRUE(rejected("/* not a comment */\n", Code::E0100));
  EXPECT_TRUE(rejected("list l = [\"a\"] ; \n", Code::E0100));
}

TEST(Parser, StrayCharactersAndWordsAreRejected) {
  EXPECT_TRUE(rejected("$\n", Code::E0100));
  EXPECT_TRUE(rejected("rules r { }\n", Code::E0100));
  EXPECT_TRUE(rejected("list l = [\"a\"] }\n", Code::E0100));
}

TEST(Parser, SyntaxErrorPointsAtTheOffendingToken) {
  LintResult r = lint("list l = [\"a\"]\nmacro m proc.uid == 0\n");
  ASSERT_EQ(r.codes, std::vector<Code>{Code::E0100}) << r.text;
  EXPECT_EQ(r.text.rfind("test.sg:2:9: error[E0100]: unexpected 'proc.uid', "
                         "expected '='\n",
                         0),
            0U)
      << r.text;
}

// ---------------------------------------------------------------- import

TEST(Parser, ImportIsAccepted) {
  std::map<std::string, std::string> files = {
      {"main.sg", "import \"lib/common.sg\"\n" +
                      test_rule("proc.name in shells and root")},
      {"lib/common.sg", "list shells = [\"sh\"]\n"
                        "macro root = proc.uid == 0\n"},
  };
  LintResult r = lint_files(files, {"main.sg"});
  EXPECT_EQ(r.errors, 0U) << r.text;
  EXPECT_EQ(dump("import \"lib/common.sg\""), "(import \"lib/common.sg\")\n");
}

TEST(Parser, SeveralImportsAndImportsOfImportsAreAccepted) {
  std::map<std::string, std::string> files = {
      {"main.sg", "import \"a.sg\"\nimport \"b.sg\"\n" +
                      test_rule("proc.name in la and proc.name in lc")},
      {"a.sg", "import \"sub/c.sg\"\nlist la = [\"a\"]\n"},
      {"b.sg", "import \"a.sg\"\n"},
      {"sub/c.sg", "list lc = [\"c\"]\n"},
  };
  LintResult r = lint_files(files, {"main.sg"});
  EXPECT_EQ(r.errors, 0U) << r.text;
}

TEST(Parser, ImportNeedsAQuotedPath) {
  EXPECT_TRUE(rejected("import lib.sg\n", Code::E0100));
  EXPECT_TRUE(rejected("import\n", Code::E0100));
  EXPECT_TRUE(rejected("import [\"a.sg\"]\n", Code::E0100));
}

TEST(Parser, ImportOfAMissingFileIsRejected) {
  EXPECT_TRUE(rejected("import \"nowhere.sg\"\n", Code::E0200));
}

TEST(Parser, ImportCycleIsRejected) {
  std::map<std::string, std::string> files = {
      {"a.sg", "import \"b.sg\"\n"},
      {"b.sg", "import \"a.sg\"\n"},
  };
  EXPECT_TRUE(rejected(lint_files(files), "a.sg <-> b.sg", Code::E0201));
}

TEST(Parser, NamesFromAFileNotImportedAreRejected) {
  std::map<std::string, std::string> files = {
      {"main.sg", test_rule("proc.name in shells")},
      {"lib.sg", "list shells = [\"sh\"]\n"},
  };
  EXPECT_TRUE(rejected(lint_files(files), "main.sg", Code::E0202));
}

// ---------------------------------------------------------------- list

TEST(Parser, ListOfStringsIsAccepted) {
  std::string text = "list l = [\"a\", \"b\"]\n" + test_rule("proc.name in l");
  EXPECT_TRUE(accepted(text));
  EXPECT_EQ(dump("list l = [\"a\", \"b\"]"), "(list l [\"a\", \"b\"])\n");
}

TEST(Parser, ListWithTrailingCommaIsAccepted) {
  EXPECT_EQ(dump("list l = [\"a\", \"b\",]"), "(list l [\"a\", \"b\"])\n");
  EXPECT_EQ(dump("list l = [\n  \"a\",\n  \"b\",\n]"),
            "(list l [\"a\", \"b\"])\n");
  EXPECT_TRUE(accepted("list l = [\"a\",]\n" + test_rule("proc.name in l")));
}

TEST(Parser, EmptyListIsAccepted) {
  EXPECT_EQ(dump("list l = []"), "(list l [])\n");
  EXPECT_TRUE(accepted("list l = []\n" + test_rule("proc.name in l")));
}

TEST(Parser, ListOfNumbersAndOfSymbolsIsAccepted) {
  EXPECT_TRUE(
      accepted("list ids = [0, 0x10, -1]\n" + test_rule("proc.uid in ids")));
  EXPECT_TRUE(accepted("list fam = [inet, inet6]\n" +
                       test_rule("net.family in fam", "net.connect")));
}

TEST(Parser, ListMayNameOtherListsAndIsFlattened) {
  std::string text = "list base = [\"/bin/sh\"]\n"
                     "list more = [base, \"/bin/bash\"]\n"
                     "list most = [more, base, \"/bin/zsh\"]\n" +
                     test_rule("proc.exe in most");
  EXPECT_TRUE(accepted(text));
  EXPECT_EQ(dump("list more = [base, \"/bin/bash\"]"),
            "(list more [base, \"/bin/bash\"])\n");
  // Type errors inside a named list surface where it is used.
  EXPECT_TRUE(rejected("list base = [1]\nlist more = [base]\n" +
                           test_rule("proc.exe in more"),
                       Code::E0303));
}

TEST(Parser, ListLiteralInsideAListIsRejected) {
  EXPECT_TRUE(rejected("list l = [[\"a\"]]\n", Code::E0303));
  EXPECT_TRUE(
      rejected(test_rule("proc.name in [\"a\", [\"b\"]]"), Code::E0303));
}

TEST(Parser, MalformedListsAreRejected) {
  EXPECT_TRUE(rejected("list l = \"a\"\n", Code::E0100));
  EXPECT_TRUE(rejected("list l [\"a\"]\n", Code::E0100));
  EXPECT_TRUE(rejected("list = [\"a\"]\n", Code::E0100));
  EXPECT_TRUE(rejected("list l = [,]\n", Code::E0100));
  EXPECT_TRUE(rejected("list l = [\"a\",,]\n", Code::E0100));
  EXPECT_TRUE(rejected("list l = [\"a\" \"b\"]\n", Code::E0100));
  EXPECT_TRUE(rejected("list l = [\"a\"\n", Code::E0100));
  EXPECT_TRUE(rejected("list tag = [\"a\"]\n", Code::E0100));
}

TEST(Parser, ListProblemsFoundByTheChecker) {
  EXPECT_TRUE(rejected("list l = [\"a\"]\nlist l = [\"b\"]\n", Code::E0203));
  EXPECT_TRUE(rejected("list l = [l]\n", Code::E0207));
  EXPECT_TRUE(rejected("list a = [b]\nlist b = [a]\n", Code::E0207));
  EXPECT_TRUE(rejected(test_rule("proc.name in nothing"), Code::E0202));
  EXPECT_TRUE(rejected("list l = [\"a\"]\n" + test_rule("l"), Code::E0211));
}

// ---------------------------------------------------------------- macro

TEST(Parser, MacroIsAccepted) {
  std::string text = "macro root = proc.uid == 0\n"
                     "macro root_shell = root and proc.name == \"sh\"\n" +
                     test_rule("root_shell or (root and proc.argc > 3)");
  EXPECT_TRUE(accepted(text));
  EXPECT_EQ(dump("macro root = proc.uid == 0"),
            "(macro root (proc.uid == 0))\n");
}

TEST(Parser, MacroMaySpanLines) {
  EXPECT_EQ(dump("macro m =\n  proc.uid == 0\n  and\n  proc.gid == 0\n"),
            "(macro m (and (proc.uid == 0) (proc.gid == 0)))\n");
}

TEST(Parser, MalformedMacrosAreRejected) {
  EXPECT_TRUE(rejected("macro m proc.uid == 0\n", Code::E0100));
  EXPECT_TRUE(rejected("macro m =\n", Code::E0100));
  EXPECT_TRUE(rejected("macro = proc.uid == 0\n", Code::E0100));
  EXPECT_TRUE(rejected("macro m = [\"a\"]\n", Code::E0100));
  EXPECT_TRUE(rejected("macro not = proc.uid == 0\n", Code::E0100));
}

TEST(Parser, MacroProblemsFoundByTheChecker) {
  EXPECT_TRUE(rejected("macro m = m\n" + test_rule("m"), Code::E0207));
  EXPECT_TRUE(
      rejected("macro m = n\nmacro n = not m\n" + test_rule("m"), Code::E0207));
  EXPECT_TRUE(
      rejected("macro m = 1 of them\n" + condition("a and m"), Code::E0211));
  EXPECT_TRUE(rejected("macro m = nothing\n" + test_rule("m"), Code::E0202));
  EXPECT_TRUE(rejected("macro m = proc.uid == 0\nmacro m = proc.uid == 1\n",
                       Code::E0203));
  // A macro is checked against the kinds of each rule that uses it.
  EXPECT_TRUE(rejected("macro m = file.path == \"/x\"\n" + test_rule("m"),
                       Code::E0301));
}

// ---------------------------------------------------------------- rule

constexpr const char* kFullRule = R"(rule full {
  id "sg-test-0001"
  title "Every metadata item"
  description "A rule that sets every item once."
  author "SystemGuard tests"
  level high
  status experimental
  tags [attack.execution, "attack.t1059.004",]
  references ["https://example.com/a", "https://example.com/b"]
  falsepositives ["admin shells"]
  allow [optional-field, W0400]
  event exec
  select sh: proc.name == "sh"
  select unused: proc.name == "bash"
  condition: sh and not parent.name == "sshd"
  output "{proc.exe} started by {parent.exe}"
  test match "sh" { proc.name: "sh" parent.name: "bash" }
  test nomatch "ls" { proc.name: "ls" }
}
)";

TEST(Parser, RuleWithEveryMetadataItemIsAccepted) {
  LintResult r = lint(kFullRule);
  EXPECT_EQ(r.errors, 0U) << r.text;
  // allow [...] silences the warnings this rule would otherwise get.
  EXPECT_EQ(r.warnings, 0U) << r.text;
  EXPECT_EQ(dump(kFullRule),
            "(rule full\n"
            "  (id \"sg-test-0001\")\n"
            "  (title \"Every metadata item\")\n"
            "  (description \"A rule that sets every item once.\")\n"
            "  (author \"SystemGuard tests\")\n"
            "  (level \"high\")\n"
            "  (status \"experimental\")\n"
            "  (tags \"attack.execution\" \"attack.t1059.004\")\n"
            "  (references \"https://example.com/a\" "
            "\"https://example.com/b\")\n"
            "  (falsepositives \"admin shells\")\n"
            "  (allow \"optional-field\" \"W0400\")\n"
            "  (event \"exec\")\n"
            "  (output \"{proc.exe} started by {parent.exe}\")\n"
            "  (select sh (proc.name == \"sh\"))\n"
            "  (select unused (proc.name == \"bash\"))\n"
            "  (condition (and (ref sh) (not (parent.name == \"sshd\"))))\n"
            "  (test match \"sh\" (proc.name \"sh\") (parent.name \"bash\"))\n"
            "  (test nomatch \"ls\" (proc.name \"ls\")))\n");
}

TEST(Parser, RuleItemsMayComeInAnyOrder) {
  std::string text = "rule r {\n"
                     "  condition: proc.name == \"a\"\n"
                     "  event exec\n"
                     "  level low\n"
                     "  title \"t\"\n"
                     "  id \"t-1\"\n"
                     "}\n";
  EXPECT_TRUE(accepted(text));
}

TEST(Parser, RuleOnOneLineIsAccepted) {
  EXPECT_TRUE(accepted("rule r { id \"t-1\" title \"t\" level low event exec "
                       "condition: proc.name == \"a\" }"));
}

TEST(Parser, EveryLevelIsAccepted) {
  for (const char* level :
       {"informational", "low", "medium", "high", "critical"}) {
    std::string text = "rule r {\n  id \"t-1\"\n  title \"t\"\n  level " +
                       std::string(level) +
                       "\n  event exec\n  condition: proc.uid == 0\n}\n";
    EXPECT_TRUE(accepted(text)) << level;
  }
}

TEST(Parser, EveryStatusIsAccepted) {
  // `test` is a keyword as well as a status.
  for (const char* status :
       {"stable", "test", "experimental", "deprecated", "unsupported"}) {
    std::string text = rule("  status " + std::string(status) +
                            "\n  condition: proc.uid == 0");
    EXPECT_TRUE(accepted(text)) << status;
    EXPECT_NE(dump(text).find("(status \"" + std::string(status) + "\")"),
              std::string::npos)
        << status;
  }
}

TEST(Parser, UnknownLevelOrStatusIsRejected) {
  EXPECT_TRUE(rejected("rule r {\n  id \"t-1\"\n  title \"t\"\n  level severe"
                       "\n  event exec\n  condition: proc.uid == 0\n}\n",
                       Code::E0308));
  EXPECT_TRUE(
      rejected(rule("  status beta\n  condition: proc.uid == 0"), Code::E0308));
  EXPECT_TRUE(
      rejected(rule("  status High\n  condition: proc.uid == 0"), Code::E0308));
}

TEST(Parser, TagsMayBeWordsOrStringsOrNone) {
  EXPECT_TRUE(accepted(rule("  tags [a.b, \"c d\", attack.t1003.008]\n"
                            "  condition: proc.uid == 0")));
  EXPECT_TRUE(accepted(rule("  tags []\n  condition: proc.uid == 0")));
  EXPECT_NE(dump(rule("  tags [a.b, \"c d\"]\n  condition: proc.uid == 0"))
                .find("(tags \"a.b\" \"c d\")"),
            std::string::npos);
}

TEST(Parser, AllowTakesWarningNamesOrCodes) {
  EXPECT_TRUE(accepted(rule("  allow [missing-test, W0403]\n"
                            "  condition: proc.uid == 0")));
  EXPECT_TRUE(rejected(rule("  allow [E0301]\n  condition: proc.uid == 0"),
                       Code::E0308));
  EXPECT_TRUE(rejected(rule("  allow [no-such]\n  condition: proc.uid == 0"),
                       Code::E0308));
  EXPECT_TRUE(
      rejected(rule("  allow []\n  condition: proc.uid == 0"), Code::E0100));
  EXPECT_TRUE(rejected(rule("  allow [\"missing-test\"]\n"
                            "  condition: proc.uid == 0"),
                       Code::E0100));
}

TEST(Parser, MetadataWithTheWrongKindOfValueIsRejected) {
  const char* bad[] = {
      "id t-1",           "title Shell",          "description [\"d\"]",
      "author 5",         "level \"high\"",       "status \"test\"",
      "tags attack",      "references \"r\"",     "falsepositives [x]",
      "output proc.name", "references [a.b]",     "severity high",
      "tags [1]",         "event exec file.open",
  };
  for (const char* item : bad) {
    std::string text =
        rule("  " + std::string(item) + "\n  condition: proc.uid == 0");
    EXPECT_TRUE(rejected(text, Code::E0100)) << item;
  }
}

TEST(Parser, MissingRequiredItemsAreRejected) {
  EXPECT_TRUE(rejected("rule r {\n  title \"t\"\n  level low\n  event exec\n"
                       "  condition: proc.uid == 0\n}\n",
                       Code::E0209));
  EXPECT_TRUE(rejected("rule r {\n  id \"t-1\"\n  level low\n  event exec\n"
                       "  condition: proc.uid == 0\n}\n",
                       Code::E0209));
  EXPECT_TRUE(rejected("rule r {\n  id \"t-1\"\n  title \"t\"\n  event exec\n"
                       "  condition: proc.uid == 0\n}\n",
                       Code::E0209));
  EXPECT_TRUE(rejected("rule r {\n  id \"t-1\"\n  title \"t\"\n  level low\n"
                       "  condition: proc.uid == 0\n}\n",
                       Code::E0209));
  EXPECT_TRUE(rejected(rule(""), Code::E0209));
  LintResult empty = lint("rule r {}\n");
  EXPECT_EQ(empty.codes, std::vector<Code>(5, Code::E0209)) << empty.text;
}

TEST(Parser, ItemsGivenTwiceAreRejected) {
  const char* twice[] = {
      "id \"t-2\"",
      "title \"again\"",
      "description \"a\"\n  description \"b\"",
      "author \"a\"\n  author \"b\"",
      "level high",
      "status test\n  status stable",
      "tags [a]\n  tags [b]",
      "references [\"a\"]\n  references [\"b\"]",
      "falsepositives [\"a\"]\n  falsepositives [\"b\"]",
      "allow [missing-test]\n  allow [unused-selection]",
      "event exec",
      "output \"a\"\n  output \"b\"",
      "condition: proc.uid == 1",
  };
  for (const char* item : twice) {
    std::string text =
        rule("  condition: proc.uid == 0\n  " + std::string(item));
    EXPECT_TRUE(rejected(text, Code::E0210)) << item;
  }
}

TEST(Parser, RuleNeedsANameAndBraces) {
  EXPECT_TRUE(rejected("rule { }\n", Code::E0100));
  EXPECT_TRUE(rejected("rule rule { }\n", Code::E0100));
  EXPECT_TRUE(rejected("rule r\n", Code::E0100));
  EXPECT_TRUE(rejected("rule r {\n  id \"t-1\"\n", Code::E0100));
  EXPECT_TRUE(rejected("rule \"r\" { }\n", Code::E0100));
}

TEST(Parser, DuplicateRuleNameOrIdIsRejected) {
  std::string second = rule("  condition: proc.uid == 1");
  second.replace(second.find("rule r"), 6, "rule s");
  EXPECT_TRUE(rejected(test_rule("proc.uid == 0") + second, Code::E0204));
  EXPECT_TRUE(rejected(test_rule("proc.uid == 0") + test_rule("proc.uid == 1"),
                       Code::E0203));
}

// ---------------------------------------------------------------- event

TEST(Parser, EventSingleAndListFormsAreAccepted) {
  EXPECT_TRUE(accepted(test_rule("proc.uid == 0", "exec")));
  EXPECT_TRUE(accepted(test_rule("proc.uid == 0", "[exec]")));
  EXPECT_TRUE(accepted(test_rule("proc.uid == 0", "[exec, file.open]")));
  EXPECT_TRUE(accepted(test_rule("proc.uid == 0", "[\n  exec,\n  ptrace,\n]")));
  EXPECT_NE(dump(test_rule("proc.uid == 0", "[exec, file.open,]"))
                .find("(event \"exec\" \"file.open\")"),
            std::string::npos);
}

TEST(Parser, EveryEventKindIsAccepted) {
  for (const schema::KindInfo& k : schema::kinds()) {
    EXPECT_TRUE(accepted(test_rule("proc.uid == 0", std::string(k.name))))
        << k.name;
  }
}

TEST(Parser, MalformedEventsAreRejected) {
  EXPECT_TRUE(rejected(test_rule("proc.uid == 0", "[]"), Code::E0100));
  EXPECT_TRUE(rejected(test_rule("proc.uid == 0", "\"exec\""), Code::E0100));
  EXPECT_TRUE(
      rejected(test_rule("proc.uid == 0", "[exec file.open]"), Code::E0100));
  EXPECT_TRUE(rejected(test_rule("proc.uid == 0", "file.opn"), Code::E0300));
  EXPECT_TRUE(
      rejected(test_rule("proc.uid == 0", "[exec, nothing]"), Code::E0300));
}

TEST(Parser, FieldsMustExistForEveryKindOfTheRule) {
  EXPECT_TRUE(accepted(test_rule("file.path == \"/x\"", "file.open")));
  EXPECT_TRUE(
      accepted(test_rule("file.path == \"/x\"", "[file.open, file.unlink]")));
  EXPECT_TRUE(rejected(test_rule("file.path == \"/x\"", "[file.open, exec]"),
                       Code::E0301));
  EXPECT_TRUE(
      rejected(test_rule("file.flags has read", "file.unlink"), Code::E0301));
}

// ---------------------------------------------------------------- select

TEST(Parser, SelectionWithOneTestIsAccepted) {
  std::string text = rule("  select s: proc.name == \"sh\"\n  condition: s");
  EXPECT_TRUE(accepted(text));
  EXPECT_NE(dump(text).find("(select s (proc.name == \"sh\"))"),
            std::string::npos);
}

TEST(Parser, SelectionWithSeveralTestsIsAccepted) {
  std::string text = rule("  select s:\n"
                          "    proc.name == \"sh\"\n"
                          "    proc.uid == 0\n"
                          "    proc.args contains \"-c\"\n"
                          "  condition: s");
  EXPECT_TRUE(accepted(text));
  EXPECT_NE(dump(text).find("(select s (proc.name == \"sh\") (proc.uid == 0) "
                            "(proc.args contains \"-c\"))"),
            std::string::npos)
      << dump(text);
}

TEST(Parser, SelectionNamesMayHaveDotsAndDashes) {
  EXPECT_TRUE(accepted(rule("  select sel-1.a: proc.uid == 0\n"
                            "  condition: sel-1.a")));
}

TEST(Parser, MalformedSelectionsAreRejected) {
  const char* bad[] = {
      "select s:",
      "select s proc.uid == 0",
      "select: proc.uid == 0",
      "select s: proc.uid",
      "select s: proc.uid ==",
      "select s: a",
      "select s: not proc.uid == 0",
      "select s: (proc.uid == 0)",
      "select s: proc.uid == 0 and proc.gid == 0",
      "select all: proc.uid == 0",
  };
  for (const char* s : bad) {
    EXPECT_TRUE(
        rejected(rule("  " + std::string(s) + "\n  condition: s"), Code::E0100))
        << s;
  }
}

TEST(Parser, SelectionProblemsFoundByTheChecker) {
  EXPECT_TRUE(rejected(rule("  select s: proc.uid == 0\n"
                            "  select s: proc.uid == 1\n"
                            "  condition: s"),
                       Code::E0203));
  EXPECT_TRUE(
      rejected(rule("  select s: proc.uid == 0\n  condition: t"), Code::E0202));
}

// ---------------------------------------------------------------- operators

struct OpCase {
  const char* test;
  const char* event;
};

TEST(Parser, EveryOperatorIsAcceptedWhereItApplies) {
  const OpCase good[] = {
      {"proc.name == \"sh\"", "exec"},
      {"proc.uid == 0", "exec"},
      {"proc.exe_memfd == true", "exec"},
      {"net.family == inet", "net.connect"},
      {"net.daddr == \"10.0.0.1\"", "net.connect"},
      {"net.daddr == \"::1\"", "net.connect"},
      {"proc.uid < 1000", "exec"},
      {"proc.uid <= 1000", "exec"},
      {"proc.uid > 1000", "exec"},
      {"proc.uid >= 1000", "exec"},
      {"proc.name in [\"sh\", \"bash\"]", "exec"},
      {"proc.uid in [0, 1]", "exec"},
      {"net.protocol in [tcp, udp]", "net.connect"},
      {"net.daddr in [\"10.0.0.1\", \"fd00::1\"]", "net.connect"},
      {"proc.cmdline contains \"curl\"", "exec"},
      {"proc.args contains \"-c\"", "exec"},
      {"proc.exe startswith \"/tmp/\"", "exec"},
      {"proc.exe endswith \".sh\"", "exec"},
      {"proc.exe like \"/tmp/*\"", "exec"},
      {"ancestors.exe like \"*/sshd\"", "exec"},
      {"proc.cmdline matches \"^curl .*\\\\| *sh$\"", "exec"},
      {"net.daddr cidr \"10.0.0.0/8\"", "net.connect"},
      {"net.daddr cidr \"fd00::/8\"", "net.connect"},
      {"net.daddr cidr [\"10.0.0.0/8\", \"192.168.0.0/16\"]", "net.connect"},
      {"file.flags has write", "file.open"},
      {"file.flags has [write, append]", "file.open"},
      {"file.mode has setuid", "file.chmod"},
      {"cred.new_caps has cap_sys_admin", "cred.change"},
  };
  for (const OpCase& c : good) {
    std::string text = test_rule(c.test, c.event);
    EXPECT_TRUE(accepted(text)) << c.test;
    EXPECT_NE(dump(text).find(std::string("(condition (") + c.test + "))"),
              std::string::npos)
        << dump(text);
  }
}

TEST(Parser, OperatorsThatDoNotApplyToTheFieldTypeAreRejected) {
  const OpCase bad[] = {
      {"proc.name < \"b\"", "exec"},
      {"proc.name >= \"b\"", "exec"},
      {"proc.uid contains 1", "exec"},
      {"proc.uid startswith 1", "exec"},
      {"proc.uid endswith 1", "exec"},
      {"proc.uid like 1", "exec"},
      {"proc.uid matches \"1\"", "exec"},
      {"proc.uid cidr \"10.0.0.0/8\"", "exec"},
      {"proc.uid has read", "exec"},
      {"proc.exe_memfd in [true]", "exec"},
      {"proc.exe_memfd < true", "exec"},
      {"file.flags == read", "file.open"},
      {"file.flags in [read]", "file.open"},
      {"net.daddr contains \"10.\"", "net.connect"},
      {"net.daddr < \"10.0.0.1\"", "net.connect"},
      {"net.family contains inet", "net.connect"},
      {"proc.name cidr \"10.0.0.0/8\"", "exec"},
      {"proc.name has read", "exec"},
  };
  for (const OpCase& c : bad) {
    EXPECT_TRUE(rejected(test_rule(c.test, c.event), Code::E0302)) << c.test;
  }
}

TEST(Parser, ModifiersAreAcceptedWhereTheyApply) {
  const OpCase good[] = {
      {"proc.name == nocase \"SH\"", "exec"},
      {"proc.name in nocase [\"SH\", \"Bash\"]", "exec"},
      {"proc.cmdline contains nocase \"curl\"", "exec"},
      {"proc.cmdline contains all [\"curl\", \"sh\"]", "exec"},
      {"proc.cmdline contains all nocase [\"curl\", \"sh\"]", "exec"},
      {"proc.exe startswith nocase \"/TMP\"", "exec"},
      {"proc.exe startswith all [\"/\", \"/t\"]", "exec"},
      {"proc.exe endswith nocase \".SH\"", "exec"},
      {"proc.exe endswith all [\"h\", \"sh\"]", "exec"},
      {"proc.exe like nocase \"/TMP/*\"", "exec"},
      {"proc.exe like all [\"/tmp/*\", \"*.sh\"]", "exec"},
      {"proc.cmdline matches nocase \"^curl\"", "exec"},
      {"proc.cmdline matches all [\"^curl\", \"sh$\"]", "exec"},
      {"file.flags has all [write, create]", "file.open"},
  };
  for (const OpCase& c : good) {
    std::string text = test_rule(c.test, c.event);
    EXPECT_TRUE(accepted(text)) << c.test;
  }
  // Either order parses; the tree keeps `all` first.
  std::string reordered = dump("macro m = proc.name contains nocase all "
                               "[\"a\"]");
  EXPECT_EQ(reordered, "(macro m (proc.name contains all nocase [\"a\"]))\n");
}

TEST(Parser, ModifiersThatDoNotApplyAreRejected) {
  const OpCase bad[] = {
      {"proc.uid == nocase 0", "exec"},
      {"proc.uid < nocase 10", "exec"},
      {"proc.uid in nocase [0]", "exec"},
      {"proc.name == all \"sh\"", "exec"},
      {"proc.name in all [\"sh\"]", "exec"},
      {"proc.uid in all [0, 1]", "exec"},
      {"proc.uid >= all 0", "exec"},
      {"proc.exe_memfd == nocase true", "exec"},
      {"net.daddr cidr all [\"10.0.0.0/8\"]", "net.connect"},
      {"net.daddr cidr nocase \"10.0.0.0/8\"", "net.connect"},
      {"net.family == nocase inet", "net.connect"},
      {"file.flags has nocase read", "file.open"},
      // `all` needs a list to apply to.
      {"proc.cmdline contains all \"curl\"", "exec"},
      {"file.flags has all read", "file.open"},
  };
  for (const OpCase& c : bad) {
    EXPECT_TRUE(rejected(test_rule(c.test, c.event), Code::E0307)) << c.test;
  }
}

TEST(Parser, ModifierGivenTwiceIsRejected) {
  EXPECT_TRUE(
      rejected(test_rule("proc.name == nocase nocase \"a\""), Code::E0210));
  EXPECT_TRUE(
      rejected(test_rule("proc.name contains all all [\"a\"]"), Code::E0210));
}

TEST(Parser, ModifierBeforeTheOperatorIsRejected) {
  EXPECT_TRUE(rejected(test_rule("proc.name nocase == \"a\""), Code::E0100));
  EXPECT_TRUE(
      rejected(test_rule("all proc.name contains [\"a\"]"), Code::E0100));
}

TEST(Parser, OperatorsNotInTheLanguageAreRejected) {
  for (const char* t : {"proc.uid != 0", "proc.uid = 0", "proc.uid =~ \"0\"",
                        "proc.uid <> 0", "proc.name is \"sh\"",
                        "proc.name not in [\"sh\"]", "proc.uid == == 0"}) {
    EXPECT_TRUE(rejected(test_rule(t), Code::E0100)) << t;
  }
}

TEST(Parser, InNeedsAListAndOthersNeedOneValue) {
  EXPECT_TRUE(rejected(test_rule("proc.name in \"sh\""), Code::E0303));
  EXPECT_TRUE(rejected(test_rule("proc.uid in 0"), Code::E0303));
  EXPECT_TRUE(rejected(test_rule("proc.name == [\"sh\"]"), Code::E0303));
  EXPECT_TRUE(rejected(test_rule("proc.uid < [1, 2]"), Code::E0303));
  EXPECT_TRUE(rejected("list l = [\"sh\"]\n" + test_rule("proc.name == l"),
                       Code::E0303));
}

TEST(Parser, InWithAnUnknownListNamesIt) {
  LintResult r =
      lint("list shells = [\"sh\"]\n" + test_rule("proc.name in shell"));
  EXPECT_TRUE(rejected(r, "in shell", Code::E0202));
  EXPECT_NE(r.text.find("did you mean 'shells'?"), std::string::npos) << r.text;
}

TEST(Parser, RegexAndNetworkValuesAreChecked) {
  EXPECT_TRUE(rejected(test_rule("proc.name matches \"(a\""), Code::E0304));
  EXPECT_TRUE(rejected(test_rule("proc.name matches \"a{2,1}\""), Code::E0304));
  // Counts over RE2's limit of 1000 are a size problem, not a syntax one.
  EXPECT_TRUE(
      rejected(test_rule("proc.name matches \"a{1001}\""), Code::E0305));
  EXPECT_TRUE(
      rejected(test_rule("proc.name matches \".{1000}.{1000}\""), Code::E0305));
  EXPECT_TRUE(rejected(test_rule("net.daddr cidr \"10.0.0.0\"", "net.connect"),
                       Code::E0306));
  EXPECT_TRUE(rejected(
      test_rule("net.daddr cidr \"10.0.0.0/33\"", "net.connect"), Code::E0306));
  EXPECT_TRUE(rejected(test_rule("net.daddr cidr \"::/129\"", "net.connect"),
                       Code::E0306));
  EXPECT_TRUE(rejected(test_rule("net.daddr == \"10.0.0\"", "net.connect"),
                       Code::E0303));
}

// ---------------------------------------------------------------- values

TEST(Parser, StringEscapesAreDecoded) {
  std::optional<ast::Value> v = value_of(R"("\\ \" \n \r \t \x41 \x7e é")");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->kind, ast::Value::Kind::String);
  EXPECT_EQ(v->text, "\\ \" \n \r \t A ~ \xC3\xA9");
  EXPECT_EQ(value_of(R"("")")->text, "");
  EXPECT_EQ(value_of(R"("\x00")")->text, std::string(1, '\0'));
  EXPECT_EQ(value_of(R"("\xFf")")->text, "\xFF");
  EXPECT_EQ(value_of(R"("#not a comment")")->text, "#not a comment");
}

TEST(Parser, BadEscapesAreRejected) {
  for (const char* s : {R"("\q")", R"("\x4")", R"("\xZZ")", R"("\u0041")",
                        R"("\0")", R"("\'")", R"("C:\Windows")"}) {
    EXPECT_TRUE(rejected("list l = [" + std::string(s) + "]\n", Code::E0104))
        << s;
  }
}

TEST(Parser, BadEscapeIsReportedAtTheBackslash) {
  LintResult r = lint("list l = [\"ab\\qc\"]\n");
  EXPECT_EQ(r.text.rfind("test.sg:1:14: error[E0104]", 0), 0U) << r.text;
}

TEST(Parser, StringMustEndOnItsLine) {
  EXPECT_TRUE(rejected("list l = [\"a\n\"]\n", Code::E0100));
  EXPECT_TRUE(rejected("list l = [\"a]\n", Code::E0100));
  EXPECT_TRUE(rejected("list l = [\"a\\\"]\n", Code::E0100));
}

TEST(Parser, IntegersInEveryBaseAreRead) {
  struct {
    const char* text;
    int64_t value;
  } const cases[] = {
      {"0", 0},
      {"42", 42},
      {"007", 7},
      {"-1", -1},
      {"-0", 0},
      {"0x1F", 31},
      {"0xff", 255},
      {"0o755", 493},
      {"0o0", 0},
      {"9223372036854775807", INT64_MAX},
      {"-9223372036854775808", INT64_MIN},
      {"0x7FFFFFFFFFFFFFFF", INT64_MAX},
  };
  for (const auto& c : cases) {
    std::optional<ast::Value> v = value_of(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_EQ(v->kind, ast::Value::Kind::Int) << c.text;
    EXPECT_EQ(v->number, c.value) << c.text;
    EXPECT_EQ(v->text, c.text); // printed as written
  }
}

TEST(Parser, IntegersOutOfRangeAreRejected) {
  for (const char* n :
       {"9223372036854775808", "-9223372036854775809", "0x8000000000000000",
        "0o1000000000000000000000", "99999999999999999999999"}) {
    EXPECT_TRUE(
        rejected(test_rule("proc.uid == " + std::string(n)), Code::E0104))
        << n;
  }
}

TEST(Parser, MalformedIntegersAreRejected) {
  for (const char* n : {"0o8", "0x", "0xG", "- 1", "1.5", "-0x1", "1e3"}) {
    EXPECT_TRUE(
        rejected(test_rule("proc.uid == " + std::string(n)), Code::E0100))
        << n;
  }
}

TEST(Parser, BooleansAndNamesAreValues) {
  EXPECT_TRUE(value_of("true")->boolean);
  EXPECT_FALSE(value_of("false")->boolean);
  EXPECT_EQ(value_of("true")->kind, ast::Value::Kind::Bool);
  std::optional<ast::Value> name = value_of("some.name-1");
  EXPECT_EQ(name->kind, ast::Value::Kind::Name);
  EXPECT_EQ(name->text, "some.name-1");
  EXPECT_TRUE(accepted(test_rule("proc.exe_deleted == false")));
  EXPECT_TRUE(rejected(test_rule("proc.exe_deleted == \"true\""), Code::E0303));
  EXPECT_TRUE(rejected(test_rule("proc.exe_deleted == 1"), Code::E0303));
  EXPECT_TRUE(rejected(test_rule("proc.exe_deleted == True"), Code::E0202));
}

TEST(Parser, ListValuesMixAnyScalars) {
  std::optional<ast::Value> v = value_of("[1, \"a\", true, x, -2,]");
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->items.size(), 5U);
  EXPECT_EQ(v->items[1].kind, ast::Value::Kind::String);
  EXPECT_EQ(v->items[2].kind, ast::Value::Kind::Bool);
  EXPECT_EQ(v->items[3].kind, ast::Value::Kind::Name);
  EXPECT_EQ(v->items[4].number, -2);
  EXPECT_EQ(value_of("[]")->items.size(), 0U);
}

TEST(Parser, ValuesMustFitTheField) {
  const OpCase bad[] = {
      {"proc.uid == \"0\"", "exec"},
      {"proc.name == 5", "exec"},
      {"proc.name in [\"a\", 1]", "exec"},
      {"net.family == \"inet\"", "net.connect"},
      {"net.family == inet7", "net.connect"},
      {"file.flags has \"read\"", "file.open"},
      {"file.flags has [read, bogus]", "file.open"},
      {"net.daddr == 10", "net.connect"},
  };
  for (const OpCase& c : bad) {
    EXPECT_TRUE(rejected(test_rule(c.test, c.event), Code::E0303)) << c.test;
  }
  // A bare word for a field without symbols is taken as a list name.
  EXPECT_TRUE(rejected(test_rule("proc.name == sh"), Code::E0202));
}

// ---------------------------------------------------------------- condition

TEST(Parser, AndBindsTighterThanOr) {
  EXPECT_EQ(dump("macro m = a or b and c"),
            "(macro m (or (ref a) (and (ref b) (ref c))))\n");
  EXPECT_EQ(dump("macro m = a and b or c"),
            "(macro m (or (and (ref a) (ref b)) (ref c)))\n");
  EXPECT_TRUE(accepted(condition("a or b and c")));
}

TEST(Parser, NotBindsTighterThanAnd) {
  EXPECT_EQ(dump("macro m = not a and b"),
            "(macro m (and (not (ref a)) (ref b)))\n");
  EXPECT_EQ(dump("macro m = not a or not b"),
            "(macro m (or (not (ref a)) (not (ref b))))\n");
  EXPECT_EQ(dump("macro m = not not a"), "(macro m (not (not (ref a))))\n");
  EXPECT_EQ(dump("macro m = not proc.uid == 0"),
            "(macro m (not (proc.uid == 0)))\n");
  EXPECT_TRUE(accepted(condition("not a and b")));
}

TEST(Parser, ParenthesesGroup) {
  EXPECT_EQ(dump("macro m = (a or b) and c"),
            "(macro m (and (or (ref a) (ref b)) (ref c)))\n");
  EXPECT_EQ(dump("macro m = not (a and b)"),
            "(macro m (not (and (ref a) (ref b))))\n");
  EXPECT_EQ(dump("macro m = ((a))"), "(macro m (ref a))\n");
  EXPECT_TRUE(accepted(condition("(a or b) and not (c)")));
}

TEST(Parser, ChainsOfOneOperatorAreFlat) {
  EXPECT_EQ(dump("macro m = a and b and c"),
            "(macro m (and (ref a) (ref b) (ref c)))\n");
  EXPECT_EQ(dump("macro m = a or b or c"),
            "(macro m (or (ref a) (ref b) (ref c)))\n");
}

TEST(Parser, QuantifiersAreAccepted) {
  std::string sels = "  select sel_a: proc.name == \"a\"\n"
                     "  select sel_b: proc.uid == 0\n";
  for (const char* q :
       {"1 of sel_*", "all of sel_*", "1 of them", "all of them", "1 of sel_a",
        "all of sel_b", "1 of s*"}) {
    std::string text = rule(sels + "  condition: " + q);
    EXPECT_TRUE(accepted(text)) << q;
    EXPECT_NE(dump(text).find("(condition (" + std::string(q) + "))"),
              std::string::npos)
        << dump(text);
  }
  EXPECT_EQ(dump("macro m = 1 of x* and not all of them or 1 of y"),
            "(macro m (or (and (1 of x*) (not (all of them))) "
            "(1 of y)))\n");
}

TEST(Parser, MalformedQuantifiersAreRejected) {
  for (const char* q : {"2 of them", "0 of them", "any of them", "1 of",
                        "of them", "1 of \"a\"", "1 them", "all them"}) {
    EXPECT_TRUE(rejected(condition(std::string(q)), Code::E0100)) << q;
  }
}

TEST(Parser, QuantifierThatMatchesNoSelectionIsRejected) {
  EXPECT_TRUE(rejected(condition("1 of x*"), Code::E0208));
  EXPECT_TRUE(rejected(condition("all of d"), Code::E0208));
  EXPECT_TRUE(rejected(test_rule("1 of them"), Code::E0208));
}

TEST(Parser, TestsAndReferencesMixInConditions) {
  EXPECT_TRUE(accepted("macro root = proc.uid == 0\n" +
                       condition("a and root and proc.argc > 1")));
  EXPECT_EQ(dump("macro m = a and proc.uid == 0"),
            "(macro m (and (ref a) (proc.uid == 0)))\n");
}

TEST(Parser, MalformedConditionsAreRejected) {
  for (const char* e :
       {"", "a and", "or a", "a b", "(a", "a)", "()", "not", "a and or b",
        "a && b", "a || b", "!a", "[a]", "\"a\"", "a not b", "a and not"}) {
    EXPECT_TRUE(rejected(condition(e), Code::E0100)) << "'" << e << "'";
  }
  EXPECT_TRUE(
      rejected(rule(std::string(kSelections) + "  condition a"), Code::E0100));
}

TEST(Parser, NestingUpToTheBudgetIsAccepted) {
  std::string deep = std::string(100, '(') + "a" + std::string(100, ')');
  EXPECT_TRUE(accepted(condition(deep)));
  std::string nots;
  for (int i = 0; i < 100; ++i) {
    nots += "not ";
  }
  EXPECT_TRUE(accepted(condition(nots + "a")));
}

TEST(Parser, NestingOverTheBudgetIsRejected) {
  std::string deep = std::string(101, '(') + "a" + std::string(101, ')');
  EXPECT_TRUE(rejected(condition(deep), Code::E0103));
  std::string nots;
  for (int i = 0; i < 101; ++i) {
    nots += "not ";
  }
  EXPECT_TRUE(rejected(condition(nots + "a"), Code::E0103));
  std::string lists = std::string(101, '[') + std::string(101, ']');
  EXPECT_TRUE(rejected("list l = " + lists + "\n", Code::E0103));
}

// ---------------------------------------------------------------- output

TEST(Parser, OutputTemplateIsAccepted) {
  for (const char* out :
       {"plain text", "{proc.exe}", "{proc.exe} ran {proc.cmdline}",
        "{{literal}} and {proc.pid}", "}} {{ }}{{", "", "{proc.name}{{"}) {
    std::string text =
        test_rule("proc.uid == 0\n  output \"" + std::string(out) + "\"");
    EXPECT_TRUE(accepted(text)) << out;
  }
  EXPECT_TRUE(accepted(test_rule("file.path == \"/x\"\n"
                                 "  output \"{file.path}\"",
                                 "file.open")));
}

TEST(Parser, OutputTemplateProblemsAreRejected) {
  const struct {
    const char* out;
    Code code;
  } bad[] = {
      {"{proc.nam}", Code::E0301},
      {"{file.path}", Code::E0301}, // not an exec field
      {"a } b", Code::E0104},
      {"{proc.exe", Code::E0104},
      {"{}", Code::E0104},
      {"{{proc.exe}", Code::E0104},
  };
  for (const auto& c : bad) {
    std::string text =
        test_rule("proc.uid == 0\n  output \"" + std::string(c.out) + "\"");
    EXPECT_TRUE(rejected(text, c.code)) << c.out;
  }
}

TEST(Parser, OutputTemplateErrorsPointIntoTheString) {
  // Escapes before the field make the source wider than the text.
  LintResult r = lint(test_rule("proc.uid == 0\n"
                                "  output \"\\\"\\x41\\t{proc.nam}\""));
  EXPECT_EQ(r.text.rfind("test.sg:7:20: error[E0301]", 0), 0U) << r.text;
  EXPECT_NE(r.text.find("\n   | " + std::string(19, ' ') + "^~~~~~~~\n"),
            std::string::npos)
      << r.text;
}

// ---------------------------------------------------------------- tests

TEST(Parser, InlineTestsAreAccepted) {
  std::string text = test_rule("proc.name == \"sh\"\n"
                               "  test match \"sh\" { proc.name: \"sh\" }\n"
                               "  test nomatch \"ls\" {\n"
                               "    proc.name: \"ls\",\n"
                               "    proc.uid: 0,\n"
                               "  }\n"
                               "  test nomatch \"empty\" {}");
  LintResult r = lint(text);
  EXPECT_EQ(r.errors, 0U) << r.text;
  EXPECT_EQ(r.warnings, 0U) << r.text;
  EXPECT_NE(dump(text).find("(test match \"sh\" (proc.name \"sh\"))\n"
                            "  (test nomatch \"ls\" (proc.name \"ls\") "
                            "(proc.uid 0))\n"
                            "  (test nomatch \"empty\"))"),
            std::string::npos)
      << dump(text);
}

TEST(Parser, InlineTestValuesOfEveryType) {
  std::string text = test_rule("proc.uid == 0\n"
                               "  test match \"all types\" {\n"
                               "    proc.name: \"sh\"\n"
                               "    proc.uid: 0\n"
                               "    proc.exe_memfd: true\n"
                               "    proc.args: [\"-c\", \"id\"]\n"
                               "    ancestors.exe: []\n"
                               "  }");
  EXPECT_TRUE(accepted(text));
  EXPECT_TRUE(accepted(test_rule("net.family == inet\n"
                                 "  test match \"t\" {\n"
                                 "    net.family: inet net.protocol: tcp\n"
                                 "    net.daddr: \"10.0.0.1\"\n"
                                 "  }",
                                 "net.connect")));
  EXPECT_TRUE(accepted(test_rule("file.flags has read\n"
                                 "  test match \"t\" {\n"
                                 "    file.flags: [read, write]\n"
                                 "  }\n"
                                 "  test nomatch \"u\" { file.flags: write }",
                                 "file.open")));
}

TEST(Parser, EventPseudoFieldPicksTheKindOfAMultiKindRule) {
  std::string text = rule("  select f: proc.name == \"sh\"\n"
                          "  condition: f\n"
                          "  test match \"exec\" { proc.name: \"sh\" }\n"
                          "  test match \"open\" {\n"
                          "    event: file.open\n"
                          "    proc.name: \"sh\"\n"
                          "    file.path: \"/etc/shadow\"\n"
                          "  }\n"
                          "  test nomatch \"ls\" { event: exec, "
                          "proc.name: \"ls\" }",
                          "[exec, file.open]");
  LintResult r = lint(text);
  EXPECT_EQ(r.errors, 0U) << r.text;
  EXPECT_NE(dump(text).find("(test match \"open\" (event file.open) "
                            "(proc.name \"sh\")"),
            std::string::npos)
      << dump(text);
}

TEST(Parser, EventPseudoFieldMustNameOneOfTheRulesKinds) {
  std::string base = "  condition: proc.name == \"sh\"\n";
  EXPECT_TRUE(rejected(
      rule(base + "  test match \"t\" { event: ptrace }", "[exec, file.open]"),
      Code::E0303));
  EXPECT_TRUE(rejected(rule(base + "  test match \"t\" { event: \"exec\" }",
                            "[exec, file.open]"),
                       Code::E0303));
  EXPECT_TRUE(rejected(rule(base + "  test match \"t\" { event: nothing }"),
                       Code::E0303));
  // Without event:, a test's fields are checked against the first kind.
  EXPECT_TRUE(rejected(rule(base + "  test match \"t\" { file.path: \"/x\" }",
                            "[exec, file.open]"),
                       Code::E0301));
}

TEST(Parser, MalformedInlineTestsAreRejected) {
  for (const char* t :
       {"test \"t\" { }", "test match { }", "test maybe \"t\" { }",
        "test match \"t\"", "test match \"t\" { proc.name \"sh\" }",
        "test match \"t\" { proc.name: }", "test match \"t\" { \"a\": 1 }",
        "test match t { }", "test match \"t\" { proc.name: \"a\";  }",
        "test match \"t\" { proc.name: \"a\",, }"}) {
    EXPECT_TRUE(
        rejected(test_rule("proc.uid == 0\n  " + std::string(t)), Code::E0100))
        << t;
  }
}

TEST(Parser, InlineTestProblemsFoundByTheChecker) {
  std::string base = "proc.uid == 0\n  ";
  EXPECT_TRUE(rejected(test_rule(base + "test match \"t\" { proc.nam: \"a\" }"),
                       Code::E0301));
  EXPECT_TRUE(rejected(test_rule(base + "test match \"t\" { proc.uid: \"0\" }"),
                       Code::E0303));
  EXPECT_TRUE(rejected(
      test_rule(base + "test match \"t\" { proc.args: \"a\" }"), Code::E0303));
  EXPECT_TRUE(rejected(test_rule(base + "test match \"t\" { proc.uid: 0 "
                                        "proc.uid: 1 }"),
                       Code::E0210));
  EXPECT_TRUE(rejected(test_rule("file.flags has read\n  test match \"t\" "
                                 "{ file.flags: [bogus] }",
                                 "file.open"),
                       Code::E0303));
}

// ---------------------------------------------------------------- exception

constexpr const char* kTaggedRule = R"(rule shell {
  id "t-1"
  title "shell"
  level low
  tags [attack.execution, "site tag"]
  event exec
  condition: proc.name == "sh"
  test match "sh" { proc.name: "sh" }
  test nomatch "ls" { proc.name: "ls" }
}
)";

TEST(Parser, RuleScopedExceptionIsAccepted) {
  std::string text = std::string(kTaggedRule) +
                     "exception lab {\n"
                     "  rule shell\n"
                     "  reason \"lab hosts run shells\"\n"
                     "  expires 2027-06-30\n"
                     "  when: proc.uid == 1000 and proc.cwd startswith "
                     "\"/lab\"\n"
                     "}\n";
  LintResult r = lint(text);
  EXPECT_EQ(r.errors, 0U) << r.text;
  EXPECT_EQ(r.warnings, 0U) << r.text;
  EXPECT_NE(dump(text).find("(exception lab\n"
                            "  (rule \"shell\")\n"
                            "  (reason \"lab hosts run shells\")\n"
                            "  (expires \"2027-06-30\")\n"
                            "  (when (and (proc.uid == 1000) "
                            "(proc.cwd startswith \"/lab\"))))"),
            std::string::npos)
      << dump(text);
}

TEST(Parser, TagScopedExceptionIsAccepted) {
  for (const char* tag :
       {"attack.execution", "\"attack.execution\"", "\"site tag\""}) {
    std::string text = std::string(kTaggedRule) + "exception lab { tag " + tag +
                       " reason \"r\" when: proc.uid == 0 }\n";
    EXPECT_TRUE(accepted(text)) << tag;
  }
}

TEST(Parser, ExceptionWithoutExpiryIsAcceptedAndExpiredOneWarns) {
  std::string body = " reason \"r\" when: proc.uid == 0 }\n";
  EXPECT_TRUE(
      accepted(std::string(kTaggedRule) + "exception e { rule shell" + body));
  // The tests' today is 2026-06-01: the day itself has not expired.
  LintResult today = lint(std::string(kTaggedRule) +
                          "exception e { rule shell expires 2026-06-01" + body);
  EXPECT_EQ(today.errors + today.warnings, 0U) << today.text;
  LintResult expired =
      lint(std::string(kTaggedRule) +
           "exception e { rule shell expires 2026-05-31" + body);
  EXPECT_EQ(expired.errors, 0U) << expired.text;
  EXPECT_EQ(expired.codes, std::vector<Code>{Code::W0404}) << expired.text;
}

TEST(Parser, MalformedExceptionsAreRejected) {
  for (const char* e :
       {"exception { rule shell }", "exception e rule shell",
        "exception e { rule }", "exception e { rule \"shell\" }",
        "exception e { tag }", "exception e { tag [a] }",
        "exception e { reason r }", "exception e { expires 2026-6-1 }",
        "exception e { expires \"2026-06-01\" }",
        "exception e { expires 20260601 }",
        "exception e { when proc.uid == 0 }", "exception e { when: }",
        "exception e { level low }"}) {
    EXPECT_TRUE(rejected(std::string(kTaggedRule) + e + "\n", Code::E0100))
        << e;
  }
}

TEST(Parser, ImpossibleDatesAreRejected) {
  for (const char* d :
       {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-01-00"}) {
    EXPECT_TRUE(rejected("exception e { expires " + std::string(d) + " }\n",
                         Code::E0104))
        << d;
  }
  EXPECT_TRUE(accepted(std::string(kTaggedRule) +
                       "exception e { rule shell expires 2028-02-29 "
                       "reason \"r\" when: proc.uid == 0 }\n"));
}

TEST(Parser, ExceptionProblemsFoundByTheChecker) {
  std::string r = kTaggedRule;
  const struct {
    const char* text;
    Code code;
  } bad[] = {
      {"exception e { reason \"r\" when: proc.uid == 0 }", Code::E0209},
      {"exception e { rule shell when: proc.uid == 0 }", Code::E0209},
      {"exception e { rule shell reason \"r\" }", Code::E0209},
      {"exception e { rule shell tag attack.execution reason \"r\" "
       "when: proc.uid == 0 }",
       Code::E0211},
      {"exception e { rule shel reason \"r\" when: proc.uid == 0 }",
       Code::E0205},
      {"exception e { tag nothing reason \"r\" when: proc.uid == 0 }",
       Code::E0206},
      {"exception e { rule shell reason \"r\" reason \"s\" "
       "when: proc.uid == 0 }",
       Code::E0210},
      {"exception e { rule shell reason \"r\" when: proc.uid == 0 "
       "when: proc.uid == 1 }",
       Code::E0210},
      {"exception e { rule shell reason \"r\" expires 2027-01-01 "
       "expires 2028-01-01 when: proc.uid == 0 }",
       Code::E0210},
      {"exception e { rule shell reason \"r\" when: file.path == \"/x\" }",
       Code::E0301},
      {"exception e { rule shell reason \"r\" when: 1 of them }", Code::E0211},
      {"exception e { rule shell reason \"r\" when: nothing }", Code::E0202},
  };
  for (const auto& c : bad) {
    EXPECT_TRUE(rejected(r + c.text + "\n", c.code)) << c.text;
  }
}

// ---------------------------------------------------------------- override

TEST(Parser, OverridesAreAccepted) {
  for (const char* o :
       {"override shell { disable }", "override shell { level critical }",
        "override shell { disable level high }",
        "override shell {\n  level informational\n}"}) {
    EXPECT_TRUE(accepted(std::string(kTaggedRule) + o + "\n")) << o;
  }
  EXPECT_EQ(dump("override shell { disable level high }"),
            "(override shell\n  (disable \"disable\")\n  (level \"high\"))\n");
}

TEST(Parser, MalformedOverridesAreRejected) {
  for (const char* o :
       {"override { disable }", "override shell disable",
        "override shell { enable }", "override shell { level }",
        "override shell { level \"high\" }", "override shell { status test }",
        "override \"shell\" { disable }",
        "override shell { when: proc.uid == 0 }"}) {
    EXPECT_TRUE(rejected(std::string(kTaggedRule) + o + "\n", Code::E0100))
        << o;
  }
}

TEST(Parser, OverrideProblemsFoundByTheChecker) {
  std::string r = kTaggedRule;
  EXPECT_TRUE(rejected(r + "override shell { }\n", Code::E0209));
  EXPECT_TRUE(rejected(r + "override shel { disable }\n", Code::E0205));
  EXPECT_TRUE(rejected(r + "override shell { level urgent }\n", Code::E0308));
  EXPECT_TRUE(
      rejected(r + "override shell { disable disable }\n", Code::E0210));
  EXPECT_TRUE(
      rejected(r + "override shell { level low level high }\n", Code::E0210));
}

// ---------------------------------------------------------------- example

TEST(Parser, TheDocumentedExampleIsAccepted) {
  const char* text = R"(list auth_files = ["/etc/shadow", "/etc/gshadow"]
macro trusted = proc.exe in ["/usr/sbin/sshd"]
rule shadow_read {
  id "sg-cred-0001"
  title "Authentication database read"
  level high
  tags [attack.credential_access, attack.t1003.008]
  event file.open
  select target: file.path in auth_files
  select reading: file.flags has read
  condition: target and reading and not trusted
  output "{proc.exe} read {file.path}"
  test match "cat" {
    proc.exe: "/usr/bin/cat" file.path: "/etc/shadow" file.flags: [read]
  }
  test nomatch "sshd" {
    proc.exe: "/usr/sbin/sshd" file.path: "/etc/shadow" file.flags: [read]
  }
}
exception backup { rule shadow_read reason "backup agent" expires 2027-06-30
  when: proc.exe == "/opt/backup/agent" }
override shadow_read { level medium }
)";
  LintResult r = lint(text);
  EXPECT_EQ(r.errors, 0U) << r.text;
  EXPECT_EQ(r.warnings, 0U) << r.text;
}

} // namespace
} // namespace sg::testing
