#include "core/text.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace roombook::core {

namespace {

/// Decodes the code point at s[i], setting its length; nullopt for bytes that
/// are not UTF-8 (overlong forms, surrogates, past U+10FFFF, truncated).
std::optional<std::uint32_t> decode(const std::string& s, std::size_t i, std::size_t& len) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::uint32_t cp = 0;
  if (c < 0x80) {
    cp = c, len = 1;
  } else if ((c & 0xE0) == 0xC0) {
    cp = c & 0x1F, len = 2;
  } else if ((c & 0xF0) == 0xE0) {
    cp = c & 0x0F, len = 3;
  } else if ((c & 0xF8) == 0xF0) {
    cp = c & 0x07, len = 4;
  } else {
    return std::nullopt;
  }
  if (i + len > s.size()) return std::nullopt;
  for (std::size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return cp;
}

}  // namespace

bool is_valid_utf8(const std::string& s) {
  std::size_t len = 0;
  for (std::size_t i = 0; i < s.size(); i += len) {
    if (!decode(s, i, len)) return false;
  }
  return true;
}

std::optional<std::size_t> printable_length(const std::string& s) {
  std::size_t count = 0;
  std::size_t len = 0;
  for (std::size_t i = 0; i < s.size(); i += len, ++count) {
    auto cp = decode(s, i, len);
    if (!cp || *cp < 0x20 || *cp == 0x7F || (*cp >= 0x80 && *cp <= 0x9F)) return std::nullopt;
  }
  return count;
}

bool is_text_of_length(const std::string& s, std::size_t min, std::size_t max) {
  auto length = printable_length(s);
  return length && *length >= min && *length <= max;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  std::int64_t id = 0;
  // from_chars would take a sign; an id is digits only.
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  std::from_chars(text.data(), text.data() + text.size(), id);
  if (id <= 0) return std::nullopt;
  return id;
}

std::string to_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace roombook::core
