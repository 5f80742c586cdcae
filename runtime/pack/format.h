// The rule pack file format.
//
// A pack is one file: a header, a table of sections, and the sections.
// Every integer is little-endian and fixed-width; every record has a fixed
// size and explicit padding, checked by the static asserts below. The
// compiler writes packs (compiler/backend/pack_writer.cc) and the runtime
// reads them (runtime/pack/reader.cc), which checks every offset, index,
// opcode and jump before anything uses the pack.
//
//   header | section table | sections (each 8-byte aligned)
//
// Strings live in one STRINGS blob and are referred to by StrRef. The
// checksum is XXH64 over the whole file with the checksum field zeroed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sg::pack {

inline constexpr char kMagic[8] = {'S', 'G', 'P', 'A', 'C', 'K', '\r', '\n'};
inline constexpr uint32_t kFormatVersion = 1;

// Budgets on regular expressions, applied by the compiler and again by the
// reader: RE2's memory limit, and the size of the compiled program.
inline constexpr int64_t kRegexMaxMem = int64_t{1} << 20;
inline constexpr size_t kRegexMaxProgram = 2000;

struct Header {
  char magic[8];
  uint32_t format_version;
  uint32_t schema_version; // sg::schema::kSchemaVersion at compile time
  uint64_t file_size;
  uint64_t checksum;
  uint32_t section_count;
  uint32_t rule_count;
  uint8_t reserved[24];
};
static_assert(sizeof(Header) == 64);

enum class SectionKind : uint32_t {
  Strings = 1,    // bytes
  StrRefs = 2,    // StrRef[]: string literals, tags, file names
  Ints = 3,       // int64_t[]
  Nets = 4,       // NetRecord[]
  Predicates = 5, // PredRecord[]
  Code = 6,       // Instr[]
  Locations = 7,  // Location[], one per instruction
  Rules = 8,      // RuleRecord[]
  Selections = 9, // SelRecord[]
  Filters = 10,   // FilterRecord[], one per event kind with rules
  Atoms = 11,     // AtomRecord[]
};
inline constexpr uint32_t kSectionKinds = 11;

struct SectionEntry {
  uint32_t kind;
  uint32_t reserved;
  uint64_t offset;
  uint64_t size;
};
static_assert(sizeof(SectionEntry) == 24);

struct StrRef {
  uint32_t offset; // into Strings
  uint32_t size;
};
static_assert(sizeof(StrRef) == 8);

struct NetRecord {
  uint8_t addr[16]; // IPv6, or IPv4-mapped IPv6
  uint8_t prefix;   // 0..128
  uint8_t pad[7];
};
static_assert(sizeof(NetRecord) == 24);

// Predicate operations; the numbering is part of the format.
enum class PredOp : uint8_t {
  StrIn = 1,
  StrContains = 2,
  StrStarts = 3,
  StrEnds = 4,
  StrLike = 5,
  StrMatches = 6,
  IntIn = 7,
  IntLt = 8,
  IntLe = 9,
  IntGt = 10,
  IntGe = 11,
  IpIn = 12,
  IpCidr = 13,
  FlagsAny = 14,
  FlagsAll = 15,
};
inline constexpr uint8_t kPredOpLast = 15;

inline constexpr uint8_t kPredNocase = 1U << 0;
inline constexpr uint8_t kPredAll = 1U << 1;

struct PredRecord {
  uint16_t field; // schema field id
  uint8_t op;     // PredOp
  uint8_t flags;  // kPredNocase | kPredAll
  uint32_t first; // into StrRefs (string ops), Ints or Nets
  uint32_t count;
  uint32_t pad;
};
static_assert(sizeof(PredRecord) == 16);

// Bytecode. Each rule's code evaluates its condition into one boolean
// accumulator, short-circuiting with forward jumps only, and ends in Ret;
// forward-only jumps make every run terminate.
enum class Opcode : uint8_t {
  Pred = 1,        // acc = predicate[arg](event)
  Const = 2,       // acc = arg != 0
  Not = 3,         // acc = !acc
  JumpIfFalse = 4, // if !acc: pc = arg
  JumpIfTrue = 5,  // if acc: pc = arg
  Ret = 6,         // return acc
};
inline constexpr uint8_t kOpcodeLast = 6;

struct Instr {
  uint8_t op;
  uint8_t pad[3];
  uint32_t arg;
};
static_assert(sizeof(Instr) == 8);

// Where an instruction came from in the rule source.
struct Location {
  uint32_t file; // index into StrRefs
  uint32_t line;
  uint32_t col;
};
static_assert(sizeof(Location) == 12);

// The rule passes its event kinds unfiltered through the kernel.
inline constexpr uint8_t kRulePassAll = 1U << 0;

struct RuleRecord {
  StrRef id;
  StrRef name;
  StrRef title;
  StrRef output;
  StrRef file;
  StrRef filter_reason; // why kRulePassAll, else empty
  uint32_t line;
  uint32_t col;
  uint32_t kinds;      // schema KindSet
  uint32_t code_begin; // the rule's code is [code_begin, code_end)
  uint32_t code_end;
  uint32_t tags_first; // into StrRefs
  uint32_t tags_count;
  uint32_t sels_first; // into Selections
  uint32_t sels_count;
  uint32_t atoms_first; // what the rule asks of the kernel, into Atoms
  uint32_t atoms_count;
  uint8_t level; // 0 informational .. 4 critical
  uint8_t flags; // kRulePassAll
  uint8_t pad[2];
};
static_assert(sizeof(RuleRecord) == 96);

struct SelRecord {
  StrRef name;
  uint32_t code_begin; // code of the selection alone, ending in Ret
  uint32_t code_end;
};
static_assert(sizeof(SelRecord) == 16);

// Kernel filter for one event kind. An event of the kind passes when the
// kind is not filtered, or when one of its atoms matches.
inline constexpr uint32_t kFilterPassAll = 1U << 0;

struct FilterRecord {
  uint32_t kind; // schema Kind
  uint32_t flags;
  uint32_t atoms_first; // into Atoms
  uint32_t atoms_count;
};
static_assert(sizeof(FilterRecord) == 16);

// What the kernel can test cheaply, and how.
enum class AtomKind : uint8_t {
  PathExact = 1,  // the resolved path equals value
  PathPrefix = 2, // the resolved path starts with value
  PathSuffix = 3, // the resolved path ends with value
  PathName = 4,   // the last component of the path equals value
  Comm = 5,       // the task's command name equals value
  ExeExact = 6,   // the task's executable path equals value
  ExePrefix = 7,  // the task's executable path starts with value
};
inline constexpr uint8_t kAtomKindLast = 7;

struct AtomRecord {
  uint8_t kind; // AtomKind
  uint8_t pad[3];
  uint32_t pad2;
  StrRef value;
};
static_assert(sizeof(AtomRecord) == 16);

} // namespace sg::pack
