#include "compiler/diag/source.h"

namespace sg {

std::string_view SourceFile::line(uint32_t n) const {
  if (n == 0 || n > line_starts.size()) {
    return {};
  }
  size_t begin = line_starts[n - 1];
  size_t end = n < line_starts.size() ? line_starts[n] : text.size();
  std::string_view s(text.data() + begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

FileId SourceManager::add(std::string path, std::string text,
                          SourceRange imported_at) {
  SourceFile f{std::move(path), std::move(text), imported_at, {0}};
  for (size_t i = 0; i < f.text.size(); ++i) {
    if (f.text[i] == '\n' && i + 1 < f.text.size()) {
      f.line_starts.push_back(uint32_t(i + 1));
    }
  }
  files_.push_back(std::move(f));
  return FileId(files_.size() - 1);
}

} // namespace sg
