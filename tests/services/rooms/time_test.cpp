// Times as clients write them: core::parse_rfc3339, and rooms::parse_time,
// which names the offending field in the core::Error it throws.

#include <string>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "rooms/model.hpp"
#include "test_support.hpp"

using namespace roombook;
using roombook::rooms::test::error_of;
using roombook::rooms::test::mentions;

namespace {

/// The UTC text of what `text` parses to, or "refused: <reason>".
std::string utc(const std::string& text) {
  std::string error;
  const auto t = core::parse_rfc3339(text, error);
  if (!t) return "refused: " + error;
  return core::format_rfc3339(*t);
}

bool refused(const std::string& text) {
  std::string error;
  const bool bad = !core::parse_rfc3339(text, error);
  // A refusal always says why.
  if (bad) CHECK_FALSE(error.empty());
  return bad;
}

}  // namespace

TEST_CASE("rooms parse_rfc3339: Z and numeric offsets are converted to UTC", "[rooms][time]") {
  CHECK(utc("2026-03-01T09:00:00Z") == "2026-03-01T09:00:00Z");
  CHECK(utc("2026-03-01T09:00:00+00:00") == "2026-03-01T09:00:00Z");
  CHECK(utc("2026-03-01T10:00:00+02:00") == "2026-03-01T08:00:00Z");
  CHECK(utc("2026-03-01T07:30:00-01:30") == "2026-03-01T09:00:00Z");
  CHECK(utc("2026-03-01T14:45:00+05:45") == "2026-03-01T09:00:00Z");
  // An offset moves the date too.
  CHECK(utc("2026-03-01T23:30:00-01:00") == "2026-03-02T00:30:00Z");
  CHECK(utc("2026-03-01T00:30:00+01:00") == "2026-02-28T23:30:00Z");
}

TEST_CASE("rooms parse_rfc3339: a lower-case z is UTC", "[rooms][time]") {
  CHECK(utc("2026-03-01T09:00:00z") == "2026-03-01T09:00:00Z");
}

// RFC 3339 section 5.6: "T" and "Z" may alternatively be lower case. The
// parser accepts "z" but not "t".
TEST_CASE("rooms parse_rfc3339: a lower-case t separator is accepted", "[rooms][time][bug]") {
  CHECK(utc("2026-03-01t09:00:00Z") == "2026-03-01T09:00:00Z");
  CHECK(utc("2026-03-01t09:00:00z") == "2026-03-01T09:00:00Z");
}

TEST_CASE("rooms parse_rfc3339: impossible dates and times are refused", "[rooms][time]") {
  CHECK(refused("2026-02-30T09:00:00Z"));
  CHECK(refused("2026-04-31T09:00:00Z"));
  CHECK(refused("2026-13-01T09:00:00Z"));
  CHECK(refused("2026-00-10T09:00:00Z"));
  CHECK(refused("2026-03-00T09:00:00Z"));
  CHECK(refused("2026-03-01T25:00:00Z"));
  CHECK(refused("2026-03-01T24:00:00Z"));
  CHECK(refused("2026-03-01T09:60:00Z"));
  CHECK(refused("2026-03-01T09:00:60Z"));
}

TEST_CASE("rooms parse_rfc3339: a leap day exists only in leap years", "[rooms][time]") {
  CHECK(utc("2028-02-29T00:00:00Z") == "2028-02-29T00:00:00Z");
  CHECK(utc("2000-02-29T12:00:00Z") == "2000-02-29T12:00:00Z");
  CHECK(refused("2026-02-29T00:00:00Z"));
  CHECK(refused("2100-02-29T00:00:00Z"));  // divisible by 100, not by 400
}

TEST_CASE("rooms parse_rfc3339: a time without an offset is refused", "[rooms][time]") {
  std::string error;
  CHECK_FALSE(core::parse_rfc3339("2026-03-01T09:00:00", error));
  CHECK_THAT(error, mentions("offset"));
  CHECK(refused("2026-03-01"));
  CHECK(refused("2026-03-01T09:00"));
  CHECK(refused("2026-03-01T09:00:00+0200"));
  CHECK(refused(""));
}

TEST_CASE("rooms parse_rfc3339: trailing or stray text is refused", "[rooms][time]") {
  CHECK(refused("2026-03-01T09:00:00Zx"));
  CHECK(refused("2026-03-01T09:00:00Z "));
  CHECK(refused(" 2026-03-01T09:00:00Z"));
  CHECK(refused("2026-03-01T09:00:00+00:00x"));
  CHECK(refused("2026-03-01T09:00:00+02:00Z"));
  CHECK(refused("2026-03-01T09:00:00abc+00:00"));
  CHECK(refused("2026-03-01X09:00:00Z"));
  CHECK(refused("tomorrow at nine"));
}

TEST_CASE("rooms parse_rfc3339: a zero fraction is accepted, any other fraction refused",
          "[rooms][time]") {
  CHECK(utc("2026-03-01T09:00:00.000Z") == "2026-03-01T09:00:00Z");
  CHECK(utc("2026-03-01T09:00:00.000+01:00") == "2026-03-01T08:00:00Z");
  std::string error;
  CHECK_FALSE(core::parse_rfc3339("2026-03-01T09:00:00.5Z", error));
  CHECK_THAT(error, mentions("whole second"));
  CHECK(refused("2026-03-01T09:00:00.001Z"));
  CHECK(refused("2026-03-01T09:00:00.999Z"));
}

TEST_CASE("rooms format_rfc3339: parse and format round trip", "[rooms][time]") {
  for (const std::string text :
       {"2026-03-01T09:00:00Z", "2026-12-31T23:59:59Z", "2028-02-29T00:00:00Z",
        "1970-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "2099-07-04T12:34:56Z"}) {
    CAPTURE(text);
    CHECK(utc(text) == text);
  }
  // And from an instant: formatting then parsing gives it back.
  const auto now = core::now();
  CHECK(rooms::test::at(core::format_rfc3339(now)) == now);
}

// Every year 0001-9999 parses, but format_rfc3339 goes through
// system_clock::to_time_t, whose nanosecond time_point overflows outside
// 1677-09-21..2262-04-11: the text written back names another date.
TEST_CASE("rooms format_rfc3339: round trip outside 1678-2262", "[rooms][time][bug]") {
  CHECK(utc("2262-04-11T23:47:16Z") == "2262-04-11T23:47:16Z");  // still fine
  CHECK(utc("2262-04-11T23:47:17Z") == "2262-04-11T23:47:17Z");
  CHECK(utc("2300-01-01T09:00:00Z") == "2300-01-01T09:00:00Z");
  CHECK(utc("9999-12-31T23:59:59Z") == "9999-12-31T23:59:59Z");
  CHECK(utc("1600-01-01T00:00:00Z") == "1600-01-01T00:00:00Z");
}

TEST_CASE("rooms parse_time: names the field in the error's field() and message", "[rooms][time]") {
  CHECK(rooms::parse_time("starts_at", "2026-03-01T10:00:00+02:00") ==
        rooms::test::at("2026-03-01T08:00:00Z"));

  for (const std::string bad : {"2026-02-30T09:00:00Z", "2026-03-01T09:00:00",
                                "2026-03-01T09:00:00.5Z", "2026-03-01T09:00:00Z!"}) {
    CAPTURE(bad);
    const auto e = error_of([&] { rooms::parse_time("ends_at", bad); });
    CHECK(e.kind() == core::ErrorKind::invalid);
    CHECK(e.field() == "ends_at");
    CHECK_THAT(std::string(e.what()), mentions("ends_at"));
    // The message quotes what the client sent.
    CHECK_THAT(std::string(e.what()), mentions(bad));
  }
}

TEST_CASE("rooms parse_time: hostile and out-of-range times are refused naming the field",
          "[rooms][time]") {
  // 30,000 digits of fraction once crashed the server through a recursive
  // std::regex.
  const std::string huge = "2030-01-01T10:00:00." + std::string(30000, '1') + "Z";
  auto e = error_of([&] { rooms::parse_time("from", huge); });
  CHECK(e.kind() == core::ErrorKind::invalid);
  CHECK(e.field() == "from");
  CHECK_THAT(std::string(e.what()), mentions("longer than 64 characters"));

  // Past 9999 in UTC: the stored text would be 10000-01-01T01:00:00Z.
  e = error_of([&] { rooms::parse_time("ends_at", "9999-12-31T20:00:00-05:00"); });
  CHECK(e.field() == "ends_at");
  CHECK_THAT(std::string(e.what()), mentions("outside the years 0001 to 9999"));
  e = error_of([&] { rooms::parse_time("starts_at", "0001-01-01T00:30:00+01:00"); });
  CHECK(e.field() == "starts_at");
  CHECK_THAT(std::string(e.what()), mentions("outside the years 0001 to 9999"));
  CHECK(rooms::parse_time("ends_at", "9999-12-31T23:59:59Z") ==
        rooms::test::at("9999-12-31T23:59:59Z"));
}
