#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace roombook::core {

/// The number of characters (code points) of `s` when it is valid UTF-8
/// without control characters (C0, DEL, C1); nullopt otherwise.
std::optional<std::size_t> printable_length(const std::string& s);

/// Whether `s` is valid UTF-8 (control characters allowed).
bool is_valid_utf8(const std::string& s);

/// Whether `s` is such text, of `min` to `max` characters.
bool is_text_of_length(const std::string& s, std::size_t min, std::size_t max);

/// ASCII lower case, for names compared without case (HTTP headers).
std::string to_lower(std::string s);

/// An id as written in a path or an argument: decimal digits only, > 0.
std::optional<std::int64_t> parse_id(const std::string& text);

}  // namespace roombook::core
