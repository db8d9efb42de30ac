#include "core/text.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

#include "core/error.hpp"

namespace roombook::core {

namespace {

/// Decodes the code point at s[i], setting its length; nullopt for bytes that
/// are not UTF-8 (overlong forms, surrogates, past U+10FFFF, truncated).
std::optional<std::uint32_t> decode(std::string_view s, std::size_t i, std::size_t& len) {
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

bool is_valid_utf8(std::string_view s) {
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

void check_text(const char* field, const std::string& value, std::size_t min, std::size_t max) {
  if (!is_valid_utf8(value)) throw invalid(field, std::string(field) + " is not valid UTF-8");
  if (!is_text_of_length(value, min, max)) {
    throw invalid(field, std::string(field) + " must be " +
                             (min == 0 ? "at most " + std::to_string(max)
                                       : std::to_string(min) + " to " + std::to_string(max)) +
                             " characters of UTF-8 text without control characters");
  }
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  const bool negative = !text.empty() && text.front() == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  // 19 digits hold every int64; from_chars would also take "007" and "-0".
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  if (digits.front() == '0' && (digits.size() > 1 || negative)) return std::nullopt;
  std::uint64_t magnitude = 0;  // below 10^19 < 2^64: cannot overflow
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    magnitude = magnitude * 10 + static_cast<std::uint64_t>(c - '0');
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return std::nullopt;
  // -(kMax + 1) is INT64_MIN, which has no positive counterpart to negate.
  return negative ? -static_cast<std::int64_t>(magnitude - 1) - 1
                  : static_cast<std::int64_t>(magnitude);
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  if (!text.empty() && text.front() == '-') return std::nullopt;
  const auto id = parse_integer(text);
  if (!id || *id < 1) return std::nullopt;
  return id;
}

std::string to_lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string excerpt(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max;
  // Back up to the start of a UTF-8 character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace roombook::core
