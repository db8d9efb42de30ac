// UserService: the rules of user management over a migrated database.

#include <atomic>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "test_support.hpp"
#include "user-mgmt/service.hpp"

using namespace roombook;
using namespace roombook::user_mgmt;
using roombook::user_mgmt::test::error_of;
using roombook::user_mgmt::test::MigratedDb;

namespace {

const std::regex kRfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");

/// Creates u1..un and returns their ids.
std::vector<std::int64_t> create_users(UserService& service, int n) {
  std::vector<std::int64_t> ids;
  for (int i = 1; i <= n; ++i) {
    ids.push_back(service.create({"u" + std::to_string(i), "First", "Last"}).id);
  }
  return ids;
}

std::vector<std::int64_t> ids_of(const Page& page) {
  std::vector<std::int64_t> ids;
  for (const auto& u : page.items) ids.push_back(u.id);
  return ids;
}

}  // namespace

TEST_CASE("user_mgmt service: create, then get and find by id or username",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  const auto ada = service.create({"ada", "Ada", "Lovelace"});
  CHECK(ada.id > 0);
  CHECK(std::regex_match(core::format_rfc3339(ada.created_at), kRfc3339));
  CHECK(ada.updated_at == ada.created_at);

  const auto got = service.get(ada.id);
  REQUIRE(got);
  CHECK(got->username == "ada");
  CHECK(got->firstname == "Ada");
  CHECK(got->lastname == "Lovelace");
  CHECK(got->created_at == ada.created_at);

  const auto by_id = service.find(std::to_string(ada.id));
  REQUIRE(by_id);
  CHECK(by_id->username == "ada");
  const auto by_name = service.find("ada");
  REQUIRE(by_name);
  CHECK(by_name->id == ada.id);

  CHECK_FALSE(service.get(ada.id + 1));
  CHECK_FALSE(service.find("nobody"));
  CHECK_FALSE(service.find(std::to_string(ada.id + 1)));
}

TEST_CASE("user_mgmt service: create validates before storing", "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  auto e = error_of([&] { service.create({"Ada", "Ada", "Lovelace"}); });
  CHECK(e.kind() == core::ErrorKind::invalid);
  CHECK(e.field() == "username");
  e = error_of([&] { service.create({"ada", "", "Lovelace"}); });
  CHECK(e.field() == "firstname");
  e = error_of([&] { service.create({"ada", "Ada", std::string(101, 'x')}); });
  CHECK(e.field() == "lastname");
  CHECK(service.list({10, 0}, std::nullopt).items.empty());
}

TEST_CASE("user_mgmt service: a duplicate username is a conflict on create",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  service.create({"ada", "Ada", "Lovelace"});
  const auto e = error_of([&] { service.create({"ada", "Other", "Person"}); });
  CHECK(e.kind() == core::ErrorKind::conflict);
  CHECK(std::string(e.what()) == "username \"ada\" is already taken");
  CHECK(service.list({10, 0}, std::nullopt).items.size() == 1);
}

TEST_CASE("user_mgmt service: renaming to a taken username is a conflict and changes nothing",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  service.create({"ada", "Ada", "Lovelace"});
  const auto grace = service.create({"grace", "Grace", "Hopper"});

  SECTION("replace") {
    const auto e = error_of([&] { service.replace(grace.id, {"ada", "G", "H"}); });
    CHECK(e.kind() == core::ErrorKind::conflict);
    CHECK(std::string(e.what()) == "username \"ada\" is already taken");
  }
  SECTION("patch") {
    const auto e = error_of([&] {
      service.patch(grace.id, {{"username", "ada"}, {"firstname", "G"}});
    });
    CHECK(e.kind() == core::ErrorKind::conflict);
  }
  SECTION("update") {
    const auto e = error_of(
        [&] { service.update(grace.id, std::string("ada"), std::string("G"), std::nullopt); });
    CHECK(e.kind() == core::ErrorKind::conflict);
  }
  const auto after = service.get(grace.id);
  REQUIRE(after);
  CHECK(after->username == "grace");
  CHECK(after->firstname == "Grace");
  // The connection is usable afterwards: the failed transaction was rolled back.
  CHECK(service.patch(grace.id, {{"firstname", "Amazing Grace"}})->firstname == "Amazing Grace");
}

TEST_CASE("user_mgmt service: list pages with limit + 1, next_after_id only while more remain",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  SECTION("five users, pages of two") {
    const auto ids = create_users(service, 5);
    auto page = service.list({2, 0}, std::nullopt);
    CHECK(ids_of(page) == std::vector<std::int64_t>{ids[0], ids[1]});
    REQUIRE(page.next_after_id);
    CHECK(*page.next_after_id == ids[1]);

    page = service.list({2, *page.next_after_id}, std::nullopt);
    CHECK(ids_of(page) == std::vector<std::int64_t>{ids[2], ids[3]});
    REQUIRE(page.next_after_id);
    CHECK(*page.next_after_id == ids[3]);

    page = service.list({2, *page.next_after_id}, std::nullopt);
    CHECK(ids_of(page) == std::vector<std::int64_t>{ids[4]});
    CHECK_FALSE(page.next_after_id);
  }
  SECTION("exactly a page left: no next page") {
    const auto ids = create_users(service, 4);
    auto page = service.list({2, 0}, std::nullopt);
    REQUIRE(page.next_after_id);
    page = service.list({2, *page.next_after_id}, std::nullopt);
    CHECK(ids_of(page) == std::vector<std::int64_t>{ids[2], ids[3]});
    CHECK_FALSE(page.next_after_id);

    page = service.list({4, 0}, std::nullopt);
    CHECK(page.items.size() == 4);
    CHECK_FALSE(page.next_after_id);
  }
  SECTION("empty table") {
    const auto page = service.list({1, 0}, std::nullopt);
    CHECK(page.items.empty());
    CHECK_FALSE(page.next_after_id);
  }
  SECTION("after the last id") {
    const auto ids = create_users(service, 2);
    const auto page = service.list({10, ids[1]}, std::nullopt);
    CHECK(page.items.empty());
    CHECK_FALSE(page.next_after_id);
  }
}

TEST_CASE("user_mgmt service: list by username", "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  const auto ids = create_users(service, 3);
  auto page = service.list({10, 0}, std::string("u2"));
  CHECK(ids_of(page) == std::vector<std::int64_t>{ids[1]});
  CHECK_FALSE(page.next_after_id);
  page = service.list({1, 0}, std::string("u2"));
  CHECK(ids_of(page) == std::vector<std::int64_t>{ids[1]});
  CHECK_FALSE(page.next_after_id);
  CHECK(service.list({10, 0}, std::string("nobody")).items.empty());
}

TEST_CASE("user_mgmt service: list limit must be 1 to 1000 and after_id >= 0",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  create_users(service, 2);
  for (std::int64_t limit : {std::int64_t{0}, std::int64_t{1001}, std::int64_t{-1},
                             std::numeric_limits<std::int64_t>::max()}) {
    INFO("limit " << limit);
    const auto e = error_of([&] { service.list({limit, 0}, std::nullopt); });
    CHECK(e.kind() == core::ErrorKind::invalid);
    CHECK(e.field() == "limit");
    CHECK(std::string(e.what()) == "limit must be an integer from 1 to 1000");
  }
  CHECK(service.list({1, 0}, std::nullopt).items.size() == 1);
  CHECK(service.list({1000, 0}, std::nullopt).items.size() == 2);
  const auto e = error_of([&] { service.list({10, -1}, std::nullopt); });
  CHECK(e.field() == "after_id");
}

TEST_CASE("user_mgmt service: replace sets every field and keeps created_at",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  const auto ada = service.create({"ada", "Ada", "Lovelace"});
  const auto after = service.replace(ada.id, {"countess", "Augusta", "King"});
  REQUIRE(after);
  CHECK(after->id == ada.id);
  CHECK(after->username == "countess");
  CHECK(after->firstname == "Augusta");
  CHECK(after->lastname == "King");
  CHECK(after->created_at == ada.created_at);
  CHECK(std::regex_match(core::format_rfc3339(after->updated_at), kRfc3339));
  CHECK(after->updated_at >= after->created_at);
  CHECK(service.get(ada.id)->username == "countess");

  CHECK_FALSE(service.replace(ada.id + 1, {"x", "X", "X"}));
  const auto e = error_of([&] { service.replace(ada.id, {"ok", "", "X"}); });
  CHECK(e.field() == "firstname");
  CHECK(service.get(ada.id)->firstname == "Augusta");
}

TEST_CASE("user_mgmt service: patch changes the members given and refuses nulls and unknowns",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  const auto ada = service.create({"ada", "Ada", "Lovelace"});
  const auto after = service.patch(ada.id, {{"lastname", "King"}});
  REQUIRE(after);
  CHECK(after->username == "ada");
  CHECK(after->firstname == "Ada");
  CHECK(after->lastname == "King");

  auto e = error_of([&] { service.patch(ada.id, {{"firstname", nullptr}}); });
  CHECK(e.kind() == core::ErrorKind::invalid);
  CHECK(e.field() == "firstname");
  e = error_of([&] { service.patch(ada.id, {{"email", "a@b"}}); });
  CHECK(e.field() == "email");
  CHECK(service.get(ada.id)->firstname == "Ada");

  CHECK_FALSE(service.patch(ada.id + 1, {{"lastname", "King"}}));
}

TEST_CASE("user_mgmt service: update changes the fields given and keeps the others",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  const auto ada = service.create({"ada", "Ada", "Lovelace"});
  auto after = service.update(ada.id, std::nullopt, std::string("Augusta"), std::nullopt);
  REQUIRE(after);
  CHECK(after->username == "ada");
  CHECK(after->firstname == "Augusta");
  CHECK(after->lastname == "Lovelace");
  after = service.update(ada.id, std::string("countess"), std::nullopt, std::string("King"));
  REQUIRE(after);
  CHECK(after->username == "countess");
  CHECK(after->firstname == "Augusta");
  CHECK(after->lastname == "King");

  const auto e = error_of(
      [&] { service.update(ada.id, std::string("Bad Name"), std::nullopt, std::nullopt); });
  CHECK(e.field() == "username");
  CHECK_FALSE(service.update(ada.id + 1, std::nullopt, std::string("X"), std::nullopt));
}

TEST_CASE("user_mgmt service: remove", "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  const auto ada = service.create({"ada", "Ada", "Lovelace"});
  const auto grace = service.create({"grace", "Grace", "Hopper"});
  CHECK(service.remove(ada.id));
  CHECK_FALSE(service.get(ada.id));
  CHECK_FALSE(service.find("ada"));
  CHECK_FALSE(service.remove(ada.id));
  CHECK(service.get(grace.id));
  // The username is free again.
  CHECK(service.create({"ada", "Ada", "Again"}).id > grace.id);
}

TEST_CASE("user_mgmt service: the id of a deleted user is never handed out again",
          "[user-mgmt][service]") {
  MigratedDb db;
  UserService service(db.pool());
  create_users(service, 2);
  const auto newest = service.create({"newest", "N", "N"});
  REQUIRE(service.remove(newest.id));
  const auto next = service.create({"next", "N", "N"});
  CHECK(next.id > newest.id);
  CHECK_FALSE(service.get(newest.id));
}

TEST_CASE("user_mgmt service: concurrent patches of one user lose no update",
          "[user-mgmt][service][concurrency]") {
  constexpr int kRounds = 40;
  MigratedDb db(4);
  UserService service(db.pool());
  const auto user = service.create({"user-0", "first-0", "last-0"});
  const auto other = service.create({"other", "Other", "Person"});

  std::mutex mutex;  // Catch2 assertions are not thread-safe: collect, check after join
  std::vector<std::string> errors;
  std::atomic<int> succeeded{0};
  auto record = [&](const std::string& what) {
    std::lock_guard lock(mutex);
    errors.push_back(what);
  };
  // Three threads, each owning one field of `user`; a fourth writes another
  // user, competing for the write lock.
  auto owner = [&](const std::string& field, const std::string& prefix) {
    for (int i = 1; i <= kRounds; ++i) {
      const std::string value = prefix + std::to_string(i);
      try {
        // Only this thread changes this field, so it must still hold what
        // this thread wrote last: anything else is another patch's stale copy.
        const auto before = service.get(user.id);
        const auto expected = prefix + std::to_string(i - 1);
        if (!before || to_json(*before).at(field) != expected) {
          record(field + ": lost update, want " + expected + " in " +
                 (before ? to_json(*before).dump() : "nothing"));
        }
        const auto after = service.patch(user.id, {{field, value}});
        if (!after) {
          record(field + ": user vanished");
        } else if (to_json(*after).at(field) != value) {
          record(field + ": patch returned " + to_json(*after).dump());
        } else {
          ++succeeded;
        }
      } catch (const std::exception& e) {
        record(field + ": " + e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(owner, "username", "user-");
  threads.emplace_back(owner, "firstname", "first-");
  threads.emplace_back(owner, "lastname", "last-");
  threads.emplace_back([&] {
    for (int i = 1; i <= kRounds; ++i) {
      try {
        if (service.update(other.id, std::nullopt, "Other" + std::to_string(i), std::nullopt)) {
          ++succeeded;
        } else {
          record("other: user vanished");
        }
      } catch (const std::exception& e) {
        record(std::string("other: ") + e.what());
      }
    }
  });
  for (auto& t : threads) t.join();

  INFO("first error: " << (errors.empty() ? "" : errors.front()));
  CHECK(errors.empty());
  CHECK(succeeded == 4 * kRounds);
  const auto final_user = service.get(user.id);
  REQUIRE(final_user);
  CHECK(final_user->username == "user-" + std::to_string(kRounds));
  CHECK(final_user->firstname == "first-" + std::to_string(kRounds));
  CHECK(final_user->lastname == "last-" + std::to_string(kRounds));
  CHECK(service.get(other.id)->firstname == "Other" + std::to_string(kRounds));
  CHECK_NOTHROW(validate({final_user->username, final_user->firstname, final_user->lastname}));
}

namespace {

std::int64_t stored_users(db::Pool& pool) {
  return pool.acquire()->query({"count", "SELECT COUNT(*) FROM users"}).at(0).integer(0);
}

}  // namespace

TEST_CASE("user_mgmt service: in a commit group each write stands alone and is stored at commit",
          "[user-mgmt][service][group]") {
  MigratedDb db(4);  // a file: the group holds one connection, reads take another
  UserService service(db.pool());
  service.create({"ada", "Ada", "Lovelace"});
  const bool grouped = db.pool().dialect() == db::Dialect::sqlite;
  {
    db::CommitGroup group;
    const auto before = db::CommitGroup::joined();
    const auto bob = service.create({"bob", "Bob", "Babbage"});
    // A taken name fails on its own: the others' writes stay.
    CHECK(error_of([&] {
            service.create({"ada", "Ada", "Again"});
          }).kind() == core::ErrorKind::conflict);
    const auto carol = service.create({"carol", "Carol", "Shaw"});
    CHECK(carol.id > bob.id);
    if (grouped) {
      CHECK(db::CommitGroup::joined() == before + 2);
      CHECK(group.pending() == 2);
      // Not stored yet: another connection sees only what was committed.
      CHECK(stored_users(db.pool()) == 1);
      // A write beside the group, not through transact(), fails at once
      // rather than wait for the lock its own thread holds.
      auto other = db.pool().acquire();
      CHECK_THROWS_AS(other->execute({"raw", "DELETE FROM users WHERE username = 'ada'"}),
                      db::Error);
    } else {
      // PostgreSQL commits each transaction as it comes.
      CHECK(group.pending() == 0);
      CHECK(stored_users(db.pool()) == 3);
    }
    group.commit();
    CHECK(group.pending() == 0);
  }
  CHECK(stored_users(db.pool()) == 3);
  CHECK(service.find("ada"));
  CHECK(service.find("bob"));
  CHECK(service.find("carol"));
}

TEST_CASE("user_mgmt service: a commit group that is not committed stores nothing on SQLite",
          "[user-mgmt][service][group]") {
  MigratedDb db(4);
  UserService service(db.pool());
  {
    db::CommitGroup group;
    service.create({"bob", "Bob", "Babbage"});
    service.remove(service.create({"carol", "Carol", "Shaw"}).id);
  }  // gone without commit(): a failed round, say
  const auto expected = db.pool().dialect() == db::Dialect::sqlite ? 0 : 1;
  CHECK(stored_users(db.pool()) == expected);
  // The write lock is free again.
  CHECK(service.create({"dave", "Dave", "Cutler"}).id > 0);
}
