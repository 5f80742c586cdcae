// sgc dump: everything a rule pack holds, in words.
//
// The output is a function of the pack's bytes alone, so two dumps of one
// pack are equal and the dump of a pack is a stable golden file.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "compiler/backend/filters.h"
#include "compiler/frontend/printer.h"
#include "compiler/tools/commands.h"
#include "runtime/common/net.h"
#include "runtime/pack/reader.h"

namespace sg::cmd {
namespace {

using pack::Opcode;
using pack::PredOp;

constexpr size_t kWidth = 80;
// Literals longer than this are cut short in the code listing; the
// predicates table shows them whole.
constexpr size_t kShortLiteral = 28;

// "1 atom", "3 atoms".
std::string count_of(uint32_t n, const std::string& noun) {
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
  return buf;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) {
    s.append(width - s.size(), ' ');
  }
  return s;
}

std::string rtrim(std::string s) {
  while (!s.empty() && s.back() == ' ') {
    s.pop_back();
  }
  return s;
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

std::string section_name(uint32_t kind) {
  static constexpr const char* kNames[] = {
      "?",    "strings",   "string refs", "ints",       "nets",    "predicates",
      "code", "locations", "rules",       "selections", "filters", "atoms"};
  return kind < std::size(kNames) ? kNames[kind] : "?";
}

// The size of a record of a section, by section kind.
size_t record_size(uint32_t kind) {
  static constexpr size_t kSizes[] = {
      1, // no kind
      1, // strings
      sizeof(pack::StrRef),
      sizeof(int64_t),
      sizeof(pack::NetRecord),
      sizeof(pack::PredRecord),
      sizeof(pack::Instr),
      sizeof(pack::Location),
      sizeof(pack::RuleRecord),
      sizeof(pack::SelRecord),
      sizeof(pack::FilterRecord),
      sizeof(pack::AtomRecord),
  };
  return kind < std::size(kSizes) ? kSizes[kind] : 1;
}

std::string kind_name(uint32_t kind) {
  for (const schema::KindInfo& k : schema::kinds()) {
    if (uint32_t(k.kind) == kind) {
      return std::string(k.name);
    }
  }
  return "kind " + std::to_string(kind);
}

std::string kinds_text(schema::KindSet kinds) {
  std::string out;
  for (const schema::KindInfo& k : schema::kinds()) {
    if ((kinds & schema::kind_bit(k.kind)) != 0) {
      out += (out.empty() ? "" : ", ") + std::string(k.name);
    }
  }
  return out;
}

std::string level_name(uint8_t level) {
  static constexpr const char* kNames[] = {"informational", "low", "medium",
                                           "high", "critical"};
  return level < std::size(kNames) ? kNames[level] : "?";
}

std::string op_name(uint8_t op) {
  switch (PredOp(op)) {
  case PredOp::StrIn:
    return "str_in";
  case PredOp::StrContains:
    return "str_contains";
  case PredOp::StrStarts:
    return "str_starts";
  case PredOp::StrEnds:
    return "str_ends";
  case PredOp::StrLike:
    return "str_like";
  case PredOp::StrMatches:
    return "str_matches";
  case PredOp::IntIn:
    return "int_in";
  case PredOp::IntLt:
    return "int_lt";
  case PredOp::IntLe:
    return "int_le";
  case PredOp::IntGt:
    return "int_gt";
  case PredOp::IntGe:
    return "int_ge";
  case PredOp::IpIn:
    return "ip_in";
  case PredOp::IpCidr:
    return "ip_cidr";
  case PredOp::FlagsAny:
    return "flags_any";
  case PredOp::FlagsAll:
    return "flags_all";
  }
  return "?";
}

std::string opcode_name(uint8_t op) {
  switch (Opcode(op)) {
  case Opcode::Pred:
    return "pred";
  case Opcode::Const:
    return "const";
  case Opcode::Not:
    return "not";
  case Opcode::JumpIfFalse:
    return "jump_if_false";
  case Opcode::JumpIfTrue:
    return "jump_if_true";
  case Opcode::Ret:
    return "ret";
  }
  return "?";
}

// A flags mask as the symbols of its set; bits no symbol names follow in
// hex.
std::string mask_text(const schema::SymbolSet* set, uint64_t mask) {
  std::string out;
  uint64_t named = 0;
  if (set != nullptr) {
    for (const schema::Symbol& s : set->symbols) {
      if (s.value != 0 && (mask & s.value) == s.value) {
        out += (out.empty() ? "" : "|") + std::string(s.name);
        named |= s.value;
      }
    }
  }
  uint64_t rest = mask & ~named;
  if (rest != 0 || out.empty()) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, rest);
    out += (out.empty() ? "" : "|") + std::string(buf);
  }
  return out;
}

std::string int_text(const schema::Field& f, int64_t v) {
  if (f.type == schema::Type::Bool && (v == 0 || v == 1)) {
    return v != 0 ? "true" : "false";
  }
  if (f.type == schema::Type::Enum && f.symbols != nullptr) {
    for (const schema::Symbol& s : f.symbols->symbols) {
      if (s.value == uint64_t(v)) {
        return std::string(s.name);
      }
    }
  }
  return std::to_string(v);
}

// Cuts `s` to at most `n` bytes, at a UTF-8 character boundary.
std::string_view cut(std::string_view s, size_t n) {
  if (s.size() <= n) {
    return s;
  }
  while (n > 0 && (uint8_t(s[n]) & 0xc0) == 0x80) {
    --n;
  }
  return s.substr(0, n);
}

class Dumper {
public:
  Dumper(const pack::Pack& p, std::ostream& out) : p_(p), out_(out) {}

  void run(const std::string& path) {
    header(path);
    sections();
    rules();
    predicates();
    code();
    filters();
  }

private:
  void header(const std::string& path);
  void sections();
  void rules();
  void predicates();
  void code();
  void filters();

  // Prints `head` then `items` separated by `sep`, wrapping before 80
  // columns with continuation lines indented by `indent`.
  void wrapped(const std::string& head, const std::vector<std::string>& items,
               const std::string& sep, const std::string& tail, size_t indent);
  void atoms(uint32_t first, uint32_t count, const std::string& indent);

  std::vector<std::string> literals(const pack::PredRecord& r) const;
  std::string pred_head(const pack::PredRecord& r) const;
  std::string pred_short(uint32_t i) const;
  std::string location(uint32_t pc) const;

  const pack::Pack& p_;
  std::ostream& out_;
};

void Dumper::header(const std::string& path) {
  const pack::Header& h = p_.header();
  out_ << "pack " << path << "\n"
       << "  format version  " << h.format_version << "\n"
       << "  schema version  " << h.schema_version << "\n"
       << "  size            " << h.file_size << " bytes\n"
       << "  checksum        " << hex(h.checksum) << "\n"
       << "  rules           " << h.rule_count << "\n";
}

void Dumper::sections() {
  const pack::Header& h = p_.header();
  // The section table follows the header; the reader checked it fits.
  const char* table = reinterpret_cast<const char*>(&h) + sizeof(pack::Header);
  out_ << "\nsections:\n"
       << "  kind              offset        size     records\n";
  for (uint32_t i = 0; i < h.section_count; ++i) {
    pack::SectionEntry e{};
    std::memcpy(&e, table + i * sizeof e, sizeof e);
    uint64_t records = e.size / record_size(e.kind);
    out_ << "  " << pad(section_name(e.kind), 12)
         << pad_left(std::to_string(e.offset), 12)
         << pad_left(std::to_string(e.size), 12)
         << pad_left(std::to_string(records), 12) << "\n";
  }
}

void Dumper::wrapped(const std::string& head,
                     const std::vector<std::string>& items,
                     const std::string& sep, const std::string& tail,
                     size_t indent) {
  std::string line = head;
  bool empty_line = true; // no item on `line` yet
  for (size_t i = 0; i < items.size(); ++i) {
    std::string piece = items[i] + (i + 1 < items.size() ? sep : tail);
    size_t visible = piece.find_last_not_of(' ') + 1;
    if (!empty_line && line.size() + visible > kWidth) {
      out_ << rtrim(line) << "\n";
      line = std::string(indent, ' ');
    }
    line += piece;
    empty_line = false;
  }
  if (items.empty()) {
    line += tail;
  }
  out_ << rtrim(line) << "\n";
}

void Dumper::atoms(uint32_t first, uint32_t count, const std::string& indent) {
  for (uint32_t i = first; i < first + count; ++i) {
    const pack::AtomRecord& a = p_.atoms()[i];
    out_ << indent
         << pad(std::string(atom_kind_name(pack::AtomKind(a.kind))), 12)
         << quote(p_.str(a.value)) << "\n";
  }
}

void Dumper::rules() {
  out_ << "\nrules:\n";
  for (uint32_t i = 0; i < p_.rules().size(); ++i) {
    const pack::RuleRecord& r = p_.rules()[i];
    out_ << "  rule " << i << ": " << p_.str(r.id) << " " << p_.str(r.name)
         << "\n"
         << "    source    " << p_.str(r.file) << ":" << r.line << ":" << r.col
         << "\n"
         << "    level     " << level_name(r.level) << "\n"
         << "    kinds     " << kinds_text(r.kinds) << "\n";
    std::vector<std::string> tags;
    for (uint32_t t = 0; t < r.tags_count; ++t) {
      tags.emplace_back(p_.ref(r.tags_first + t));
    }
    if (!tags.empty()) {
      wrapped("    tags      ", tags, ", ", "", 14);
    }
    out_ << "    title     " << quote(p_.str(r.title)) << "\n"
         << "    output    " << quote(p_.str(r.output)) << "\n"
         << "    code      [" << r.code_begin << ", " << r.code_end << ")\n";
    for (uint32_t s = r.sels_first; s < r.sels_first + r.sels_count; ++s) {
      const pack::SelRecord& sel = p_.selections()[s];
      out_ << "    select    " << p_.str(sel.name) << " [" << sel.code_begin
           << ", " << sel.code_end << ")\n";
    }
    if ((r.flags & pack::kRulePassAll) != 0) {
      out_ << "    kernel    pass-all: " << p_.str(r.filter_reason) << "\n";
    } else if (r.atoms_count == 0) {
      out_ << "    kernel    no atoms: the condition never holds\n";
    } else {
      out_ << "    kernel    any of " << count_of(r.atoms_count, "atom")
           << "\n";
    }
    atoms(r.atoms_first, r.atoms_count, "      ");
  }
}

std::vector<std::string> Dumper::literals(const pack::PredRecord& r) const {
  const schema::Field& f = *schema::field_by_id(r.field);
  std::vector<std::string> out;
  for (uint32_t k = r.first; k < r.first + r.count; ++k) {
    switch (PredOp(r.op)) {
    case PredOp::IpIn:
    case PredOp::IpCidr: {
      const pack::NetRecord& n = p_.nets()[k];
      IpNet ip;
      std::memcpy(ip.addr.data(), n.addr, sizeof n.addr);
      ip.prefix = n.prefix;
      out.push_back(format_ip(ip));
      break;
    }
    case PredOp::FlagsAny:
    case PredOp::FlagsAll:
      out.push_back(mask_text(f.symbols, uint64_t(p_.ints()[k])));
      break;
    case PredOp::IntIn:
    case PredOp::IntLt:
    case PredOp::IntLe:
    case PredOp::IntGt:
    case PredOp::IntGe:
      out.push_back(int_text(f, p_.ints()[k]));
      break;
    default:
      out.push_back(quote(p_.ref(k)));
      break;
    }
  }
  return out;
}

std::string Dumper::pred_head(const pack::PredRecord& r) const {
  std::string out =
      std::string(schema::field_by_id(r.field)->name) + " " + op_name(r.op);
  out += (r.flags & pack::kPredNocase) != 0 ? " nocase" : "";
  out += (r.flags & pack::kPredAll) != 0 ? " all" : "";
  return out;
}

void Dumper::predicates() {
  out_ << "\npredicates:\n";
  size_t width = std::to_string(p_.predicates().size()).size();
  for (uint32_t i = 0; i < p_.predicates().size(); ++i) {
    const pack::PredRecord& r = p_.predicates()[i];
    std::string head =
        "  " + pad_left(std::to_string(i), width) + "  " + pred_head(r) + " ";
    auto op = PredOp(r.op);
    if (op == PredOp::FlagsAny || op == PredOp::FlagsAll) {
      wrapped(head, literals(r), "", "", width + 6);
    } else {
      wrapped(head + "[", literals(r), ", ", "]", width + 6);
    }
  }
}

// The predicate in a few words: its first literal, cut short.
std::string Dumper::pred_short(uint32_t i) const {
  const pack::PredRecord& r = p_.predicates()[i];
  std::string first;
  auto op = PredOp(r.op);
  if (op >= PredOp::StrIn && op <= PredOp::StrMatches) {
    std::string_view s = p_.ref(r.first);
    std::string_view shown = cut(s, kShortLiteral);
    first = quote(shown) + (shown.size() < s.size() ? "..." : "");
  } else {
    first = literals(r)[0];
  }
  std::string out = pred_head(r) + " " + first;
  if (r.count > 1) {
    out += " +" + std::to_string(r.count - 1);
  }
  return out;
}

std::string Dumper::location(uint32_t pc) const {
  const pack::Location& l = p_.locations()[pc];
  return std::string(p_.ref(l.file)) + ":" + std::to_string(l.line) + ":" +
         std::to_string(l.col);
}

void Dumper::code() {
  // Each routine is announced where it begins.
  std::map<uint32_t, std::vector<std::string>> starts;
  for (const pack::RuleRecord& r : p_.rules()) {
    starts[r.code_begin].push_back("rule " + std::string(p_.str(r.id)));
    for (uint32_t s = r.sels_first; s < r.sels_first + r.sels_count; ++s) {
      const pack::SelRecord& sel = p_.selections()[s];
      starts[sel.code_begin].push_back("selection " +
                                       std::string(p_.str(r.id)) + " " +
                                       std::string(p_.str(sel.name)));
    }
  }
  size_t n = p_.code().size();
  size_t pc_width = std::to_string(n == 0 ? 0 : n - 1).size();
  std::vector<std::string> instrs;
  std::vector<std::string> locs;
  size_t instr_width = 0;
  size_t loc_width = 0;
  for (uint32_t pc = 0; pc < n; ++pc) {
    const pack::Instr& in = p_.code()[pc];
    std::string text = opcode_name(in.op);
    auto op = Opcode(in.op);
    if (op != Opcode::Not && op != Opcode::Ret) {
      text += " " + std::to_string(in.arg);
    }
    instrs.push_back(text);
    locs.push_back(location(pc));
    instr_width = std::max(instr_width, text.size());
    loc_width = std::max(loc_width, locs.back().size());
  }
  out_ << "\ncode:\n";
  for (uint32_t pc = 0; pc < n; ++pc) {
    if (auto it = starts.find(pc); it != starts.end()) {
      for (const std::string& label : it->second) {
        out_ << "  " << label << "\n";
      }
    }
    const pack::Instr& in = p_.code()[pc];
    std::string line = "    " + pad_left(std::to_string(pc), pc_width) + "  " +
                       pad(instrs[pc], instr_width) + "  ";
    if (Opcode(in.op) == Opcode::Pred) {
      line += pad(locs[pc], loc_width) + "  " + pred_short(in.arg);
    } else {
      line += locs[pc];
    }
    out_ << line << "\n";
  }
}

void Dumper::filters() {
  out_ << "\nkernel filters:\n";
  for (const pack::FilterRecord& f : p_.filters()) {
    std::string name = kind_name(f.kind);
    if ((f.flags & pack::kFilterPassAll) != 0) {
      std::vector<std::string> forcing;
      for (const pack::RuleRecord& r : p_.rules()) {
        if ((r.kinds & schema::kind_bit(schema::Kind(f.kind))) != 0 &&
            (r.flags & pack::kRulePassAll) != 0) {
          forcing.emplace_back(p_.str(r.id));
        }
      }
      if (forcing.empty()) {
        out_ << "  " << name << ": pass-all\n";
      } else {
        wrapped("  " + name + ": pass-all, because of ", forcing, ", ", "", 4);
      }
    } else {
      out_ << "  " << name << ": any of " << count_of(f.atoms_count, "atom")
           << "\n";
    }
    atoms(f.atoms_first, f.atoms_count, "    ");
  }
}

} // namespace

int run_dump(const DumpArgs& a) {
  // A file that cannot be read is a usage error; a file that is not a
  // good pack is a problem in the pack.
  std::error_code ec;
  if (std::filesystem::is_directory(a.pack, ec)) {
    std::cerr << "sgc dump: " << a.pack << ": is a directory\n";
    return kExitUsage;
  }
  if (!std::ifstream(a.pack, std::ios::binary)) {
    std::cerr << "sgc dump: cannot open " << a.pack << ": "
              << std::strerror(errno) << "\n";
    return kExitUsage;
  }
  std::string error;
  std::optional<pack::Pack> p = pack::Pack::load_file(a.pack, error);
  if (!p) {
    std::cerr << "sgc dump: " << error << "\n";
    return kExitRules;
  }
  std::ostringstream out;
  Dumper(*p, out).run(a.pack);
  std::cout << out.str();
  return kExitClean;
}

} // namespace sg::cmd
