#include "tests/unit/test_util.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <random>

#include <sys/wait.h>

namespace sg::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() /
          ("sg-test-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name,
                           const std::string& text) const {
  fs::path p = path_ / name;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << text;
  return p.string();
}

LintResult lint_files(const std::map<std::string, std::string>& files,
                      const std::vector<std::string>& roots) {
  TempDir dir;
  for (auto& [name, text] : files) {
    dir.write(name, text);
  }
  // Paths are given relative to the temp dir so rendered text is stable.
  fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  Compilation c;
  c.check.today = "2026-06-01";
  if (roots.empty()) {
    for (auto& [name, text] : files) {
      c.inputs.push_back(name);
    }
  } else {
    c.inputs = roots;
  }
  run_passes(c);
  fs::current_path(cwd);
  LintResult r;
  for (const Diagnostic& d : c.diags.sorted(c.program.sources)) {
    r.text += render_text(d, c.program.sources);
    r.codes.push_back(d.code);
  }
  r.errors = c.diags.errors();
  r.warnings = c.diags.warnings();
  return r;
}

LintResult lint(const std::string& text) {
  return lint_files({{"test.sg", text}});
}

std::string ast_dump(const std::string& text) {
  Program p;
  Diagnostics d;
  FileId id = add_source(p, "test.sg", text, d);
  return p.files[id] ? ast::dump(*p.files[id]) : "";
}

RunResult run(const std::string& command) {
  RunResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return r;
  }
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    r.out.append(buf.data(), n);
  }
  int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string sgc_path() {
  return SG_SGC_PATH;
}
std::string source_dir() {
  return SG_SOURCE_DIR;
}

} // namespace sg::testing
