#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roombook::core {

/// The number of characters (code points) of `s` when it is valid UTF-8
/// without control characters (C0, DEL, C1); nullopt otherwise.
std::optional<std::size_t> printable_length(const std::string& s);

/// Whether `s` is valid UTF-8 (control characters allowed).
bool is_valid_utf8(std::string_view s);

/// Whether `s` is such text, of `min` to `max` characters.
bool is_text_of_length(const std::string& s, std::size_t min, std::size_t max);

/// The rule for a text field, in both services: UTF-8 without control
/// characters, `min` to `max` characters. Throws core::Error(invalid)
/// naming `field` ("firstname must be 1 to 100 characters of ...").
void check_text(const char* field, const std::string& value, std::size_t min, std::size_t max);

/// ASCII lower case, for names compared without case (HTTP headers).
std::string to_lower(std::string s);

/// An integer written the one canonical way: an optional '-', then decimal
/// digits without a leading zero ("0" itself, but not "-0", "007" or "+1"),
/// within int64. Nullopt for anything else, overflow included.
std::optional<std::int64_t> parse_integer(std::string_view text);

/// An id as written in a path or an argument: a canonical decimal number
/// from 1 to 9223372036854775807, digits only ("01", "+1", " 1" are not ids).
std::optional<std::int64_t> parse_id(std::string_view text);

/// Client input quoted in a message, cut to at most `max` bytes (at a
/// character boundary) with "..." and its full size after, so that an error
/// never echoes a huge value back.
std::string excerpt(std::string_view text, std::size_t max = 64);

}  // namespace roombook::core
