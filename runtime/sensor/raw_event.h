// Raw sensor events as they come out of the ring buffers, and checked
// views of them. The layouts are those of bpf/events.h, shared with the
// BPF programs; the static asserts in raw_event.cc pin them on this side.
//
// A view is only made after checking that the record is as long as its
// header says, that the header says what the kind needs, and that every
// string length stays inside the record; a bad record gives no view.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "bpf/events.h"

namespace sg::sensor {

using RawEvent = std::span<const std::byte>;

// The header of a record, or nullptr when the record is too short or its
// size field disagrees with the record's length.
const sg_event_header* header_of(RawEvent raw);

struct ExecView {
  const sg_exec_event* event = nullptr;
  std::string_view exe;  // resolved path of the executed file
  std::string_view cwd;  // working directory
  std::string_view argv; // each argument followed by a NUL
  std::string_view tty;  // kernel name of the terminal ("pts0"), or ""

  bool truncated() const;                     // argv was cut short
  std::vector<std::string_view> args() const; // argv split, argv[0] first
};

struct OpenView {
  const sg_open_event* event = nullptr;
  std::string_view path; // resolved absolute path of the opened file
};

std::optional<ExecView> exec_view(RawEvent raw);
std::optional<OpenView> open_view(RawEvent raw);
const sg_fork_event* fork_view(RawEvent raw);
const sg_exit_event* exit_view(RawEvent raw);

} // namespace sg::sensor
