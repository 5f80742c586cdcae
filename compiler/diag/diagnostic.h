// Diagnostics: mistakes in rules, reported as data.
//
// A diagnostic has a stable code, a severity, a source range, a message,
// hints, and notes that trace where it came from (the macro expansion or
// the import that brought the text in). The engine collects them; the
// renderers turn them into text for people or JSON for tools.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "compiler/diag/source.h"

namespace sg {

enum class Severity : uint8_t { Note, Warning, Error };

enum class Code : uint16_t {
#define SG_DIAG(code, name, severity, summary) code,
#include "compiler/diag/codes.def"
#undef SG_DIAG
};

struct CodeInfo {
  std::string_view id;   // "E0301"
  std::string_view name; // "unknown-field"
  std::string_view summary;
  Code code;
  Severity severity;
};

const CodeInfo& code_info(Code c);
std::span<const CodeInfo> all_codes();
// Finds a code by its id ("W0401") or name ("unused-list").
const CodeInfo* find_code(std::string_view id_or_name);

struct DiagNote {
  SourceRange range;
  std::string message;
};

struct Diagnostic {
  Code code;
  Severity severity;
  SourceRange range;
  std::string message;
  std::vector<std::string> hints;
  std::vector<DiagNote> notes;
};

class Diagnostics {
public:
  // Caps the number kept per file, so junk input cannot flood the output.
  static constexpr size_t kMaxPerFile = 50;

  Diagnostic& report(Code code, SourceRange range, std::string message);

  // Silences `c` until a matching unallow(); calls nest.
  void allow(Code c) { allowed_.insert(c); }
  void unallow(Code c) {
    if (auto it = allowed_.find(c); it != allowed_.end()) {
      allowed_.erase(it);
    }
  }
  void set_werror(bool on) { werror_ = on; }

  // Diagnostics sorted by file, position and code, duplicates removed.
  std::vector<Diagnostic> sorted(const SourceManager& sm) const;
  size_t errors() const;
  size_t warnings() const;
  bool failed() const { return errors() > 0 || (werror_ && warnings() > 0); }

private:
  std::vector<Diagnostic> diags_;
  std::multiset<Code> allowed_;
  std::set<std::tuple<FileId, uint32_t, uint32_t, Code, std::string>> seen_;
  std::map<FileId, size_t> per_file_;
  bool werror_ = false;
  Diagnostic discard_{};
};

// `file:line:col: error[E0301]: message`, the source line with a caret
// under the range, then hints and notes.
std::string render_text(const Diagnostic& d, const SourceManager& sm);
std::string render_json(const std::vector<Diagnostic>& diags,
                        const SourceManager& sm);

// The closest candidate by edit distance, for "did you mean" hints;
// empty when nothing is close.
std::string closest_name(std::string_view name,
                         const std::vector<std::string_view>& candidates);

} // namespace sg
