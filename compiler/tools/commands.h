// The sgc subcommands. sgc.cc parses the command line; each command lives
// in a file of its own. Every command returns the process exit status:
// 0 clean, 1 problems in the rules or the pack, 2 usage or I/O error.
#pragma once

#include <string>
#include <vector>

#include "compiler/driver/passes.h"

namespace sg::cmd {

constexpr int kExitClean = 0;
constexpr int kExitRules = 1;
constexpr int kExitUsage = 2;

// Shared by the commands that compile rules.
struct RuleArgs {
  std::vector<std::string> paths;
  std::string today; // YYYY-MM-DD; empty: today, UTC
};

// Runs the passes up to `last` (all when empty) over `args`, printing
// diagnostics to stderr. Returns false, with `status` set, when the rules
// cannot be used.
bool compile_rules(const RuleArgs& args, Compilation& c, int& status,
                   std::string_view last = {});

std::string today_utc();
bool valid_date(const std::string& s); // YYYY-MM-DD

struct CompileArgs {
  RuleArgs rules;
  std::string output;
};
int run_compile(const CompileArgs& a);

struct ExplainArgs {
  std::string pack;
  std::string rule; // id or name; empty: every rule
};
int run_explain(const ExplainArgs& a);

struct DumpArgs {
  std::string pack;
};
int run_dump(const DumpArgs& a);

struct TestArgs {
  RuleArgs rules;
  bool verbose = false; // print passing tests too
};
int run_test(const TestArgs& a);

struct ReplayArgs {
  std::string pack;
  std::string events; // a file of JSON events, one a line; "-" for stdin
  std::string host;   // the host name alerts carry; empty: this host's
};
int run_replay(const ReplayArgs& a);

} // namespace sg::cmd
