// A program: every rule file of one compilation, parsed, with the import
// graph between them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/frontend/ast.h"
#include "compiler/frontend/parser.h"

namespace sg {

struct Program {
  SourceManager sources;
  // Indexed by FileId; empty where the file could not be parsed.
  std::vector<std::optional<ast::File>> files;
  // imports[f]: the files that f imports, resolved.
  std::vector<std::vector<FileId>> imports;
  // Files named on the command line (or found in named directories).
  std::vector<FileId> roots;

  // f itself and every file reachable from it through imports.
  std::vector<bool> visible_from(FileId f) const;
};

// Paths named at the top level that cannot be read: a usage error the
// caller reports, not a diagnostic.
struct LoadResult {
  std::vector<std::string> unreadable; // "path: reason"
};

// Loads the named files and directories (every `*.sg` below a directory,
// in name order) and, transitively, what they import. Problems inside
// files are diagnostics; top-level paths that cannot be read are returned.
LoadResult load_program(const std::vector<std::string>& paths, Program& program,
                        Diagnostics& diags, const ParseLimits& limits = {});

// Adds one file from memory, as if it were named on the command line.
FileId add_source(Program& program, std::string path, std::string text,
                  Diagnostics& diags, const ParseLimits& limits = {});

} // namespace sg
