// Bytecode generation: IR nodes → matcher instructions.
#pragma once

#include <vector>

#include "compiler/lower/ir.h"
#include "runtime/pack/format.h"

namespace sg {

struct CodeRange {
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct Bytecode {
  std::vector<pack::Instr> code;
  std::vector<ir::Origin> origins; // one per instruction
  std::vector<CodeRange> rules;    // parallel to Module::rules
  // Per rule, per selection (in the rule's order).
  std::vector<std::vector<CodeRange>> selections;
};

// The most instructions one routine may take. Nodes shared inside a rule
// are emitted once per use, so a hostile chain of macros could otherwise
// grow the code exponentially.
inline constexpr size_t kMaxRoutineCode = 1 << 16;

// Each rule's condition, then each of its selections, as a straight run of
// instructions ending in Ret. And/or short-circuit with forward jumps.
// Rules whose code would exceed kMaxRoutineCode are reported in
// `too_large` (indexes into Module::rules) and the result is not usable.
Bytecode generate_code(const ir::Module& m, std::vector<size_t>& too_large);

} // namespace sg
