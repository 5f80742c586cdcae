// Writes a rule pack: the one file deployed to hosts.
#pragma once

#include <string>

#include "compiler/backend/codegen.h"
#include "compiler/backend/filters.h"
#include "compiler/lower/ir.h"

namespace sg {

// The bytes of the pack for `m`. The same module gives the same bytes.
std::string write_pack(const ir::Module& m, const FilterPlan& filters,
                       const Bytecode& code);

} // namespace sg
