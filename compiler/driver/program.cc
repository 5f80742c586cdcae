#include "compiler/driver/program.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace sg {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxFiles = 10'000;

// Reads a whole file, refusing one over `max_bytes` without reading it.
bool read_file(const fs::path& p, size_t max_bytes, std::string& out,
               std::string& error) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) {
    error = ec.message();
    return false;
  }
  if (size > max_bytes) {
    error = "file of " + std::to_string(size) +
            " bytes is over the budget of " + std::to_string(max_bytes);
    return false;
  }
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

class Loader {
public:
  Loader(Program& p, Diagnostics& d, const ParseLimits& l)
      : program_(p), diags_(d), limits_(l) {}

  // Loads `path` (canonical form `key`), returning its id.
  FileId load(const fs::path& path, SourceRange imported_at,
              std::string& error) {
    std::string key = fs::weakly_canonical(path).string();
    if (auto it = by_path_.find(key); it != by_path_.end()) {
      return it->second;
    }
    std::string text;
    if (!read_file(path, limits_.max_file_bytes, text, error)) {
      return kNoFile;
    }
    return add(path.lexically_normal().string(), std::move(text), imported_at,
               key);
  }

  FileId add(std::string display, std::string text, SourceRange imported_at,
             const std::string& key) {
    FileId id =
        program_.sources.add(std::move(display), std::move(text), imported_at);
    by_path_[key] = id;
    program_.files.emplace_back(
        parse_file(id, program_.sources, diags_, limits_));
    program_.imports.emplace_back();
    follow_imports(id);
    return id;
  }

private:
  void follow_imports(FileId id) {
    if (!program_.files[id]) {
      return;
    }
    fs::path dir = fs::path(program_.sources.file(id).path).parent_path();
    std::vector<std::pair<std::string, SourceRange>> wanted;
    for (const ast::Decl& d : program_.files[id]->decls) {
      if (auto* im = std::get_if<ast::Import>(&d)) {
        wanted.emplace_back(im->path, im->path_range);
      }
    }
    for (auto& [rel, where] : wanted) {
      fs::path target = fs::path(rel).is_absolute() ? fs::path(rel) : dir / rel;
      std::string text;
      std::string error;
      std::string key = fs::weakly_canonical(target).string();
      FileId got = kNoFile;
      if (auto it = by_path_.find(key); it != by_path_.end()) {
        got = it->second;
      } else if (program_.sources.size() >= kMaxFiles) {
        diags_.report(Code::E0102, where,
                      "more than " + std::to_string(kMaxFiles) +
                          " files in one compilation");
        continue;
      } else if (!read_file(target, limits_.max_file_bytes, text, error)) {
        bool budget = error.find("budget") != std::string::npos;
        Code code = !fs::exists(target) ? Code::E0200
                    : budget            ? Code::E0102
                                        : Code::E0105;
        std::string what = code == Code::E0200
                               ? "imported file '" + rel + "' does not exist"
                               : "cannot read '" + rel + "': " + error;
        Diagnostic& d = diags_.report(code, where, what);
        if (code == Code::E0200) {
          d.hints.push_back("imports are relative to the importing file: " +
                            target.lexically_normal().string());
        } else if (fs::is_directory(target)) {
          d.hints.push_back("an import names one file; import the files of "
                            "the directory one by one");
        }
        continue;
      } else {
        got = add(target.lexically_normal().string(), std::move(text), where,
                  key);
      }
      program_.imports[id].push_back(got);
    }
  }

  Program& program_;
  Diagnostics& diags_;
  const ParseLimits& limits_;
  std::map<std::string, FileId> by_path_;
};

// Reports each import that closes a cycle, with the chain as notes.
void check_cycles(const Program& p, Diagnostics& diags) {
  enum Color { White, Grey, Black };
  std::vector<Color> color(p.files.size(), White);
  std::vector<FileId> stack;
  auto import_range = [&](FileId from, FileId to) {
    SourceRange r = p.sources.file(to).imported_at;
    for (const ast::Decl& d : p.files[from]->decls) {
      if (auto* im = std::get_if<ast::Import>(&d)) {
        std::string dir =
            std::filesystem::path(p.sources.file(from).path).parent_path();
        auto target =
            (std::filesystem::path(dir) / im->path).lexically_normal().string();
        if (target == p.sources.file(to).path) {
          r = im->path_range;
        }
      }
    }
    return r;
  };
  auto visit = [&](auto& self, FileId f) -> void {
    color[f] = Grey;
    stack.push_back(f);
    for (FileId to : p.imports[f]) {
      if (color[to] == Grey) {
        auto start = std::find(stack.begin(), stack.end(), to);
        Diagnostic& d = diags.report(
            Code::E0201, import_range(f, to),
            "import cycle: '" + p.sources.file(to).path + "' imports itself");
        // A long cycle is summed up: its first imports, then the count.
        constexpr size_t kMaxNotes = 10;
        auto length = size_t(stack.end() - start);
        for (auto it = start; it != stack.end() && d.notes.size() < kMaxNotes;
             ++it) {
          FileId next = it + 1 == stack.end() ? to : *(it + 1);
          d.notes.push_back({import_range(*it, next),
                             "'" + p.sources.file(*it).path + "' imports '" +
                                 p.sources.file(next).path + "'"});
        }
        if (length > kMaxNotes) {
          d.hints.push_back("the cycle goes through " + std::to_string(length) +
                            " files; the first " + std::to_string(kMaxNotes) +
                            " imports are shown");
        }
      } else if (color[to] == White) {
        self(self, to);
      }
    }
    stack.pop_back();
    color[f] = Black;
  };
  for (FileId f = 0; f < p.files.size(); ++f) {
    if (color[f] == White) {
      visit(visit, f);
    }
  }
}

} // namespace

std::vector<bool> Program::visible_from(FileId f) const {
  std::vector<bool> seen(files.size(), false);
  std::vector<FileId> todo{f};
  while (!todo.empty()) {
    FileId cur = todo.back();
    todo.pop_back();
    if (seen[cur]) {
      continue;
    }
    seen[cur] = true;
    for (FileId to : imports[cur]) {
      todo.push_back(to);
    }
  }
  return seen;
}

LoadResult load_program(const std::vector<std::string>& paths, Program& program,
                        Diagnostics& diags, const ParseLimits& limits) {
  LoadResult result;
  Loader loader(program, diags, limits);
  for (const std::string& p : paths) {
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(p, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".sg") {
          files.push_back(it->path());
        }
      }
      std::sort(files.begin(), files.end());
    } else if (fs::exists(p, ec)) {
      files.emplace_back(p);
    } else {
      result.unreadable.push_back(p + ": no such file or directory");
      continue;
    }
    for (const fs::path& f : files) {
      std::string error;
      FileId id = loader.load(f, {}, error);
      if (id == kNoFile && error.find("budget") == std::string::npos) {
        result.unreadable.push_back(f.string() + ": " + error);
        continue;
      }
      if (id == kNoFile) {
        // Too large: a diagnostic on the file, not a usage error.
        id = program.sources.add(f.lexically_normal().string(), "", {});
        program.files.emplace_back();
        program.imports.emplace_back();
        diags.report(Code::E0102, {id, 1, 1, 1, 1}, error);
      }
      if (std::find(program.roots.begin(), program.roots.end(), id) ==
          program.roots.end()) {
        program.roots.push_back(id);
      }
    }
  }
  check_cycles(program, diags);
  return result;
}

FileId add_source(Program& program, std::string path, std::string text,
                  Diagnostics& diags, const ParseLimits& limits) {
  Loader loader(program, diags, limits);
  std::string key = "<memory>/" + path;
  FileId id = loader.add(std::move(path), std::move(text), {}, key);
  program.roots.push_back(id);
  check_cycles(program, diags);
  return id;
}

} // namespace sg
