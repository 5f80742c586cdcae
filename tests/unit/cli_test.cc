// sgc as a user runs it: exit status, output formats, options.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/unit/test_util.h"

namespace sg::testing {
namespace {

const char* kGoodRule = R"(rule r {
  id "t-1"
  title "shell started"
  level low
  event exec

  select shell: proc.name == "sh"
  condition: shell

  test match "sh" {
    proc.name: "sh"
  }

  test nomatch "ls" {
    proc.name: "ls"
  }
}
)";

std::string sgc(const std::string& args) {
  return sgc_path() + " " + args;
}

TEST(Cli, CleanFileExitsZero) {
  TempDir dir;
  std::string f = dir.write("good.sg", kGoodRule);
  RunResult r = run(sgc("lint " + f + " 2>&1"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "1 file: 0 errors, 0 warnings\n");
}

TEST(Cli, ErrorsExitOne) {
  TempDir dir;
  std::string f = dir.write("bad.sg", "rule r { level high }\n");
  RunResult r = run(sgc("lint " + f + " 2>/dev/null"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("error[E0209]"), std::string::npos) << r.out;
}

TEST(Cli, WarningsExitZeroUnlessWerror) {
  TempDir dir;
  std::string text = kGoodRule;
  text.replace(text.find("  test nomatch"), std::string::npos, "}\n");
  std::string f = dir.write("warn.sg", text);
  EXPECT_EQ(run(sgc("lint " + f + " >/dev/null 2>&1")).status, 0);
  EXPECT_EQ(run(sgc("lint --werror " + f + " >/dev/null 2>&1")).status, 1);
  RunResult allowed =
      run(sgc("lint --werror --allow missing-test " + f + " 2>/dev/null"));
  EXPECT_EQ(allowed.status, 0) << allowed.out;
  EXPECT_EQ(allowed.out, "");
  EXPECT_EQ(run(sgc("lint --werror -A W0405 " + f + " 2>/dev/null")).status, 0);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run(sgc("lint /no/such/file.sg 2>/dev/null")).status, 2);
  EXPECT_EQ(run(sgc("lint 2>/dev/null")).status, 2);
  EXPECT_EQ(run(sgc("frobnicate 2>/dev/null")).status, 2);
  EXPECT_EQ(run(sgc("lint --format yaml x.sg 2>/dev/null")).status, 2);
  EXPECT_EQ(run(sgc("lint --allow E0100 x.sg 2>/dev/null")).status, 2);
  EXPECT_EQ(run(sgc("lint --allow no-such-check x.sg 2>/dev/null")).status, 2);
  TempDir dir;
  std::string f = dir.write("good.sg", kGoodRule);
  EXPECT_EQ(run(sgc("lint --dump nonsense " + f + " 2>/dev/null")).status, 2);
}

TEST(Cli, JsonFormatIsParseableAndComplete) {
  TempDir dir;
  std::string f = dir.write("bad.sg", "rule r {\n  event exec\n  select s: "
                                      "proc.nam == \"x\"\n  condition: s\n}\n");
  RunResult r = run(sgc("lint --format json " + f + " 2>/dev/null"));
  EXPECT_EQ(r.status, 1);
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  bool found = false;
  for (const auto& d : j) {
    if (d["code"] == "E0301") {
      found = true;
      EXPECT_EQ(d["name"], "unknown-field");
      EXPECT_EQ(d["severity"], "error");
      EXPECT_EQ(d["line"], 3);
      EXPECT_EQ(d["column"], 13);
      EXPECT_EQ(d["end_column"], 20);
      EXPECT_EQ(d["hints"][0], "did you mean 'proc.name'?");
    }
  }
  EXPECT_TRUE(found) << r.out;
}

TEST(Cli, DumpPrintsTheAst) {
  TempDir dir;
  std::string f = dir.write("good.sg", kGoodRule);
  RunResult r = run(sgc("lint --dump parse " + f + " 2>/dev/null"));
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("(select shell (proc.name == \"sh\"))"),
            std::string::npos)
      << r.out;
}

TEST(Cli, FmtCheckAndWrite) {
  TempDir dir;
  std::string messy = "rule r{id \"t-1\" title \"shell started\" level low "
                      "event exec select shell: proc.name==\"sh\" "
                      "condition: shell}";
  std::string f = dir.write("messy.sg", messy);
  EXPECT_EQ(run(sgc("fmt --check " + f)).status, 1);
  EXPECT_EQ(run(sgc("fmt -w " + f)).status, 0);
  EXPECT_EQ(run(sgc("fmt --check " + f)).status, 0);
  RunResult printed = run(sgc("fmt " + f));
  EXPECT_NE(printed.out.find("  select shell: proc.name == \"sh\"\n"),
            std::string::npos)
      << printed.out;
}

TEST(Cli, FmtRefusesBrokenFile) {
  TempDir dir;
  std::string f = dir.write("broken.sg", "rule r { select }\n");
  RunResult r = run(sgc("fmt " + f + " 2>&1"));
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("error[E0100]"), std::string::npos) << r.out;
}

TEST(Cli, ListCodesNamesEveryCode) {
  RunResult r = run(sgc("lint --list-codes"));
  EXPECT_EQ(r.status, 0);
  for (const CodeInfo& c : all_codes()) {
    EXPECT_NE(r.out.find(std::string(c.id) + "  " + std::string(c.name)),
              std::string::npos)
        << c.id;
  }
}

TEST(Cli, SchemaListsEveryField) {
  RunResult r = run(sgc("schema --format markdown"));
  EXPECT_EQ(r.status, 0);
  for (const schema::Field& f : schema::fields()) {
    EXPECT_NE(r.out.find("| `" + std::string(f.name) + "` |"),
              std::string::npos)
        << f.name;
  }
}

} // namespace
} // namespace sg::testing

namespace sg::testing {
namespace {

TEST(Cli, ExplainSaysWhatTheKernelFiltersAndWhy) {
  TempDir dir;
  std::string rules = dir.write("r.sg", R"(rule watched {
  id "t-1"
  title "shadow read"
  level high
  event file.open
  select target: file.path == "/etc/shadow"
  condition: target
}

rule everything {
  id "t-2"
  title "curl anywhere"
  level low
  event exec
  select curl: proc.cmdline contains "curl"
  condition: curl
}
)");
  std::string pack = (dir.path() / "p.pack").string();
  ASSERT_EQ(run(sgc_path() + " compile --today 2026-01-01 " + rules + " -o " +
                pack + " 2>/dev/null")
                .status,
            0);
  RunResult all = run(sgc_path() + " explain " + pack);
  EXPECT_EQ(all.status, 0);
  EXPECT_NE(all.out.find("  file.open: filtered in the kernel, 1 tests\n"
                         "    path /etc/shadow\n"),
            std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("  exec: passed whole to userspace, because of:\n"
                         "    t-2 (everything): the kernel cannot test "
                         "'proc.cmdline contains'\n"),
            std::string::npos)
      << all.out;
  EXPECT_NE(all.out.find("  net.connect: no rule watches it\n"),
            std::string::npos);
  RunResult one = run(sgc_path() + " explain " + pack + " watched");
  EXPECT_EQ(one.status, 0);
  EXPECT_EQ(one.out.find("t-2"), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("kernel filter: passes an event when any of these "
                         "holds\n    path /etc/shadow\n"),
            std::string::npos)
      << one.out;
  EXPECT_EQ(run(sgc_path() + " explain " + pack + " nosuch 2>/dev/null").status,
            2);
  dir.write("bad.pack", "not a pack at all, but long enough to have a header "
                        "of sixty-four bytes or so");
  EXPECT_EQ(run(sgc_path() + " explain " + (dir.path() / "bad.pack").string() +
                " 2>/dev/null")
                .status,
            1);
}

} // namespace
} // namespace sg::testing

namespace sg::testing {
namespace {

TEST(Diagnostics, AnErrorInAnImportedFileNamesTheImport) {
  LintResult r = lint_files({{"lib.sg", "list a = [b]\nlist b = [a]\n"},
                             {"main.sg", "import \"lib.sg\"\n"}},
                            {"main.sg"});
  EXPECT_EQ(r.text, "lib.sg:2:11: error[E0207]: list 'b' includes itself "
                    "through 'a'\n"
                    " 2 | list b = [a]\n"
                    "   |           ^\n"
                    "main.sg:1:8: note: in a file imported here\n"
                    " 1 | import \"lib.sg\"\n"
                    "   |        ^~~~~~~~\n");
}

} // namespace
} // namespace sg::testing
