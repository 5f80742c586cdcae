// Lowering: checked AST → IR.
#pragma once

#include "compiler/driver/program.h"
#include "compiler/lower/ir.h"
#include "compiler/sema/checker.h"

namespace sg {

// Builds the IR of every enabled rule of a program the checker accepted
// (no errors). Overrides are applied, exceptions become `and not` terms,
// constants are folded, and equal predicates and nodes are shared.
ir::Module lower_program(const Program& program, const Model& model);

// The module as text: predicates, nodes and rules, for `--dump lower`.
std::string dump_module(const ir::Module& m);

} // namespace sg
