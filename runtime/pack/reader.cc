#include "runtime/pack/reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "runtime/schema/schema.h"

// xxhash is used header-only, so nothing is linked at run time.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sg::pack {
namespace {

constexpr uint32_t kMaxSections = 64;
constexpr uint64_t kMaxPackBytes = uint64_t{256} << 20;

std::string num(uint64_t n) {
  return std::to_string(n);
}

const char* section_name(uint32_t kind) {
  static constexpr const char* kNames[] = {
      "?",    "strings",   "string refs", "ints",       "nets",    "predicates",
      "code", "locations", "rules",       "selections", "filters", "atoms"};
  return kind <= kSectionKinds ? kNames[kind] : "?";
}

size_t record_size(uint32_t kind) {
  switch (SectionKind(kind)) {
  case SectionKind::Strings:
    return 1;
  case SectionKind::StrRefs:
    return sizeof(StrRef);
  case SectionKind::Ints:
    return sizeof(int64_t);
  case SectionKind::Nets:
    return sizeof(NetRecord);
  case SectionKind::Predicates:
    return sizeof(PredRecord);
  case SectionKind::Code:
    return sizeof(Instr);
  case SectionKind::Locations:
    return sizeof(Location);
  case SectionKind::Rules:
    return sizeof(RuleRecord);
  case SectionKind::Selections:
    return sizeof(SelRecord);
  case SectionKind::Filters:
    return sizeof(FilterRecord);
  case SectionKind::Atoms:
    return sizeof(AtomRecord);
  }
  return 0;
}

// Whether [first, first + count) lies within a table of `size` entries.
bool in_range(uint64_t first, uint64_t count, uint64_t size) {
  return first <= size && count <= size - first;
}

bool string_op(uint8_t op) {
  return op >= uint8_t(PredOp::StrIn) && op <= uint8_t(PredOp::StrMatches);
}

} // namespace

const Header& Pack::header() const {
  return *reinterpret_cast<const Header*>(bytes());
}

const RE2* Pack::regex(uint32_t pred, uint32_t literal) const {
  if (pred >= regexes_.size() || literal >= regexes_[pred].size()) {
    return nullptr;
  }
  return regexes_[pred][literal].get();
}

std::optional<Pack> Pack::load_file(const std::string& path,
                                    std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = "cannot read " + path + ": it is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) {
    error = "cannot read " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::optional<Pack> p = load(ss.str(), error);
  if (!p) {
    error = path + ": " + error;
  }
  return p;
}

std::optional<Pack> Pack::load(std::string_view bytes, std::string& error) {
  if (bytes.size() < sizeof(Header)) {
    error = "pack is truncated: " + num(bytes.size()) +
            " bytes, shorter than the " + num(sizeof(Header)) + "-byte header";
    return std::nullopt;
  }
  if (bytes.size() > kMaxPackBytes) {
    error = "pack of " + num(bytes.size()) + " bytes is over the limit of " +
            num(kMaxPackBytes);
    return std::nullopt;
  }
  Pack p;
  p.size_ = bytes.size();
  p.storage_.resize((bytes.size() + 7) / 8);
  std::memcpy(p.storage_.data(), bytes.data(), bytes.size());
  if (!p.check(error)) {
    return std::nullopt;
  }
  return p;
}

bool Pack::check(std::string& error) {
  const Header& h = header();
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) {
    error = "not a rule pack: the file does not start with the pack magic";
    return false;
  }
  if (h.format_version > kFormatVersion) {
    error = "pack format version " + num(h.format_version) +
            " is newer than this program reads (" + num(kFormatVersion) +
            "); upgrade it, or compile the pack with a matching sgc";
    return false;
  }
  if (h.format_version != kFormatVersion) {
    error = "pack format version " + num(h.format_version) + " is unknown";
    return false;
  }
  if (h.schema_version != schema::kSchemaVersion) {
    error = "pack was compiled for event schema version " +
            num(h.schema_version) + ", this program has version " +
            num(schema::kSchemaVersion) + "; recompile the rules";
    return false;
  }
  if (h.file_size != size_) {
    error = "pack is " +
            std::string(size_ < h.file_size ? "truncated" : "too long") +
            ": the header says " + num(h.file_size) + " bytes, the file has " +
            num(size_);
    return false;
  }
  uint64_t want = h.checksum;
  auto* mutable_header = reinterpret_cast<Header*>(storage_.data());
  mutable_header->checksum = 0;
  uint64_t got = XXH64(bytes(), size_, 0);
  mutable_header->checksum = want;
  if (got != want) {
    error = "pack is corrupted: checksum mismatch";
    return false;
  }

  // Sections.
  if (h.section_count > kMaxSections ||
      sizeof(Header) + uint64_t(h.section_count) * sizeof(SectionEntry) >
          size_) {
    error = "section table of " + num(h.section_count) +
            " entries does not fit the pack";
    return false;
  }
  const auto* table =
      reinterpret_cast<const SectionEntry*>(bytes() + sizeof(Header));
  uint64_t table_end = sizeof(Header) + h.section_count * sizeof(SectionEntry);
  Section* slots[] = {nullptr, &strings_, &refs_,  &ints_, &nets_,    &preds_,
                      &code_,  &locs_,    &rules_, &sels_, &filters_, &atoms_};
  bool seen[kSectionKinds + 1] = {};
  for (uint32_t i = 0; i < h.section_count; ++i) {
    const SectionEntry& e = table[i];
    if (e.kind == 0 || e.kind > kSectionKinds) {
      error = "section " + num(i) + " has unknown kind " + num(e.kind);
      return false;
    }
    std::string name = section_name(e.kind);
    if (seen[e.kind]) {
      error = "section '" + name + "' appears twice";
      return false;
    }
    seen[e.kind] = true;
    std::string at = "section '" + name + "' at offset " + num(e.offset);
    if (!in_range(e.offset, e.size, size_)) {
      error = at + " of " + num(e.size) + " bytes lies outside the pack";
      return false;
    }
    if (e.offset < table_end) {
      error = at + " overlaps the header or the section table";
      return false;
    }
    if (e.offset % 8 != 0) {
      error = at + " is not 8-byte aligned";
      return false;
    }
    if (e.size % record_size(e.kind) != 0) {
      error = "section '" + name + "' size " + num(e.size) +
              " is not a whole number of records";
      return false;
    }
    *slots[e.kind] = {e.offset, e.size};
  }
  for (uint32_t k = 1; k <= kSectionKinds; ++k) {
    if (!seen[k]) {
      error = "section '" + std::string(section_name(k)) + "' is missing";
      return false;
    }
  }

  for (size_t i = 0; i < nets().size(); ++i) {
    if (nets()[i].prefix > 128) {
      error = "net " + num(i) + ": prefix " + num(nets()[i].prefix) +
              " is over 128 bits";
      return false;
    }
  }

  auto bad_str = [&](StrRef r) {
    return !in_range(r.offset, r.size, strings_.size);
  };
  for (size_t i = 0; i < refs().size(); ++i) {
    if (bad_str(refs()[i])) {
      error = "string ref " + num(i) + " points outside the strings";
      return false;
    }
  }

  // Predicates: a known field, an operation that fits its type, literals
  // inside their table, and regular expressions that compile.
  regexes_.resize(predicates().size());
  for (uint32_t i = 0; i < predicates().size(); ++i) {
    const PredRecord& pr = predicates()[i];
    std::string at = "predicate " + num(i) + ": ";
    const schema::Field* f = schema::field_by_id(pr.field);
    if (f == nullptr) {
      error = at + "unknown field id " + num(pr.field);
      return false;
    }
    if (pr.op == 0 || pr.op > kPredOpLast || (pr.flags & ~3U) != 0) {
      error =
          at + "unknown operation " + num(pr.op) + " or flags " + num(pr.flags);
      return false;
    }
    auto op = PredOp(pr.op);
    using schema::Type;
    bool fits = false;
    uint64_t table_size = 0;
    if (string_op(pr.op)) {
      fits = schema::is_string_like(f->type);
      table_size = refs().size();
    } else if (op == PredOp::IpIn || op == PredOp::IpCidr) {
      fits = f->type == Type::Ip;
      table_size = nets().size();
    } else if (op == PredOp::FlagsAny || op == PredOp::FlagsAll) {
      fits = f->type == Type::Flags;
      table_size = ints().size();
    } else {
      fits = f->type == Type::Int || f->type == Type::Bool ||
             f->type == Type::Enum;
      table_size = ints().size();
    }
    if (!fits) {
      error = at + "operation " + num(pr.op) + " does not apply to field '" +
              std::string(f->name) + "'";
      return false;
    }
    if ((op == PredOp::FlagsAny || op == PredOp::FlagsAll) && pr.count != 1) {
      error = at + "a flags test takes one mask, not " + num(pr.count);
      return false;
    }
    if (pr.count == 0 || !in_range(pr.first, pr.count, table_size)) {
      error = at + "literals " + num(pr.first) + "+" + num(pr.count) +
              " lie outside their table";
      return false;
    }
    if (op != PredOp::StrMatches) {
      continue;
    }
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_max_mem(kRegexMaxMem);
    opts.set_case_sensitive((pr.flags & kPredNocase) == 0);
    for (uint32_t k = 0; k < pr.count; ++k) {
      auto re = std::make_unique<RE2>(ref(pr.first + k), opts);
      if (!re->ok()) {
        error = at + "regular expression does not compile: " + re->error();
        return false;
      }
      if (size_t(re->ProgramSize()) > kRegexMaxProgram) {
        error = at + "regular expression of " +
                num(uint64_t(re->ProgramSize())) +
                " instructions is over the budget of " + num(kRegexMaxProgram);
        return false;
      }
      regexes_[i].push_back(std::move(re));
    }
  }

  // Code: known opcodes, operands in range. Jumps are checked per routine.
  for (uint32_t pc = 0; pc < code().size(); ++pc) {
    const Instr& in = code()[pc];
    std::string at = "instruction " + num(pc) + ": ";
    if (in.op == 0 || in.op > kOpcodeLast) {
      error = at + "unknown opcode " + num(in.op);
      return false;
    }
    if (Opcode(in.op) == Opcode::Pred && in.arg >= predicates().size()) {
      error = at + "predicate " + num(in.arg) + " does not exist";
      return false;
    }
    if (Opcode(in.op) == Opcode::Const && in.arg > 1) {
      error = at + "constant " + num(in.arg) + " is not 0 or 1";
      return false;
    }
  }
  if (locations().size() != code().size()) {
    error = "locations: " + num(locations().size()) + " entries for " +
            num(code().size()) + " instructions";
    return false;
  }
  for (size_t i = 0; i < locations().size(); ++i) {
    if (locations()[i].file >= refs().size()) {
      error = "location " + num(i) + " names no file";
      return false;
    }
  }
  // A routine is a run of code ending in Ret whose jumps go forward and
  // stay inside it: so every run of it ends.
  auto check_routine = [&](uint32_t begin, uint32_t end,
                           const std::string& what) {
    if (begin >= end || end > code().size()) {
      error = what + ": code range " + num(begin) + ".." + num(end) +
              " lies outside the " + num(code().size()) + " instructions";
      return false;
    }
    if (Opcode(code()[end - 1].op) != Opcode::Ret) {
      error = what + ": code does not end in ret";
      return false;
    }
    for (uint32_t pc = begin; pc < end; ++pc) {
      auto op = Opcode(code()[pc].op);
      uint32_t target = code()[pc].arg;
      bool jump = op == Opcode::JumpIfFalse || op == Opcode::JumpIfTrue;
      if (jump && (target <= pc || target >= end)) {
        error = what + ": instruction " + num(pc) + " jumps to " + num(target) +
                ", outside " + num(pc + 1) + ".." + num(end - 1);
        return false;
      }
    }
    return true;
  };

  if (h.rule_count != rules().size()) {
    error = "header counts " + num(h.rule_count) +
            " rules, the rules "
            "section has " +
            num(rules().size());
    return false;
  }
  schema::KindSet known = 0;
  for (const schema::KindInfo& k : schema::kinds()) {
    known |= schema::kind_bit(k.kind);
  }
  for (uint32_t i = 0; i < rules().size(); ++i) {
    const RuleRecord& r = rules()[i];
    std::string what = "rule " + num(i);
    for (StrRef s :
         {r.id, r.name, r.title, r.output, r.file, r.filter_reason}) {
      if (bad_str(s)) {
        error = what + ": a string points outside the strings";
        return false;
      }
    }
    what = "rule '" + std::string(str(r.id)) + "'";
    if (r.kinds == 0 || (r.kinds & ~known) != 0) {
      error = what + ": unknown event kinds " + num(r.kinds);
      return false;
    }
    if (r.level > 4 || (r.flags & ~kRulePassAll) != 0) {
      error = what + ": unknown level " + num(r.level) + " or flags " +
              num(r.flags);
      return false;
    }
    if (!in_range(r.atoms_first, r.atoms_count, atoms().size())) {
      error = what + ": filter atoms lie outside their table";
      return false;
    }
    if (!in_range(r.tags_first, r.tags_count, refs().size()) ||
        !in_range(r.sels_first, r.sels_count, selections().size())) {
      error = what + ": tags or selections lie outside their tables";
      return false;
    }
    if (!check_routine(r.code_begin, r.code_end, what)) {
      return false;
    }
  }
  for (uint32_t i = 0; i < selections().size(); ++i) {
    const SelRecord& s = selections()[i];
    if (bad_str(s.name)) {
      error = "selection " + num(i) + ": name points outside the strings";
      return false;
    }
    if (!check_routine(s.code_begin, s.code_end,
                       "selection '" + std::string(str(s.name)) + "'")) {
      return false;
    }
  }

  schema::KindSet filtered = 0;
  for (uint32_t i = 0; i < filters().size(); ++i) {
    const FilterRecord& f = filters()[i];
    std::string what = "filter " + num(i);
    if (f.kind >= schema::kKindLimit ||
        (known & schema::kind_bit(schema::Kind(f.kind))) == 0) {
      error = what + ": unknown event kind " + num(f.kind);
      return false;
    }
    if ((filtered & schema::kind_bit(schema::Kind(f.kind))) != 0) {
      error = what + ": a second filter for event kind " + num(f.kind);
      return false;
    }
    filtered |= schema::kind_bit(schema::Kind(f.kind));
    if ((f.flags & ~kFilterPassAll) != 0 ||
        !in_range(f.atoms_first, f.atoms_count, atoms().size())) {
      error = what + ": bad flags or atoms outside their table";
      return false;
    }
  }
  for (uint32_t i = 0; i < atoms().size(); ++i) {
    const AtomRecord& a = atoms()[i];
    if (a.kind == 0 || a.kind > kAtomKindLast || bad_str(a.value)) {
      error = "atom " + num(i) + ": unknown kind " + num(a.kind) +
              " or value outside the strings";
      return false;
    }
  }
  return check_filters_cover_rules(error);
}

// The kernel filter of a kind must pass every event a rule of the kind
// could match: a filter narrower than its rules would drop events
// silently, so such a pack is refused.
bool Pack::check_filters_cover_rules(std::string& error) const {
  for (const RuleRecord& r : rules()) {
    std::string what = "rule '" + std::string(str(r.id)) + "'";
    for (const schema::KindInfo& k : schema::kinds()) {
      if ((r.kinds & schema::kind_bit(k.kind)) == 0) {
        continue;
      }
      const FilterRecord* f = nullptr;
      for (const FilterRecord& fr : filters()) {
        f = fr.kind == uint32_t(k.kind) ? &fr : f;
      }
      if (f == nullptr) {
        error = what + " watches " + std::string(k.name) +
                ", which the pack has no filter for";
        return false;
      }
      if ((f->flags & kFilterPassAll) != 0) {
        continue;
      }
      if ((r.flags & kRulePassAll) != 0) {
        error = what + " needs every " + std::string(k.name) +
                " event, but the kind's filter is narrower";
        return false;
      }
      std::set<std::pair<uint8_t, std::string_view>> have;
      for (uint32_t i = f->atoms_first; i < f->atoms_first + f->atoms_count;
           ++i) {
        have.emplace(atoms()[i].kind, str(atoms()[i].value));
      }
      for (uint32_t i = r.atoms_first; i < r.atoms_first + r.atoms_count; ++i) {
        if (have.count({atoms()[i].kind, str(atoms()[i].value)}) == 0) {
          error = what + ": its kernel test '" +
                  std::string(str(atoms()[i].value)) + "' is missing from " +
                  "the " + std::string(k.name) + " filter";
          return false;
        }
      }
    }
  }
  return true;
}

} // namespace sg::pack
