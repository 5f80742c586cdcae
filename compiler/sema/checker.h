// Semantic checks: name resolution, types, and lint.
//
// The checker reads a parsed Program and reports every mistake as a
// diagnostic. What it learns (the rules, their event kinds, which lists and
// macros exist) is kept in a Model for the passes after it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/driver/program.h"
#include "runtime/pack/format.h"
#include "runtime/schema/schema.h"

namespace sg {

struct CheckOptions {
  std::string today; // YYYY-MM-DD, for exception expiry
  // Budgets per regex; the pack reader applies the same ones.
  int64_t regex_max_mem = pack::kRegexMaxMem;
  size_t regex_max_program = pack::kRegexMaxProgram;
};

struct RuleInfo {
  const ast::Rule* rule = nullptr;
  FileId file = kNoFile;
  schema::KindSet kinds = 0;
  std::vector<const ast::Exception*> exceptions; // by rule and by tag
  std::vector<const ast::Override*> overrides;
};

struct Model {
  std::map<std::string, RuleInfo> rules; // by rule name
  std::map<std::string, const ast::List*> lists;
  std::map<std::string, const ast::Macro*> macros;
};

// Runs resolution, type checking and lint over `program`.
Model check_program(const Program& program, Diagnostics& diags,
                    const CheckOptions& options);

} // namespace sg
