#include "runtime/sensor/sensor.h"

#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <mutex>

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#if SG_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sensors.skel.h"
#endif

namespace sg::sensor {

std::string Error::message() const {
  std::string m = context;
  if (code != 0) {
    m += ": ";
    m += std::strerror(code);
  }
  if (!detail.empty()) {
    m += "\n" + detail;
  }
  return m;
}

Error errno_error(std::string context) {
  return Error{errno, std::move(context), {}};
}

std::vector<uint32_t> Sensor::uncollected_kinds(const pack::Pack& pack) {
  std::vector<uint32_t> out;
  for (const pack::FilterRecord& f : pack.filters()) {
    if (f.kind != SG_EV_Exec && f.kind != SG_EV_FileOpen) {
      out.push_back(f.kind);
    }
  }
  return out;
}

namespace {

constexpr const char* kBtfPath = "/sys/kernel/btf/vmlinux";
constexpr const char* kTracefs = "/sys/kernel/tracing";
constexpr const char* kDebugTracefs = "/sys/kernel/debug/tracing";

[[maybe_unused]] bool exists(const std::string& path) {
  return access(path.c_str(), F_OK) == 0;
}

} // namespace

std::string Sensor::unavailable_reason() {
#if !SG_HAVE_BPF
  return "built without kernel sensors (" SG_BPF_MISSING ")";
#else
  if (geteuid() != 0) {
    return "not root: loading eBPF programs needs root";
  }
  if (!exists(kBtfPath)) {
    return std::string("the kernel has no BTF (") + kBtfPath + ")";
  }
  return "";
#endif
}

#if !SG_HAVE_BPF

Result<std::unique_ptr<Sensor>> Sensor::open(const Options&) {
  return Error{ENOTSUP, unavailable_reason(), {}};
}
Sensor::~Sensor() = default;
void Sensor::detach() {}
Status Sensor::apply_filters(const pack::Pack&) {
  return Error{ENOTSUP, unavailable_reason(), {}};
}
Result<size_t> Sensor::poll(int, const EventHandler&) {
  return Error{ENOTSUP, unavailable_reason(), {}};
}
Result<size_t> Sensor::drain(const EventHandler&) {
  return Error{ENOTSUP, unavailable_reason(), {}};
}
Result<std::map<uint32_t, KindStats>> Sensor::stats() const {
  return Error{ENOTSUP, unavailable_reason(), {}};
}

#else

namespace {

// libbpf reports through one process-wide callback; while a sensor loads,
// warnings (the verifier's log among them) are kept for its error.
std::mutex log_mutex;
std::string* log_sink = nullptr;

int libbpf_log(enum libbpf_print_level level, const char* format,
               va_list args) {
  if (level == LIBBPF_DEBUG) {
    return 0;
  }
  std::lock_guard lock(log_mutex);
  if (log_sink == nullptr) {
    return 0;
  }
  char line[1024];
  int n = vsnprintf(line, sizeof(line), format, args);
  log_sink->append(line, std::min<size_t>(std::max(n, 0), sizeof(line) - 1));
  return n;
}

class LogCapture {
public:
  LogCapture() {
    std::lock_guard lock(log_mutex);
    log_sink = &text_;
    libbpf_set_print(libbpf_log);
  }
  ~LogCapture() {
    std::lock_guard lock(log_mutex);
    log_sink = nullptr;
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The end of the log, where the verifier says what it refused.
  std::string tail() const {
    std::lock_guard lock(log_mutex);
    constexpr size_t kKeep = 3000;
    return text_.size() <= kKeep ? text_ : text_.substr(text_.size() - kKeep);
  }

private:
  std::string text_;
};

Error with_log(Error e, const LogCapture& log) {
  e.detail = log.tail();
  return e;
}

Status ensure_tracefs(std::vector<std::string>& notes) {
  if (exists(std::string(kTracefs) + "/events") ||
      exists(std::string(kDebugTracefs) + "/events")) {
    return {};
  }
  if (mount("tracefs", kTracefs, "tracefs", 0, nullptr) != 0) {
    return errno_error(std::string("mounting tracefs at ") + kTracefs);
  }
  notes.push_back(std::string("mounted tracefs at ") + kTracefs);
  return {};
}

// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK.
Status raise_memlock(std::vector<std::string>& notes) {
  utsname u{};
  int major = 0;
  int minor = 0;
  if (uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
      (major > 5 || (major == 5 && minor >= 11))) {
    return {};
  }
  rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0) {
    return errno_error("raising RLIMIT_MEMLOCK");
  }
  notes.emplace_back("raised RLIMIT_MEMLOCK to unlimited");
  return {};
}

uint64_t load_state(const sg_sensors* skel) {
  return __atomic_load_n(&skel->bss->sg_state, __ATOMIC_SEQ_CST);
}

Status update(bpf_map* map, const void* key, const void* value,
              const char* what) {
  if (bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY) != 0) {
    return errno_error(std::string("writing the filter map ") + what);
  }
  return {};
}

Status remove(bpf_map* map, const void* key, const char* what) {
  if (bpf_map_delete_elem(bpf_map__fd(map), key) != 0 && errno != ENOENT) {
    return errno_error(std::string("clearing the filter map ") + what);
  }
  return {};
}

} // namespace

Result<std::unique_ptr<Sensor>> Sensor::open(const Options& options) {
  if (geteuid() != 0) {
    return Error{EPERM, "loading the kernel sensors needs root", {}};
  }
  if (!exists(kBtfPath)) {
    return Error{ENOENT,
                 std::string("the kernel has no BTF at ") + kBtfPath +
                     "; the CO-RE sensors need it",
                 {}};
  }
  std::unique_ptr<Sensor> s(new Sensor);
  if (Status st = ensure_tracefs(s->notes_); !st) {
    return st.error();
  }
  if (Status st = raise_memlock(s->notes_); !st) {
    return st.error();
  }
  if (Status st = s->load(options); !st) {
    return st.error();
  }
  if (Status st = s->attach(); !st) {
    return st.error();
  }
  return s;
}

Status Sensor::load(const Options& options) {
  LogCapture log;
  skel_ = sg_sensors__open();
  if (skel_ == nullptr) {
    return with_log(errno_error("opening the sensors' BPF object"), log);
  }
  if (skel_->rodata->sg_abi_version != SG_BPF_ABI_VERSION) {
    return Error{EPROTO, "the BPF object's ABI version differs", {}};
  }
  int32_t self =
      options.ignore_tgid < 0 ? int32_t(getpid()) : options.ignore_tgid;
  skel_->rodata->sg_self_tgid = uint32_t(self);
  skel_->rodata->sg_use_dir_cache = options.dir_cache ? 1 : 0;
  if (bpf_map__set_max_entries(skel_->maps.proc_events,
                               options.proc_ring_bytes) != 0 ||
      bpf_map__set_max_entries(skel_->maps.file_events,
                               options.file_ring_bytes) != 0) {
    return errno_error("sizing the ring buffers");
  }
  if (sg_sensors__load(skel_) != 0) {
    return with_log(errno_error("loading the sensors: the kernel refused "
                                "a program or map (log below)"),
                    log);
  }
  return {};
}

Status Sensor::attach() {
  LogCapture log;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    bpf_link* link = bpf_program__attach(prog);
    if (link == nullptr) {
      return with_log(
          errno_error(std::string("attaching ") + bpf_program__name(prog)),
          log);
    }
    links_.push_back(link);
  }
  rings_ = ring_buffer__new(bpf_map__fd(skel_->maps.proc_events), on_record,
                            this, nullptr);
  if (rings_ == nullptr) {
    return errno_error("opening the process ring buffer");
  }
  if (ring_buffer__add(rings_, bpf_map__fd(skel_->maps.file_events), on_record,
                       this) != 0) {
    return errno_error("opening the file ring buffer");
  }
  return {};
}

Sensor::~Sensor() {
  detach();
}

void Sensor::detach() {
  for (bpf_link* link : links_) {
    bpf_link__destroy(link);
  }
  links_.clear();
  if (rings_ != nullptr) {
    ring_buffer__free(rings_);
    rings_ = nullptr;
  }
  if (skel_ != nullptr) {
    sg_sensors__destroy(skel_);
    skel_ = nullptr;
  }
}

Status Sensor::clear_slot(uint32_t slot) {
  const FilterTables& old = written_[slot];
  for (const TrieEntry& e : old.paths) {
    if (Status st = remove(skel_->maps.path_trie, &e.key, "path_trie"); !st) {
      return st;
    }
  }
  for (const TrieEntry& e : old.suffixes) {
    if (Status st = remove(skel_->maps.suffix_trie, &e.key, "suffix_trie");
        !st) {
      return st;
    }
  }
  for (const TrieEntry& e : old.exes) {
    if (Status st = remove(skel_->maps.exe_trie, &e.key, "exe_trie"); !st) {
      return st;
    }
  }
  for (const TrieEntry& e : old.dirs) {
    if (Status st = remove(skel_->maps.dir_trie, &e.key, "dir_trie"); !st) {
      return st;
    }
  }
  for (const TrieEntry& e : old.dir_suffixes) {
    if (Status st =
            remove(skel_->maps.dirsuffix_trie, &e.key, "dirsuffix_trie");
        !st) {
      return st;
    }
  }
  for (const CommEntry& e : old.comms) {
    if (Status st = remove(skel_->maps.comm_set, &e.key, "comm_set"); !st) {
      return st;
    }
  }
  written_[slot] = FilterTables{};
  return {};
}

Status Sensor::write_tables(const FilterTables& t) {
  struct Set {
    bpf_map* map;
    const std::vector<TrieEntry>* entries;
    const char* name;
  };
  for (const Set& s :
       {Set{skel_->maps.path_trie, &t.paths, "path_trie"},
        Set{skel_->maps.suffix_trie, &t.suffixes, "suffix_trie"},
        Set{skel_->maps.exe_trie, &t.exes, "exe_trie"},
        Set{skel_->maps.dir_trie, &t.dirs, "dir_trie"},
        Set{skel_->maps.dirsuffix_trie, &t.dir_suffixes, "dirsuffix_trie"}}) {
    if (s.entries->size() > bpf_map__max_entries(s.map)) {
      return Error{E2BIG,
                   "the pack's filter needs " +
                       std::to_string(s.entries->size()) + " entries in " +
                       s.name + ", which holds " +
                       std::to_string(bpf_map__max_entries(s.map)),
                   {}};
    }
    for (const TrieEntry& e : *s.entries) {
      if (Status st = update(s.map, &e.key, &e.value, s.name); !st) {
        return st;
      }
    }
  }
  for (const CommEntry& e : t.comms) {
    if (Status st = update(skel_->maps.comm_set, &e.key, &e.value, "comm_set");
        !st) {
      return st;
    }
  }
  for (uint32_t kind = 0; kind < SG_EVENT_KIND_MAX; ++kind) {
    uint32_t index = t.slot * SG_EVENT_KIND_MAX + kind;
    if (Status st = update(skel_->maps.kind_config, &index, &t.kinds[kind],
                           "kind_config");
        !st) {
      return st;
    }
  }
  return {};
}

Status Sensor::apply_filters(const pack::Pack& pack) {
  uint64_t state = load_state(skel_);
  uint32_t idle = SG_STATE_SLOT(state) ^ 1U;
  FilterTables tables = build_filter_tables(pack, idle);

  // The idle slot still holds the filter before the active one.
  if (Status st = clear_slot(idle); !st) {
    return st;
  }
  written_[idle] = tables;
  if (Status st = write_tables(tables); !st) {
    return st;
  }

  // One add flips the slot and raises the generation, which also makes
  // every cached verdict stale: from slot 0, +3; from slot 1, +1.
  __atomic_fetch_add(&skel_->bss->sg_state, idle == 1 ? 3 : 1,
                     __ATOMIC_SEQ_CST);
  return {};
}

void Sensor::track(RawEvent raw) {
  const sg_event_header* h = header_of(raw);
  if (h == nullptr) {
    return;
  }
  bool proc =
      h->kind == SG_EV_Exec || h->kind == SG_EV_Fork || h->kind == SG_EV_Exit;
  uint64_t& last = last_seq_[{proc ? SG_RING_PROC : SG_RING_FILE, h->cpu}];
  uint64_t& gaps = proc ? gaps_.proc : gaps_.file;
  if (h->seq > last) {
    gaps += h->seq - last - 1;
    last = h->seq;
  } else if (gaps > 0) {
    --gaps; // a late event fills a gap counted before
  }
}

int Sensor::on_record(void* ctx, void* data, size_t size) {
  auto* self = static_cast<Sensor*>(ctx);
  RawEvent raw(static_cast<const std::byte*>(data), size);
  self->track(raw);
  if (self->handler_ != nullptr) {
    (*self->handler_)(raw);
  }
  ++self->handled_;
  return 0;
}

Result<size_t> Sensor::poll(int timeout_ms, const EventHandler& handler) {
  if (rings_ == nullptr) {
    return Error{EBADF, "polling a detached sensor", {}};
  }
  handler_ = &handler;
  handled_ = 0;
  int n = ring_buffer__poll(rings_, timeout_ms);
  handler_ = nullptr;
  if (n < 0 && n != -EINTR) {
    return Error{-n, "polling the ring buffers", {}};
  }
  return handled_;
}

Result<size_t> Sensor::drain(const EventHandler& handler) {
  if (rings_ == nullptr) {
    return Error{EBADF, "draining a detached sensor", {}};
  }
  handler_ = &handler;
  handled_ = 0;
  int n = ring_buffer__consume(rings_);
  handler_ = nullptr;
  if (n < 0) {
    return Error{-n, "draining the ring buffers", {}};
  }
  return handled_;
}

Result<std::map<uint32_t, KindStats>> Sensor::stats() const {
  if (skel_ == nullptr) {
    return Error{EBADF, "reading the counters of a detached sensor", {}};
  }
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) {
    return Error{-cpus, "counting the possible CPUs", {}};
  }
  std::vector<sg_kind_stats> per_cpu(static_cast<size_t>(cpus));
  std::map<uint32_t, KindStats> out;
  int fd = bpf_map__fd(skel_->maps.kind_stats);
  for (uint32_t kind = 0; kind < SG_EVENT_KIND_MAX; ++kind) {
    if (bpf_map_lookup_elem(fd, &kind, per_cpu.data()) != 0) {
      return errno_error("reading the kind_stats map");
    }
    KindStats s;
    for (const sg_kind_stats& c : per_cpu) {
      s.seen += c.seen;
      s.filtered += c.filtered;
      s.emitted += c.emitted;
      s.ring_full += c.ring_full;
      s.truncated += c.truncated;
      s.errors += c.errors;
    }
    if (s.seen != 0 || s.emitted != 0 || s.ring_full != 0) {
      out[kind] = s;
    }
  }
  return out;
}

#endif

} // namespace sg::sensor
