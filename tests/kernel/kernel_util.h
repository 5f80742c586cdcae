// Helpers of the kernel tests: whether the sensors can run here, packs
// compiled through the real pass list, a scratch directory, and waiting
// for the events of one process.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/pack/reader.h"
#include "runtime/sensor/sensor.h"

namespace sg::testing {

// SG_REQUIRE_BPF=1: a test that cannot load the sensors fails.
bool bpf_required();

// Skips the test, or fails it under SG_REQUIRE_BPF=1, when the sensors
// cannot run here (not root, no BTF, built without BPF).
#define SG_NEED_SENSORS()                                                      \
  do {                                                                         \
    std::string why_ = sensor::Sensor::unavailable_reason();                   \
    if (!why_.empty()) {                                                       \
      if (sg::testing::bpf_required()) {                                       \
        FAIL() << "SG_REQUIRE_BPF=1 but the sensors cannot run: " << why_;     \
      }                                                                        \
      GTEST_SKIP() << why_;                                                    \
    }                                                                          \
  } while (0)

// Compiles rule text through the pass list; on failure, `error` says why.
std::optional<pack::Pack> compile_pack(const std::string& rules,
                                       std::string& error);

// A fresh directory under /tmp, resolved (no symlinks), removed after.
class ScratchDir {
public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const {
    return (path_ / name).string();
  }
  // Writes a file (parents made) and returns its path.
  std::string write(const std::string& name, const std::string& text) const;

private:
  std::filesystem::path path_;
};

// A copy of one raw event.
struct Captured {
  std::vector<std::byte> bytes;
  sensor::RawEvent raw() const { return {bytes.data(), bytes.size()}; }
  const sg_event_header& header() const { return *sensor::header_of(raw()); }
};

// Polls the sensor until `done` says the events so far are enough, or
// the timeout passes; keeps the events that `keep` accepts.
std::vector<Captured>
collect(sensor::Sensor& s, const std::function<bool(const Captured&)>& keep,
        const std::function<bool(const std::vector<Captured>&)>& done,
        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Runs `child` in a forked process and returns its pid after it exited;
// the child's exit status is its return value.
int run_child(const std::function<int()>& child, int* status = nullptr);

} // namespace sg::testing
