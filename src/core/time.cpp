#include "core/time.hpp"

#include <ctime>
#include <sstream>

#include <date/date.h>

namespace roombook::core {

SysSeconds now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string format_rfc3339(SysSeconds t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<SysSeconds> parse_rfc3339(const std::string& text, std::string& error) {
  // date::parse's %Ez wants "+hh:mm"; RFC 3339 also allows "Z" for UTC.
  std::string input = text;
  if (!input.empty() && (input.back() == 'Z' || input.back() == 'z')) {
    input.replace(input.size() - 1, 1, "+00:00");
  }
  const bool has_offset = input.size() > 6 &&
                          (input[input.size() - 6] == '+' || input[input.size() - 6] == '-') &&
                          input[input.size() - 3] == ':';
  if (!has_offset) {
    error =
        "must be an RFC 3339 time with an offset, like 2026-03-01T09:00:00Z or "
        "2026-03-01T10:00:00+01:00";
    return std::nullopt;
  }
  std::istringstream in(input);
  date::sys_time<std::chrono::milliseconds> parsed;
  in >> date::parse("%FT%T%Ez", parsed);
  if (in.fail() || in.peek() != std::char_traits<char>::eof()) {
    error = "is not a valid RFC 3339 time (YYYY-MM-DDTHH:MM:SS with an offset, on a real date)";
    return std::nullopt;
  }
  auto seconds = std::chrono::floor<std::chrono::seconds>(parsed);
  if (seconds != parsed) {
    error = "must be a whole second";
    return std::nullopt;
  }
  return seconds;
}

}  // namespace roombook::core
