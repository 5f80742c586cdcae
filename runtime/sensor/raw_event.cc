#include "runtime/sensor/raw_event.h"

#include <cstring>

#include "runtime/schema/schema.h"

namespace sg::sensor {
namespace {

// The layouts the BPF programs write, checked field by field so that a
// difference between the BPF and host compilers cannot go unnoticed.
static_assert(sizeof(sg_event_header) == 96);
static_assert(offsetof(sg_event_header, seq) == 8);
static_assert(offsetof(sg_event_header, ktime_ns) == 16);
static_assert(offsetof(sg_event_header, start_ns) == 24);
static_assert(offsetof(sg_event_header, cgroup_id) == 32);
static_assert(offsetof(sg_event_header, cpu) == 40);
static_assert(offsetof(sg_event_header, ppid) == 52);
static_assert(offsetof(sg_event_header, sessionid) == 76);
static_assert(offsetof(sg_event_header, comm) == 80);
static_assert(sizeof(sg_exec_event) == 120 + SG_EXEC_DATA_MAX);
static_assert(offsetof(sg_exec_event, exe_len) == 104);
static_assert(offsetof(sg_exec_event, data) == 120);
static_assert(sizeof(sg_fork_event) == 104);
static_assert(sizeof(sg_exit_event) == 104);
static_assert(sizeof(sg_open_event) == 128 + SG_PATH_MAX);
static_assert(offsetof(sg_open_event, dev) == 112);
static_assert(offsetof(sg_open_event, path) == 128);
static_assert(sizeof(sg_lpm_key) == 4 + SG_LPM_DATA_MAX);
static_assert(sizeof(sg_comm_key) == 20);
static_assert(sizeof(sg_filter_value) == 8);
static_assert(sizeof(sg_kind_config) == 8);
static_assert(sizeof(sg_kind_stats) == 48);
static_assert(sizeof(sg_ring_seq) == 16);

// Kind ids are the schema's; lifecycle kinds lie outside its range.
static_assert(SG_EV_Exec == int(schema::Kind::Exec));
static_assert(SG_EV_FileOpen == int(schema::Kind::FileOpen));
static_assert(SG_EV_Bpf == int(schema::Kind::Bpf));
static_assert(schema::kKindLimit <= SG_FILTER_KIND_MAX);
static_assert(SG_EV_Fork >= int(schema::kKindLimit) &&
              SG_EV_Exit < SG_EVENT_KIND_MAX);

template <typename T>
const T* record(RawEvent raw, uint16_t kind, size_t fixed) {
  const sg_event_header* h = header_of(raw);
  if (h == nullptr || h->kind != kind || raw.size() < fixed) {
    return nullptr;
  }
  return reinterpret_cast<const T*>(raw.data());
}

} // namespace

const sg_event_header* header_of(RawEvent raw) {
  if (raw.size() < sizeof(sg_event_header)) {
    return nullptr;
  }
  const auto* h = reinterpret_cast<const sg_event_header*>(raw.data());
  return h->size == raw.size() ? h : nullptr;
}

bool ExecView::truncated() const {
  return (event->flags & SG_EXEC_ARGV_TRUNCATED) != 0;
}

std::vector<std::string_view> ExecView::args() const {
  std::vector<std::string_view> out;
  std::string_view rest = argv;
  while (!rest.empty()) {
    size_t nul = rest.find('\0');
    out.push_back(rest.substr(0, nul));
    if (nul == std::string_view::npos) {
      break; // cut short: the last argument has no NUL
    }
    rest.remove_prefix(nul + 1);
  }
  return out;
}

std::optional<ExecView> exec_view(RawEvent raw) {
  const auto* e =
      record<sg_exec_event>(raw, SG_EV_Exec, offsetof(sg_exec_event, data));
  if (e == nullptr) {
    return std::nullopt;
  }
  size_t have = raw.size() - offsetof(sg_exec_event, data);
  size_t need = size_t(e->exe_len) + e->cwd_len + e->argv_len + e->tty_len;
  if (need > have) {
    return std::nullopt;
  }
  ExecView v;
  v.event = e;
  const char* p = e->data;
  v.exe = {p, e->exe_len};
  p += e->exe_len;
  v.cwd = {p, e->cwd_len};
  p += e->cwd_len;
  v.argv = {p, e->argv_len};
  p += e->argv_len;
  v.tty = {p, e->tty_len};
  return v;
}

std::optional<OpenView> open_view(RawEvent raw) {
  const auto* e =
      record<sg_open_event>(raw, SG_EV_FileOpen, offsetof(sg_open_event, path));
  if (e == nullptr ||
      e->path_len > raw.size() - offsetof(sg_open_event, path)) {
    return std::nullopt;
  }
  return OpenView{e, {e->path, e->path_len}};
}

const sg_fork_event* fork_view(RawEvent raw) {
  return record<sg_fork_event>(raw, SG_EV_Fork, sizeof(sg_fork_event));
}

const sg_exit_event* exit_view(RawEvent raw) {
  return record<sg_exit_event>(raw, SG_EV_Exit, sizeof(sg_exit_event));
}

} // namespace sg::sensor
