// The event file format: one JSON object per line.
//
//   {"kind":"file.open","proc.exe":"/usr/bin/cat","file.path":"/etc/shadow",
//    "file.flags":["read"],"proc.pid":4242,"ts":1733240000000000000}
//
// "kind" (required) names the event kind; every other key is a schema
// field that exists for that kind, with a value of the field's type:
// strings for string and path fields, integers for int fields, true or
// false, the symbol's name for an enum, an array of symbol names for
// flags, an address string for ip fields, and an array of strings for
// list fields. "ts" (nanoseconds since the epoch, a non-negative integer)
// and "host" (a string) are optional. docs/events.md has the details.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/match/event.h"

namespace sg::match {

// Parses one line into `event`, which is reset first; strings are copied
// into the event. Returns an empty string, or what is wrong with the line
// (not JSON, no kind, an unknown kind or field, a value of the wrong
// type). Throws nothing.
std::string parse_event(std::string_view line, Event& event);

// The event's present fields, in schema order, typed as parse_event reads
// them. Flag bits without a name are written as one "0x..." element and
// enum values without a name as their number.
nlohmann::ordered_json fields_json(const Event& event);

// One line of the event format, without the newline: "kind", the fields,
// then "ts" and "host" when the event has them. Bytes that are not UTF-8
// are written as U+FFFD.
std::string format_event(const Event& event);

// Symbol names for flags and enums, as fields_json writes them.
std::vector<std::string> flag_names(const schema::Field& field, uint64_t mask);
std::string flags_text(const schema::Field& field, uint64_t mask,
                       std::string_view separator);
std::string enum_text(const schema::Field& field, int64_t value);

std::string_view kind_name(schema::Kind kind);

} // namespace sg::match
