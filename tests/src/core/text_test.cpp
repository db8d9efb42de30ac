// Text rules shared by every service: printable UTF-8 and ids.

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/text.hpp"

using namespace roombook::core;

TEST_CASE("core printable_length: counts code points of valid UTF-8", "[core][text]") {
  CHECK(printable_length("") == std::optional<std::size_t>(0));
  CHECK(printable_length("Ada") == std::optional<std::size_t>(3));
  CHECK(printable_length("Zo\xC3\xAB") == std::optional<std::size_t>(3));        // Zoë
  CHECK(printable_length("\xE6\x97\xA5") == std::optional<std::size_t>(1));      // 日
  CHECK(printable_length("\xF0\x9F\x98\x80") == std::optional<std::size_t>(1));  // 😀
  CHECK(printable_length("\xF4\x8F\xBF\xBF") == std::optional<std::size_t>(1));  // U+10FFFF
  CHECK(printable_length("\xC2\xA0") == std::optional<std::size_t>(1));          // U+00A0
}

TEST_CASE("core printable_length: control characters and invalid UTF-8 are refused",
          "[core][text]") {
  for (const auto& s :
       {std::string("\x01"), std::string("a\tb"), std::string("a\nb"), std::string("\x7f"),
        std::string("a\0b", 3), std::string("\xC2\x85"), std::string("\xC2\x9F"),
        std::string("\x80"), std::string("\xC0\xAF"), std::string("\xE0\x80\xAF"),
        std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"), std::string("\xC3"),
        std::string("\xE2\x82"), std::string("\xF0\x9F\x98"), std::string("\xFF"),
        std::string("\xF8\x88\x80\x80\x80")}) {
    INFO("bytes: " << s.size());
    CHECK_FALSE(printable_length(s));
  }
}

TEST_CASE("core is_text_of_length: bounds are inclusive, in characters", "[core][text]") {
  std::string e100;
  for (int i = 0; i < 100; ++i) e100 += "\xC3\xA9";
  CHECK(is_text_of_length(e100, 1, 100));
  CHECK_FALSE(is_text_of_length(e100 + "a", 1, 100));
  CHECK(is_text_of_length("a", 1, 100));
  CHECK_FALSE(is_text_of_length("", 1, 100));
  CHECK(is_text_of_length("", 0, 100));
  CHECK_FALSE(is_text_of_length("a\x01", 1, 100));
}

TEST_CASE("core parse_id: canonical decimal numbers from 1 to INT64_MAX", "[core][text]") {
  CHECK(parse_id("1") == std::optional<std::int64_t>(1));
  CHECK(parse_id("42") == std::optional<std::int64_t>(42));
  CHECK(parse_id("999999999999999999") == std::optional<std::int64_t>(999999999999999999));
  // The largest id SQLite can hand out, refused while ids were capped at 18
  // digits.
  CHECK(parse_id("9223372036854775807") == std::optional<std::int64_t>(9223372036854775807));
  CHECK(parse_id("1000000000000000000") == std::optional<std::int64_t>(1000000000000000000));
  std::vector<std::string> not_ids{"",   "0",  "000", "01", "007", "-1",  "-0",   "+1",
                                   "1a", "a1", " 1",  "1 ", "1.0", "ada", "0x10", "-"};
  // Past INT64_MAX, or 20 digits long.
  not_ids.insert(not_ids.end(),
                 {"9223372036854775808", "9999999999999999999", "18446744073709551616",
                  "99999999999999999999", "12345678901234567890", "00000000000000000001"});
  for (const std::string& bad : not_ids) {
    INFO("text: '" << bad << "'");
    CHECK_FALSE(parse_id(bad));
  }
  CHECK_FALSE(parse_id(std::string("1\0", 2)));
  CHECK_FALSE(parse_id(std::string(100000, '1')));
}

TEST_CASE("core parse_integer: one way to write each int64", "[core][text]") {
  CHECK(parse_integer("0") == std::optional<std::int64_t>(0));
  CHECK(parse_integer("25") == std::optional<std::int64_t>(25));
  CHECK(parse_integer("-3") == std::optional<std::int64_t>(-3));
  CHECK(parse_integer("9223372036854775807") == std::optional<std::int64_t>(INT64_MAX));
  CHECK(parse_integer("-9223372036854775808") == std::optional<std::int64_t>(INT64_MIN));
  CHECK(parse_integer("-1000000000000000000") == std::optional<std::int64_t>(-1000000000000000000));
  std::vector<std::string> not_integers{"",   "-",  "+",   "+1",  "-0",    "00",  "007", "-07",
                                        " 1", "1 ", "1.5", "1e3", "12abc", "ten", "--1", "0x1"};
  // Past either end of int64.
  not_integers.insert(not_integers.end(), {"9223372036854775808", "-9223372036854775809",
                                           "99999999999999999999", "-99999999999999999999"});
  for (const std::string& bad : not_integers) {
    INFO("text: '" << bad << "'");
    CHECK_FALSE(parse_integer(bad));
  }
  CHECK_FALSE(parse_integer(std::string(100000, '9')));
}
