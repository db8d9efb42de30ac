// The rules of a user's fields, shared by the API and the CLI.

#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "test_support.hpp"
#include "user-mgmt/model.hpp"

using namespace roombook;
using namespace roombook::user_mgmt;
using roombook::user_mgmt::test::error_of;

namespace {

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

/// Checks that f throws core::Error(invalid) naming `field`; returns the detail.
template <class F>
std::string invalid_field(F&& f, const std::string& field) {
  const auto e = error_of(std::forward<F>(f));
  CHECK(e.kind() == core::ErrorKind::invalid);
  CHECK(e.field() == field);
  return e.what();
}

const nlohmann::json kAda = {{"username", "ada"}, {"firstname", "Ada"}, {"lastname", "Lovelace"}};

/// validate() of a user whose `field` ("firstname" or "lastname") is `value`
/// and whose other fields are fine: the rule for a name, as a client meets it.
void validate_name(const std::string& field, const std::string& value) {
  UserFields fields{"ada", "Ada", "Lovelace"};
  REQUIRE((field == "firstname" || field == "lastname"));
  (field == "firstname" ? fields.firstname : fields.lastname) = value;
  validate(fields);
}

}  // namespace

TEST_CASE("user_mgmt validate_username: 1 to 64 characters of a-z, 0-9, '.', '_' and '-'",
          "[user-mgmt][model]") {
  SECTION("accepted") {
    for (const std::string& name :
         {std::string("a"), std::string(64, 'z'), std::string("0"), std::string("ada.lovelace"),
          std::string("ada_lovelace"), std::string("ada-lovelace"), std::string("."),
          std::string("_"), std::string("-"), std::string("user42"),
          std::string("a.b_c-d.0123456789")}) {
      INFO("username: " << name);
      CHECK_NOTHROW(validate_username(name));
    }
  }
  SECTION("refused, naming the field") {
    for (const std::string& name :
         {std::string(""), std::string(65, 'a'), std::string("Ada"), std::string("ADA"),
          std::string("ada lovelace"), std::string(" ada"), std::string("ada\n"),
          std::string("ada@example"), std::string("ada+1"), std::string("ada/1"),
          std::string("ada:1"), std::string("ad\xC3\xA9"), std::string("a\0b", 3)}) {
      INFO("username: " << name);
      const auto detail = invalid_field([&] { validate_username(name); }, "username");
      CHECK(detail == "username must be 1 to 64 characters of a-z, 0-9, '.', '_' and '-'");
    }
  }
}

TEST_CASE("user_mgmt validate_name: 1 to 100 characters, counted as code points",
          "[user-mgmt][model]") {
  const std::string e_acute = "\xC3\xA9";        // é, 2 bytes
  const std::string han = "\xE6\x97\xA5";        // 日, 3 bytes
  const std::string emoji = "\xF0\x9F\x98\x80";  // 😀, 4 bytes
  SECTION("accepted") {
    for (const auto& name : {std::string("A"), std::string(100, 'a'), repeat(e_acute, 100),
                             repeat(han, 100), repeat(emoji, 100), std::string("Jean-Luc O'Neil"),
                             "Zo" + e_acute, std::string("van der Berg")}) {
      INFO("name: " << name);
      CHECK_NOTHROW(validate_name("firstname", name));
    }
  }
  SECTION("too long or empty") {
    for (const auto& name : {std::string(""), std::string(101, 'a'), repeat(e_acute, 101),
                             repeat(han, 101), repeat(emoji, 101), repeat(emoji, 100) + "a"}) {
      INFO("name: " << name);
      const auto detail = invalid_field([&] { validate_name("firstname", name); }, "firstname");
      CHECK(detail ==
            "firstname must be 1 to 100 characters of UTF-8 text without control characters");
    }
  }
}

TEST_CASE("user_mgmt validate_name: control characters are refused", "[user-mgmt][model]") {
  for (const auto& name :
       {std::string("a\x01"), std::string("a\x7f"), std::string("\x7f"), std::string("a\tb"),
        std::string("a\nb"), std::string("a\rb"), std::string("a\0b", 3), std::string("a\x1f"),
        std::string("a\xC2\x85"),  // U+0085 NEL, a C1 control
        std::string("\xC2\x80"), std::string("\xC2\x9F")}) {
    INFO("name bytes: " << nlohmann::json(nlohmann::json::binary_t(
                                              std::vector<std::uint8_t>(name.begin(), name.end())))
                               .dump());
    invalid_field([&] { validate_name("lastname", name); }, "lastname");
  }
  // Just outside the C1 range.
  CHECK_NOTHROW(validate_name("lastname", "\xC2\xA0"));  // U+00A0
}

TEST_CASE("user_mgmt validate_name: invalid UTF-8 is refused", "[user-mgmt][model]") {
  struct Case {
    const char* what;
    std::string bytes;
  };
  const std::vector<Case> cases{
      {"lone continuation byte", "a\x80"},
      {"continuation byte first",
       "\xBF"
       "abc"},
      {"overlong '/' in 2 bytes", "\xC0\xAF"},
      {"overlong NUL in 2 bytes", "\xC0\x80"},
      {"overlong in 3 bytes", "\xE0\x80\xAF"},
      {"overlong in 4 bytes", "\xF0\x80\x80\xAF"},
      {"surrogate U+D800", "\xED\xA0\x80"},
      {"surrogate U+DFFF", "\xED\xBF\xBF"},
      {"beyond U+10FFFF", "\xF4\x90\x80\x80"},
      {"truncated 2-byte", "ab\xC3"},
      {"truncated 3-byte", "ab\xE2\x82"},
      {"truncated 4-byte", "ab\xF0\x9F\x98"},
      {"truncated, then ASCII",
       "\xE2\x82"
       "a"},
      {"byte 0xFE", "a\xFE"},
      {"byte 0xFF", "a\xFF"},
      {"5-byte lead", "\xF8\x88\x80\x80\x80"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    invalid_field([&] { validate_name("firstname", c.bytes); }, "firstname");
  }
  // The largest code point and the last before the surrogates are fine.
  CHECK_NOTHROW(validate_name("firstname", "\xF4\x8F\xBF\xBF"));
  CHECK_NOTHROW(validate_name("firstname", "\xED\x9F\xBF"));
}

TEST_CASE("user_mgmt validate: checks every field, naming the first bad one",
          "[user-mgmt][model]") {
  CHECK_NOTHROW(validate({"ada", "Ada", "Lovelace"}));
  invalid_field([] { validate({"Ada", "Ada", "Lovelace"}); }, "username");
  invalid_field([] { validate({"ada", "", "Lovelace"}); }, "firstname");
  invalid_field([] { validate({"ada", "Ada", "\x01"}); }, "lastname");
}

TEST_CASE("user_mgmt fields_from_json: a complete user", "[user-mgmt][model]") {
  const auto f = fields_from_json(kAda);
  CHECK(f.username == "ada");
  CHECK(f.firstname == "Ada");
  CHECK(f.lastname == "Lovelace");
}

TEST_CASE("user_mgmt fields_from_json: missing, null and non-string fields name the field",
          "[user-mgmt][model]") {
  for (const std::string field : {"username", "firstname", "lastname"}) {
    INFO("field: " << field);
    auto missing = kAda;
    missing.erase(field);
    CHECK(invalid_field([&] { fields_from_json(missing); }, field) == field + " is required");

    auto null = kAda;
    null[field] = nullptr;
    CHECK(invalid_field([&] { fields_from_json(null); }, field) == field + " is required");

    for (const auto& wrong : {nlohmann::json(42), nlohmann::json(true), nlohmann::json::array(),
                              nlohmann::json::object()}) {
      auto typed = kAda;
      typed[field] = wrong;
      CHECK(invalid_field([&] { fields_from_json(typed); }, field) == field + " must be a string");
    }
  }
}

TEST_CASE("user_mgmt fields_from_json: unknown and read-only fields are refused by name",
          "[user-mgmt][model]") {
  auto unknown = kAda;
  unknown["email"] = "ada@example.com";
  auto detail = invalid_field([&] { fields_from_json(unknown); }, "email");
  CHECK_THAT(detail, Catch::Contains("email"));

  for (const std::string field : {"id", "created_at", "updated_at"}) {
    INFO("field: " << field);
    auto read_only = kAda;
    read_only[field] = field == "id" ? nlohmann::json(7) : nlohmann::json("2026-01-01T00:00:00Z");
    CHECK(invalid_field([&] { fields_from_json(read_only); }, field) == field + " is read-only");
  }
}

TEST_CASE("user_mgmt fields_from_json: the body must be an object and valid",
          "[user-mgmt][model]") {
  for (const auto& body : {nlohmann::json::array(), nlohmann::json("ada"), nlohmann::json(1),
                           nlohmann::json(nullptr)}) {
    const auto e = error_of([&] { fields_from_json(body); });
    CHECK(e.kind() == core::ErrorKind::invalid);
  }
  auto bad = kAda;
  bad["username"] = "Ada Lovelace";
  invalid_field([&] { fields_from_json(bad); }, "username");
  bad = kAda;
  bad["lastname"] = std::string(101, 'x');
  invalid_field([&] { fields_from_json(bad); }, "lastname");
}

TEST_CASE("user_mgmt apply_merge_patch: members present replace, the others stay",
          "[user-mgmt][model]") {
  const UserFields current{"ada", "Ada", "Lovelace"};
  auto f = apply_merge_patch(current, {{"firstname", "Augusta"}});
  CHECK(f.username == "ada");
  CHECK(f.firstname == "Augusta");
  CHECK(f.lastname == "Lovelace");

  f = apply_merge_patch(current, {{"username", "countess"}, {"lastname", "King"}});
  CHECK(f.username == "countess");
  CHECK(f.firstname == "Ada");
  CHECK(f.lastname == "King");

  f = apply_merge_patch(current, nlohmann::json::object());
  CHECK(f.username == "ada");
  CHECK(f.firstname == "Ada");
  CHECK(f.lastname == "Lovelace");
}

TEST_CASE(
    "user_mgmt apply_merge_patch: null on a required field, unknown and bad values are refused",
    "[user-mgmt][model]") {
  const UserFields current{"ada", "Ada", "Lovelace"};
  for (const std::string field : {"username", "firstname", "lastname"}) {
    CHECK(invalid_field(
              [&] {
                apply_merge_patch(current, {{field, nullptr}});
              },
              field) == field + " is required");
  }
  CHECK_THAT(invalid_field(
                 [&] {
                   apply_merge_patch(current, {{"nickname", "ada"}});
                 },
                 "nickname"),
             Catch::Contains("nickname"));
  invalid_field([&] { apply_merge_patch(current, {{"id", 2}}); }, "id");
  invalid_field([&] { apply_merge_patch(current, {{"username", "ADA"}}); }, "username");
  invalid_field([&] { apply_merge_patch(current, {{"firstname", 3}}); }, "firstname");
  const auto e = error_of([&] { apply_merge_patch(current, nlohmann::json::array()); });
  CHECK(e.kind() == core::ErrorKind::invalid);
}

TEST_CASE("user_mgmt to_json: exactly the six members of a user", "[user-mgmt][model]") {
  std::string why;
  const User u{7,
               "ada",
               "Ada",
               "Lovelace",
               *core::parse_rfc3339("2026-01-02T03:04:05Z", why),
               *core::parse_rfc3339("2026-02-03T04:05:06Z", why)};
  // The bytes of the answer, members in this order, no spaces.
  CHECK(core::json_of(u) ==
        R"({"id":7,"username":"ada","firstname":"Ada","lastname":"Lovelace",)"
        R"("created_at":"2026-01-02T03:04:05Z","updated_at":"2026-02-03T04:05:06Z"})");
  const auto j = to_json(u);
  std::set<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.insert(key);
  CHECK(keys == std::set<std::string>{"id", "username", "firstname", "lastname", "created_at",
                                      "updated_at"});
  CHECK(j.at("id") == 7);
  CHECK(j.at("id").is_number_integer());
  CHECK(j.at("username") == "ada");
  CHECK(j.at("firstname") == "Ada");
  CHECK(j.at("lastname") == "Lovelace");
  CHECK(j.at("created_at") == "2026-01-02T03:04:05Z");
  CHECK(j.at("updated_at") == "2026-02-03T04:05:06Z");
}
