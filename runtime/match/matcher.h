// The matcher: runs a rule pack's bytecode over events.
//
// Everything that can be worked out once is, when the matcher is built:
// rules are grouped by event kind, predicates get their literals in a form
// ready to compare, and each rule gets a guard: literals one of which
// occurs in the event whenever the rule fires, found by analysing its
// bytecode (see prefilter.h). Guards are indexed per event kind and field:
// exact values of case-sensitive `==`/`in` tests in a hash table; every
// substring, prefix, suffix and case-insensitive literal (including those
// that `like` patterns and regular expressions need) in one literal index
// that a single pass over the value runs; integers and networks in sorted
// tables. A rule whose guard finds nothing cannot fire and is not run; a
// rule without a usable guard runs for every event of its kinds. Among the
// guards a rule could use, the matcher prefers literals few other rules
// share.
//
// Per event, each predicate is evaluated at most once (results are
// memoised with generation stamps, so nothing is cleared between events),
// a case-insensitive field is lower-cased once, and the matcher allocates
// nothing once its buffers have grown to the events it sees.
//
// A Matcher keeps per-event scratch state: use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/match/event.h"
#include "runtime/pack/reader.h"

namespace sg::match {

// A rule that fired. Its selections that hold are
// Matcher::selections(match); `held_count` of them.
struct Match {
  uint32_t rule = 0; // index into Pack::rules()
  uint32_t held_first = 0;
  uint32_t held_count = 0;
};

struct MatcherOptions {
  // Skip rules whose guard does not hold. Off only to check that the
  // guards change nothing.
  bool prefilter = true;
};

// What the guards came to, for tests and benchmarks.
struct MatcherStats {
  size_t rules = 0;
  size_t guarded = 0; // rules with an indexed guard
  size_t always = 0;  // rules run for every event of their kinds
  size_t never = 0;   // rules whose code can never return true
};

class Matcher {
public:
  // The pack must outlive the matcher.
  explicit Matcher(const pack::Pack& pack, MatcherOptions options = {});
  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) = delete;

  // Appends to `out` each rule that fires on `event`, in pack order.
  // Returns false only when memory ran out, with `out` holding the rules
  // found until then; nothing is thrown.
  bool match(const Event& event, std::vector<Match>& out) noexcept;

  // The indexes (within the rule's selections) of the selections that
  // held for `m`; valid until the next call of match().
  std::span<const uint32_t> selections(const Match& m) const;

  // Runs rule `rule` (an index into Pack::rules()) on `event` without the
  // prefilter, and each of its selections whether the rule fires or not:
  // for explaining a result. `held` gets the selections that hold.
  // Returns whether the rule fires; false for an index out of range.
  bool evaluate(const Event& event, uint32_t rule, std::vector<uint32_t>& held);

  const pack::Pack& pack() const { return pack_; }
  const MatcherStats& stats() const { return stats_; }
  // How many rules match() has run (rather than skipped) so far.
  uint64_t rules_run() const;

  struct Impl;

private:
  const pack::Pack& pack_;
  MatcherStats stats_;
  std::unique_ptr<Impl> impl_;
};

} // namespace sg::match
