// One event as the matcher sees it: the event kind and a value for each
// schema field the event carries.
//
// Values live in a fixed array with one slot per schema field, and a tag
// per slot saying whether it is present and what it holds. A string is
// either a view of storage the caller owns (set_string: the caller keeps
// it alive while the event is used) or a copy in an arena inside the event
// (copy_string). reset() empties the event but keeps every buffer, so an
// event reused for each new event allocates nothing once its buffers have
// grown.
//
// Setters do not check the schema: the event file parser and the sensor
// decoder do. A getter asked for a type the slot does not hold answers as
// if the field were missing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/common/net.h"
#include "runtime/schema/schema.h"

namespace sg::match {

// Field ids run from 1 to below kFieldIdLimit, with gaps; each field has
// one of kFieldCount dense slots.
inline constexpr uint16_t kFieldIdLimit = [] {
  uint16_t top = 0;
#define SG_FIELD(id, ident, name, type, kinds, symbols, optional, doc)         \
  top = (id) > top ? uint16_t(id) : top;
#include "runtime/schema/fields.def"
#undef SG_FIELD
  return uint16_t(top + 1);
}();

inline constexpr uint16_t kFieldCount = [] {
  uint16_t n = 0;
#define SG_FIELD(id, ident, name, type, kinds, symbols, optional, doc) ++n;
#include "runtime/schema/fields.def"
#undef SG_FIELD
  return n;
}();

inline constexpr uint8_t kNoSlot = 0xff;
static_assert(kFieldCount < kNoSlot);

// The slot of each field id; kNoSlot for ids that name no field.
inline constexpr std::array<uint8_t, kFieldIdLimit> kSlotOf = [] {
  std::array<uint8_t, kFieldIdLimit> slot{};
  slot.fill(kNoSlot);
  uint8_t n = 0;
#define SG_FIELD(id, ident, name, type, kinds, symbols, optional, doc)         \
  slot[id] = n++;
#include "runtime/schema/fields.def"
#undef SG_FIELD
  return slot;
}();

// Field ids by their enumerator in fields.def: fid::FilePath is 70.
namespace fid {
enum : uint16_t {
#define SG_FIELD(id, ident, name, type, kinds, symbols, optional, doc)         \
  ident = (id),
#include "runtime/schema/fields.def"
#undef SG_FIELD
};
} // namespace fid

using IpAddr = std::array<uint8_t, 16>; // IPv6, or IPv4-mapped IPv6

class Event {
public:
  // What a slot holds.
  enum class Tag : uint8_t { None, Int, String, Ip, List };

  Event() = default;
  explicit Event(schema::Kind kind) : kind_(kind) {}

  // Empties the event and sets its kind; keeps the memory.
  void reset(schema::Kind kind);

  schema::Kind kind() const { return kind_; }
  void set_kind(schema::Kind kind) { kind_ = kind; }

  // Metadata: when the event happened (ns since the epoch) and where.
  void set_ts(uint64_t ns) {
    ts_ = ns;
    has_ts_ = true;
  }
  bool has_ts() const { return has_ts_; }
  uint64_t ts() const { return ts_; }
  void set_host(std::string_view host); // copied
  bool has_host() const { return has_host_; }
  std::string_view host() const { return view(host_); }

  bool has(uint16_t field) const { return tag(field) != Tag::None; }
  void clear(uint16_t field);
  // What the slot of `field` holds; None when missing.
  Tag tag(uint16_t field) const {
    uint8_t s = field < kFieldIdLimit ? kSlotOf[field] : kNoSlot;
    return s != kNoSlot ? tags_[s] : Tag::None;
  }

  // Int, Bool, Enum and Flags fields all hold an integer.
  void set_int(uint16_t field, int64_t value);
  void set_bool(uint16_t field, bool value) { set_int(field, value ? 1 : 0); }
  void set_flags(uint16_t field, uint64_t mask) {
    set_int(field, int64_t(mask));
  }
  void set_ip(uint16_t field, const IpAddr& addr);
  void set_ip(uint16_t field, const IpNet& ip) { set_ip(field, ip.addr); }
  // A view of the caller's bytes, which must outlive the event's use.
  void set_string(uint16_t field, std::string_view value);
  // A copy in the event's arena.
  void copy_string(uint16_t field, std::string_view value);

  // A list is built in order: begin_list, then its items. Building another
  // list, or setting the same field again, ends it.
  void begin_list(uint16_t field);
  void add_item(std::string_view item);  // a view, as set_string
  void copy_item(std::string_view item); // a copy, as copy_string
  void set_list(uint16_t field, std::span<const std::string_view> items);

  // Missing or of another type: 0, "", all zeros, an empty list.
  int64_t get_int(uint16_t field) const {
    return tag(field) == Tag::Int ? slots_[kSlotOf[field]].i : 0;
  }
  std::string_view get_string(uint16_t field) const {
    return tag(field) == Tag::String ? view(slots_[kSlotOf[field]].s)
                                     : std::string_view();
  }
  IpAddr get_ip(uint16_t field) const;
  size_t list_size(uint16_t field) const {
    return tag(field) == Tag::List ? slots_[kSlotOf[field]].l.count : 0;
  }
  // Item `i` < list_size(field).
  std::string_view list_item(uint16_t field, size_t i) const {
    return view(items_[slots_[kSlotOf[field]].l.first + i]);
  }

  // The id of a field by name, for tools and tests; 0 (no field) when
  // unknown.
  static uint16_t field_id(std::string_view name);

private:
  // A string: `ptr` and `len`, or when `ptr` is null, `len` bytes at
  // offset `off` of the arena (which may move as it grows).
  struct Str {
    const char* ptr;
    uint32_t len;
    uint32_t off;
  };
  struct ListRef {
    uint32_t first; // into items_
    uint32_t count;
  };
  union Slot {
    int64_t i;
    Str s;
    ListRef l;
    uint8_t ip[16];
  };

  std::string_view view(const Str& s) const {
    return s.ptr != nullptr ? std::string_view(s.ptr, s.len)
                            : std::string_view(arena_.data() + s.off, s.len);
  }
  Str stored(std::string_view value);
  Str copied(std::string_view value);
  Slot* put(uint16_t field, Tag tag); // nullptr: no such field
  void push_item(Str s);

  schema::Kind kind_ = schema::Kind::Exec;
  bool has_ts_ = false;
  bool has_host_ = false;
  uint64_t ts_ = 0;
  Str host_{nullptr, 0, 0};
  uint8_t open_list_ = kNoSlot; // the slot of the list being built
  std::array<Tag, kFieldCount> tags_{};
  std::array<Slot, kFieldCount> slots_{};
  std::string arena_;
  std::vector<Str> items_;
};

} // namespace sg::match
