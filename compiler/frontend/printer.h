// The canonical printer: `sgc fmt`, and the writer of imported rules.
#pragma once

#include <string>

#include "compiler/frontend/ast.h"

namespace sg {

// Prints `file` in canonical form. Comments are kept. Printing the parse of
// the output gives the output again.
std::string print_file(const ast::File& file);

// One expression or value, as it would appear inside a rule.
std::string print_expr(const ast::Expr& e);
std::string print_value(const ast::Value& v);
std::string quote(std::string_view s);

} // namespace sg
