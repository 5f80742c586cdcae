#include "compiler/backend/pack_writer.h"

#include <cstring>
#include <map>

// xxhash is used header-only, so nothing is linked at run time.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sg {
namespace {

using namespace pack;

// Accumulates the tables of a pack; strings are stored once each.
class Tables {
public:
  StrRef str(const std::string& s) {
    auto [it, fresh] = strings_.emplace(s, StrRef{});
    if (fresh) {
      it->second = {uint32_t(blob.size()), uint32_t(s.size())};
      blob += s;
    }
    return it->second;
  }

  // Appends to StrRefs; returns the index of the first.
  uint32_t str_list(const std::vector<std::string>& list) {
    auto first = uint32_t(refs.size());
    for (const std::string& s : list) {
      refs.push_back(str(s));
    }
    return first;
  }

  std::string blob;
  std::vector<StrRef> refs;
  std::vector<int64_t> ints;
  std::vector<NetRecord> nets;
  std::vector<PredRecord> preds;
  std::vector<Location> locations;
  std::vector<RuleRecord> rules;
  std::vector<SelRecord> sels;
  std::vector<FilterRecord> filters;
  std::vector<AtomRecord> atoms;

private:
  std::map<std::string, StrRef> strings_;
};

PredRecord pred_record(const ir::Predicate& p, Tables& t) {
  PredRecord r{};
  r.field = p.field;
  r.op = uint8_t(uint8_t(p.op) + 1); // ir order matches the format's
  r.flags = uint8_t((p.nocase ? kPredNocase : 0) | (p.all ? kPredAll : 0));
  if (!p.strings.empty()) {
    r.first = t.str_list(p.strings);
    r.count = uint32_t(p.strings.size());
  } else if (!p.ints.empty()) {
    r.first = uint32_t(t.ints.size());
    r.count = uint32_t(p.ints.size());
    t.ints.insert(t.ints.end(), p.ints.begin(), p.ints.end());
  } else {
    r.first = uint32_t(t.nets.size());
    r.count = uint32_t(p.nets.size());
    for (const IpNet& n : p.nets) {
      NetRecord nr{};
      std::memcpy(nr.addr, n.addr.data(), 16);
      nr.prefix = n.prefix;
      t.nets.push_back(nr);
    }
  }
  return r;
}

template <typename T>
void append(std::string& out, const std::vector<T>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

} // namespace

static_assert(uint8_t(ir::PredOp::FlagsAll) + 1 == uint8_t(PredOp::FlagsAll),
              "ir::PredOp and pack::PredOp must keep the same order");

std::string write_pack(const ir::Module& m, const FilterPlan& filters,
                       const Bytecode& code) {
  Tables t;
  for (const ir::Predicate& p : m.preds) {
    t.preds.push_back(pred_record(p, t));
  }
  std::map<std::string, uint32_t> files;
  for (const ir::Origin& o : code.origins) {
    auto [it, fresh] = files.emplace(o.file, 0);
    if (fresh) {
      it->second = t.str_list({o.file});
    }
    t.locations.push_back({it->second, o.line, o.col});
  }
  for (size_t i = 0; i < m.rules.size(); ++i) {
    const ir::Rule& r = m.rules[i];
    RuleRecord rec{};
    rec.id = t.str(r.id);
    rec.name = t.str(r.name);
    rec.title = t.str(r.title);
    rec.output = t.str(r.output);
    rec.file = t.str(r.origin.file);
    rec.line = r.origin.line;
    rec.col = r.origin.col;
    rec.kinds = r.kinds;
    rec.code_begin = code.rules[i].begin;
    rec.code_end = code.rules[i].end;
    rec.tags_first = t.str_list(r.tags);
    rec.tags_count = uint32_t(r.tags.size());
    rec.sels_first = uint32_t(t.sels.size());
    rec.sels_count = uint32_t(r.selections.size());
    rec.level = uint8_t(r.level);
    const RuleFilter& rf = filters.rules[i];
    rec.flags = rf.pass_all ? kRulePassAll : 0;
    rec.filter_reason = t.str(rf.reason);
    rec.atoms_first = uint32_t(t.atoms.size());
    rec.atoms_count = uint32_t(rf.atoms.size());
    for (const Atom& a : rf.atoms) {
      t.atoms.push_back({uint8_t(a.kind), {}, 0, t.str(a.value)});
    }
    for (size_t s = 0; s < r.selections.size(); ++s) {
      t.sels.push_back({t.str(r.selections[s].name),
                        code.selections[i][s].begin,
                        code.selections[i][s].end});
    }
    t.rules.push_back(rec);
  }
  for (const KindFilter& k : filters.kinds) {
    t.filters.push_back({uint32_t(k.kind), k.pass_all ? kFilterPassAll : 0,
                         uint32_t(t.atoms.size()), uint32_t(k.atoms.size())});
    for (const Atom& a : k.atoms) {
      t.atoms.push_back({uint8_t(a.kind), {}, 0, t.str(a.value)});
    }
  }

  // Lay out: header, section table, then each section 8-byte aligned.
  std::vector<std::pair<SectionKind, std::string>> sections;
  auto add = [&](SectionKind kind, std::string bytes) {
    sections.emplace_back(kind, std::move(bytes));
  };
  auto bytes = [](const auto& v) {
    std::string s;
    append(s, v);
    return s;
  };
  add(SectionKind::Strings, t.blob);
  add(SectionKind::StrRefs, bytes(t.refs));
  add(SectionKind::Ints, bytes(t.ints));
  add(SectionKind::Nets, bytes(t.nets));
  add(SectionKind::Predicates, bytes(t.preds));
  add(SectionKind::Code, bytes(code.code));
  add(SectionKind::Locations, bytes(t.locations));
  add(SectionKind::Rules, bytes(t.rules));
  add(SectionKind::Selections, bytes(t.sels));
  add(SectionKind::Filters, bytes(t.filters));
  add(SectionKind::Atoms, bytes(t.atoms));

  size_t offset = sizeof(Header) + sections.size() * sizeof(SectionEntry);
  std::vector<SectionEntry> table;
  for (auto& [kind, data] : sections) {
    offset = (offset + 7) & ~size_t{7};
    table.push_back({uint32_t(kind), 0, offset, data.size()});
    offset += data.size();
  }
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.format_version = kFormatVersion;
  h.schema_version = schema::kSchemaVersion;
  h.file_size = offset;
  h.section_count = uint32_t(sections.size());
  h.rule_count = uint32_t(m.rules.size());

  std::string out(offset, '\0');
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + sizeof h, table.data(),
              table.size() * sizeof(SectionEntry));
  for (size_t i = 0; i < sections.size(); ++i) {
    std::memcpy(out.data() + table[i].offset, sections[i].second.data(),
                sections[i].second.size());
  }
  uint64_t sum = XXH64(out.data(), out.size(), 0);
  std::memcpy(out.data() + offsetof(Header, checksum), &sum, sizeof sum);
  return out;
}

} // namespace sg
