#include "runtime/match/event.h"

#include <cstring>

namespace sg::match {

void Event::reset(schema::Kind kind) {
  kind_ = kind;
  has_ts_ = false;
  has_host_ = false;
  ts_ = 0;
  host_ = {nullptr, 0, 0};
  open_list_ = kNoSlot;
  tags_.fill(Tag::None);
  arena_.clear();
  items_.clear();
}

void Event::set_host(std::string_view host) {
  host_ = copied(host);
  has_host_ = true;
}

void Event::clear(uint16_t field) {
  uint8_t s = field < kFieldIdLimit ? kSlotOf[field] : kNoSlot;
  if (s != kNoSlot) {
    tags_[s] = Tag::None;
    if (open_list_ == s) {
      open_list_ = kNoSlot;
    }
  }
}

Event::Slot* Event::put(uint16_t field, Tag tag) {
  open_list_ = kNoSlot;
  uint8_t s = field < kFieldIdLimit ? kSlotOf[field] : kNoSlot;
  if (s == kNoSlot) {
    return nullptr;
  }
  tags_[s] = tag;
  return &slots_[s];
}

Event::Str Event::stored(std::string_view value) {
  if (value.data() == nullptr) {
    return {nullptr, 0, 0};
  }
  return {value.data(), uint32_t(value.size()), 0};
}

Event::Str Event::copied(std::string_view value) {
  Str s{nullptr, uint32_t(value.size()), uint32_t(arena_.size())};
  arena_.append(value);
  return s;
}

void Event::set_int(uint16_t field, int64_t value) {
  if (Slot* s = put(field, Tag::Int)) {
    s->i = value;
  }
}

void Event::set_ip(uint16_t field, const IpAddr& addr) {
  if (Slot* s = put(field, Tag::Ip)) {
    std::memcpy(s->ip, addr.data(), addr.size());
  }
}

IpAddr Event::get_ip(uint16_t field) const {
  IpAddr out{};
  if (tag(field) == Tag::Ip) {
    std::memcpy(out.data(), slots_[kSlotOf[field]].ip, out.size());
  }
  return out;
}

void Event::set_string(uint16_t field, std::string_view value) {
  if (Slot* s = put(field, Tag::String)) {
    s->s = stored(value);
  }
}

void Event::copy_string(uint16_t field, std::string_view value) {
  if (Slot* s = put(field, Tag::String)) {
    s->s = copied(value);
  }
}

void Event::begin_list(uint16_t field) {
  if (Slot* s = put(field, Tag::List)) {
    s->l = {uint32_t(items_.size()), 0};
    open_list_ = kSlotOf[field];
  }
}

void Event::push_item(Str s) {
  if (open_list_ == kNoSlot) {
    return; // no list is being built
  }
  items_.push_back(s);
  ++slots_[open_list_].l.count;
}

void Event::add_item(std::string_view item) {
  push_item(stored(item));
}

void Event::copy_item(std::string_view item) {
  if (open_list_ != kNoSlot) {
    push_item(copied(item));
  }
}

void Event::set_list(uint16_t field, std::span<const std::string_view> items) {
  begin_list(field);
  for (std::string_view item : items) {
    add_item(item);
  }
}

uint16_t Event::field_id(std::string_view name) {
  const schema::Field* f = schema::find_field(name);
  return f != nullptr ? f->id : 0;
}

} // namespace sg::match
