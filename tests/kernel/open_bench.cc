// What the file-open sensor costs: an open/close pump, 1% of opens under
// a watched directory, run without the sensors and then with them, for a
// number of rounds. The cost is measured as CPU time per open (the pump
// threads' own CPU clocks, system time included), which other load on the
// machine disturbs far less than wall-clock throughput; the ratio printed
// is CPU per open without the sensors over CPU per open with them, which
// on an idle machine is the ratio of throughputs.
//
//   sg_open_bench [seconds per run] [rounds] [threads] [walk|floor]
//
// With "walk" the sensors resolve every open's path (no directory cache);
// with "floor" no pack is applied, so the programs run but return at
// their first test: the cost of the hooks themselves.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "runtime/sensor/sensor.h"
#include "tests/kernel/kernel_util.h"

namespace {

using namespace sg;
using Clock = std::chrono::steady_clock;

struct Pumped {
  double per_second = 0; // opens per second of wall time
  double cpu_ns = 0;     // CPU nanoseconds per open
};

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

// `threads` threads opening and closing for `seconds`.
Pumped pump(const std::string& plain, const std::string& watched,
            double seconds, int threads) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> cpu{0};
  std::vector<std::thread> pool;
  pool.reserve(size_t(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      uint64_t n = 0;
      double start = thread_cpu_ns();
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string& p = n % 100 == 0 ? watched : plain;
        close(open(p.c_str(), O_RDONLY));
        ++n;
      }
      cpu += uint64_t(thread_cpu_ns() - start);
      total += n;
    });
  }
  auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& t : pool) {
    t.join();
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  return {double(total) / elapsed, double(cpu) / double(total)};
}

struct Round {
  Pumped without;
  Pumped with;
  sensor::KindStats open;
};

// One run without sensors, then one with them, watching `prefix`.
bool round_trip(const std::string& plain, const std::string& watched,
                const std::string& prefix, double seconds, int threads,
                const std::string& mode, Round& r) {
  r.without = pump(plain, watched, seconds, threads);
  sensor::Options options;
  options.ignore_tgid = 0; // the pump is this process
  options.dir_cache = mode != "walk";
  auto s = sensor::Sensor::open(options);
  if (!s) {
    std::fprintf(stderr, "%s\n", s.error().message().c_str());
    return false;
  }
  std::string error;
  auto pack = sg::testing::compile_pack(
      "rule r {\n  id \"b-1\"\n  title \"t\"\n  level low\n"
      "  event file.open\n  select s: file.path startswith \"" +
          prefix + "\"\n  condition: s\n}\n",
      error);
  if (!pack || (mode != "floor" && !(*s)->apply_filters(*pack))) {
    std::fprintf(stderr, "applying the pack failed: %s\n", error.c_str());
    return false;
  }
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    sensor::EventHandler ignore = [](sensor::RawEvent) {};
    while (!stop) {
      (void)(*s)->poll(100, ignore);
    }
  });
  r.with = pump(plain, watched, seconds, threads);
  stop = true;
  reader.join();
  auto stats = (*s)->stats();
  if (stats) {
    r.open = (*stats)[SG_EV_FileOpen];
  }
  return true;
}

} // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  std::string mode = argc > 4 ? argv[4] : "cache";
  std::string why = sensor::Sensor::unavailable_reason();
  if (!why.empty()) {
    std::fprintf(stderr, "sg_open_bench: %s\n", why.c_str());
    return 1;
  }
  sg::testing::ScratchDir dir;
  std::string plain = dir.write("a/b/c/plain/file", "x");
  std::string watched = dir.write("a/b/c/watched/file", "x");
  std::string prefix = (dir.path() / "a/b/c/watched/").string();

  std::vector<double> ratios;
  for (int i = 0; i < rounds; ++i) {
    Round r;
    if (!round_trip(plain, watched, prefix, seconds, threads, mode, r)) {
      return 1;
    }
    ratios.push_back(r.without.cpu_ns / r.with.cpu_ns);
    std::printf(
        "round %d: without %.0f opens/s, %.0f ns CPU each; with "
        "%.0f opens/s, %.0f ns; ratio %.3f; seen %llu filtered "
        "%llu emitted %llu ring_full %llu\n",
        i + 1, r.without.per_second, r.without.cpu_ns, r.with.per_second,
        r.with.cpu_ns, ratios.back(), (unsigned long long)r.open.seen,
        (unsigned long long)r.open.filtered, (unsigned long long)r.open.emitted,
        (unsigned long long)r.open.ring_full);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("%s, %d threads: median ratio %.3f (min %.3f, max %.3f)\n",
              mode.c_str(), threads, ratios[ratios.size() / 2], ratios.front(),
              ratios.back());
  return 0;
}
