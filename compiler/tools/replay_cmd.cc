// sgc replay: matches a file of JSON events against a pack and prints the
// alerts, one JSON object a line, as the daemon writes them.
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include "compiler/tools/commands.h"
#include "runtime/match/event.h"
#include "runtime/match/event_json.h"
#include "runtime/match/matcher.h"
#include "runtime/output/alert_json.h"
#include "runtime/pack/reader.h"

namespace sg::cmd {
namespace {

std::string this_host() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) {
    return "localhost";
  }
  return buf;
}

uint64_t now_ns() {
  auto since = std::chrono::system_clock::now().time_since_epoch();
  return uint64_t(
      std::chrono::duration_cast<std::chrono::nanoseconds>(since).count());
}

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

} // namespace

int run_replay(const ReplayArgs& a) {
  std::string error;
  std::optional<pack::Pack> p = pack::Pack::load_file(a.pack, error);
  if (!p) {
    std::cerr << "sgc replay: " << error << "\n";
    return kExitRules;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  std::string name = a.events == "-" ? "<stdin>" : a.events;
  if (a.events != "-") {
    file.open(a.events, std::ios::binary);
    if (!file) {
      std::cerr << "sgc replay: cannot open " << a.events << ": "
                << std::strerror(errno) << "\n";
      return kExitUsage;
    }
    in = &file;
  }
  std::string host = a.host.empty() ? this_host() : a.host;

  match::Matcher matcher(*p);
  match::Event event;
  std::vector<match::Match> fired;
  std::string line;
  bool bad = false;
  for (size_t n = 1; std::getline(*in, line); ++n) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (blank(line)) {
      continue;
    }
    std::string err = match::parse_event(line, event);
    if (err.empty()) {
      fired.clear();
      if (!matcher.match(event, fired)) {
        err = "out of memory while matching";
      }
    }
    if (!err.empty()) {
      std::cerr << name << ":" << n << ": error: " << err << "\n";
      bad = true;
      continue;
    }
    output::AlertDefaults defaults{host, fired.empty() ? 0 : now_ns()};
    for (const match::Match& m : fired) {
      std::cout << output::alert_json(*p, m.rule, matcher.selections(m), event,
                                      defaults)
                << "\n";
    }
  }
  if (in->bad()) {
    std::cerr << "sgc replay: cannot read " << name << ": "
              << std::strerror(errno) << "\n";
    return kExitUsage;
  }
  std::cout.flush();
  return bad ? kExitRules : kExitClean;
}

} // namespace sg::cmd
