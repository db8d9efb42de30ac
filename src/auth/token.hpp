#pragma once

// Bearer tokens as roombook makes them: "rbk_" and 43 characters of
// base64url, 32 bytes from the operating system's random source. Only the
// SHA-256 of a token is stored; its first characters (the prefix) may be
// shown, so that logs and listings can tell tokens apart.

#include <cstddef>
#include <string>
#include <string_view>

namespace roombook::auth {

/// How many characters of a token are its prefix: "rbk_" and 8 more.
inline constexpr std::size_t kPrefixLength = 12;

/// A new token. Throws std::runtime_error if the random source fails.
std::string new_token();

/// Whether `text` has the shape of a token new_token() makes.
bool looks_like_token(std::string_view text);

/// The first kPrefixLength characters.
std::string prefix_of(std::string_view token);

/// SHA-256 of the token, as 64 lower-case hexadecimal digits.
std::string token_hash(std::string_view token);

/// Whether two strings are equal, in a time that depends on their length
/// only, never on where they differ.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace roombook::auth
