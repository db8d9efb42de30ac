// The JSON writer must write the bytes nlohmann's dump() writes, so that the
// answers of the routes that use it stay byte for byte what they were.

#include "core/json_writer.hpp"

#include <date/date.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using roombook::core::append_json_string;
using roombook::core::append_rfc3339;
using roombook::core::JsonWriter;
using roombook::core::SysSeconds;

namespace {

/// Appends one code point as UTF-8.
void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Valid UTF-8 heavy in what needs escaping: quotes, backslashes, every
/// control character, DEL, and code points of two, three and four bytes.
std::string random_text(std::mt19937& rng) {
  static const char32_t kSpecial[] = {'"',    '\\',    '/',      0x7F,  0xE9,
                                      0x20AC, 0x1F600, 0x10FFFF, 0xFFFD};
  std::uniform_int_distribution<int> length(0, 40);
  std::uniform_int_distribution<int> kind(0, 3);
  std::uniform_int_distribution<int> control(0, 0x1F);
  std::uniform_int_distribution<int> ascii(0x20, 0x7E);
  std::uniform_int_distribution<std::size_t> special(0, std::size(kSpecial) - 1);
  std::uniform_int_distribution<char32_t> any(0x80, 0x10FFFF);
  std::string out;
  for (int n = length(rng); n > 0; --n) {
    switch (kind(rng)) {
      case 0:
        append_utf8(out, static_cast<char32_t>(control(rng)));
        break;
      case 1:
        append_utf8(out, static_cast<char32_t>(ascii(rng)));
        break;
      case 2:
        append_utf8(out, kSpecial[special(rng)]);
        break;
      default: {
        char32_t cp = any(rng);
        if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xE000;  // surrogates are not UTF-8
        append_utf8(out, cp);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("json writer: strings come out as nlohmann writes them", "[core][json]") {
  std::mt19937 rng(20261201);
  for (int i = 0; i < 20000; ++i) {
    const std::string text = random_text(rng);
    std::string ours;
    append_json_string(ours, text);
    const std::string theirs = nlohmann::json(text).dump();
    INFO("case " << i << ": " << nlohmann::json(text).dump(-1, ' ', true));
    REQUIRE(ours == theirs);
  }
  // Every byte below 0x80 on its own.
  for (int c = 0; c < 0x80; ++c) {
    const std::string text(1, static_cast<char>(c));
    std::string ours;
    append_json_string(ours, text);
    REQUIRE(ours == nlohmann::json(text).dump());
  }
}

TEST_CASE("json writer: bytes that are not UTF-8 are replaced as nlohmann replaces them",
          "[core][json]") {
  std::mt19937 rng(99);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 5000; ++i) {
    std::string text = random_text(rng);
    text.insert(text.size() / 2, 1, static_cast<char>(0x80 | byte(rng)));  // a stray byte
    std::string ours;
    append_json_string(ours, text);
    REQUIRE(ours ==
            nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

TEST_CASE("json writer: objects and arrays come out as nlohmann dumps them", "[core][json]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::int64_t> number(INT64_MIN, INT64_MAX);
  for (int i = 0; i < 2000; ++i) {
    const std::string name = random_text(rng);
    const std::int64_t n = number(rng);
    const bool flag = (n & 1) != 0;
    nlohmann::ordered_json expected = nlohmann::ordered_json::array();
    expected.push_back({{"id", n}, {"name", name}, {"none", nullptr}, {"flag", flag}});
    expected.push_back(nlohmann::ordered_json::array());
    expected.push_back(nlohmann::ordered_json::object());
    expected.push_back({{"nested", {{"list", {1, 2, 3}}, {name, "x"}}}});

    std::string ours;
    JsonWriter w(ours);
    w.begin_array();
    w.begin_object().member("id", n).member("name", name).key("none").null().member("flag", flag);
    w.end_object();
    w.begin_array().end_array();
    w.begin_object().end_object();
    w.begin_object().key("nested").begin_object().key("list").begin_array();
    w.value(1).value(2).value(3).end_array().member(name, "x").end_object().end_object();
    w.end_array();
    REQUIRE(ours == expected.dump());
  }
}

TEST_CASE("json writer: times are written as RFC 3339 in UTC", "[core][json][time]") {
  using namespace std::chrono;
  // Every year the API accepts, and a spread of times of day.
  const SysSeconds first = sys_days(year_month_day(year(1), month(1), day(1)));
  const SysSeconds last = sys_days(year_month_day(year(9999), month(12), day(31))) + hours(23) +
                          minutes(59) + seconds(59);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> pick(first.time_since_epoch().count(),
                                                   last.time_since_epoch().count());
  std::vector<SysSeconds> times{first, last, SysSeconds(seconds(0)),
                                SysSeconds(seconds(951782400))};  // 2000-02-29
  for (int i = 0; i < 20000; ++i) times.emplace_back(seconds(pick(rng)));
  for (const auto t : times) {
    std::string ours;
    append_rfc3339(ours, t);
    REQUIRE(ours == date::format("%FT%TZ", t));
    std::string quoted;
    JsonWriter(quoted).time(t);
    REQUIRE(quoted == "\"" + ours + "\"");
  }
}
