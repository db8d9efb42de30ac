#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace roombook::core {

using SysSeconds = std::chrono::sys_seconds;

/// The current time, truncated to whole seconds.
SysSeconds now();

/// RFC 3339 in UTC with a `Z`: 2026-11-29T21:14:17Z.
std::string format_rfc3339(SysSeconds t);
/// The same, appended to `out`, with no allocation of its own.
void append_rfc3339(std::string& out, SysSeconds t);

/// The longest text parse_rfc3339 reads; longer input is refused unread.
/// 2026-03-01T10:00:00+01:00 is 25 characters.
inline constexpr std::size_t kMaxRfc3339Length = 64;

/// Parses an RFC 3339 date-time with its offset ("Z" or "+02:00") into UTC.
/// Refuses, with the reason in `error`, text longer than kMaxRfc3339Length, an
/// impossible date (2026-02-30), a leap second, a missing offset, trailing
/// text, fractions of a second other than zero (times here are to the
/// second), and instants outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z.
/// Runs in time and stack bounded by that length.
std::optional<SysSeconds> parse_rfc3339(std::string_view text, std::string& error);

/// A duration as written in a setting or a flag: digits and a unit, "ms",
/// "s" or "m" (500ms, 2s, 1m). Nullopt for anything else, a bare number
/// included: the unit is never guessed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace roombook::core
