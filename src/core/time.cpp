#include "core/time.hpp"

#include <string_view>

#include <date/date.h>

namespace roombook::core {

namespace {

using namespace std::chrono;

const char* const kShapeError =
    "must be an RFC 3339 time with an offset, like 2026-03-01T09:00:00Z or "
    "2026-03-01T10:00:00+01:00";

/// The value of the `count` decimal digits at text[at], or -1 when the text
/// ends first or one of them is not a digit.
int digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_at(std::string_view text, std::size_t at, char c) {
  return at < text.size() && text[at] == c;
}

/// The fields of "YYYY-MM-DDThh:mm:ss[.fff](Z|+hh:mm|-hh:mm)", unchecked
/// beyond their shape.
struct Fields {
  int year, month, day, hour, minute, second;
  bool whole_second = true;  // no fraction, or one of zeros only
  int offset_minutes = 0;    // east of UTC
};

/// Scans `text` once, left to right: no backtracking, no recursion.
std::optional<Fields> scan(std::string_view text) {
  Fields f{};
  f.year = digits(text, 0, 4);
  f.month = digits(text, 5, 2);
  f.day = digits(text, 8, 2);
  f.hour = digits(text, 11, 2);
  f.minute = digits(text, 14, 2);
  f.second = digits(text, 17, 2);
  if (f.year < 0 || f.month < 0 || f.day < 0 || f.hour < 0 || f.minute < 0 || f.second < 0 ||
      !is_at(text, 4, '-') || !is_at(text, 7, '-') ||
      !(is_at(text, 10, 'T') || is_at(text, 10, 't')) || !is_at(text, 13, ':') ||
      !is_at(text, 16, ':')) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (is_at(text, at, '.')) {
    const std::size_t first = ++at;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      if (text[at] != '0') f.whole_second = false;
    }
    if (at == first) return std::nullopt;  // a '.' without digits
  }
  if (is_at(text, at, 'Z') || is_at(text, at, 'z')) {
    ++at;
  } else if (is_at(text, at, '+') || is_at(text, at, '-')) {
    const int hours = digits(text, at + 1, 2);
    const int minutes = digits(text, at + 4, 2);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || !is_at(text, at + 3, ':')) {
      return std::nullopt;
    }
    f.offset_minutes = (text[at] == '-' ? -1 : 1) * (hours * 60 + minutes);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;  // trailing text
  return f;
}

}  // namespace

SysSeconds now() { return floor<seconds>(system_clock::now()); }

void append_rfc3339(std::string& out, SysSeconds t) {
  // The calendar of <chrono>, not time_t and strftime (through
  // system_clock's nanoseconds, which overflow outside the years 1678-2262)
  // nor a stream, which costs an allocation and a locale per call.
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss clock{t - day};
  int year = static_cast<int>(ymd.year());
  char text[32];
  char* p = text;
  if (year < 0) {
    *p++ = '-';
    year = -year;
  }
  const auto digits = [&](unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    p += width;
  };
  int width = 4;
  for (int rest = year / 10000; rest > 0; rest /= 10) ++width;
  digits(static_cast<unsigned>(year), width);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.day()), 2);
  *p++ = 'T';
  digits(static_cast<unsigned>(clock.hours().count()), 2);
  *p++ = ':';
  digits(static_cast<unsigned>(clock.minutes().count()), 2);
  *p++ = ':';
  digits(static_cast<unsigned>(clock.seconds().count()), 2);
  *p++ = 'Z';
  out.append(text, static_cast<std::size_t>(p - text));
}

std::string format_rfc3339(SysSeconds t) {
  std::string out;
  append_rfc3339(out, t);
  return out;
}

std::optional<SysSeconds> parse_rfc3339(std::string_view text, std::string& error) {
  if (text.size() > kMaxRfc3339Length) {
    error = "is longer than " + std::to_string(kMaxRfc3339Length) +
            " characters; an RFC 3339 time is like 2026-03-01T09:00:00Z";
    return std::nullopt;
  }
  const auto f = scan(text);
  if (!f) {
    error = kShapeError;
    return std::nullopt;
  }
  const year_month_day date{year(f->year), month(static_cast<unsigned>(f->month)),
                            day(static_cast<unsigned>(f->day))};
  if (!date.ok() || f->hour > 23 || f->minute > 59 || f->second > 60) {
    error = "is not a valid RFC 3339 time: no such date or time of day";
    return std::nullopt;
  }
  if (f->second == 60) {
    error = "is a leap second (:60), which is not accepted here: use :59 or the next minute";
    return std::nullopt;
  }
  if (!f->whole_second) {
    error = "must be a whole second";
    return std::nullopt;
  }
  const SysSeconds utc = sys_days(date) + hours(f->hour) + minutes(f->minute) + seconds(f->second) -
                         minutes(f->offset_minutes);
  // Only four-digit years format back as RFC 3339, and only they keep the
  // text order of stored times the order of the instants.
  constexpr SysSeconds kFirst = sys_days(year(1) / January / 1);
  constexpr SysSeconds kLast =
      sys_days(year(9999) / December / 31) + hours(23) + minutes(59) + seconds(59);
  if (utc < kFirst || utc > kLast) {
    error = "is outside the years 0001 to 9999 (in UTC)";
    return std::nullopt;
  }
  return utc;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  // At most 9 digits: far beyond any timeout, and no overflow below.
  if (digits == 0 || digits > 9) return std::nullopt;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < digits; ++i) n = n * 10 + (text[i] - '0');
  const auto unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::seconds(n);
  if (unit == "m") return std::chrono::minutes(n);
  return std::nullopt;
}

}  // namespace roombook::core
