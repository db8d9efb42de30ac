#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace roombook::core {

using SysSeconds = std::chrono::sys_seconds;

/// The current time, truncated to whole seconds.
SysSeconds now();

/// RFC 3339 in UTC with a `Z`: 2026-11-29T21:14:17Z.
std::string format_rfc3339(SysSeconds t);

/// Parses an RFC 3339 date-time with its offset ("Z" or "+02:00") into UTC.
/// Refuses, with the reason in `error`, an impossible date (2026-02-30), a
/// missing offset, trailing text, and fractions of a second other than zero:
/// times here are to the second.
std::optional<SysSeconds> parse_rfc3339(const std::string& text, std::string& error);

}  // namespace roombook::core
