#include "core/time.hpp"

#include <regex>
#include <sstream>

#include <date/date.h>

namespace roombook::core {

SysSeconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string format_rfc3339(SysSeconds t) {
  // date::format, not time_t and strftime: those go through system_clock's
  // nanoseconds, which overflow outside the years 1678-2262.
  return date::format("%FT%TZ", t);
}

// date::parse, inlined at -O2, makes g++ 12 see a field of its parser state
// as "maybe uninitialized" (a false positive inside the library); silence
// that one warning for this function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
std::optional<SysSeconds> parse_rfc3339(const std::string& text, std::string& error) {
  // The shape first: date::parse alone also takes one-digit fields, a signed
  // year and offsets like +24:00.
  static const std::regex kShape(
      R"(\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d))");
  if (!std::regex_match(text, kShape)) {
    error =
        "must be an RFC 3339 time with an offset, like 2026-03-01T09:00:00Z or "
        "2026-03-01T10:00:00+01:00";
    return std::nullopt;
  }
  // date::parse's %Ez wants "+hh:mm" where RFC 3339 also allows "Z", and
  // RFC 3339 allows a lower-case "t" and "z".
  std::string input = text;
  input[10] = 'T';
  if (input.back() == 'Z' || input.back() == 'z') input.replace(input.size() - 1, 1, "+00:00");
  std::istringstream in(input);
  date::sys_time<std::chrono::milliseconds> parsed;
  in >> date::parse("%FT%T%Ez", parsed);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
    error = "is not a valid RFC 3339 time: no such date or time of day";
    return std::nullopt;
  }
  auto seconds = std::chrono::floor<std::chrono::seconds>(parsed);
  if (seconds != parsed) {
    error = "must be a whole second";
    return std::nullopt;
  }
  return seconds;
}
#pragma GCC diagnostic pop

}  // namespace roombook::core
