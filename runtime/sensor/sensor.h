// The kernel sensors, loaded and attached: the eBPF programs of bpf/,
// their filter maps, and the two ring buffers they write events into.
//
//   Sensor::open      checks root, BTF and tracefs (mounting tracefs at
//                     /sys/kernel/tracing when missing), raises
//                     RLIMIT_MEMLOCK, loads and attaches every program
//   apply_filters     pushes a pack's kernel filter into the idle slot of
//                     the filter maps, then flips to it in one store
//   poll              hands raw events from both rings to a handler
//   stats             the per-kind counters, summed over CPUs
//   detach / ~Sensor  detaches every program and frees the maps
//
// Until a pack is applied no file event is collected; exec, fork and exit
// always are. Failures come back as values (result.h); nothing throws.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bpf/events.h"
#include "runtime/pack/reader.h"
#include "runtime/sensor/filter_maps.h"
#include "runtime/sensor/raw_event.h"
#include "runtime/sensor/result.h"

struct sg_sensors; // the generated skeleton
struct ring_buffer;
struct bpf_link;

namespace sg::sensor {

struct Options {
  // The process whose events the sensors drop: the daemon itself. 0
  // drops none; the default is the calling process.
  int32_t ignore_tgid = -1;
  uint32_t proc_ring_bytes = 4U << 20; // power of two, page multiple
  uint32_t file_ring_bytes = 16U << 20;
  // Cache per-directory filter verdicts; off walks every open's path.
  bool dir_cache = true;
};

// Counters of one event kind, summed over CPUs (bpf/events.h).
struct KindStats {
  uint64_t seen = 0;
  uint64_t filtered = 0;
  uint64_t emitted = 0;
  uint64_t ring_full = 0;
  uint64_t truncated = 0;
  uint64_t errors = 0;
};

// Events userspace knows it missed: gaps in the per-CPU sequences.
struct Gaps {
  uint64_t proc = 0;
  uint64_t file = 0;
};

// Called for each event, with the record as the kernel wrote it; the
// bytes are valid only during the call.
using EventHandler = std::function<void(RawEvent)>;

class Sensor {
public:
  // Why the sensors cannot run here, or "" when they can be tried: not
  // root, no BTF, or built without BPF support.
  static std::string unavailable_reason();

  static Result<std::unique_ptr<Sensor>> open(const Options& options = {});

  ~Sensor();
  Sensor(const Sensor&) = delete;
  Sensor& operator=(const Sensor&) = delete;

  // Replaces the kernel filter with the pack's. The new sets are written
  // into the idle slot while the programs keep using the active one, and
  // one atomic add on the state word makes them active; a failure leaves
  // the active filter as it was.
  Status apply_filters(const pack::Pack& pack);

  // Waits up to timeout_ms for events and hands each to handler. Returns
  // how many were handled.
  Result<size_t> poll(int timeout_ms, const EventHandler& handler);

  // Handles what is in the rings now, without waiting.
  Result<size_t> drain(const EventHandler& handler);

  // Counters of every kind that has any, by kind id.
  Result<std::map<uint32_t, KindStats>> stats() const;
  Gaps gaps() const { return gaps_; }

  // What open did to the system that an operator should know, such as
  // "mounted tracefs at /sys/kernel/tracing".
  const std::vector<std::string>& notes() const { return notes_; }

  // Kinds the pack watches that no sensor collects yet.
  static std::vector<uint32_t> uncollected_kinds(const pack::Pack& pack);

  void detach();

private:
  Sensor() = default;
  Status load(const Options& options);
  Status attach();
  Status write_tables(const FilterTables& t);
  Status clear_slot(uint32_t slot);
  void track(RawEvent raw);
  static int on_record(void* ctx, void* data, size_t size);

  sg_sensors* skel_ = nullptr;
  ring_buffer* rings_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<std::string> notes_;
  // Filter entries written into each slot, to clear it before reuse.
  std::array<FilterTables, 2> written_{};
  const EventHandler* handler_ = nullptr;
  size_t handled_ = 0;
  // Last sequence number seen per (ring, cpu).
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> last_seq_;
  Gaps gaps_;
};

} // namespace sg::sensor
