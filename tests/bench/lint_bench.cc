// Benchmark: how long `sgc lint` takes for N generated rules.
//
//   sg_lint_bench [RULES] [RUNS] [DIR]
//
// Writes RULES rules (default 1000) spread over files of 50 rules, with a
// shared file of lists and macros that every file imports, into DIR (a
// temporary directory when omitted), then runs the real pass list RUNS
// times (default 10) and prints the minimum, median and maximum time.
// The rules mix every test form so that each checker path is exercised.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "compiler/driver/passes.h"

namespace {

namespace fs = std::filesystem;

constexpr int kRulesPerFile = 50;

std::string shared_file() {
  std::string out = "list bench_shells = [\"/bin/sh\", \"/bin/bash\", "
                    "\"/usr/bin/dash\"]\n";
  out += "list bench_dirs = [\"/etc/cron.d/\", \"/etc/systemd/system/\"]\n";
  out += "macro bench_trusted = proc.exe in [\"/usr/bin/dpkg\", "
         "\"/usr/bin/apt\"] or ancestors.exe in [\"/usr/bin/dpkg\"]\n";
  return out;
}

// One rule; `i` varies the kind and the test forms.
std::string rule(int i) {
  std::string n = std::to_string(i);
  std::string head = "rule bench_" + n + " {\n  id \"bench-" + n +
                     "\"\n  title \"generated rule " + n +
                     "\"\n  level medium\n  tags [attack.t1059]\n";
  switch (i % 4) {
  case 0:
    return head +
           "  event exec\n"
           "  select shell: proc.exe in bench_shells\n"
           "  select parent: parent.exe startswith [\"/usr/sbin/\", "
           "\"/opt/app" +
           n +
           "/\"]\n"
           "  select args: proc.cmdline contains all nocase "
           "[\"-c\", \"curl\"]\n"
           "  condition: shell and parent and args and not "
           "bench_trusted\n"
           "  output \"{proc.exe} from {parent.exe}\"\n"
           "  test match \"m\" { proc.exe: \"/bin/sh\" "
           "parent.exe: \"/usr/sbin/x\" proc.cmdline: \"sh -c curl\" }\n"
           "  test nomatch \"n\" { proc.exe: \"/bin/ls\" }\n}\n";
  case 1:
    return head +
           "  event file.open\n"
           "  select dir: file.path startswith bench_dirs\n"
           "  select name: file.name like \"*.service" +
           n +
           "\"\n"
           "  select write: file.flags has [write, create]\n"
           "  condition: all of them and not bench_trusted\n"
           "  output \"{proc.exe} wrote {file.path}\"\n"
           "  test match \"m\" { file.path: \"/etc/cron.d/x\" "
           "file.name: \"a.service" +
           n +
           "\" file.flags: [write] }\n"
           "  test nomatch \"n\" { file.path: \"/tmp/x\" }\n}\n";
  case 2:
    return head +
           "  event net.connect\n"
           "  select remote: net.daddr cidr [\"10.0.0.0/8\", "
           "\"fd00::/8\"]\n"
           "  select port: net.dport >= " +
           std::to_string(1000 + i) +
           "\n  select proto: net.protocol in [tcp, udp]\n"
           "  condition: 1 of remote or (port and proto)\n"
           "  output \"{proc.exe} connected to {net.daddr}\"\n"
           "  test match \"m\" { net.daddr: \"10.1.2.3\" }\n"
           "  test nomatch \"n\" { net.daddr: \"192.0.2.1\" }\n}\n";
  default:
    return head +
           "  event [file.unlink, file.rename]\n"
           "  select logs: file.path matches \"^/var/log/[a-z]+" +
           n +
           "\\\\.log$\"\n"
           "  select rotation: proc.exe == \"/usr/sbin/logrotate\"\n"
           "  condition: logs and not rotation\n"
           "  output \"{proc.exe} removed {file.path}\"\n"
           "  test match \"m\" { event: file.unlink file.path: "
           "\"/var/log/a" +
           n +
           ".log\" }\n"
           "  test nomatch \"n\" { event: file.rename "
           "proc.exe: \"/usr/sbin/logrotate\" }\n}\n";
  }
}

void write_rules(const fs::path& dir, int rules) {
  fs::create_directories(dir);
  std::ofstream(dir / "shared.sg") << shared_file();
  for (int f = 0; f * kRulesPerFile < rules; ++f) {
    std::ofstream out(dir / ("rules_" + std::to_string(f) + ".sg"));
    out << "import \"shared.sg\"\n\n";
    for (int i = f * kRulesPerFile;
         i < std::min(rules, (f + 1) * kRulesPerFile); ++i) {
      out << rule(i) << "\n";
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  int rules = argc > 1 ? std::atoi(argv[1]) : 1000;
  int runs = argc > 2 ? std::atoi(argv[2]) : 10;
  bool temp = argc <= 3;
  fs::path dir = temp ? fs::temp_directory_path() /
                            ("sg-lint-bench-" + std::to_string(getpid()))
                      : fs::path(argv[3]);
  write_rules(dir, rules);

  std::vector<double> ms;
  size_t diagnostics = 0;
  for (int r = 0; r < runs; ++r) {
    sg::Compilation c;
    c.inputs = {dir.string()};
    c.check.today = "2026-01-01";
    auto start = std::chrono::steady_clock::now();
    sg::run_passes(c);
    auto end = std::chrono::steady_clock::now();
    ms.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
    diagnostics = c.diags.errors() + c.diags.warnings();
  }
  std::sort(ms.begin(), ms.end());
  std::printf("rules=%d files=%d runs=%d diagnostics=%zu "
              "lint_ms min=%.1f median=%.1f max=%.1f\n",
              rules, (rules + kRulesPerFile - 1) / kRulesPerFile + 1, runs,
              diagnostics, ms.front(), ms[ms.size() / 2], ms.back());
  if (temp) {
    fs::remove_all(dir);
  }
  return diagnostics == 0 ? 0 : 1;
}
