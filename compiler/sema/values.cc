#include "compiler/sema/values.h"

#include <charconv>

#include <arpa/inet.h>
#include <re2/re2.h>

#include "runtime/common/net.h"

namespace sg {
namespace {

using schema::Type;
using Op = ast::Op;

constexpr OpRule kNo{};
constexpr OpRule kOne{true, false, false, false, false};
constexpr OpRule kOneNocase{true, false, true, false, false};
constexpr OpRule kIn{true, false, false, true, true};
constexpr OpRule kInNocase{true, false, true, true, true};
constexpr OpRule kStringMatch{true, true, true, true, false};
constexpr OpRule kAnyOf{true, false, false, true, false};
constexpr OpRule kFlags{true, true, false, true, false};

constexpr Op kAllOps[] = {Op::Eq,       Op::Lt,   Op::Le,       Op::Gt,
                          Op::Ge,       Op::In,   Op::Contains, Op::StartsWith,
                          Op::EndsWith, Op::Like, Op::Matches,  Op::Cidr,
                          Op::Has};

} // namespace

const OpRule& op_rule(Type type, Op op) {
  switch (type) {
  case Type::String:
  case Type::Path:
  case Type::StringList:
  case Type::PathList:
    switch (op) {
    case Op::Eq:
      return kOneNocase;
    case Op::In:
      return kInNocase;
    case Op::Contains:
    case Op::StartsWith:
    case Op::EndsWith:
    case Op::Like:
    case Op::Matches:
      return kStringMatch;
    default:
      return kNo;
    }
  case Type::Int:
    switch (op) {
    case Op::Eq:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge:
      return kOne;
    case Op::In:
      return kIn;
    default:
      return kNo;
    }
  case Type::Ip:
    return op == Op::Eq     ? kOne
           : op == Op::In   ? kIn
           : op == Op::Cidr ? kAnyOf
                            : kNo;
  case Type::Bool:
    return op == Op::Eq ? kOne : kNo;
  case Type::Enum:
    return op == Op::Eq ? kOne : op == Op::In ? kIn : kNo;
  case Type::Flags:
    return op == Op::Has ? kFlags : kNo;
  }
  return kNo;
}

std::string ops_for(Type type) {
  std::string out;
  for (Op op : kAllOps) {
    if (op_rule(type, op).allowed) {
      out += (out.empty() ? "" : ", ") + std::string(ast::op_text(op));
    }
  }
  return out;
}

std::string describe_value(const ast::Value& v) {
  switch (v.kind) {
  case ast::Value::Kind::String:
    return "a string";
  case ast::Value::Kind::Int:
    return "the number " + v.text;
  case ast::Value::Kind::Bool:
    return v.boolean ? "true" : "false";
  case ast::Value::Kind::Name:
    return "the name '" + v.text + "'";
  case ast::Value::Kind::List:
    return "a list";
  }
  return "a value";
}

RegexCheck check_regex_text(const std::string& pattern, bool nocase,
                            int64_t max_mem, size_t max_program) {
  RE2::Options opts;
  opts.set_log_errors(false);
  opts.set_max_mem(max_mem);
  opts.set_case_sensitive(!nocase);
  RE2 re(pattern, opts);
  if (!re.ok() && re.error_code() == RE2::ErrorRepeatSize) {
    // RE2 says the same of `{2,1}` and of counts over 1000, alone or
    // multiplied through nesting; only the first is malformed.
    std::string_view arg = re.error_arg();
    size_t comma = arg.find(',');
    uint64_t lo = 0;
    uint64_t hi = 0;
    if (comma != std::string_view::npos && arg.size() > comma + 2) {
      std::from_chars(arg.data() + 1, arg.data() + comma, lo);
      std::from_chars(arg.data() + comma + 1, arg.data() + arg.size() - 1, hi);
    }
    if (lo <= hi) {
      return {"regular expression repeats too often at " + std::string(arg) +
                  ": counts, multiplied through nesting, may not exceed 1000",
              true};
    }
  }
  if (!re.ok()) {
    bool large = re.error_code() == RE2::ErrorPatternTooLarge;
    return {large ? "regular expression is over the memory budget of " +
                        std::to_string(max_mem) + " bytes"
                  : "invalid regular expression: " + re.error(),
            large};
  }
  if (size_t(re.ProgramSize()) > max_program) {
    return {
        "regular expression compiles to " + std::to_string(re.ProgramSize()) +
            " instructions, over the budget of " + std::to_string(max_program),
        true};
  }
  return {};
}

std::string check_event_value(const schema::Field& field, const ast::Value& v) {
  using K = ast::Value::Kind;
  auto want = [&](const std::string& what) {
    return "'" + std::string(field.name) + "' takes " + what + ", not " +
           describe_value(v);
  };
  auto symbol = [&](const ast::Value& item) -> std::string {
    if (item.kind != K::Name) {
      return want("a name of " + std::string(field.symbols->name));
    }
    if (schema::find_symbol(*field.symbols, item.text) == nullptr) {
      return "'" + item.text + "' is not one of the " +
             std::string(field.symbols->name);
    }
    return "";
  };
  switch (field.type) {
  case Type::String:
  case Type::Path:
    return v.kind == K::String ? "" : want("a string");
  case Type::StringList:
  case Type::PathList:
    if (v.kind != K::List) {
      return want("a list of strings");
    }
    for (const ast::Value& item : v.items) {
      if (item.kind != K::String) {
        return want("a list of strings");
      }
    }
    return "";
  case Type::Int:
    return v.kind == K::Int ? "" : want("a number");
  case Type::Bool:
    return v.kind == K::Bool ? "" : want("true or false");
  case Type::Ip:
    if (v.kind != K::String) {
      return want("an address in double quotes");
    }
    return parse_ip(v.text).has_value()
               ? ""
               : "'" + v.text + "' is not an IP address";
  case Type::Enum:
    return symbol(v);
  case Type::Flags:
    if (v.kind != K::List) {
      return symbol(v);
    }
    for (const ast::Value& item : v.items) {
      if (std::string err = symbol(item); !err.empty()) {
        return err;
      }
    }
    return "";
  }
  return "";
}

uint32_t code_points(std::string_view s) {
  uint32_t n = 0;
  for (char c : s) {
    n += (uint8_t(c) & 0xC0) != 0x80 ? 1 : 0;
  }
  return n;
}

} // namespace sg
