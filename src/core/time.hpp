#pragma once

#include <chrono>
#include <string>

namespace roombook::core {

using SysSeconds = std::chrono::sys_seconds;

/// The current time, truncated to whole seconds.
SysSeconds now();

/// RFC 3339 in UTC with a `Z`: 2026-11-29T21:14:17Z.
std::string format_rfc3339(SysSeconds t);

}  // namespace roombook::core
