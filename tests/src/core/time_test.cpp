// format_rfc3339: what every created_at and updated_at looks like.

#include <chrono>
#include <regex>

#include <catch2/catch.hpp>

#include "core/time.hpp"

using roombook::core::format_rfc3339;
using roombook::core::parse_rfc3339;
using roombook::core::SysSeconds;
using namespace std::chrono;

namespace {

SysSeconds at(year_month_day day, hours h = hours(0), minutes m = minutes(0),
              seconds s = seconds(0)) {
  return sys_days(day) + h + m + s;
}

}  // namespace

TEST_CASE("core format_rfc3339: the epoch", "[core][time]") {
  CHECK(format_rfc3339(SysSeconds(seconds(0))) == "1970-01-01T00:00:00Z");
}

TEST_CASE("core format_rfc3339: a leap day", "[core][time]") {
  CHECK(format_rfc3339(at(2024y / February / 29, hours(23), minutes(59), seconds(59))) ==
        "2024-02-29T23:59:59Z");
  CHECK(format_rfc3339(at(2000y / February / 29)) == "2000-02-29T00:00:00Z");
  // The second after a leap day is March 1st.
  CHECK(format_rfc3339(at(2024y / February / 29, hours(23), minutes(59), seconds(59)) +
                       seconds(1)) == "2024-03-01T00:00:00Z");
}

TEST_CASE("core format_rfc3339: zero-padded fields and a four-digit year", "[core][time]") {
  CHECK(format_rfc3339(at(2026y / November / 29, hours(21), minutes(14), seconds(17))) ==
        "2026-11-29T21:14:17Z");
  CHECK(format_rfc3339(at(2001y / January / 2, hours(3), minutes(4), seconds(5))) ==
        "2001-01-02T03:04:05Z");
  // Past 2038: time_t is 64 bits here.
  CHECK(format_rfc3339(at(2100y / December / 31, hours(12))) == "2100-12-31T12:00:00Z");
}

TEST_CASE("core format_rfc3339: now() formats as RFC 3339 UTC", "[core][time]") {
  const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  CHECK(std::regex_match(format_rfc3339(roombook::core::now()), rfc3339));
}

namespace {

/// The parsed instant, formatted back; or "error: <reason>".
std::string parsed(const std::string& text) {
  std::string error;
  const auto t = parse_rfc3339(text, error);
  return t ? format_rfc3339(*t) : "error: " + error;
}

}  // namespace

TEST_CASE("core parse_rfc3339: UTC and offsets, converted to UTC", "[core][time]") {
  CHECK(parsed("1970-01-01T00:00:00Z") == "1970-01-01T00:00:00Z");
  CHECK(parsed("2026-03-01T09:00:00Z") == "2026-03-01T09:00:00Z");
  CHECK(parsed("2026-03-01T09:00:00z") == "2026-03-01T09:00:00Z");
  CHECK(parsed("2026-03-01t09:00:00Z") == "2026-03-01T09:00:00Z");
  CHECK(parsed("2026-03-01T10:00:00+01:00") == "2026-03-01T09:00:00Z");
  CHECK(parsed("2026-03-01T04:30:00-04:30") == "2026-03-01T09:00:00Z");
  // An offset that crosses midnight and a leap day.
  CHECK(parsed("2024-03-01T01:00:00+02:00") == "2024-02-29T23:00:00Z");
  CHECK(parsed("2024-02-29T12:00:00Z") == "2024-02-29T12:00:00Z");
  // A zero fraction is a whole second.
  CHECK(parsed("2026-03-01T09:00:00.000Z") == "2026-03-01T09:00:00Z");
}

TEST_CASE("core parse_rfc3339: round-trips format_rfc3339", "[core][time]") {
  for (const auto t : {SysSeconds(seconds(0)), at(2024y / February / 29, hours(23)),
                       at(2026y / November / 29, hours(21), minutes(14), seconds(17))}) {
    std::string error;
    CHECK(parse_rfc3339(format_rfc3339(t), error) == std::optional<SysSeconds>(t));
  }
}

TEST_CASE("core parse_rfc3339: refuses what is not a real RFC 3339 time, saying why",
          "[core][time]") {
  for (const std::string text : {"2026-03-01T09:00:00", "2026-03-01 09:00:00", "2026-03-01", "",
                                 "Z", "2026-03-01T09:00:00+0100", "2026-03-01X09:00:00Z",
                                 "tomorrow at 9+01:00", "2026-03-01T09:00:00Z trailing"}) {
    INFO(text);
    CHECK_THAT(parsed(text), Catch::StartsWith("error: must be an RFC 3339 time with an offset"));
  }
  for (const std::string text :
       {"2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-03-01T25:00:00Z", "2026-03-01T09:60:00Z"}) {
    INFO(text);
    CHECK_THAT(parsed(text), Catch::StartsWith("error: is not a valid RFC 3339 time"));
  }
  CHECK(parsed("2026-03-01T09:00:00.5Z") == "error: must be a whole second");
}

TEST_CASE("core format_rfc3339: instants outside system_clock's nanosecond range", "[core][time]") {
  // parse_rfc3339 accepts years 0000 to 9999, so these can reach format.
  CHECK(format_rfc3339(at(2300y / January / 1)) == "2300-01-01T00:00:00Z");
  CHECK(format_rfc3339(at(9999y / December / 31, hours(23), minutes(59), seconds(59))) ==
        "9999-12-31T23:59:59Z");
  CHECK(format_rfc3339(at(1600y / March / 1)) == "1600-03-01T00:00:00Z");
}

TEST_CASE("core parse_rfc3339: refuses out-of-range offsets and fields that are not two digits",
          "[core][time]") {
  // RFC 3339 5.6: time-numoffset hours are 00-23 and minutes 00-59; every
  // date and time field has a fixed width; a '.' is followed by digits.
  for (const std::string text : {"2026-03-01T09:00:00+25:00", "2026-03-01T09:00:00+01:60",
                                 "2026-3-1T9:0:0Z", "2026-03-01T09:00:00.Z"}) {
    INFO(text << " -> " << parsed(text));
    CHECK_THAT(parsed(text), Catch::StartsWith("error: "));
  }
}
