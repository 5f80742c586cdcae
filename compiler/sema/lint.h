// Lint: warnings about rules that are legal but probably wrong.
#pragma once

#include "compiler/diag/diagnostic.h"
#include "compiler/driver/program.h"
#include "compiler/sema/checker.h"

namespace sg {

// Warnings about one rule: unused selections, constant conditions,
// missing tests, negated tests on fields that may be missing. Warnings
// the rule lists in `allow [...]` are not reported.
void lint_rule(const ast::Rule& rule, Diagnostics& diags);

// Whether `c` is a warning lint_rule gives, which a rule's `allow [...]`
// can silence.
bool is_rule_warning(Code c);

// Warnings across files: lists and macros nothing uses.
void lint_program(const Program& program, const Model& model,
                  Diagnostics& diags);

} // namespace sg
