// Source files and positions in them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sg {

using FileId = uint32_t;
inline constexpr FileId kNoFile = ~FileId{0};

// A span of source text. Lines and columns are 1-based; columns count
// Unicode code points. The end is inclusive of the last character.
struct SourceRange {
  FileId file = kNoFile;
  uint32_t line = 0;
  uint32_t col = 0;
  uint32_t end_line = 0;
  uint32_t end_col = 0;

  bool valid() const { return file != kNoFile && line != 0; }
  static SourceRange span(const SourceRange& a, const SourceRange& b) {
    return {a.file, a.line, a.col, b.end_line, b.end_col};
  }
  friend bool operator==(const SourceRange&, const SourceRange&) = default;
};

struct SourceFile {
  std::string path;        // as the user named it, or as an import resolved it
  std::string text;        // whole contents
  SourceRange imported_at; // first import that loaded it; invalid for roots
  std::vector<uint32_t> line_starts; // byte offset of each line

  std::string_view line(uint32_t n) const; // 1-based, without the newline
};

class SourceManager {
public:
  FileId add(std::string path, std::string text, SourceRange imported_at);
  const SourceFile& file(FileId id) const { return files_.at(id); }
  size_t size() const { return files_.size(); }

private:
  std::vector<SourceFile> files_;
};

} // namespace sg
