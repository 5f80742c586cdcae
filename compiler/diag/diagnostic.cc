#include "compiler/diag/diagnostic.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

namespace sg {
namespace {

constexpr CodeInfo kCodes[] = {
#define SG_DIAG(code, name, severity, summary)                                 \
  {#code, #name, summary, Code::code, Severity::severity},
#include "compiler/diag/codes.def"
#undef SG_DIAG
};

std::string_view severity_name(Severity s) {
  switch (s) {
  case Severity::Note:
    return "note";
  case Severity::Warning:
    return "warning";
  case Severity::Error:
    return "error";
  }
  return "?";
}

std::string location(const SourceRange& r, const SourceManager& sm) {
  if (r.file == kNoFile) {
    return "sgc";
  }
  std::string out = sm.file(r.file).path;
  if (r.line != 0) {
    out += ":" + std::to_string(r.line) + ":" + std::to_string(r.col);
  }
  return out;
}

// Byte offset of 1-based code-point column `col` in `line`.
size_t byte_of_column(std::string_view line, uint32_t col) {
  size_t i = 0;
  for (uint32_t c = 1; c < col && i < line.size(); ++c) {
    ++i;
    while (i < line.size() && (uint8_t(line[i]) & 0xC0) == 0x80) {
      ++i;
    }
  }
  return i;
}

// Length of the UTF-8 sequence at line[i], or 0 when there is none.
size_t utf8_length(std::string_view line, size_t i) {
  auto c = uint8_t(line[i]);
  size_t len = c < 0x80         ? 1
               : (c >> 5) == 6  ? 2
               : (c >> 4) == 14 ? 3
               : (c >> 3) == 30 ? 4
                                : 0;
  if (len == 0 || i + len > line.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((uint8_t(line[i + k]) & 0xC0) != 0x80) {
      return 0;
    }
  }
  auto next = len > 1 ? uint8_t(line[i + 1]) : 0;
  if ((len == 2 && c < 0xC2) || (c == 0xE0 && next < 0xA0) ||
      (c == 0xED && next > 0x9F) || (c == 0xF0 && next < 0x90) ||
      (c == 0xF4 && next > 0x8F) || c > 0xF4) {
    return 0; // overlong, a UTF-16 surrogate, or beyond U+10FFFF
  }
  return len;
}

// `line` fit for a terminal: a byte that is not UTF-8 text, or a control
// character other than a tab, shows as U+FFFD.
std::string printable(std::string_view line) {
  std::string out;
  for (size_t i = 0; i < line.size();) {
    size_t len = utf8_length(line, i);
    auto c = uint8_t(line[i]);
    if (len == 0 || (len == 1 && ((c < 0x20 && c != '\t') || c == 0x7f))) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out += line.substr(i, len);
    i += len;
  }
  return out;
}

// The source line, then a marker line: one space per character before the
// range (tabs copied) so the caret lines up.
void render_snippet(std::string& out, const SourceRange& r,
                    const SourceManager& sm) {
  if (!r.valid()) {
    return;
  }
  std::string_view line = sm.file(r.file).line(r.line);
  if (line.size() > 200) {
    return; // a minified or junk line helps nobody
  }
  std::string num = std::to_string(r.line);
  std::string pad(num.size(), ' ');
  out += " " + num + " | " + printable(line) + "\n";
  out += " " + pad + " | ";
  size_t begin = byte_of_column(line, r.col);
  for (size_t i = 0; i < begin; ++i) {
    if ((uint8_t(line[i]) & 0xC0) != 0x80) {
      out += line[i] == '\t' ? '\t' : ' ';
    }
  }
  uint32_t width = 1;
  if (r.end_line == r.line && r.end_col >= r.col) {
    width = r.end_col - r.col + 1;
  }
  out += '^';
  out += std::string(width - 1, '~');
  out += '\n';
}

} // namespace

const CodeInfo& code_info(Code c) {
  return kCodes[size_t(c)];
}
std::span<const CodeInfo> all_codes() {
  return kCodes;
}

const CodeInfo* find_code(std::string_view id_or_name) {
  for (const CodeInfo& c : kCodes) {
    if (c.id == id_or_name || c.name == id_or_name) {
      return &c;
    }
  }
  return nullptr;
}

Diagnostic& Diagnostics::report(Code code, SourceRange range,
                                std::string message) {
  const CodeInfo& info = code_info(code);
  // The same problem reached twice (a macro used by two rules) is
  // reported once, so counts match what is printed.
  bool repeat =
      !seen_.emplace(range.file, range.line, range.col, code, message).second;
  if (allowed_.count(code) != 0 || repeat ||
      per_file_[range.file] >= kMaxPerFile) {
    discard_ = Diagnostic{};
    return discard_;
  }
  ++per_file_[range.file];
  diags_.push_back({code, info.severity, range, std::move(message), {}, {}});
  return diags_.back();
}

std::vector<Diagnostic> Diagnostics::sorted(const SourceManager& sm) const {
  auto key = [&](const Diagnostic& d) {
    // Both arms are views: with "" against a std::string the conditional
    // would make a temporary string, and `path` would dangle.
    std::string_view path = d.range.file == kNoFile
                                ? std::string_view()
                                : std::string_view(sm.file(d.range.file).path);
    return std::tuple(path, d.range.line, d.range.col, size_t(d.code),
                      std::string_view(d.message));
  };
  std::vector<Diagnostic> out = diags_;
  std::stable_sort(out.begin(), out.end(),
                   [&](auto& a, auto& b) { return key(a) < key(b); });
  out.erase(std::unique(out.begin(), out.end(),
                        [&](auto& a, auto& b) { return key(a) == key(b); }),
            out.end());
  return out;
}

size_t Diagnostics::errors() const {
  return std::count_if(diags_.begin(), diags_.end(),
                       [](auto& d) { return d.severity == Severity::Error; });
}

size_t Diagnostics::warnings() const {
  return std::count_if(diags_.begin(), diags_.end(),
                       [](auto& d) { return d.severity == Severity::Warning; });
}

std::string render_text(const Diagnostic& d, const SourceManager& sm) {
  const CodeInfo& info = code_info(d.code);
  std::string out = location(d.range, sm) + ": " +
                    std::string(severity_name(d.severity)) + "[" +
                    std::string(info.id) + "]: " + d.message + "\n";
  render_snippet(out, d.range, sm);
  for (const std::string& h : d.hints) {
    out += "  = hint: " + h + "\n";
  }
  for (const DiagNote& n : d.notes) {
    out += location(n.range, sm) + ": note: " + n.message + "\n";
    render_snippet(out, n.range, sm);
  }
  return out;
}

std::string render_json(const std::vector<Diagnostic>& diags,
                        const SourceManager& sm) {
  auto range_json = [&](const SourceRange& r) {
    nlohmann::json j;
    j["file"] = r.file == kNoFile ? "" : sm.file(r.file).path;
    j["line"] = r.line;
    j["column"] = r.col;
    j["end_line"] = r.end_line;
    j["end_column"] = r.end_col;
    return j;
  };
  nlohmann::json out = nlohmann::json::array();
  for (const Diagnostic& d : diags) {
    const CodeInfo& info = code_info(d.code);
    nlohmann::json j = range_json(d.range);
    j["severity"] = severity_name(d.severity);
    j["code"] = info.id;
    j["name"] = info.name;
    j["message"] = d.message;
    j["hints"] = d.hints;
    j["notes"] = nlohmann::json::array();
    for (const DiagNote& n : d.notes) {
      nlohmann::json nj = range_json(n.range);
      nj["message"] = n.message;
      j["notes"].push_back(nj);
    }
    out.push_back(j);
  }
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

std::string closest_name(std::string_view name,
                         const std::vector<std::string_view>& candidates) {
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) {
      row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                           diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t best_d = std::max<size_t>(2, name.size() / 3) + 1;
  for (std::string_view c : candidates) {
    size_t d = distance(name, c);
    if (d < best_d || (d == best_d && !best.empty() && c < best)) {
      best_d = d;
      best = std::string(c);
    }
  }
  return best;
}

} // namespace sg
