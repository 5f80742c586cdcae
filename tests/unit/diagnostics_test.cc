// One golden test per diagnostic code: every code in codes.def has a
// directory tests/golden/diagnostics/<CODE>/ with a small input and the
// full text sgc renders for it, in expected.txt. A code without such a
// directory fails, so a new code cannot ship without a test.
//
// The .sg files directly in the directory are the inputs named on the
// command line, in name order; files in subdirectories are only reached
// through imports. Inputs a text file should not hold (bytes that are not
// UTF-8, a string over its budget) are made by generated_inputs() below.
//
// To rewrite every expected.txt from the current compiler, run the tests
// with SG_UPDATE_GOLDEN=1, then read each diff.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/test_util.h"

namespace sg {

// Names the code in test names and failure messages instead of its bytes.
static void PrintTo(const CodeInfo& c, std::ostream* os) {
  *os << c.id;
}

namespace testing {
namespace {

namespace fs = std::filesystem;

fs::path golden_root() {
  return fs::path(source_dir()) / "tests" / "golden" / "diagnostics";
}

std::string read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct GoldenCase {
  std::map<std::string, std::string> files;
  std::vector<std::string> roots;
};

// Inputs written by the test rather than stored as files.
GoldenCase generated_inputs(std::string_view code) {
  GoldenCase c;
  if (code == "E0101") {
    // 0xff never occurs in UTF-8.
    c.files["test.sg"] = "rule r {\n  title \"caf\xff\"\n}\n";
  } else if (code == "E0102") {
    // One byte over the 64 KiB string budget.
    c.files["test.sg"] =
        "list big = [\n  \"" + std::string(64 * 1024 + 1, 'a') + "\"\n]\n";
  }
  for (auto& [name, text] : c.files) {
    c.roots.push_back(name);
  }
  return c;
}

GoldenCase load_case(const fs::path& dir, std::string_view code) {
  GoldenCase c = generated_inputs(code);
  std::vector<std::string> roots;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
    std::string rel = fs::relative(e.path(), dir).generic_string();
    if (!e.is_regular_file() || rel == "expected.txt") {
      continue;
    }
    c.files[rel] = read_bytes(e.path());
    if (rel.find('/') == std::string::npos && e.path().extension() == ".sg") {
      roots.push_back(rel);
    }
  }
  std::sort(roots.begin(), roots.end());
  c.roots.insert(c.roots.end(), roots.begin(), roots.end());
  return c;
}

std::string severity_word(Severity s) {
  return s == Severity::Error ? "error" : "warning";
}

class DiagnosticGolden : public ::testing::TestWithParam<CodeInfo> {};

TEST_P(DiagnosticGolden, RendersExpectedText) {
  const CodeInfo& info = GetParam();
  std::string id(info.id);
  fs::path dir = golden_root() / id;
  ASSERT_TRUE(fs::is_directory(dir))
      << "no golden test for " << id << " (" << info.name << "): add "
      << dir.string() << "/test.sg and expected.txt";
  GoldenCase c = load_case(dir, id);
  ASSERT_FALSE(c.roots.empty()) << "no input for " << id;

  LintResult r = lint_files(c.files, c.roots);
  EXPECT_NE(std::find(r.codes.begin(), r.codes.end(), info.code), r.codes.end())
      << id << " was not reported:\n"
      << r.text;

  fs::path expected_path = dir / "expected.txt";
  if (std::getenv("SG_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(expected_path, std::ios::binary) << r.text;
  }
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path.string();
  std::string expected = read_bytes(expected_path);
  EXPECT_NE(expected.find(severity_word(info.severity) + "[" + id + "]"),
            std::string::npos)
      << expected_path.string() << " does not show " << id;
  EXPECT_EQ(r.text, expected);
}

INSTANTIATE_TEST_SUITE_P(AllCodes, DiagnosticGolden,
                         ::testing::ValuesIn(all_codes()),
                         [](const ::testing::TestParamInfo<CodeInfo>& p) {
                           return std::string(p.param.id);
                         });

// The other direction: no directory is left over from a removed code.
TEST(DiagnosticGoldenDirs, EachNamesACode) {
  size_t dirs = 0;
  for (const fs::directory_entry& e : fs::directory_iterator(golden_root())) {
    std::string name = e.path().filename().string();
    const CodeInfo* c = find_code(name);
    EXPECT_TRUE(e.is_directory() && c != nullptr && c->id == name)
        << e.path().string() << " is not named after a diagnostic code";
    ++dirs;
  }
  EXPECT_EQ(dirs, all_codes().size());
}

// Columns count characters: the caret lines up after non-ASCII text.
TEST(DiagnosticText, CaretCountsCharactersNotBytes) {
  LintResult r = lint("list l = [\"\xC3\xA9t\xC3\xA9\", \"\\q\"]\n");
  EXPECT_EQ(r.text, "test.sg:1:19: error[E0104]: unknown escape sequence in "
                    "string\n"
                    " 1 | list l = [\"\xC3\xA9t\xC3\xA9\", \"\\q\"]\n"
                    "   |                   ^~\n"
                    "  = hint: escapes are \\\\ \\\" \\n \\r \\t and "
                    "\\xHH; write \\\\ for a backslash\n");
}

// Control characters are not sent to the terminal: the quoted line shows
// them as U+FFFD, a message spells them out.
TEST(DiagnosticText, ControlCharactersAreNotPrintedRaw) {
  LintResult r = lint("list l = [\"a\x01\", \"\\q\"]\n");
  EXPECT_EQ(r.text, "test.sg:1:18: error[E0104]: unknown escape sequence in "
                    "string\n"
                    " 1 | list l = [\"a\xEF\xBF\xBD\", \"\\q\"]\n"
                    "   |                  ^~\n"
                    "  = hint: escapes are \\\\ \\\" \\n \\r \\t and "
                    "\\xHH; write \\\\ for a backslash\n");
  LintResult esc = lint("list l = [\x1b]\n");
  EXPECT_EQ(esc.text, "test.sg:1:11: error[E0100]: unexpected '\\x1b'\n"
                      " 1 | list l = [\xEF\xBF\xBD]\n"
                      "   |           ^\n");
  LintResult nul = lint(std::string("list l = [\"a\0\"]\n", 16));
  EXPECT_EQ(nul.text, "test.sg:1:13: error[E0101]: byte 0x00 is not UTF-8 "
                      "text\n"
                      " 1 | list l = [\"a\xEF\xBF\xBD\"]\n"
                      "   |             ^\n");
}

// An imported file over the file budget is too large, not unreadable.
TEST(DiagnosticText, ImportOverTheFileBudgetIsInputTooLarge) {
  std::string big = "# " + std::string(size_t{8} << 20, 'a') + "\n";
  LintResult r = lint_files(
      {{"main.sg", "import \"big.sg\"\n"}, {"big.sg", big}}, {"main.sg"});
  EXPECT_EQ(r.codes, std::vector<Code>{Code::E0102}) << r.text;
  EXPECT_NE(r.text.find("cannot read 'big.sg': file of 8388611 bytes is "
                        "over the budget of 8388608"),
            std::string::npos)
      << r.text;
}

} // namespace
} // namespace testing
} // namespace sg
