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
  // parse_rfc3339 accepts years 0001 to 9999, so these can reach format.
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

namespace {

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

}  // namespace

TEST_CASE("core parse_rfc3339: a huge fraction is refused by its length, without a crash",
          "[core][time]") {
  // A regex with (\.\d+)? recursed once per digit: 30,000 of them
  // overflowed a server thread's stack.
  const std::string huge = "2030-01-01T10:00:00." + repeat('1', 30000) + "Z";
  CHECK(parsed(huge) ==
        "error: is longer than 64 characters; an RFC 3339 time is like 2026-03-01T09:00:00Z");
  CHECK(parsed("2030-01-01T10:00:00." + repeat('0', 30000) + "Z") == parsed(huge));
}

TEST_CASE("core parse_rfc3339: 64 characters are read, 65 refused unread", "[core][time]") {
  const std::string longest = "2026-03-01T09:00:00." + repeat('0', 43) + "Z";
  REQUIRE(longest.size() == 64);
  CHECK(parsed(longest) == "2026-03-01T09:00:00Z");
  const std::string too_long = "2026-03-01T09:00:00." + repeat('0', 44) + "Z";
  REQUIRE(too_long.size() == 65);
  CHECK_THAT(parsed(too_long), Catch::StartsWith("error: is longer than 64 characters"));
  // Refused before its shape is read: 65 characters of anything.
  CHECK_THAT(parsed(repeat('x', 65)), Catch::StartsWith("error: is longer than 64 characters"));
}

TEST_CASE("core parse_rfc3339: the UTC instant must fall in the years 0001 to 9999",
          "[core][time]") {
  const std::string outside = "error: is outside the years 0001 to 9999 (in UTC)";
  // Would be stored as 10000-01-01T01:00:00Z, which is not RFC 3339 and sorts
  // before 2026 as text.
  CHECK(parsed("9999-12-31T20:00:00-05:00") == outside);
  CHECK(parsed("9999-12-31T23:59:59-00:01") == outside);
  CHECK(parsed("0000-01-01T00:00:00Z") == outside);
  CHECK(parsed("0000-12-31T23:59:59Z") == outside);
  CHECK(parsed("0001-01-01T00:30:00+01:00") == outside);
  // The boundaries themselves, written in UTC or with an offset.
  CHECK(parsed("0001-01-01T00:00:00Z") == "0001-01-01T00:00:00Z");
  CHECK(parsed("0001-01-01T01:00:00+01:00") == "0001-01-01T00:00:00Z");
  CHECK(parsed("0000-12-31T23:00:00-01:00") == "0001-01-01T00:00:00Z");
  CHECK(parsed("9999-12-31T23:59:59Z") == "9999-12-31T23:59:59Z");
  CHECK(parsed("9999-12-31T18:59:59-05:00") == "9999-12-31T23:59:59Z");
  CHECK(parsed("10000-01-01T00:00:00Z") ==
        "error: must be an RFC 3339 time with an offset, like 2026-03-01T09:00:00Z or "
        "2026-03-01T10:00:00+01:00");
}

TEST_CASE("core parse_rfc3339: upper- or lower-case T and Z", "[core][time]") {
  for (const std::string text :
       {"2026-03-01T10:00:00Z", "2026-03-01t10:00:00Z", "2026-03-01T10:00:00z",
        "2026-03-01t10:00:00z", "2026-03-01t11:00:00+01:00"}) {
    INFO(text);
    CHECK(parsed(text) == "2026-03-01T10:00:00Z");
  }
}

TEST_CASE("core parse_rfc3339: every malformed shape gets the shape message", "[core][time]") {
  for (const std::string text :
       {"2026-3-01T10:00:00Z",        "2026-03-1T10:00:00Z",        "2026-03-01T1:00:00Z",
        "2026-03-01T10:0:00Z",        "2026-03-01T10:00:0Z",        "226-03-01T10:00:00Z",
        "+2026-03-01T10:00:00Z",      "-2026-03-01T10:00:00Z",      "-026-03-01T10:00:00Z",
        "2026-03-01T10:00:00+24:00",  "2026-03-01T10:00:00-24:00",  "2026-03-01T10:00:00+01:60",
        "2026-03-01T10:00:00+1:00",   "2026-03-01T10:00:00+01:0",   "2026-03-01T10:00:00+01-00",
        "2026-03-01T10:00:00+",       "2026-03-01T10:00:00",        "2026-03-01T10:00:00.000",
        "2026-03-01T10:00:00.Z",      "2026-03-01T10:00:00.+01:00", "2026-03-01T10:00:00.0.0Z",
        "2026-03-01T10:00:00Zz",      "2026-03-01T10:00:00Z ",      "2026-03-01T10:00:00+01:00:00",
        "2026-03-01T10:00:00+01:00Z", " 2026-03-01T10:00:00Z",      "2026/03/01T10:00:00Z",
        "2026-03-01T10-00-00Z",       "2026-03-01T10:00:00UTC",     "2026-03-01T10:00:00 Z",
        "2026-03-01T-1:00:00Z"}) {
    INFO(text);
    CHECK(parsed(text) ==
          "error: must be an RFC 3339 time with an offset, like 2026-03-01T09:00:00Z or "
          "2026-03-01T10:00:00+01:00");
  }
  // A NUL byte is not a digit either.
  CHECK_THAT(parsed(std::string("2026-03-01T10:00:00\0Z", 21)),
             Catch::StartsWith("error: must be an RFC 3339 time"));
}

TEST_CASE("core parse_rfc3339: calendar dates and times of day are checked", "[core][time]") {
  const std::string invalid = "error: is not a valid RFC 3339 time: no such date or time of day";
  for (const std::string text :
       {"2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
        "2026-00-01T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z",
        "2026-03-01T24:00:00Z", "2026-03-01T23:60:00Z", "2026-03-01T23:59:61Z",
        "2026-03-01T99:99:99Z"}) {
    INFO(text);
    CHECK(parsed(text) == invalid);
  }
  CHECK(parsed("2024-02-29T00:00:00Z") == "2024-02-29T00:00:00Z");
  CHECK(parsed("2000-02-29T00:00:00Z") == "2000-02-29T00:00:00Z");
  CHECK(parsed("2026-01-31T23:59:59Z") == "2026-01-31T23:59:59Z");
  CHECK(parsed("2026-12-31T23:59:59+00:00") == "2026-12-31T23:59:59Z");
  CHECK(parsed("2026-03-01T00:00:00-23:59") == "2026-03-01T23:59:00Z");
  CHECK(parsed("2026-03-01T00:00:00+23:59") == "2026-02-28T00:01:00Z");
}

TEST_CASE("core parse_rfc3339: a leap second is refused, saying so", "[core][time]") {
  // RFC 3339 allows :60 at the end of a June or December; bookings are to
  // the second of a clock without one.
  for (const std::string text :
       {"2016-12-31T23:59:60Z", "2016-12-31T23:59:60.000Z", "2017-01-01T00:59:60+01:00"}) {
    INFO(text);
    CHECK_THAT(parsed(text), Catch::StartsWith("error: is a leap second (:60)"));
  }
}

TEST_CASE("core parse_rfc3339: any fraction of zeros is a whole second", "[core][time]") {
  CHECK(parsed("2026-03-01T09:00:00.0Z") == "2026-03-01T09:00:00Z");
  CHECK(parsed("2026-03-01T09:00:00.000000000+01:00") == "2026-03-01T08:00:00Z");
  CHECK(parsed("2026-03-01T09:00:00.0000000001Z") == "error: must be a whole second");
  CHECK(parsed("2026-03-01T09:00:00.9Z") == "error: must be a whole second");
}
