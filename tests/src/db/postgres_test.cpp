// The PostgreSQL backend through the db::Connection interface, against the
// server ROOMBOOK_TEST_DATABASE_URL names (scripts/test starts one), each case
// in a schema of its own.

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "support/test_database.hpp"
#include "test_support.hpp"

#include "core/time.hpp"
#include "db/db.hpp"

using namespace roombook::db;
using Catch::Contains;
using roombook::db::test::count;
using roombook::db::test::error_of;
using roombook::db::test::TempDir;
using roombook::test::TestDatabase;

namespace {

bool require_postgres() {
  INFO("set ROOMBOOK_TEST_DATABASE_URL to a PostgreSQL server (scripts/test-postgres start DIR)");
  REQUIRE(roombook::test::on_postgres());
  return true;
}

/// A schema of its own on the test server, and a pool over it.
struct Pg {
  explicit Pg(const PoolOptions& options = {}) : pool(open(database.url(), options)) {}

  bool on_postgres = require_postgres();
  TempDir dir;
  TestDatabase database{dir.path(), "unused.db"};
  std::unique_ptr<Pool> pool;
};

std::chrono::sys_seconds at(const std::string& text) {
  std::string why;
  const auto t = roombook::core::parse_rfc3339(text, why);
  INFO(text << ": " << why);
  REQUIRE(t);
  return *t;
}

const Query kBackendPid{"test.backend_pid", "SELECT pg_backend_pid()"};

}  // namespace

TEST_CASE("db postgres: integers, text, NULL and times come back as they were stored",
          "[db][postgres]") {
  Pg pg;
  auto conn = pg.pool->acquire();
  conn->execute_script(
      "CREATE TABLE v (id INTEGER PRIMARY KEY, big BIGINT, small INTEGER, s TEXT, at TIMESTAMPTZ)");
  const Query insert{"v.insert", "INSERT INTO v VALUES ($1, $2, $3, $4, $5)"};
  const Query select{"v.select", "SELECT big, small, s, at FROM v WHERE id = $1"};
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();

  CHECK(conn->execute(insert, {1, kMax, 7, std::string("it's \xc3\xa9t\xc3\xa9"),
                               Time{at("2030-03-01T10:00:00Z")}}) == 1);
  CHECK(conn->execute(insert, {2, kMin, -7, std::string(), Time{at("0001-01-01T00:00:00Z")}}) == 1);
  CHECK(conn->execute(insert, {3, nullptr, nullptr, nullptr, Time{at("9999-12-31T23:59:59Z")}}) ==
        1);

  const auto one = conn->query(select, {1}).at(0);
  CHECK(one.integer(0) == kMax);
  CHECK(one.integer(1) == 7);
  CHECK(one.text(2) == "it's \xc3\xa9t\xc3\xa9");
  CHECK(std::holds_alternative<Time>(one.at(3)));
  CHECK(one.time(3) == at("2030-03-01T10:00:00Z"));

  const auto two = conn->query(select, {2}).at(0);
  CHECK(two.integer(0) == kMin);
  CHECK(two.integer(1) == -7);
  CHECK_FALSE(two.is_null(2));  // the empty string is not NULL
  CHECK(two.text(2).empty());
  CHECK(two.time(3) == at("0001-01-01T00:00:00Z"));

  const auto three = conn->query(select, {3}).at(0);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("column " << i);
    CHECK(three.is_null(i));
    CHECK_FALSE(three.optional_text(i));
  }
  CHECK(three.time(3) == at("9999-12-31T23:59:59Z"));

  // A time given with an offset is the same instant, and so is one read in
  // another session time zone.
  CHECK(conn->query({"v.at", "SELECT at FROM v WHERE at = $1"},
                    {Time{at("2030-03-01T11:30:00+01:30")}})
            .size() == 1);
  conn->execute_script("SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE");
  CHECK(conn->query(select, {1}).at(0).time(3) == at("2030-03-01T10:00:00Z"));
  CHECK(conn->query(select, {2}).at(0).time(3) == at("0001-01-01T00:00:00Z"));
  conn->execute_script("SET TIME ZONE 'UTC'");

  // execute() counts the rows a statement changed.
  CHECK(conn->execute({"v.update", "UPDATE v SET small = 0 WHERE id > $1"}, {1}) == 2);
  CHECK(conn->execute({"v.none", "UPDATE v SET small = 0 WHERE id > $1"}, {9}) == 0);
}

TEST_CASE("db postgres: placeholders are bound by number, in any order and more than once",
          "[db][postgres]") {
  Pg pg;
  auto conn = pg.pool->acquire();
  const auto row =
      conn->query({"test.order", "SELECT $2::text || $1::text, $1::bigint - $3::bigint, $2::text"},
                  {std::string("1"), std::string("b"), 10})
          .at(0);
  CHECK(row.text(0) == "b1");
  CHECK(row.integer(1) == -9);
  CHECK(row.text(2) == "b");
}

TEST_CASE("db postgres: a statement is prepared once per connection and reused", "[db][postgres]") {
  Pg pg({.max_connections = 1});
  auto conn = pg.pool->acquire();
  conn->execute_script("CREATE TABLE u (name TEXT NOT NULL UNIQUE)");
  const Query insert{"u.insert", "INSERT INTO u (name) VALUES ($1)"};
  const Query select{"u.count", "SELECT COUNT(*) FROM u WHERE name LIKE $1"};
  const Query prepared{"test.prepared",
                       "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement = $1"};

  for (int i = 0; i < 50; ++i) {
    conn->execute(insert, {"n" + std::to_string(i)});
    CHECK(conn->query(select, {std::string("n%")}).at(0).integer(0) == i + 1);
  }
  CHECK(conn->query(prepared, {std::string(insert.sql)}).at(0).integer(0) == 1);
  CHECK(conn->query(prepared, {std::string(select.sql)}).at(0).integer(0) == 1);

  SECTION("the same text after it failed in a transaction") {
    {
      auto tx = conn->begin();
      conn->execute(insert, {std::string("x")});
      CHECK(error_of([&] { conn->execute(insert, {std::string("n0")}); }).code() ==
            ErrorCode::constraint);
      // The transaction failed: what it did is gone once it is rolled back.
      CHECK(error_of([&] { tx.commit(); }).code() == ErrorCode::other);
    }
    conn->execute(insert, {std::string("x")});
    CHECK(conn->query(select, {std::string("x")}).at(0).integer(0) == 1);
    CHECK(conn->query(prepared, {std::string(insert.sql)}).at(0).integer(0) == 1);
  }
  SECTION("a text first run in a failed transaction is prepared once it can be") {
    const Query fresh{"u.fresh", "SELECT COUNT(*) FROM u WHERE name = $1"};
    {
      auto tx = conn->begin();
      CHECK(error_of([&] { conn->execute(insert, {std::string("n0")}); }).code() ==
            ErrorCode::constraint);
      // Refused while the transaction is aborted (SQLSTATE 25P02).
      CHECK(error_of([&] { conn->query(fresh, {std::string("n0")}); }).code() == ErrorCode::other);
    }
    CHECK(conn->query(fresh, {std::string("n0")}).at(0).integer(0) == 1);
    CHECK(conn->query(prepared, {std::string(fresh.sql)}).at(0).integer(0) == 1);
  }
}

TEST_CASE("db postgres: a statement prepared on a connection that was lost is prepared again",
          "[db][postgres]") {
  Pg pg({.max_connections = 1});
  Pg other;
  const Query select{"test.one", "SELECT $1::bigint + 1"};
  std::int64_t pid = 0;
  {
    auto conn = pg.pool->acquire();
    CHECK(conn->query(select, {1}).at(0).integer(0) == 2);
    pid = conn->query(kBackendPid).at(0).integer(0);
  }
  auto killer = other.pool->acquire();
  // Waits (up to 10 s) until the session has ended.
  REQUIRE(killer->query({"test.kill", "SELECT pg_terminate_backend($1::integer, 10000)"}, {pid})
              .at(0)
              .integer(0) == 1);
  auto conn = pg.pool->acquire();
  CHECK(conn->query(kBackendPid).at(0).integer(0) != pid);
  CHECK(conn->query(select, {41}).at(0).integer(0) == 42);
}

TEST_CASE("db postgres: errors are classified by SQLSTATE", "[db][postgres]") {
  Pg pg;
  auto conn = pg.pool->acquire();

  SECTION("a unique violation is a constraint error") {
    conn->execute_script("CREATE TABLE u (name TEXT NOT NULL UNIQUE)");
    const Query insert{"u.insert", "INSERT INTO u (name) VALUES ($1)"};
    conn->execute(insert, {std::string("ada")});
    const auto e = error_of([&] { conn->execute(insert, {std::string("ada")}); });
    CHECK(e.code() == ErrorCode::constraint);
    CHECK_THAT(e.what(), Contains("u.insert"));
    CHECK(count(*conn, "SELECT COUNT(*) FROM u") == 1);
  }
  SECTION("an exclusion violation is a constraint error, touching ranges are not one") {
    // btree_gist (in public, where TestDatabase created it) for "=" on room.
    conn->execute_script(
        "CREATE TABLE slots (room BIGINT NOT NULL, starts_at TIMESTAMPTZ NOT NULL,"
        " ends_at TIMESTAMPTZ NOT NULL,"
        " EXCLUDE USING gist (room WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&))");
    const Query insert{"slots.insert", "INSERT INTO slots VALUES ($1, $2, $3)"};
    conn->execute(insert, {1, Time{at("2030-03-01T10:00:00Z")}, Time{at("2030-03-01T11:00:00Z")}});
    const auto e = error_of([&] {
      conn->execute(insert,
                    {1, Time{at("2030-03-01T10:30:00Z")}, Time{at("2030-03-01T11:30:00Z")}});
    });
    CHECK(e.code() == ErrorCode::constraint);
    CHECK_THAT(e.what(), Contains("23P01"));
    conn->execute(insert, {1, Time{at("2030-03-01T11:00:00Z")}, Time{at("2030-03-01T12:00:00Z")}});
    conn->execute(insert, {2, Time{at("2030-03-01T10:30:00Z")}, Time{at("2030-03-01T11:30:00Z")}});
    CHECK(count(*conn, "SELECT COUNT(*) FROM slots") == 3);
  }
  SECTION("a NOT NULL or CHECK violation is a constraint error") {
    conn->execute_script("CREATE TABLE c (n INTEGER NOT NULL CHECK (n > 0))");
    const Query insert{"c.insert", "INSERT INTO c (n) VALUES ($1)"};
    CHECK(error_of([&] { conn->execute(insert, {nullptr}); }).code() == ErrorCode::constraint);
    CHECK(error_of([&] { conn->execute(insert, {0}); }).code() == ErrorCode::constraint);
  }
  SECTION("a syntax error is other, and the message names the query") {
    const auto named = error_of([&] { conn->query({"test.typo", "SELEC 1"}); });
    CHECK(named.code() == ErrorCode::other);
    CHECK_THAT(named.what(), Contains("test.typo") && Contains("SELEC"));
    const auto unnamed = error_of([&] { conn->query({"", "SELECT 1 FROM nosuch_table"}); });
    CHECK(unnamed.code() == ErrorCode::other);
    CHECK_THAT(unnamed.what(), Contains("SELECT 1 FROM nosuch_table"));
  }
  // The connection is fine afterwards.
  CHECK(conn->query({"test.one", "SELECT 1"}).at(0).integer(0) == 1);
}

TEST_CASE("db postgres: a transaction not committed is rolled back by its destructor",
          "[db][postgres]") {
  Pg pg({.max_connections = 2});
  auto conn = pg.pool->acquire();
  conn->execute_script("CREATE TABLE t (n INTEGER)");
  const Query insert{"t.insert", "INSERT INTO t (n) VALUES ($1)"};
  {
    auto tx = conn->begin();
    conn->execute(insert, {1});
    CHECK(count(*conn, "SELECT COUNT(*) FROM t") == 1);  // seen inside
    auto other = pg.pool->acquire();
    CHECK(count(*other, "SELECT COUNT(*) FROM t") == 0);  // not outside
  }
  CHECK(count(*conn, "SELECT COUNT(*) FROM t") == 0);
  {
    auto tx = conn->begin();
    conn->execute(insert, {2});
    tx.commit();
  }
  auto other = pg.pool->acquire();
  CHECK(count(*other, "SELECT COUNT(*) FROM t") == 1);
}

TEST_CASE(
    "db postgres: execute_script keeps dollar-quoted bodies whole and names the failing "
    "statement",
    "[db][postgres]") {
  Pg pg;
  auto conn = pg.pool->acquire();
  const std::string setup = R"(
    -- A trigger whose body holds semicolons; and a quoted ';' too.
    CREATE TABLE s (n INTEGER, note TEXT DEFAULT 'a;b');
    CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      NEW.n := NEW.n + 1;
      RETURN NEW;
    END;
    $$;
    CREATE FUNCTION twice(x INTEGER) RETURNS INTEGER LANGUAGE sql AS $body$ SELECT x * 2; $body$;
    CREATE TRIGGER s_bump BEFORE INSERT ON s FOR EACH ROW EXECUTE FUNCTION bump();
    INSERT INTO s (n) VALUES (twice(1));
  )";
  conn->execute_script(setup);
  const auto row = conn->query({"s.all", "SELECT n, note FROM s"}).at(0);
  CHECK(row.integer(0) == 3);
  CHECK(row.text(1) == "a;b");

  const auto e = error_of([&] {
    conn->execute_script(
        "INSERT INTO s (n) VALUES (10);\n"
        "CREATE FUNCTION f() RETURNS INTEGER LANGUAGE sql AS $$ SELECT 1; $$;\n"
        "INSERT INTO nosuch (n) VALUES (2);\n"
        "INSERT INTO s (n) VALUES (20);\n");
  });
  CHECK(e.code() == ErrorCode::other);
  CHECK_THAT(e.what(), Contains("INSERT INTO nosuch (n) VALUES (2)"));
  CHECK_THAT(e.what(),
             !Contains("VALUES (10)") && !Contains("VALUES (20)") && !Contains("CREATE FUNCTION"));
  // Outside a transaction, the statements before it stay; none after it ran.
  CHECK(count(*conn, "SELECT COUNT(*) FROM s") == 2);
}

TEST_CASE("db postgres: execute_script reads escape strings and nested comments as PostgreSQL does",
          "[db][postgres]") {
  Pg pg;
  auto conn = pg.pool->acquire();
  // Cut at the ';' inside either, the script would fail with a syntax error.
  conn->execute_script(R"(
    CREATE TABLE e (n INTEGER, note TEXT);
    /* an outer comment /* an inner one; */ still the outer one; */
    INSERT INTO e VALUES (1, E'it\'s; fine');
    INSERT INTO e VALUES (2, e'a ''doubled'' one; \\');
    INSERT INTO e VALUES (3, 'plain\');
  )");
  const auto rows = conn->query({"e.all", "SELECT note FROM e ORDER BY n"});
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].text(0) == "it's; fine");
  CHECK(rows[1].text(0) == "a 'doubled' one; \\");
  CHECK(rows[2].text(0) == "plain\\");
}

TEST_CASE("db postgres: a NUL byte in a text parameter is refused as a db::Error",
          "[db][postgres]") {
  Pg pg;
  auto conn = pg.pool->acquire();
  conn->execute_script("CREATE TABLE t (s TEXT)");
  const Query insert{"t.insert", "INSERT INTO t (s) VALUES ($1)"};
  const auto e = error_of([&] { conn->execute(insert, {std::string("a\0b", 3)}); });
  CHECK_THAT(e.what(), Contains("t.insert") && Contains("NUL"));
  CHECK(count(*conn, "SELECT COUNT(*) FROM t") == 0);
  conn->execute(insert, {std::string("ab")});
  CHECK(count(*conn, "SELECT COUNT(*) FROM t") == 1);
}

TEST_CASE("db postgres: the pool drops a connection whose session was killed", "[db][postgres]") {
  Pg pg({.max_connections = 1});
  Pg other;
  auto killer = other.pool->acquire();
  const Query kill{"test.kill", "SELECT pg_terminate_backend($1::integer, 10000)"};
  const Query one{"test.one", "SELECT 1"};

  SECTION("while it is leased: the failing call is a connection error") {
    {
      auto conn = pg.pool->acquire();
      const auto pid = conn->query(kBackendPid).at(0).integer(0);
      REQUIRE(killer->query(kill, {pid}).at(0).integer(0) == 1);
      CHECK(error_of([&] { conn->query(one); }).code() == ErrorCode::connection);
      // A statement not prepared yet fails the same way.
      CHECK(error_of([&] {
              conn->query({"test.two", "SELECT 2"});
            }).code() == ErrorCode::connection);
    }
    // The pool holds one connection at most: this one is new.
    auto conn = pg.pool->acquire();
    CHECK(conn->query(one).at(0).integer(0) == 1);
  }
  SECTION("while it is idle: it is never handed out") {
    std::int64_t pid = 0;
    {
      auto conn = pg.pool->acquire();
      pid = conn->query(kBackendPid).at(0).integer(0);
    }
    REQUIRE(killer->query(kill, {pid}).at(0).integer(0) == 1);
    auto conn = pg.pool->acquire();
    CHECK(conn->query(kBackendPid).at(0).integer(0) != pid);
    CHECK(conn->query(one).at(0).integer(0) == 1);
  }
  SECTION("inside a transaction: the failing call is a connection error, rollback does not throw") {
    {
      auto conn = pg.pool->acquire();
      auto tx = conn->begin();
      const auto pid = conn->query(kBackendPid).at(0).integer(0);
      REQUIRE(killer->query(kill, {pid}).at(0).integer(0) == 1);
      CHECK(error_of([&] { conn->query(one); }).code() == ErrorCode::connection);
    }
    auto conn = pg.pool->acquire();
    CHECK(conn->query(one).at(0).integer(0) == 1);
  }
}
