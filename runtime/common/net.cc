#include "runtime/common/net.h"

#include <charconv>
#include <cstring>

#include <arpa/inet.h>

namespace sg {
namespace {

constexpr std::array<uint8_t, 12> kV4Mapped = {0, 0, 0, 0, 0,    0,
                                               0, 0, 0, 0, 0xff, 0xff};

} // namespace

bool IpNet::is_v4() const {
  return std::equal(kV4Mapped.begin(), kV4Mapped.end(), addr.begin()) &&
         prefix >= 96;
}

bool IpNet::contains(const std::array<uint8_t, 16>& a) const {
  unsigned full = prefix / 8;
  if (std::memcmp(addr.data(), a.data(), full) != 0) {
    return false;
  }
  unsigned rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  auto mask = uint8_t(0xff << (8 - rest));
  return (addr[full] & mask) == (a[full] & mask);
}

std::optional<IpNet> parse_ip(std::string_view text) {
  std::string s(text);
  IpNet ip;
  uint8_t v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    std::copy(kV4Mapped.begin(), kV4Mapped.end(), ip.addr.begin());
    std::memcpy(ip.addr.data() + 12, v4, 4);
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.addr.data()) == 1) {
    return ip;
  }
  return std::nullopt;
}

std::optional<IpNet> parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  std::optional<IpNet> ip = parse_ip(text.substr(0, slash));
  std::string_view bits = text.substr(slash + 1);
  unsigned prefix = 0;
  auto [end, ec] =
      std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
  if (!ip || bits.empty() || ec != std::errc() ||
      end != bits.data() + bits.size()) {
    return std::nullopt;
  }
  bool v4 = ip->is_v4();
  if (prefix > (v4 ? 32U : 128U)) {
    return std::nullopt;
  }
  ip->prefix = uint8_t(v4 ? prefix + 96 : prefix);
  for (unsigned bit = ip->prefix; bit < 128; ++bit) {
    ip->addr[bit / 8] &= uint8_t(~(0x80U >> (bit % 8)));
  }
  return ip;
}

std::string format_ip(const IpNet& ip) {
  char buf[INET6_ADDRSTRLEN];
  bool v4 = ip.is_v4();
  if (v4) {
    inet_ntop(AF_INET, ip.addr.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, ip.addr.data(), buf, sizeof buf);
  }
  std::string out = buf;
  if (ip.prefix < 128) {
    out += "/" + std::to_string(v4 ? ip.prefix - 96 : ip.prefix);
  }
  return out;
}

} // namespace sg
