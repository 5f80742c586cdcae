#include "runtime/match/event_json.h"

#include <cinttypes>
#include <cstdio>
#include <limits>

namespace sg::match {
namespace {

using nlohmann::json;
using schema::Type;

std::string type_words(const schema::Field& f) {
  switch (f.type) {
  case Type::String:
  case Type::Path:
    return "a string";
  case Type::Int:
    return "an integer";
  case Type::Bool:
    return "true or false";
  case Type::Enum:
    return "the name of one of the " + std::string(f.symbols->name) +
           ", as a string";
  case Type::Flags:
    return "an array of names of " + std::string(f.symbols->name);
  case Type::Ip:
    return "an IP address as a string";
  case Type::StringList:
  case Type::PathList:
    return "an array of strings";
  }
  return "a value";
}

std::string json_kind(const json& v) {
  switch (v.type()) {
  case json::value_t::null:
    return "null";
  case json::value_t::object:
    return "an object";
  case json::value_t::array:
    return "an array";
  case json::value_t::string:
    return "a string";
  case json::value_t::boolean:
    return "a boolean";
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
    return "an integer";
  case json::value_t::number_float:
    return "a fractional number";
  default:
    return "a value";
  }
}

std::string squote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Sets one field from its JSON value; returns what is wrong, or "".
std::string set_field(const schema::Field& f, const json& v, Event& e) {
  std::string wrong =
      squote(f.name) + " takes " + type_words(f) + ", not " + json_kind(v);
  switch (f.type) {
  case Type::String:
  case Type::Path:
    if (!v.is_string()) {
      return wrong;
    }
    e.copy_string(f.id, v.get_ref<const std::string&>());
    return "";
  case Type::Int:
    if (v.is_number_integer() && !v.is_number_unsigned()) {
      e.set_int(f.id, v.get<int64_t>());
      return "";
    }
    if (v.is_number_unsigned()) {
      auto u = v.get<uint64_t>();
      if (u > uint64_t(std::numeric_limits<int64_t>::max())) {
        return squote(f.name) + " is out of the range of a signed 64-bit "
                                "integer";
      }
      e.set_int(f.id, int64_t(u));
      return "";
    }
    return wrong;
  case Type::Bool:
    if (!v.is_boolean()) {
      return wrong;
    }
    e.set_bool(f.id, v.get<bool>());
    return "";
  case Type::Enum: {
    if (!v.is_string()) {
      return wrong;
    }
    const std::string& name = v.get_ref<const std::string&>();
    const schema::Symbol* s = schema::find_symbol(*f.symbols, name);
    if (s == nullptr) {
      return squote(f.name) + ": " + squote(name) + " is not one of the " +
             std::string(f.symbols->name);
    }
    e.set_int(f.id, int64_t(s->value));
    return "";
  }
  case Type::Flags: {
    if (!v.is_array()) {
      return wrong;
    }
    uint64_t mask = 0;
    for (const json& item : v) {
      if (!item.is_string()) {
        return squote(f.name) + " takes " + type_words(f) +
               "; an element "
               "is " +
               json_kind(item);
      }
      const std::string& name = item.get_ref<const std::string&>();
      const schema::Symbol* s = schema::find_symbol(*f.symbols, name);
      if (s == nullptr) {
        return squote(f.name) + ": " + squote(name) + " is not one of the " +
               std::string(f.symbols->name);
      }
      mask |= s->value;
    }
    e.set_flags(f.id, mask);
    return "";
  }
  case Type::Ip: {
    if (!v.is_string()) {
      return wrong;
    }
    const std::string& text = v.get_ref<const std::string&>();
    std::optional<IpNet> ip = parse_ip(text);
    if (!ip) {
      return squote(f.name) + ": " + squote(text) + " is not an IP address";
    }
    e.set_ip(f.id, *ip);
    return "";
  }
  case Type::StringList:
  case Type::PathList:
    if (!v.is_array()) {
      return wrong;
    }
    for (const json& item : v) {
      if (!item.is_string()) {
        return squote(f.name) +
               " takes an array of strings; an element "
               "is " +
               json_kind(item);
      }
    }
    e.begin_list(f.id);
    for (const json& item : v) {
      e.copy_item(item.get_ref<const std::string&>());
    }
    return "";
  }
  return wrong;
}

std::string parse_error_text(const std::exception& ex) {
  // "[json.exception.parse_error.101] parse error at line 1, column 2:
  // ..." loses its bracketed prefix.
  std::string_view what = ex.what();
  if (!what.empty() && what.front() == '[') {
    size_t close = what.find("] ");
    if (close != std::string_view::npos) {
      what.remove_prefix(close + 2);
    }
  }
  return std::string(what);
}

} // namespace

std::string parse_event(std::string_view line, Event& event) {
  event.reset(schema::Kind::Exec);
  json doc;
  try {
    doc = json::parse(line.begin(), line.end());
  } catch (const json::exception& ex) {
    return "not JSON: " + parse_error_text(ex);
  }
  if (!doc.is_object()) {
    return "an event is a JSON object, not " + json_kind(doc);
  }
  auto kind = doc.find("kind");
  if (kind == doc.end()) {
    return "the event has no \"kind\"";
  }
  if (!kind->is_string()) {
    return "\"kind\" takes the name of an event kind, not " + json_kind(*kind);
  }
  const schema::KindInfo* k =
      schema::find_kind(kind->get_ref<const std::string&>());
  if (k == nullptr) {
    return "unknown event kind " + squote(kind->get_ref<const std::string&>());
  }
  event.reset(k->kind);
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "kind") {
      continue;
    }
    if (key == "ts") {
      if (!v.is_number_unsigned() &&
          !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
        return "\"ts\" takes nanoseconds since the epoch as a non-negative "
               "integer, not " +
               json_kind(v);
      }
      event.set_ts(v.get<uint64_t>());
      continue;
    }
    if (key == "host") {
      if (!v.is_string()) {
        return "\"host\" takes a string, not " + json_kind(v);
      }
      event.set_host(v.get_ref<const std::string&>());
      continue;
    }
    const schema::Field* f = schema::find_field(key);
    if (f == nullptr) {
      return "unknown field " + squote(key);
    }
    if ((f->kinds & schema::kind_bit(k->kind)) == 0) {
      return "field " + squote(key) + " does not exist for event kind " +
             squote(k->name);
    }
    if (std::string err = set_field(*f, v, event); !err.empty()) {
      return err;
    }
  }
  return "";
}

std::vector<std::string> flag_names(const schema::Field& field, uint64_t mask) {
  std::vector<std::string> out;
  uint64_t known = 0;
  if (field.symbols != nullptr) {
    for (const schema::Symbol& s : field.symbols->symbols) {
      known |= s.value;
      if (s.value != 0 && (mask & s.value) == s.value) {
        out.emplace_back(s.name);
      }
    }
  }
  if (uint64_t rest = mask & ~known; rest != 0) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, rest);
    out.emplace_back(buf);
  }
  return out;
}

std::string flags_text(const schema::Field& field, uint64_t mask,
                       std::string_view separator) {
  std::string out;
  for (const std::string& name : flag_names(field, mask)) {
    out += (out.empty() ? "" : std::string(separator)) + name;
  }
  return out;
}

std::string_view kind_name(schema::Kind kind) {
  for (const schema::KindInfo& k : schema::kinds()) {
    if (k.kind == kind) {
      return k.name;
    }
  }
  return "?";
}

std::string enum_text(const schema::Field& field, int64_t value) {
  if (field.symbols != nullptr) {
    for (const schema::Symbol& s : field.symbols->symbols) {
      if (int64_t(s.value) == value) {
        return std::string(s.name);
      }
    }
  }
  return std::to_string(value);
}

nlohmann::ordered_json fields_json(const Event& event) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const schema::Field& f : schema::fields()) {
    if (!event.has(f.id)) {
      continue;
    }
    std::string name(f.name);
    switch (event.tag(f.id)) {
    case Event::Tag::None:
      break;
    case Event::Tag::String:
      out[name] = std::string(event.get_string(f.id));
      break;
    case Event::Tag::Int: {
      int64_t v = event.get_int(f.id);
      if (f.type == Type::Bool) {
        out[name] = v != 0;
      } else if (f.type == Type::Enum) {
        bool named = enum_text(f, v) != std::to_string(v);
        if (named) {
          out[name] = enum_text(f, v);
        } else {
          out[name] = v;
        }
      } else if (f.type == Type::Flags) {
        nlohmann::ordered_json names = nlohmann::ordered_json::array();
        for (const std::string& n : flag_names(f, uint64_t(v))) {
          names.push_back(n);
        }
        out[name] = names;
      } else {
        out[name] = v;
      }
      break;
    }
    case Event::Tag::Ip: {
      IpNet ip;
      ip.addr = event.get_ip(f.id);
      out[name] = format_ip(ip);
      break;
    }
    case Event::Tag::List: {
      nlohmann::ordered_json items = nlohmann::ordered_json::array();
      for (size_t i = 0; i < event.list_size(f.id); ++i) {
        items.push_back(std::string(event.list_item(f.id, i)));
      }
      out[name] = items;
      break;
    }
    }
  }
  return out;
}

std::string format_event(const Event& event) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["kind"] = std::string(kind_name(event.kind()));
  nlohmann::ordered_json fields = fields_json(event);
  for (auto& [key, value] : fields.items()) {
    out[key] = value;
  }
  if (event.has_ts()) {
    out["ts"] = event.ts();
  }
  if (event.has_host()) {
    out["host"] = std::string(event.host());
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace sg::match
