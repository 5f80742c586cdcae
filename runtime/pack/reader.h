// Reading a rule pack, and refusing a bad one.
//
// Pack::load checks everything before anything is used: the header, the
// checksum, every section's bounds, every string reference, every table
// index, every opcode and jump target, and that every regular expression
// compiles. A pack that fails any check is refused with a message naming
// what is wrong; nothing about a bad pack can crash the reader.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "runtime/pack/format.h"

namespace sg::pack {

class Pack {
public:
  // Returns the pack, or nothing with `error` set.
  static std::optional<Pack> load(std::string_view bytes, std::string& error);
  static std::optional<Pack> load_file(const std::string& path,
                                       std::string& error);

  const Header& header() const;
  std::span<const StrRef> refs() const { return table<StrRef>(refs_); }
  std::span<const int64_t> ints() const { return table<int64_t>(ints_); }
  std::span<const NetRecord> nets() const { return table<NetRecord>(nets_); }
  std::span<const PredRecord> predicates() const {
    return table<PredRecord>(preds_);
  }
  std::span<const Instr> code() const { return table<Instr>(code_); }
  std::span<const Location> locations() const { return table<Location>(locs_); }
  std::span<const RuleRecord> rules() const {
    return table<RuleRecord>(rules_);
  }
  std::span<const SelRecord> selections() const {
    return table<SelRecord>(sels_);
  }
  std::span<const FilterRecord> filters() const {
    return table<FilterRecord>(filters_);
  }
  std::span<const AtomRecord> atoms() const {
    return table<AtomRecord>(atoms_);
  }

  std::string_view str(StrRef r) const {
    return {bytes() + strings_.offset + r.offset, r.size};
  }
  std::string_view ref(uint32_t i) const { return str(refs()[i]); }
  // The compiled regex of predicate `pred`, or nullptr if not a regex.
  const RE2* regex(uint32_t pred, uint32_t literal) const;
  size_t size() const { return size_; }

private:
  struct Section {
    uint64_t offset = 0;
    uint64_t size = 0;
  };

  const char* bytes() const {
    return reinterpret_cast<const char*>(storage_.data());
  }
  template <typename T>
  std::span<const T> table(const Section& s) const {
    return {reinterpret_cast<const T*>(bytes() + s.offset),
            size_t(s.size / sizeof(T))};
  }
  bool check(std::string& error);
  bool check_filters_cover_rules(std::string& error) const;

  std::vector<uint64_t> storage_; // 8-byte aligned copy of the file
  size_t size_ = 0;
  Section strings_, refs_, ints_, nets_, preds_, code_, locs_, rules_, sels_,
      filters_, atoms_;
  // regexes_[i]: the compiled literals of predicate i (empty if none).
  std::vector<std::vector<std::unique_ptr<RE2>>> regexes_;
};

} // namespace sg::pack
