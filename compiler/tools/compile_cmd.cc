#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include "compiler/tools/commands.h"
#include "runtime/pack/reader.h"

namespace sg::cmd {

std::string today_utc() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

bool valid_date(const std::string& s) {
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%Y-%m-%d", &tm);
  return s.size() == 10 && end != nullptr && *end == '\0';
}

bool compile_rules(const RuleArgs& args, Compilation& c, int& status,
                   std::string_view last) {
  if (args.paths.empty()) {
    std::cerr << "sgc: no rule files or directories given\n";
    status = kExitUsage;
    return false;
  }
  c.inputs = args.paths;
  c.check.today = args.today.empty() ? today_utc() : args.today;
  if (!valid_date(c.check.today)) {
    std::cerr << "sgc: --today takes a date as YYYY-MM-DD, not '" << args.today
              << "'\n";
    status = kExitUsage;
    return false;
  }
  run_passes(c, last);
  for (const std::string& u : c.unreadable) {
    std::cerr << "sgc: " << u << "\n";
  }
  if (!c.unreadable.empty()) {
    status = kExitUsage;
    return false;
  }
  for (const Diagnostic& d : c.diags.sorted(c.program.sources)) {
    std::cerr << render_text(d, c.program.sources);
  }
  if (c.diags.errors() > 0) {
    std::cerr << "sgc: " << c.diags.errors() << " errors; no pack written\n";
    status = kExitRules;
    return false;
  }
  return true;
}

int run_compile(const CompileArgs& a) {
  Compilation c;
  int status = kExitClean;
  if (!compile_rules(a.rules, c, status)) {
    return status;
  }
  // The writer and the reader must agree; a pack the reader refuses is a
  // bug in sgc, not in the rules.
  std::string error;
  if (!pack::Pack::load(c.pack, error)) {
    std::cerr << "sgc: internal error: the pack written does not load: "
              << error << "\n";
    std::abort();
  }
  // Write beside the target and rename, so a reader never sees half a pack.
  std::string tmp = a.output + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(c.pack.data(), std::streamsize(c.pack.size()));
    if (!out.flush()) {
      std::cerr << "sgc: cannot write " << tmp << "\n";
      std::remove(tmp.c_str());
      return kExitUsage;
    }
  }
  if (std::rename(tmp.c_str(), a.output.c_str()) != 0) {
    std::cerr << "sgc: cannot rename " << tmp << " to " << a.output << ": "
              << std::strerror(errno) << "\n";
    std::remove(tmp.c_str());
    return kExitUsage;
  }
  std::cerr << "sgc: wrote " << a.output << ": " << c.module.rules.size()
            << " rules, " << c.pack.size() << " bytes\n";
  return kExitClean;
}

} // namespace sg::cmd
