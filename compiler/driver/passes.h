// The compiler's passes, in order. The CLI and the tests both run them
// through this list, and `--dump STAGE` prints the program after one.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/backend/codegen.h"
#include "compiler/backend/filters.h"
#include "compiler/diag/diagnostic.h"
#include "compiler/driver/program.h"
#include "compiler/lower/ir.h"
#include "compiler/sema/checker.h"

namespace sg {

struct Compilation {
  Program program;
  Diagnostics diags;
  Model model;
  ir::Module module;
  FilterPlan filters;
  Bytecode code;
  std::string pack; // the bytes of the rule pack
  CheckOptions check;
  ParseLimits limits;
  std::vector<std::string> inputs; // paths named by the user
  std::vector<std::string> unreadable;
};

struct Pass {
  std::string_view name;
  std::string_view summary;
  std::function<void(Compilation&)> run;
  std::function<std::string(const Compilation&)> dump;
};

const std::vector<Pass>& passes();

// Runs the passes in order up to and including `last` (all when empty),
// stopping early after a pass that reported errors. Returns false when
// `last` names no pass.
bool run_passes(Compilation& c, std::string_view last = {});

} // namespace sg
