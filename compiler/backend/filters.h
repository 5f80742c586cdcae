// Kernel filter derivation.
//
// For each event kind, the set of cheap tests (exact paths, path prefixes
// and suffixes, file names, command names, executables) that the eBPF
// sensors apply before an event costs a ring-buffer slot. The filter is
// sound: it is an over-approximation of every rule of the kind, so any
// event some rule can match passes. A rule whose condition gives the
// kernel nothing to test makes its kinds pass unfiltered, and the plan
// records why.
#pragma once

#include <compare>
#include <string>
#include <vector>

#include "compiler/lower/ir.h"
#include "runtime/pack/format.h"

namespace sg {

struct Atom {
  pack::AtomKind kind;
  std::string value;
  friend auto operator<=>(const Atom&, const Atom&) = default;
};

// What one rule asks of the kernel.
struct RuleFilter {
  bool pass_all = false;
  std::vector<Atom> atoms; // sorted; empty and !pass_all: never matches
  std::string reason;      // why pass_all
};

struct KindFilter {
  schema::Kind kind;
  bool pass_all = false;
  std::vector<Atom> atoms;           // sorted, unique
  std::vector<size_t> forcing_rules; // indexes of rules that pass all
};

struct FilterPlan {
  std::vector<RuleFilter> rules; // parallel to Module::rules
  std::vector<KindFilter> kinds; // kinds that have rules, by kind id
};

FilterPlan derive_filters(const ir::Module& m);

std::string_view atom_kind_name(pack::AtomKind k);

} // namespace sg
