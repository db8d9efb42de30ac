// TokenStore and Verifier on a migrated database of either backend.

#include <memory>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "auth/store.hpp"
#include "auth/token.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "db/db.hpp"
#include "migrate/migrate.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

using namespace roombook;
using namespace roombook::auth;
using namespace std::chrono_literals;

namespace {

/// Every service's migrations applied, on a database of its own.
struct Migrated {
  roombook::test::TempDir dir;
  roombook::test::TestDatabase database{dir.path(), "tokens.db"};
  std::unique_ptr<db::Pool> pool = db::open(database.url(), {.max_connections = 4});
  Migrated() {
    migrate::Engine(*pool, migrate::assemble(migrate::embedded(), pool->dialect()))
        .up(std::nullopt, std::nullopt, false);
  }
};

core::SysSeconds at(const char* text) {
  std::string error;
  return *core::parse_rfc3339(text, error);
}

}  // namespace

TEST_CASE("auth store: a token is found by its secret and listed without it", "[auth][store]") {
  Migrated db;
  TokenStore store(*db.pool, "user-mgmt");
  const auto now = at("2026-12-01T10:00:00Z");
  const auto token = new_token();
  const auto made = store.create("deploy", http::Scope::write, token, std::nullopt, now);
  CHECK(made.prefix == prefix_of(token));

  const auto found = store.find(token, now);
  REQUIRE(found);
  CHECK(found->name == "deploy");
  CHECK(found->scope == http::Scope::write);
  CHECK(found->service == "user-mgmt");
  CHECK_FALSE(found->last_used_at);

  // Same prefix, another secret: not found.
  auto other = token;
  other.back() = other.back() == 'A' ? 'B' : 'A';
  CHECK_FALSE(store.find(other, now));
  CHECK_FALSE(store.find(new_token(), now));

  const auto listed = store.list();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].name == "deploy");
  CHECK(listed[0].created_at == now);

  // Only the hash is stored.
  auto conn = db.pool->acquire();
  const auto rows = conn->query({"t", "SELECT hash FROM user_mgmt_tokens"}, {});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].text(0) == token_hash(token));
}

TEST_CASE("auth store: each service has its own tokens", "[auth][store]") {
  Migrated db;
  TokenStore users(*db.pool, "user-mgmt");
  TokenStore rooms(*db.pool, "rooms");
  const auto now = core::now();
  const auto token = new_token();
  users.create("a", http::Scope::read, token, std::nullopt, now);
  CHECK(users.find(token, now));
  CHECK_FALSE(rooms.find(token, now));
  // The same name in another service is another token.
  rooms.create("a", http::Scope::admin, new_token(), std::nullopt, now);
  CHECK(rooms.list().at(0).scope == http::Scope::admin);
}

TEST_CASE("auth store: a taken name is a conflict, and the first token stays", "[auth][store]") {
  Migrated db;
  TokenStore store(*db.pool, "user-mgmt");
  const auto now = core::now();
  const auto first = new_token();
  store.create("ci", http::Scope::read, first, std::nullopt, now);
  try {
    store.create("ci", http::Scope::admin, new_token(), std::nullopt, now);
    FAIL("no conflict");
  } catch (const core::Error& e) {
    CHECK(e.kind() == core::ErrorKind::conflict);
  }
  REQUIRE(store.find(first, now));
  CHECK(store.find(first, now)->scope == http::Scope::read);
}

TEST_CASE("auth store: an expired token is not found, a revoked one is gone", "[auth][store]") {
  Migrated db;
  TokenStore store(*db.pool, "rooms");
  const auto now = at("2026-12-01T10:00:00Z");
  const auto token = new_token();
  store.create("short", http::Scope::write, token, now + 60s, now);
  CHECK(store.find(token, now + 59s));
  CHECK_FALSE(store.find(token, now + 60s));

  const auto kept = new_token();
  store.create("kept", http::Scope::read, kept, std::nullopt, now);
  CHECK(store.revoke("kept"));
  CHECK_FALSE(store.revoke("kept"));
  CHECK_FALSE(store.find(kept, now));
  CHECK(store.list().size() == 1);
}

TEST_CASE("auth store: touch records the last use", "[auth][store]") {
  Migrated db;
  TokenStore store(*db.pool, "user-mgmt");
  const auto now = at("2026-12-01T10:00:00Z");
  const auto token = new_token();
  store.create("t", http::Scope::read, token, std::nullopt, now);
  store.touch("t", now + 5s);
  CHECK(store.list().at(0).last_used_at == now + 5s);
}

TEST_CASE("auth verifier: a revocation is seen once the cache time has passed",
          "[auth][store][verifier]") {
  Migrated db;
  TokenStore store(*db.pool, "user-mgmt");
  const auto token = new_token();
  store.create("svc", http::Scope::write, token, std::nullopt, core::now());

  Verifier cached(store, 1h);
  Verifier fresh(store, 0ms);
  const auto caller = cached.check(token);
  REQUIRE(caller);
  CHECK(caller->name == "svc");
  CHECK(caller->scope == http::Scope::write);
  REQUIRE(fresh.check(token));
  // Its first use was recorded.
  CHECK(store.list().at(0).last_used_at);

  REQUIRE(store.revoke("svc"));
  CHECK_FALSE(fresh.check(token));
  // Within its cache time a verifier may still trust what it learnt: that
  // time is the bound the documentation states (kTokenCacheTime).
  CHECK(cached.check(token));
  CHECK(kTokenCacheTime <= 5s);
}

TEST_CASE("auth verifier: malformed and unknown tokens are refused", "[auth][store][verifier]") {
  Migrated db;
  TokenStore store(*db.pool, "user-mgmt");
  Verifier verifier(store);
  CHECK_FALSE(verifier.check(""));
  CHECK_FALSE(verifier.check("rbk_short"));
  CHECK_FALSE(verifier.check(new_token()));
  // Many distinct unknown tokens: each is refused, memory stays bounded.
  for (int i = 0; i < 5000; ++i) CHECK_FALSE(verifier.check(new_token()));
}
