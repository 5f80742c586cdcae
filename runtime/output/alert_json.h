// The alert format: one JSON object per line, written by `sgc replay` and
// by the daemon. Keys come in a fixed order, so equal inputs give equal
// bytes:
//
//   rule      {id, name, title, level, tags}
//   message   the rule's output template, rendered
//   matched   the names of the rule's selections that held
//   kind      the event kind
//   event     every field the event has, typed as in the event format
//   process   {pid, ppid, exe, name, cmdline, uid, user, cwd}
//   parent    {pid, exe, name, cmdline}; left out without parent fields
//   ancestors [{exe, name}...], parent first; left out without them
//   host      the event's host, else the host given to the writer
//   ts        the event's time in ns, else the time given to the writer
//
// Inside process and parent, a field the event lacks is left out.
// docs/events.md describes every key.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "runtime/match/event.h"
#include "runtime/pack/reader.h"

namespace sg::output {

// The event's value of `field` as a template shows it: strings as they
// are, numbers in decimal, booleans as true or false, enums by name,
// flags as names joined by '|' (0 when none is set), addresses as text,
// lists as their elements joined by ", ". "<unknown>" when the event
// lacks the field or the name is not a field.
std::string field_text(const match::Event& event, std::string_view field);

// Renders an output template: {field} becomes field_text, {{ and }} a
// single brace. A '{' without its '}' is kept as it is.
std::string render_message(std::string_view tmpl, const match::Event& event);

// The level's word: informational, low, medium, high or critical.
std::string_view level_name(uint8_t level);

struct AlertDefaults {
  std::string_view host; // for events without a host
  uint64_t now_ns = 0;   // for events without a time
};

// One alert line, without the newline.
std::string alert_json(const pack::Pack& pack, uint32_t rule,
                       std::span<const uint32_t> held,
                       const match::Event& event,
                       const AlertDefaults& defaults);

} // namespace sg::output
