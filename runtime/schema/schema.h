// The event schema: every event kind and every field a rule can test.
//
// This is the one definition shared by the compiler (which type-checks
// rules against it) and the runtime (which extracts the fields from kernel
// events). Numeric ids of kinds and fields are stable: they are written
// into rule packs, so an id is never reused or renumbered.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sg::schema {

enum class Kind : uint8_t {
#define SG_KIND(id, ident, name, doc) ident = (id),
#include "runtime/schema/kinds.def"
#undef SG_KIND
};

inline constexpr unsigned kKindLimit = 32; // kinds fit in a KindSet
using KindSet = uint32_t;

constexpr KindSet kind_bit(Kind k) {
  return KindSet{1} << unsigned(k);
}

enum class Type : uint8_t {
  String,     // bytes, compared exactly unless a test says `nocase`
  Path,       // a resolved absolute path; a String the kernel can filter
  Int,        // signed 64-bit
  Ip,         // an IPv4 or IPv6 address
  Bool,       // true or false
  Enum,       // one named value of a symbol set
  Flags,      // a set of named bits of a symbol set
  StringList, // a list of strings; a test holds if an element matches
  PathList,   // a list of resolved paths
};

struct Symbol {
  std::string_view name;
  uint64_t value;
};

struct SymbolSet {
  std::string_view name;
  std::span<const Symbol> symbols;
};

struct Field {
  uint16_t id;
  Type type;
  bool optional; // may be missing (no parent, no tty...)
  KindSet kinds;
  std::string_view name;
  const SymbolSet* symbols; // for Enum and Flags, else nullptr
  std::string_view doc;
};

struct KindInfo {
  Kind kind;
  std::string_view name;
  std::string_view doc;
};

std::span<const KindInfo> kinds();
std::span<const Field> fields();

const KindInfo* find_kind(std::string_view name);
const Field* find_field(std::string_view name);
const Field* field_by_id(uint16_t id); // nullptr for an unknown id
const Symbol* find_symbol(const SymbolSet& set, std::string_view name);

std::string_view type_name(Type t);
bool is_string_like(Type t); // String, Path and their list forms
bool is_list(Type t);

// The version of this schema. It changes whenever a kind or field is
// added or its meaning changes; packs record the version they were
// compiled against.
inline constexpr uint32_t kSchemaVersion = 1;

} // namespace sg::schema
