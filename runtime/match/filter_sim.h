// The kernel filter, simulated: whether the eBPF sensors would let an
// event through to userspace under a pack's filter records.
//
// An event passes its kind's filter when the pack has a filter for the
// kind and that filter either passes the kind whole (kFilterPassAll) or
// has an atom that matches; a kind without a filter record has no rule
// and is dropped. Atoms test what the kernel sees: file.path (exactly, by
// prefix, by suffix, or by its last component), proc.name (the task's
// command name) and proc.exe (exactly or by prefix). A missing field
// matches no atom.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "runtime/match/event.h"
#include "runtime/pack/reader.h"

namespace sg::match {

struct FilterVerdict {
  bool passes = false;
  bool has_filter = false;      // the pack has a filter record for the kind
  bool pass_all = false;        // the kind passes whole
  std::optional<uint32_t> atom; // the atom that matched, into Pack::atoms()
  uint32_t atoms = 0;           // how many atoms the kind's filter has
};

FilterVerdict simulate_filter(const pack::Pack& pack, const Event& event);

// Whether one atom matches the event.
bool atom_matches(const pack::Pack& pack, const pack::AtomRecord& atom,
                  const Event& event);

} // namespace sg::match
