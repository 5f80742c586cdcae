// Parsing one rule file into an AST.
#pragma once

#include <cstddef>
#include <optional>

#include "compiler/diag/diagnostic.h"
#include "compiler/frontend/ast.h"

namespace sg {

// Budgets that keep hostile input from exhausting the compiler.
struct ParseLimits {
  size_t max_file_bytes = size_t{8} << 20;
  size_t max_tokens = 2'000'000;
  uint32_t max_nesting = 100; // parentheses, brackets and `not`s
  size_t max_list_items = 100'000;
  size_t max_string_bytes = size_t{64} * 1024;
  size_t max_syntax_errors = 20;
};

// Parses the file `id` of `sm`. Returns the AST, or nothing when the file
// has errors that leave no usable tree; either way every problem is in
// `diags`.
std::optional<ast::File> parse_file(FileId id, const SourceManager& sm,
                                    Diagnostics& diags,
                                    const ParseLimits& limits = {});

// Decodes the text of a STRING token, quotes included. On a bad escape
// returns false and sets `bad_at` to the byte offset of the backslash.
bool decode_string(std::string_view token, std::string& out, size_t& bad_at);

} // namespace sg
