// Byte-string helpers of the matcher: ASCII lower-casing (what `nocase`
// means) and `like` patterns.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sg::match::text {

inline constexpr std::array<uint8_t, 256> kLower = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned i = 0; i < 256; ++i) {
    t[i] = uint8_t(i >= 'A' && i <= 'Z' ? i + ('a' - 'A') : i);
  }
  return t;
}();

// Appends `in`, lower-cased, to `out`.
inline void lower_into(std::string_view in, std::string& out) {
  size_t at = out.size();
  out.append(in);
  for (size_t i = at; i < out.size(); ++i) {
    out[i] = char(kLower[uint8_t(out[i])]);
  }
}

inline std::string lowered(std::string_view s) {
  std::string out;
  lower_into(s, out);
  return out;
}

// A `like` pattern, compiled: its text with escapes removed, and for each
// byte of the text what it is.
inline constexpr char kGlobLit = 'l';
inline constexpr char kGlobStar = '*';
inline constexpr char kGlobOne = '?';

// `\` makes the next byte literal; a `\` at the very end is itself.
inline void compile_glob(std::string_view pattern, std::string& text,
                         std::string& kinds) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      text += pattern[++i];
      kinds += kGlobLit;
    } else {
      text += c;
      kinds += c == '*' ? kGlobStar : c == '?' ? kGlobOne : kGlobLit;
    }
  }
}

// Whether `s` matches the whole compiled pattern: `*` any run of bytes,
// `?` one byte. Greedy, backtracking to the last star: at worst
// O(pattern * value), never exponential.
inline bool glob_match(std::string_view text, std::string_view kinds,
                       std::string_view s) {
  size_t p = 0;
  size_t i = 0;
  size_t star = std::string_view::npos;
  size_t mark = 0;
  while (i < s.size()) {
    if (p < text.size() && kinds[p] == kGlobStar) {
      star = p++;
      mark = i;
    } else if (p < text.size() && (kinds[p] == kGlobOne || text[p] == s[i])) {
      ++p;
      ++i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < text.size() && kinds[p] == kGlobStar) {
    ++p;
  }
  return p == text.size();
}

} // namespace sg::match::text
