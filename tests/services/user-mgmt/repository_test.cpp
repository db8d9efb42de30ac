// UserRepository: the SQL of the users table, against the real schema.

#include <string>

#include <catch2/catch.hpp>

#include "core/time.hpp"
#include "db/db.hpp"
#include "test_support.hpp"
#include "user-mgmt/repository.hpp"

using namespace roombook;
using namespace roombook::user_mgmt;
using roombook::user_mgmt::test::MigratedDb;

namespace {

constexpr const char* kNow = "2026-11-29T21:14:17Z";
constexpr const char* kLater = "2026-11-30T08:00:00Z";

/// The instant an RFC 3339 text names.
core::SysSeconds at(const char* text) {
  std::string why;
  const auto t = core::parse_rfc3339(text, why);
  INFO(text << ": " << why);
  REQUIRE(t);
  return *t;
}

}  // namespace

TEST_CASE("user_mgmt repository: insert returns the stored user", "[user-mgmt][repository]") {
  MigratedDb db;
  auto conn = db.pool().acquire();
  UserRepository repo(*conn);
  const auto u = repo.insert({"ada", "Ada", "Lovelace"}, at(kNow));
  CHECK(u.id > 0);
  CHECK(u.username == "ada");
  CHECK(u.firstname == "Ada");
  CHECK(u.lastname == "Lovelace");
  CHECK(core::format_rfc3339(u.created_at) == kNow);
  CHECK(core::format_rfc3339(u.updated_at) == kNow);
  CHECK(repo.insert({"grace", "Grace", "Hopper"}, at(kNow)).id > u.id);
}

TEST_CASE("user_mgmt repository: by_id and by_username", "[user-mgmt][repository]") {
  MigratedDb db;
  auto conn = db.pool().acquire();
  UserRepository repo(*conn);
  const auto ada = repo.insert({"ada", "Ada", "Lovelace"}, at(kNow));
  repo.insert({"grace", "Grace", "Hopper"}, at(kNow));

  const auto by_id = repo.by_id(ada.id);
  REQUIRE(by_id);
  CHECK(by_id->username == "ada");
  CHECK(core::format_rfc3339(by_id->created_at) == kNow);
  const auto by_name = repo.by_username("grace");
  REQUIRE(by_name);
  CHECK(by_name->firstname == "Grace");

  CHECK_FALSE(repo.by_id(ada.id + 100));
  CHECK_FALSE(repo.by_username("nobody"));
  CHECK_FALSE(repo.by_username("ADA"));  // exact match only
}

TEST_CASE("user_mgmt repository: a taken username is a constraint error",
          "[user-mgmt][repository]") {
  MigratedDb db;
  auto conn = db.pool().acquire();
  UserRepository repo(*conn);
  repo.insert({"ada", "Ada", "Lovelace"}, at(kNow));
  try {
    repo.insert({"ada", "Other", "Person"}, at(kNow));
    FAIL("no exception");
  } catch (const db::Error& e) {
    CHECK(e.code() == db::ErrorCode::constraint);
  }
}

TEST_CASE("user_mgmt repository: list in id order after an id, at most limit, by username",
          "[user-mgmt][repository]") {
  MigratedDb db;
  auto conn = db.pool().acquire();
  UserRepository repo(*conn);
  std::vector<std::int64_t> ids;
  for (const char* name : {"u1", "u2", "u3", "u4"})
    ids.push_back(repo.insert({name, "F", "L"}, at(kNow)).id);

  auto all = repo.list(0, 10, std::nullopt);
  REQUIRE(all.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(all[i].id == ids[i]);

  auto page = repo.list(ids[0], 2, std::nullopt);
  REQUIRE(page.size() == 2);
  CHECK(page[0].username == "u2");
  CHECK(page[1].username == "u3");

  CHECK(repo.list(ids[3], 10, std::nullopt).empty());

  auto one = repo.list(0, 10, std::string("u3"));
  REQUIRE(one.size() == 1);
  CHECK(one[0].id == ids[2]);
  CHECK(repo.list(ids[2], 10, std::string("u3")).empty());
  CHECK(repo.list(0, 10, std::string("nobody")).empty());
}

TEST_CASE("user_mgmt repository: update and remove report whether the user existed",
          "[user-mgmt][repository]") {
  MigratedDb db;
  auto conn = db.pool().acquire();
  UserRepository repo(*conn);
  const auto ada = repo.insert({"ada", "Ada", "Lovelace"}, at(kNow));

  CHECK(repo.update(ada.id, {"countess", "Augusta", "King"}, at(kLater)));
  const auto after = repo.by_id(ada.id);
  REQUIRE(after);
  CHECK(after->username == "countess");
  CHECK(after->firstname == "Augusta");
  CHECK(after->lastname == "King");
  CHECK(core::format_rfc3339(after->created_at) == kNow);  // kept
  CHECK(core::format_rfc3339(after->updated_at) == kLater);
  CHECK_FALSE(repo.update(ada.id + 1, {"x", "X", "X"}, at(kLater)));

  CHECK(repo.remove(ada.id));
  CHECK_FALSE(repo.by_id(ada.id));
  CHECK_FALSE(repo.remove(ada.id));
}

TEST_CASE("user_mgmt repository: renaming to a taken username is a constraint error",
          "[user-mgmt][repository]") {
  MigratedDb db;
  auto conn = db.pool().acquire();
  UserRepository repo(*conn);
  repo.insert({"ada", "Ada", "Lovelace"}, at(kNow));
  const auto grace = repo.insert({"grace", "Grace", "Hopper"}, at(kNow));
  try {
    repo.update(grace.id, {"ada", "Grace", "Hopper"}, at(kLater));
    FAIL("no exception");
  } catch (const db::Error& e) {
    CHECK(e.code() == db::ErrorCode::constraint);
  }
  CHECK(repo.by_id(grace.id)->username == "grace");
}
