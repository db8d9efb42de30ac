// Fuzzes core::parse_rfc3339 and core::parse_duration (src/core/time.hpp):
// times in JSON bodies and query strings, durations in settings.
//
// Checked beside the sanitizers:
// - a time that parses formats back (format_rfc3339) to text that parses to
//   the same instant, 20 characters with a Z; a refusal always says why;
// - text longer than kMaxRfc3339Length is refused;
// - a duration that parses is 1-9 digits and "ms", "s" or "m", and its value
//   is what those digits say.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace {

using roombook::core::format_rfc3339;
using roombook::core::parse_duration;
using roombook::core::parse_rfc3339;

void check_time(std::string_view text) {
  std::string error;
  const auto t = parse_rfc3339(text, error);
  if (!t) {
    if (error.empty()) __builtin_trap();
    return;
  }
  if (text.size() > roombook::core::kMaxRfc3339Length) __builtin_trap();
  const std::string formatted = format_rfc3339(*t);
  if (formatted.size() != 20 || formatted.back() != 'Z') __builtin_trap();
  std::string again_error;
  const auto again = parse_rfc3339(formatted, again_error);
  if (!again || *again != *t) __builtin_trap();
  if (format_rfc3339(*again) != formatted) __builtin_trap();
}

void check_duration(std::string_view text) {
  const auto d = parse_duration(text);
  if (!d) return;
  std::size_t digits = 0;
  std::int64_t n = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    n = n * 10 + (text[digits] - '0');
    ++digits;
  }
  if (digits == 0 || digits > 9) __builtin_trap();
  const std::string_view unit = text.substr(digits);
  const std::int64_t factor = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60000 : 0;
  if (factor == 0 || d->count() != n * factor) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_time(text);
  check_duration(text);
  return 0;
}
