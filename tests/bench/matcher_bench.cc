// Benchmark: nanoseconds per event through the matcher alone.
//
//   sg_matcher_bench [--no-prefilter] [--events N] [RUNS] [RULES...]
//
// For each rule count (default 10, 100, 300 and 1000), compiles the
// repository's stdlib-rules (when the count is at least twice theirs)
// plus generated rules up to the count through the real pass list, builds
// the matcher, and times it over a fixed mix of events: mostly benign
// file opens, execs and connects with realistic paths, and 3% that rules
// fire on. Times are the thread's CPU time, so that other processes on a
// shared machine do not count; the wall-clock median is printed too.
// Events are built before timing: N of them (default 512, under 1 MB),
// so that they stay in cache as the one event a daemon decodes at a time
// would; each run makes 100,000 matches.
// Prints the median of RUNS runs (default 7), the minimum and maximum,
// and the ratio of the largest rule count to 100.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "compiler/driver/passes.h"
#include "runtime/match/event.h"
#include "runtime/match/matcher.h"

namespace {

namespace fs = std::filesystem;
using sg::match::Event;
namespace fid = sg::match::fid;

std::string shared_file() {
  return "list bench_shells = [\"/bin/sh\", \"/bin/bash\", \"/usr/bin/dash\"]\n"
         "macro bench_trusted = proc.exe in [\"/usr/bin/dpkg\", "
         "\"/usr/bin/apt\"] or ancestors.exe in [\"/usr/bin/dpkg\"]\n";
}

// One generated rule; `i` picks the template and varies the literals, so
// no two rules are the same.
std::string rule(int i) {
  std::string n = std::to_string(i);
  std::string head = "rule bench_" + n + " {\n  id \"bench-" + n +
                     "\"\n  title \"generated rule " + n +
                     "\"\n  level medium\n  tags [attack.t1059]\n";
  std::string tail = "  output \"{proc.exe} matched " + n + "\"\n}\n";
  switch (i % 8) {
  case 0:
    return head +
           "  event exec\n"
           "  select tool: proc.exe in [\"/usr/bin/tool" +
           n + "\", \"/opt/app" + n +
           "/bin/run\"]\n"
           "  select args: proc.cmdline contains all nocase "
           "[\"--token\", \"x" +
           n +
           "\"]\n"
           "  condition: tool and args and not bench_trusted\n" +
           tail;
  case 1:
    return head +
           "  event file.open\n"
           "  select dir: file.path startswith [\"/etc/app" +
           n + "/\", \"/var/lib/app" + n +
           "/\"]\n"
           "  select name: file.name like \"*.conf" +
           n +
           "\"\n"
           "  select write: file.flags has [write, create]\n"
           "  condition: all of them and not bench_trusted\n" +
           tail;
  case 2:
    return head +
           "  event net.connect\n"
           "  select remote: net.daddr cidr [\"10." +
           std::to_string(i % 250) +
           ".0.0/16\", \"fd00:" + std::to_string(i % 250) +
           "::/32\"]\n"
           "  select port: net.dport >= " +
           std::to_string(1000 + i) +
           "\n  select proto: net.protocol in [tcp, udp]\n"
           "  condition: remote and port and proto\n" +
           tail;
  case 3:
    return head +
           "  event [file.unlink, file.rename]\n"
           "  select logs: file.path matches \"^/var/log/[a-z]+" +
           n +
           "\\\\.log$\"\n"
           "  select rotation: proc.exe == \"/usr/sbin/logrotate\"\n"
           "  condition: logs and not rotation\n" +
           tail;
  case 4:
    return head +
           "  event exec\n"
           "  select name: proc.name in [\"tool" +
           n + "d\", \"svc" + n +
           "\"]\n"
           "  select shell_parent: parent.exe in bench_shells\n"
           "  condition: name and shell_parent\n" +
           tail;
  case 5:
    return head +
           "  event file.open\n"
           "  select secret: file.path endswith [\"/.config/app" +
           n + "/token\", \"/.app" + n +
           "rc\"]\n"
           "  select owner: proc.exe in [\"/usr/bin/app" +
           n +
           "\"]\n"
           "  condition: secret and not owner\n" +
           tail;
  case 6:
    return head +
           "  event exec\n"
           "  select fetch: proc.cmdline matches nocase "
           "\"(curl|wget) .*app" +
           n +
           "\\\\.example\\\\.com\"\n"
           "  condition: fetch and not bench_trusted\n" +
           tail;
  default:
    return head +
           "  event file.open\n"
           "  select key: file.path like \"/home/*/.app" +
           n +
           "/*.key\"\n"
           "  select reading: file.flags has read\n"
           "  condition: key and reading and not proc.exe startswith "
           "\"/opt/app" +
           n + "/\"\n" + tail;
  }
}

void write_rules(const fs::path& dir, int rules) {
  fs::create_directories(dir);
  std::ofstream(dir / "shared.sg") << shared_file();
  std::ofstream out(dir / "generated.sg");
  out << "import \"shared.sg\"\n\n";
  for (int i = 0; i < rules; ++i) {
    out << rule(i) << "\n";
  }
}

// A realistic mix of events. `hit` in 100 events use literals of the
// generated rules or of the stdlib; the rest are benign.
class Events {
public:
  explicit Events(int rules) : rules_(rules) {}

  std::vector<Event> make(size_t count, int hit_percent) {
    std::vector<Event> out(count);
    for (Event& e : out) {
      bool hit = int(rng_() % 100) < hit_percent;
      unsigned kind = rng_() % 100;
      if (kind < 50) {
        file_open(e, hit);
      } else if (kind < 75) {
        exec(e, hit);
      } else if (kind < 90) {
        connect(e);
      } else {
        unlink(e, hit);
      }
    }
    return out;
  }

private:
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[rng_() % v.size()];
  }
  std::string n() { return std::to_string(rng_() % std::max(rules_, 1)); }

  void process(Event& e) {
    static const std::vector<std::string> kExes = {
        "/usr/bin/bash",    "/usr/bin/python3.11", "/usr/lib/systemd/systemd",
        "/usr/sbin/nginx",  "/usr/bin/git",        "/usr/bin/make",
        "/usr/bin/cc1plus", "/usr/bin/node",       "/usr/sbin/sshd",
        "/usr/bin/ls",      "/usr/bin/grep",       "/usr/bin/java"};
    const std::string& exe = pick(kExes);
    e.copy_string(fid::ProcExe, exe);
    std::string name = exe.substr(exe.rfind('/') + 1).substr(0, 15);
    e.copy_string(fid::ProcName, name);
    e.copy_string(fid::ProcCmdline, name + " --quiet -j4 src/main.cc");
    e.begin_list(fid::ProcArgs);
    e.copy_item("--quiet");
    e.copy_item("-j4");
    e.copy_item("src/main.cc");
    e.set_int(fid::ProcPid, 1000 + int64_t(rng_() % 30000));
    e.set_int(fid::ProcPpid, 1);
    e.set_int(fid::ProcUid, rng_() % 4 == 0 ? 0 : 1000);
    e.copy_string(fid::ParentExe, "/usr/bin/bash");
    e.copy_string(fid::ParentName, "bash");
    e.begin_list(fid::AncestorsExe);
    e.copy_item("/usr/bin/bash");
    e.copy_item("/usr/sbin/sshd");
    e.copy_item("/usr/lib/systemd/systemd");
    e.copy_string(fid::UserName, "alice");
  }

  void file_open(Event& e, bool hit) {
    static const std::vector<std::string> kPaths = {
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/etc/ld.so.cache",
        "/proc/self/stat",
        "/home/alice/project/src/main.cc",
        "/home/alice/project/build/CMakeCache.txt",
        "/var/lib/dpkg/status",
        "/usr/share/locale/locale.alias",
        "/tmp/tmp8f3k2j/output.o",
        "/etc/nsswitch.conf",
        "/usr/lib/python3.11/os.py",
        "/sys/fs/cgroup/user.slice/memory.max",
        "/etc/passwd",
        "/dev/null",
        "/run/systemd/journal/socket"};
    std::string path = pick(kPaths);
    if (hit) {
      static const std::vector<std::string> kHits = {
          "/etc/shadow",
          "/etc/app@/x.conf@",
          "/home/bob/.config/app@/token",
          "/home/bob/.app@/id.key",
          "/etc/cron.d/job",
          "/root/.ssh/authorized_keys"};
      path = pick(kHits);
      std::string num = n();
      for (size_t at; (at = path.find('@')) != std::string::npos;) {
        path.replace(at, 1, num);
      }
    }
    e.reset(sg::schema::Kind::FileOpen);
    process(e);
    size_t slash = path.rfind('/');
    e.copy_string(fid::FilePath, path);
    e.copy_string(fid::FileName, path.substr(slash + 1));
    e.copy_string(fid::FileDir, path.substr(0, slash));
    e.set_flags(fid::FileFlags, rng_() % 8 == 0 ? 0x6 : 0x1);
  }

  void exec(Event& e, bool hit) {
    e.reset(sg::schema::Kind::Exec);
    process(e);
    if (hit) {
      std::string num = n();
      switch (rng_() % 4) {
      case 0:
        e.copy_string(fid::ProcExe, "/usr/bin/tool" + num);
        e.copy_string(fid::ProcCmdline, "tool --TOKEN abc x" + num);
        break;
      case 1:
        e.copy_string(fid::ProcName, "svc" + num);
        break;
      case 2:
        e.copy_string(fid::ProcCmdline,
                      "curl -s https://app" + num + ".example.com/i.sh");
        break;
      default:
        e.copy_string(fid::ProcExe, "/tmp/.x/miner");
        break;
      }
    }
  }

  void connect(Event& e) {
    e.reset(sg::schema::Kind::NetConnect);
    process(e);
    e.set_int(fid::NetFamily, 2);
    e.set_int(fid::NetProtocol, 6);
    auto ip = sg::parse_ip(rng_() % 2 == 0 ? "140.82.121.4" : "10.3.7.9");
    e.set_ip(fid::NetDaddr, *ip);
    e.set_int(fid::NetDport, rng_() % 3 == 0 ? 443 : 5432);
    e.set_int(fid::NetResult, 0);
  }

  void unlink(Event& e, bool hit) {
    e.reset(rng_() % 2 == 0 ? sg::schema::Kind::FileUnlink
                            : sg::schema::Kind::FileRename);
    process(e);
    std::string path = hit ? "/var/log/app" + n() + ".log"
                           : "/home/alice/project/build/main.o.tmp";
    e.copy_string(fid::FilePath, path);
    e.copy_string(fid::FileName, path.substr(path.rfind('/') + 1));
    e.copy_string(fid::FileDir, path.substr(0, path.rfind('/')));
    if (e.kind() == sg::schema::Kind::FileRename) {
      e.copy_string(fid::FileNewPath, path + ".1");
      e.copy_string(fid::FileNewName, path.substr(path.rfind('/') + 1) + ".1");
    }
  }

  std::mt19937 rng_{42};
  int rules_;
};

struct Options {
  int runs = 7;
  size_t events = 512;
  bool prefilter = true;
  std::vector<int> counts;
};

struct Result {
  size_t rules = 0;
  double median = 0;
  double min = 0;
  double max = 0;
  double wall_median = 0;
  double build_ms = 0; // building the matcher, wall time
  double fired_per_event = 0;
  double run_per_event = 0;
  sg::match::MatcherStats stats;
};

// CPU time of this thread: on a shared machine wall time also counts the
// time other processes had the CPU.
double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

double wall_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

size_t count_stdlib_rules(const std::string& stdlib) {
  sg::Compilation c;
  c.inputs = {stdlib};
  c.check.today = "2026-01-01";
  sg::run_passes(c);
  return c.module.rules.size();
}

constexpr size_t kMatchesPerRun = 100000;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bool measure(int rules, const Options& o, const std::string& stdlib,
             size_t stdlib_rules, Result& r) {
  fs::path dir = fs::temp_directory_path() /
                 ("sg-matcher-bench-" + std::to_string(getpid()));
  bool with_stdlib = size_t(rules) >= stdlib_rules * 2;
  int generated = with_stdlib ? rules - int(stdlib_rules) : rules;
  write_rules(dir, generated);
  sg::Compilation c;
  c.inputs = {dir.string()};
  if (with_stdlib) {
    c.inputs.push_back(stdlib);
  }
  c.check.today = "2026-01-01";
  sg::run_passes(c);
  fs::remove_all(dir);
  if (c.diags.errors() > 0 || c.pack.empty()) {
    std::fprintf(stderr, "the generated rules do not compile\n");
    return false;
  }
  std::string error;
  std::optional<sg::pack::Pack> pack = sg::pack::Pack::load(c.pack, error);
  if (!pack) {
    std::fprintf(stderr, "pack: %s\n", error.c_str());
    return false;
  }
  double build_start = wall_ns();
  sg::match::Matcher matcher(*pack, sg::match::MatcherOptions{o.prefilter});
  r.build_ms = (wall_ns() - build_start) / 1e6;
  Events gen(generated);
  std::vector<Event> events = gen.make(o.events, 3);
  std::vector<sg::match::Match> out;
  out.reserve(64);
  size_t fired = 0;
  for (const Event& e : events) { // warm up
    out.clear();
    matcher.match(e, out);
    fired += out.size();
  }
  const size_t passes = std::max<size_t>(1, kMatchesPerRun / events.size());
  const double matches = double(passes * events.size());
  uint64_t runs_before = matcher.rules_run();
  std::vector<double> cpu;
  std::vector<double> wall;
  for (int run = 0; run < o.runs; ++run) {
    double cpu_start = thread_cpu_ns();
    double wall_start = wall_ns();
    for (size_t pass = 0; pass < passes; ++pass) {
      for (const Event& e : events) {
        out.clear();
        matcher.match(e, out);
      }
    }
    wall.push_back((wall_ns() - wall_start) / matches);
    cpu.push_back((thread_cpu_ns() - cpu_start) / matches);
  }
  r.rules = pack->rules().size();
  r.median = median(cpu);
  r.min = *std::min_element(cpu.begin(), cpu.end());
  r.max = *std::max_element(cpu.begin(), cpu.end());
  r.wall_median = median(wall);
  r.run_per_event =
      double(matcher.rules_run() - runs_before) / (matches * o.runs);
  r.fired_per_event = double(fired) / double(events.size());
  r.stats = matcher.stats();
  return true;
}

} // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  bool have_runs = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--no-prefilter") {
      o.prefilter = false;
    } else if (args[i] == "--events" && i + 1 < args.size()) {
      o.events = std::max<size_t>(1, size_t(std::atoi(args[++i].c_str())));
    } else if (!have_runs) {
      o.runs = std::max(1, std::atoi(args[i].c_str()));
      have_runs = true;
    } else {
      o.counts.push_back(std::atoi(args[i].c_str()));
    }
  }
  if (o.counts.empty()) {
    o.counts = {10, 100, 300, 1000};
  }
  std::string stdlib = std::string(SG_SOURCE_DIR) + "/stdlib-rules";
  size_t stdlib_rules = count_stdlib_rules(stdlib);
  std::vector<Result> results;
  for (int n : o.counts) {
    Result r;
    if (!measure(n, o, stdlib, stdlib_rules, r)) {
      return 1;
    }
    std::printf("rules=%zu guarded=%zu always=%zu run/event=%.2f "
                "fired/event=%.3f cpu ns/event median=%.1f min=%.1f "
                "max=%.1f (wall median %.1f) build_ms=%.1f\n",
                r.rules, r.stats.guarded, r.stats.always, r.run_per_event,
                r.fired_per_event, r.median, r.min, r.max, r.wall_median,
                r.build_ms);
    results.push_back(r);
  }
  const Result* hundred = nullptr;
  for (const Result& r : results) {
    hundred = r.rules == 100 ? &r : hundred;
  }
  if (hundred != nullptr && results.back().rules > 100) {
    std::printf("ratio %zu/100 = %.2f\n", results.back().rules,
                results.back().median / hundred->median);
  }
  return 0;
}
