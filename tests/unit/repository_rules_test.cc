// The rule files shipped in the repository, and the examples in its docs,
// must lint clean against the real standard library.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/unit/test_util.h"

namespace sg::testing {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The text of every ```sg block of a Markdown file.
std::vector<std::string> sg_blocks(const std::string& markdown) {
  std::vector<std::string> out;
  std::regex fence("```sg\\n([\\s\\S]*?)```");
  for (std::sregex_iterator it(markdown.begin(), markdown.end(), fence), end;
       it != end; ++it) {
    out.push_back((*it)[1].str());
  }
  return out;
}

TEST(RepositoryRules, StdlibAndSiteRulesLintClean) {
  std::string root = source_dir();
  RunResult r = run(sgc_path() + " lint --werror " + root + "/stdlib-rules " +
                    root + "/rules 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(" 0 errors, 0 warnings"), std::string::npos) << r.out;
}

TEST(RepositoryRules, SiteReadmeExamplesLintCleanWithTheStdlib) {
  std::string root = source_dir();
  std::vector<std::string> blocks = sg_blocks(read(root + "/rules/README.md"));
  ASSERT_GE(blocks.size(), 4U);
  TempDir dir;
  fs::copy(root + "/stdlib-rules", dir.path() / "stdlib-rules",
           fs::copy_options::recursive);
  std::string all;
  for (const std::string& b : blocks) {
    all += b + "\n";
  }
  dir.write("rules/examples.sg", all);
  RunResult r = run(sgc_path() + " lint --werror " +
                    (dir.path() / "stdlib-rules").string() + " " +
                    (dir.path() / "rules").string() + " 2>&1");
  EXPECT_EQ(r.status, 0) << all << r.out;
}

} // namespace
} // namespace sg::testing
