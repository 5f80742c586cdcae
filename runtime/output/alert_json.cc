#include "runtime/output/alert_json.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "runtime/match/event_json.h"

namespace sg::output {
namespace {

using nlohmann::ordered_json;
using schema::Type;
namespace fid = match::fid;

constexpr std::string_view kUnknown = "<unknown>";

// Copies the fields that the event has into `out` under their keys.
void add_fields(
    ordered_json& out, const ordered_json& event_fields,
    std::initializer_list<std::pair<const char*, const char*>> keys) {
  for (auto [key, field] : keys) {
    auto it = event_fields.find(field);
    if (it != event_fields.end()) {
      out[key] = *it;
    }
  }
}

} // namespace

std::string_view level_name(uint8_t level) {
  static constexpr std::string_view kLevels[] = {"informational", "low",
                                                 "medium", "high", "critical"};
  return level < std::size(kLevels) ? kLevels[level] : "unknown";
}

std::string field_text(const match::Event& event, std::string_view name) {
  const schema::Field* f = schema::find_field(name);
  if (f == nullptr || !event.has(f->id)) {
    return std::string(kUnknown);
  }
  switch (event.tag(f->id)) {
  case match::Event::Tag::None:
    break;
  case match::Event::Tag::String:
    return std::string(event.get_string(f->id));
  case match::Event::Tag::Int: {
    int64_t v = event.get_int(f->id);
    switch (f->type) {
    case Type::Bool:
      return v != 0 ? "true" : "false";
    case Type::Enum:
      return match::enum_text(*f, v);
    case Type::Flags:
      return v == 0 ? "0" : match::flags_text(*f, uint64_t(v), "|");
    default:
      return std::to_string(v);
    }
  }
  case match::Event::Tag::Ip: {
    IpNet ip;
    ip.addr = event.get_ip(f->id);
    return format_ip(ip);
  }
  case match::Event::Tag::List: {
    std::string out;
    for (size_t i = 0; i < event.list_size(f->id); ++i) {
      out += (i == 0 ? "" : ", ") + std::string(event.list_item(f->id, i));
    }
    return out;
  }
  }
  return std::string(kUnknown);
}

std::string render_message(std::string_view tmpl, const match::Event& event) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    bool doubled = i + 1 < tmpl.size() && tmpl[i + 1] == c;
    if ((c == '{' || c == '}') && doubled) {
      out += c;
      ++i;
      continue;
    }
    size_t close = c == '{' ? tmpl.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += c;
      continue;
    }
    out += field_text(event, tmpl.substr(i + 1, close - i - 1));
    i = close;
  }
  return out;
}

std::string alert_json(const pack::Pack& pack, uint32_t rule,
                       std::span<const uint32_t> held,
                       const match::Event& event,
                       const AlertDefaults& defaults) {
  const pack::RuleRecord& r = pack.rules()[rule];
  ordered_json out = ordered_json::object();
  ordered_json tags = ordered_json::array();
  for (uint32_t t = 0; t < r.tags_count; ++t) {
    tags.push_back(std::string(pack.ref(r.tags_first + t)));
  }
  out["rule"] = {{"id", std::string(pack.str(r.id))},
                 {"name", std::string(pack.str(r.name))},
                 {"title", std::string(pack.str(r.title))},
                 {"level", std::string(level_name(r.level))},
                 {"tags", tags}};
  out["message"] = render_message(pack.str(r.output), event);
  ordered_json matched = ordered_json::array();
  for (uint32_t s : held) {
    if (s < r.sels_count) {
      matched.push_back(
          std::string(pack.str(pack.selections()[r.sels_first + s].name)));
    }
  }
  out["matched"] = matched;
  out["kind"] = std::string(match::kind_name(event.kind()));
  ordered_json fields = match::fields_json(event);
  out["event"] = fields;

  ordered_json process = ordered_json::object();
  add_fields(process, fields,
             {{"pid", "proc.pid"},
              {"ppid", "proc.ppid"},
              {"exe", "proc.exe"},
              {"name", "proc.name"},
              {"cmdline", "proc.cmdline"},
              {"uid", "proc.uid"},
              {"user", "user.name"},
              {"cwd", "proc.cwd"}});
  out["process"] = process;
  ordered_json parent = ordered_json::object();
  add_fields(parent, fields,
             {{"pid", "parent.pid"},
              {"exe", "parent.exe"},
              {"name", "parent.name"},
              {"cmdline", "parent.cmdline"}});
  if (!parent.empty()) {
    out["parent"] = parent;
  }
  size_t exes = event.list_size(fid::AncestorsExe);
  size_t names = event.list_size(fid::AncestorsName);
  if (exes + names > 0) {
    ordered_json ancestors = ordered_json::array();
    for (size_t i = 0; i < std::max(exes, names); ++i) {
      ordered_json a = ordered_json::object();
      if (i < exes) {
        a["exe"] = std::string(event.list_item(fid::AncestorsExe, i));
      }
      if (i < names) {
        a["name"] = std::string(event.list_item(fid::AncestorsName, i));
      }
      ancestors.push_back(a);
    }
    out["ancestors"] = ancestors;
  }
  out["host"] = std::string(event.has_host() ? event.host() : defaults.host);
  out["ts"] = event.has_ts() ? event.ts() : defaults.now_ns;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace sg::output
