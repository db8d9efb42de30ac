// Reading JSON request bodies with errors that name the field.

#include <cstdint>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/fields.hpp"

using namespace roombook::core;

namespace {

template <class F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a core::Error");
  throw std::logic_error("unreachable");
}

const std::set<std::string> kWritable{"name", "capacity"};
const std::set<std::string> kReadOnly{"id", "created_at"};

}  // namespace

TEST_CASE("core fields::require_object", "[core][fields]") {
  CHECK_NOTHROW(fields::require_object(nlohmann::json::object()));
  for (const auto& body :
       {nlohmann::json::array(), nlohmann::json(1), nlohmann::json("x"), nlohmann::json(nullptr)}) {
    const auto e = error_of([&] { fields::require_object(body); });
    CHECK(e.kind() == ErrorKind::invalid);
    CHECK(std::string(e.what()) == "the request body must be a JSON object");
  }
}

TEST_CASE("core fields::check_members: read-only and unknown members are named", "[core][fields]") {
  CHECK_NOTHROW(fields::check_members({{"name", "Blue"}, {"capacity", 4}}, kWritable, kReadOnly,
                                      "a room has name and capacity"));
  auto e = error_of([&] {
    fields::check_members({{"name", "Blue"}, {"id", 3}}, kWritable, kReadOnly, "a room ...");
  });
  CHECK(e.kind() == ErrorKind::invalid);
  CHECK(e.field() == "id");
  CHECK(std::string(e.what()) == "id is read-only");

  e = error_of([&] {
    fields::check_members({{"name", "Blue"}, {"colour", "blue"}, {"floor", 2}}, kWritable,
                          kReadOnly, "a room has name and capacity");
  });
  CHECK(e.field() == "colour, floor");
  CHECK(std::string(e.what()) == "unknown field(s): colour, floor (a room has name and capacity)");
}

TEST_CASE("core fields::required_string and required_integer", "[core][fields]") {
  const nlohmann::json body = {{"name", "Blue"}, {"capacity", 4}, {"none", nullptr}};
  CHECK(fields::required_string(body, "name") == "Blue");
  CHECK(fields::required_integer(body, "capacity") == 4);

  auto e = error_of([&] { fields::required_string(body, "missing"); });
  CHECK(e.field() == "missing");
  CHECK(std::string(e.what()) == "missing is required");
  e = error_of([&] { fields::required_string(body, "none"); });
  CHECK(std::string(e.what()) == "none is required");
  e = error_of([&] { fields::required_string(body, "capacity"); });
  CHECK(e.field() == "capacity");
  CHECK(std::string(e.what()) == "capacity must be a string");

  e = error_of([&] { fields::required_integer(body, "name"); });
  CHECK(e.field() == "name");
  CHECK(std::string(e.what()) == "name must be an integer");
  e = error_of([&] { fields::required_integer({{"n", 1.5}}, "n"); });
  CHECK(std::string(e.what()) == "n must be an integer");
  e = error_of([&] { fields::required_integer(body, "none"); });
  CHECK(std::string(e.what()) == "none is required");
}

TEST_CASE("core fields::required_integer: the int64 range, no wrapping", "[core][fields]") {
  // nlohmann reads these as unsigned; they once came back as -1 and INT64_MIN.
  for (const char* text :
       {R"({"capacity": 18446744073709551615})", R"({"capacity": 9223372036854775808})"}) {
    INFO(text);
    const auto e =
        error_of([&] { fields::required_integer(nlohmann::json::parse(text), "capacity"); });
    CHECK(e.kind() == ErrorKind::invalid);
    CHECK(e.field() == "capacity");
    CHECK(std::string(e.what()) == "capacity is out of range");
  }
  CHECK(fields::required_integer(nlohmann::json::parse(R"({"n": 9223372036854775807})"), "n") ==
        INT64_MAX);
  CHECK(fields::required_integer(nlohmann::json::parse(R"({"n": -9223372036854775808})"), "n") ==
        INT64_MIN);
  CHECK(fields::required_integer(nlohmann::json::parse(R"({"n": 0})"), "n") == 0);
  // Past 2^64 nlohmann keeps a double: not an integer at all.
  const auto e = error_of([&] {
    fields::required_integer(nlohmann::json::parse(R"({"n": 18446744073709551616})"), "n");
  });
  CHECK(std::string(e.what()) == "n must be an integer");
}

TEST_CASE("core fields::optional_string: absent and null are nothing", "[core][fields]") {
  const nlohmann::json body = {{"note", "hi"}, {"none", nullptr}, {"n", 3}};
  CHECK(fields::optional_string(body, "note") == std::optional<std::string>("hi"));
  CHECK_FALSE(fields::optional_string(body, "none"));
  CHECK_FALSE(fields::optional_string(body, "missing"));
  const auto e = error_of([&] { fields::optional_string(body, "n"); });
  CHECK(e.field() == "n");
  CHECK(std::string(e.what()) == "n must be a string");
}
