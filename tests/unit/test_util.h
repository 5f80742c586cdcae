// Helpers shared by the unit tests: rule files in a temporary directory,
// compilation through the real pass list, and runs of the real sgc binary.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "compiler/driver/passes.h"

namespace sg::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // Writes `text` to `name` (relative; parent directories are made) and
  // returns the full path.
  std::string write(const std::string& name, const std::string& text) const;

private:
  std::filesystem::path path_;
};

struct LintResult {
  std::string text; // every diagnostic rendered, sorted
  size_t errors = 0;
  size_t warnings = 0;
  std::vector<Code> codes; // sorted order, one per diagnostic
};

// Writes `files` into a temp dir, runs every pass over `roots` (default:
// all files, in name order) with today's date fixed at 2026-06-01, and
// renders the diagnostics with paths relative to the temp dir.
LintResult lint_files(const std::map<std::string, std::string>& files,
                      const std::vector<std::string>& roots = {});

// Shorthand for one file named "test.sg".
LintResult lint(const std::string& text);

// Parses `text` alone; returns the AST dump, or "" when it did not parse.
std::string ast_dump(const std::string& text);

// Runs a shell command and returns its exit status and standard output.
struct RunResult {
  int status = -1;
  std::string out;
};
RunResult run(const std::string& command);

// The path of the sgc binary under test, and the source tree.
std::string sgc_path();
std::string source_dir();

} // namespace sg::testing
