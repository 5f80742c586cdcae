// What each test form accepts, and checks of literal values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "compiler/frontend/ast.h"
#include "runtime/schema/schema.h"

namespace sg {

// How an operator applies to a field type.
struct OpRule {
  bool allowed = false;
  bool takes_all = false;    // `all`: every value must match
  bool takes_nocase = false; // `nocase`: case-insensitive comparison
  bool takes_list = false;   // a list of values (any matches, or all)
  bool needs_list = false;   // `in`: only a list
};

const OpRule& op_rule(schema::Type type, ast::Op op);
// The operators that apply to `type`, for hints.
std::string ops_for(schema::Type type);

// "a string", "the number 5", "a list"..., for messages.
std::string describe_value(const ast::Value& v);

struct RegexCheck {
  std::string error; // empty when the regex is good
  bool too_large = false;
};
RegexCheck check_regex_text(const std::string& pattern, bool nocase,
                            int64_t max_mem, size_t max_program);

// Checks a value given for `field` in a rule test; returns the problem, or
// an empty string.
std::string check_event_value(const schema::Field& field, const ast::Value& v);

uint32_t code_points(std::string_view s);

} // namespace sg
