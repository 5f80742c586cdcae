// IP addresses and networks, as rules and events carry them.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sg {

// An address, or a network when `prefix` < 128. IPv4 is stored as an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) with the prefix moved by 96
// bits, so one comparison serves both families.
struct IpNet {
  std::array<uint8_t, 16> addr{};
  uint8_t prefix = 128;

  bool is_v4() const;
  bool contains(const std::array<uint8_t, 16>& a) const;
  friend auto operator<=>(const IpNet&, const IpNet&) = default;
};

std::optional<IpNet> parse_ip(std::string_view text);
// "10.0.0.0/8", "fd00::/8". Host bits are cleared.
std::optional<IpNet> parse_cidr(std::string_view text);
// "10.0.0.1", "::1", or with "/N" when a network.
std::string format_ip(const IpNet& ip);

} // namespace sg
