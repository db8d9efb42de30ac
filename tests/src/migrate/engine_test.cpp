// The migration engine against real databases: a fresh SQLite file per test,
// or a fresh PostgreSQL schema when ROOMBOOK_TEST_DATABASE_URL names a server.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <latch>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

#include "core/error.hpp"
#include "db/db.hpp"
#include "migrate/migrate.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
using namespace roombook;
using migrate::Engine;
using migrate::SourceFile;
using migrate::State;
using migrate::Step;

namespace {

/// A fresh database of the test database's kind, removed at the end of the
/// test. Pools opened on it must go first.
struct TempDb {
  roombook::test::TempDir dir;
  roombook::test::TestDatabase database{dir.path(), "test.db"};
  std::unique_ptr<db::Pool> open() const { return db::open(database.url()); }
};

/// The dialect of the test database, for assemble().
db::Dialect dialect() {
  return roombook::test::on_postgres() ? db::Dialect::postgres : db::Dialect::sqlite;
}

/// A column type that numbers rows in insertion order, on either engine.
std::string serial() {
  return roombook::test::on_postgres() ? "BIGINT GENERATED ALWAYS AS IDENTITY"
                                       : "INTEGER PRIMARY KEY";
}

/// Migrations of service "svc": {name, up, down} numbered 0001, 0002, ...
std::vector<migrate::Migration> svc(const std::vector<std::vector<std::string>>& specs,
                                    const std::string& service = "svc") {
  std::vector<SourceFile> files;
  int version = 0;
  for (const auto& s : specs) {
    char num[16];
    std::snprintf(num, sizeof num, "%04d", ++version);
    const std::string stem = service + "/" + num + "_" + s.at(0);
    files.push_back({stem + ".up.sql", s.at(1)});
    files.push_back({stem + ".down.sql", s.at(2)});
  }
  return migrate::assemble(files, dialect());
}

std::vector<std::vector<std::string>> abc() {
  return {{"a", "CREATE TABLE a(x INTEGER);", "DROP TABLE a;"},
          {"b", "CREATE TABLE b(x INTEGER);", "DROP TABLE b;"},
          {"c", "CREATE TABLE c(x INTEGER);", "DROP TABLE c;"}};
}

template <class T>
std::vector<T> operator+(std::vector<T> a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The tables of the database (of the test's schema on PostgreSQL), by name.
const db::Query kTablesSqlite{"test.tables",
                              "SELECT name FROM sqlite_master WHERE type = 'table' "
                              "AND name NOT LIKE 'sqlite_%' ORDER BY name"};
const db::Query kTablesPostgres{"test.tables",
                                "SELECT table_name FROM information_schema.tables "
                                "WHERE table_schema = current_schema() ORDER BY table_name"};
const db::Query kRows{"test.rows",
                      "SELECT service, version, name, checksum, applied_at "
                      "FROM schema_migrations ORDER BY service, version"};

std::vector<std::string> tables(db::Pool& pool) {
  std::vector<std::string> out;
  auto conn = pool.acquire();
  const auto& q = pool.dialect() == db::Dialect::postgres ? kTablesPostgres : kTablesSqlite;
  for (const auto& row : conn->query(q)) out.push_back(row.text(0));
  return out;
}

/// "svc 1 a" for each row of schema_migrations.
std::vector<std::string> rows(db::Pool& pool) {
  std::vector<std::string> out;
  auto conn = pool.acquire();
  for (const auto& row : conn->query(kRows)) {
    out.push_back(row.text(0) + " " + row.text(1) + " " + row.text(2));
  }
  return out;
}

std::vector<std::string> describe(const std::vector<Step>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps) {
    out.push_back((s.up ? "up " : "down ") + s.service + " " + std::to_string(s.version));
  }
  return out;
}

std::vector<std::string> states(Engine& engine) {
  std::vector<std::string> out;
  for (const auto& r : engine.status()) {
    const char* st = r.state == State::applied    ? "applied"
                     : r.state == State::pending  ? "pending"
                     : r.state == State::modified ? "modified"
                                                  : "unknown";
    out.push_back(r.service + " " + std::to_string(r.version) + " " + r.name + " " + st);
  }
  return out;
}

using Strings = std::vector<std::string>;

/// A pool over another pool whose connections call `on_begin` before each
/// begin(): lets a test run "another process" at the worst moment, after an
/// engine has read what is applied and before it takes the write lock.
class HookedPool : public db::Pool {
 public:
  HookedPool(db::Pool& inner, std::function<void()> on_begin)
      : inner_(inner), on_begin_(std::move(on_begin)) {}
  Lease acquire() override {
    return Lease(*this, std::make_unique<Conn>(inner_.acquire(), on_begin_));
  }
  db::Dialect dialect() const override { return inner_.dialect(); }

 protected:
  void release(std::unique_ptr<db::Connection>) noexcept override {}  // frees the inner lease

 private:
  class Conn : public db::Connection {
   public:
    Conn(Lease inner, std::function<void()>& on_begin)
        : inner_(std::move(inner)), on_begin_(on_begin) {}
    db::Rows query(const db::Query& q, const db::Params& p) override { return inner_->query(q, p); }
    void query_each(const db::Query& q, const db::Params& p, const db::RowVisitor& visit) override {
      inner_->query_each(q, p, visit);
    }
    std::int64_t execute(const db::Query& q, const db::Params& p) override {
      return inner_->execute(q, p);
    }
    void execute_script(std::string_view sql) override { inner_->execute_script(sql); }
    db::Transaction begin() override {
      on_begin_();
      return inner_->begin();  // bound to the inner connection, which commits
    }
    db::Dialect dialect() const override { return inner_->dialect(); }

   protected:
    void commit_transaction() override {}
    void rollback_transaction() noexcept override {}

   private:
    Lease inner_;
    std::function<void()>& on_begin_;
  };

  db::Pool& inner_;
  std::function<void()> on_begin_;
};

/// The message of the exception of type E that `f` throws.
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  FAIL("expected an exception");
  return {};
}

}  // namespace

TEST_CASE("up on an empty database applies everything and records each migration") {
  TempDb tmp;
  auto pool = tmp.open();
  const auto ms = svc(abc());
  Engine engine(*pool, ms);

  const auto steps = engine.up(std::nullopt, std::nullopt, false);

  CHECK(describe(steps) == Strings{"up svc 1", "up svc 2", "up svc 3"});
  CHECK(tables(*pool) == Strings{"a", "b", "c", "schema_migrations"});
  CHECK(rows(*pool) == Strings{"svc 1 a", "svc 2 b", "svc 3 c"});
  {
    auto conn = pool->acquire();
    const auto rs = conn->query(kRows);
    REQUIRE(rs.size() == 3);
    for (std::size_t i = 0; i < rs.size(); ++i) {
      CHECK(rs[i].text(3) == ms[i].checksum);
      CHECK(std::regex_match(rs[i].text(4), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
    }
  }
  CHECK_FALSE(engine.has_pending(std::nullopt));
  // Nothing left to do: a second run applies nothing.
  CHECK(engine.up(std::nullopt, std::nullopt, false).empty());
}

TEST_CASE("up --to stops at that version, inclusive") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine engine(*pool, svc(abc()));

  CHECK(describe(engine.up(std::nullopt, 2, false)) == Strings{"up svc 1", "up svc 2"});
  CHECK(tables(*pool) == Strings{"a", "b", "schema_migrations"});
  CHECK(engine.has_pending("svc"));
  CHECK(describe(engine.up("svc", std::nullopt, false)) == Strings{"up svc 3"});
}

TEST_CASE(
    "up --to and down --to refuse a version no migration has, listing the migrations' versions") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine engine(*pool, svc(abc()) + svc({{"o", "CREATE TABLE o(x INTEGER);", "DROP TABLE o;"},
                                         {"p", "CREATE TABLE p(x INTEGER);", "DROP TABLE p;"}},
                                        "other"));

  CHECK(error_of<std::invalid_argument>([&] { engine.up("svc", 7, false); }) ==
        "no migration 7 for svc; its versions are 1, 2, 3");
  CHECK(error_of<std::invalid_argument>([&] { engine.up("svc", 7, true); }) ==
        "no migration 7 for svc; its versions are 1, 2, 3");
  // Without a service, every one must have it: "other" stops at 2, and
  // nothing is applied to "svc" either.
  CHECK(error_of<std::invalid_argument>([&] { engine.up(std::nullopt, 3, false); }) ==
        "no migration 3 for other; its versions are 1, 2");
  CHECK(tables(*pool).empty());

  engine.up(std::nullopt, std::nullopt, false);
  for (const bool dry_run : {true, false}) {
    CHECK(error_of<std::invalid_argument>([&] { engine.down("svc", 1, 7, dry_run); }) ==
          "no migration 7 for svc; its versions are 1, 2, 3");
    CHECK(error_of<std::invalid_argument>([&] { engine.down("other", 1, -1, dry_run); }) ==
          "no migration -1 for other; its versions are 1, 2");
  }
  CHECK(rows(*pool) == Strings{"other 1 o", "other 2 p", "svc 1 a", "svc 2 b", "svc 3 c"});
  // 0 is no migration, and means "revert them all".
  CHECK(describe(engine.down("other", 1, 0, false)) == Strings{"down other 2", "down other 1"});
}

TEST_CASE("dry runs report what they would do and change nothing") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine engine(*pool, svc(abc()));

  SECTION("on a fresh database, not even schema_migrations is created") {
    CHECK(states(engine) == Strings{"svc 1 a pending", "svc 2 b pending", "svc 3 c pending"});
    CHECK(engine.has_pending(std::nullopt));
    CHECK(describe(engine.up(std::nullopt, std::nullopt, true)) ==
          Strings{"up svc 1", "up svc 2", "up svc 3"});
    CHECK(engine.down(std::nullopt, 1, std::nullopt, true).empty());
    CHECK(engine.redo(std::nullopt, true).empty());
    CHECK(tables(*pool).empty());
  }
  SECTION("on a migrated database") {
    engine.up(std::nullopt, 1, false);
    CHECK(describe(engine.up(std::nullopt, std::nullopt, true)) == Strings{"up svc 2", "up svc 3"});
    CHECK(describe(engine.down(std::nullopt, 1, std::nullopt, true)) == Strings{"down svc 1"});
    CHECK(describe(engine.redo(std::nullopt, true)) == Strings{"down svc 1", "up svc 1"});
    CHECK(tables(*pool) == Strings{"a", "schema_migrations"});
    CHECK(rows(*pool) == Strings{"svc 1 a"});
  }
}

TEST_CASE("status reports applied, pending, modified and unknown migrations") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine(*pool, svc(abc()) + svc({{"o", "CREATE TABLE o(x INTEGER);", "DROP TABLE o;"}}, "other"))
      .up(std::nullopt, std::nullopt, false);

  // This binary: 0001 unchanged, 0002 edited, 0003 gone, 0004 new; service
  // "other" unchanged.
  auto with_new = svc({{"a", "CREATE TABLE a(x INTEGER);", "DROP TABLE a;"},
                       {"b", "CREATE TABLE b(x INTEGER, y INTEGER);", "DROP TABLE b;"},
                       {"c", "", ""},
                       {"d", "CREATE TABLE d(x INTEGER);", "DROP TABLE d;"}});
  with_new.erase(with_new.begin() + 2);  // 0003 has no file in this binary
  Engine mixed(*pool,
               with_new + svc({{"o", "CREATE TABLE o(x INTEGER);", "DROP TABLE o;"}}, "other"));

  CHECK(states(mixed) == Strings{"other 1 o applied", "svc 1 a applied", "svc 2 b modified",
                                 "svc 3 c unknown", "svc 4 d pending"});
  const auto rs = mixed.status("other");
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].state == State::applied);
  CHECK_FALSE(rs[0].applied_at.empty());
  CHECK(mixed.status("svc").back().applied_at.empty());  // pending
  CHECK(mixed.has_pending("svc"));
  CHECK_FALSE(mixed.has_pending("other"));
  CHECK_THAT(error_of<std::invalid_argument>([&] { mixed.status("nosuch"); }),
             Contains("unknown service 'nosuch'") && Contains("other, svc"));
}

TEST_CASE("a failing migration is rolled back and names its file and statement") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine engine(
      *pool,
      svc({{"a", "CREATE TABLE a(x INTEGER);", "DROP TABLE a;"},
           {"b", "CREATE TABLE b(x INTEGER); INSERT INTO nosuch VALUES(1);", "DROP TABLE b;"},
           {"c", "CREATE TABLE c(x INTEGER);", "DROP TABLE c;"}}));

  const auto msg = error_of<migrate::Error>([&] { engine.up(std::nullopt, std::nullopt, false); });

  CHECK_THAT(msg, Contains("svc/0002_b.up.sql") && Contains("INSERT INTO nosuch") &&
                      Contains("rolled back"));
  CHECK(tables(*pool) == Strings{"a", "schema_migrations"});  // no b, no c
  CHECK(rows(*pool) == Strings{"svc 1 a"});
  CHECK(states(engine) == Strings{"svc 1 a applied", "svc 2 b pending", "svc 3 c pending"});
}

TEST_CASE("up refuses to run when an applied migration was changed") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine(*pool, svc(abc())).up(std::nullopt, 1, false);

  auto edited = svc({{"a", "CREATE TABLE a(x INTEGER, y INTEGER);", "DROP TABLE a;"},
                     {"b", "CREATE TABLE b(x INTEGER);", "DROP TABLE b;"}});
  Engine engine(*pool, edited);
  const auto msg = error_of<core::Error>([&] { engine.up(std::nullopt, std::nullopt, false); });

  CHECK_THAT(msg, Contains("svc 0001_a") && Contains("changed after it was applied") &&
                      Contains(edited[0].checksum) && Contains("new migration"));
  CHECK(tables(*pool) == Strings{"a", "schema_migrations"});  // 0002 not applied
  CHECK_THROWS_AS(engine.up(std::nullopt, std::nullopt, true), core::Error);
  CHECK(engine.has_pending(std::nullopt));
}

TEST_CASE("up refuses to run when the database is newer than this binary") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine(*pool, svc(abc())).up(std::nullopt, 2, false);

  // An older binary: knows 0001 only, plus another service with work to do.
  Engine engine(*pool, svc({{"a", "CREATE TABLE a(x INTEGER);", "DROP TABLE a;"}}) +
                           svc({{"o", "CREATE TABLE o(x INTEGER);", "DROP TABLE o;"}}, "other"));
  const auto msg = error_of<core::Error>([&] { engine.up(std::nullopt, std::nullopt, false); });

  CHECK_THAT(msg, Contains("svc 0002_b") && Contains("newer than this binary"));
  CHECK(tables(*pool) == Strings{"a", "b", "schema_migrations"});  // "other" untouched
  CHECK(states(engine) == Strings{"other 1 o pending", "svc 1 a applied", "svc 2 b unknown"});
  // Only the selected service is checked.
  CHECK(describe(engine.up("other", std::nullopt, false)) == Strings{"up other 1"});
  // And a migration without its file cannot be reverted.
  CHECK_THAT(error_of<migrate::Error>([&] { engine.down("svc", 1, std::nullopt, false); }),
             Contains("svc 0002_b"));
  CHECK(rows(*pool) == Strings{"other 1 o", "svc 1 a", "svc 2 b"});
}

TEST_CASE("two processes migrating one database at once apply each migration once") {
  // CREATE TABLE without IF NOT EXISTS fails if run twice, and the INSERTs
  // would leave more than one row.
  std::vector<std::vector<std::string>> specs{
      {"log", "CREATE TABLE log(n INTEGER);", "DROP TABLE log;"}};
  for (int i = 2; i <= 12; ++i) {
    const auto n = std::to_string(i);
    specs.push_back({"t" + n,
                     "CREATE TABLE t" + n + "(x INTEGER); INSERT INTO log VALUES(" + n + ");",
                     "DROP TABLE t" + n + ";"});
  }
  const auto ms = svc(specs);

  for (int round = 0; round < 5; ++round) {
    CAPTURE(round);
    TempDb tmp;
    // The file exists, as after any earlier run; the threads still race to
    // create schema_migrations. (Two first-ever opens of one new file racing
    // in the WAL switch is the data layer's business, not this test's.)
    tmp.open();
    std::latch start(2);
    std::vector<Step> steps[2];
    std::exception_ptr errors[2];
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t) {
      threads.emplace_back([&, t] {
        bool arrived = false;
        try {
          auto pool = tmp.open();  // a pool each, as two processes would have
          Engine engine(*pool, ms);
          arrived = true;
          start.arrive_and_wait();
          steps[t] = engine.up(std::nullopt, std::nullopt, false);
        } catch (...) {
          errors[t] = std::current_exception();
          if (!arrived) start.count_down();  // never leave the other thread waiting
        }
      });
    }
    for (auto& th : threads) th.join();
    for (auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }

    CHECK(steps[0].size() + steps[1].size() == ms.size());
    auto pool = tmp.open();
    CHECK(rows(*pool).size() == ms.size());
    auto conn = pool->acquire();
    const db::Query count{"test.log", "SELECT COUNT(*), COUNT(DISTINCT n) FROM log"};
    const auto r = conn->query(count);
    CHECK(r.at(0).integer(0) == 11);
    CHECK(r.at(0).integer(1) == 11);
  }
}

TEST_CASE("a migration another process applies or reverts meanwhile is skipped, not repeated") {
  TempDb tmp;
  const auto ms =
      svc({{"log", "CREATE TABLE log(id " + serial() + ", n INTEGER);", "DROP TABLE log;"},
           {"b", "CREATE TABLE b(x INTEGER); INSERT INTO log (n) VALUES(2);",
            "DROP TABLE b; INSERT INTO log (n) VALUES(-2);"},
           {"c", "CREATE TABLE c(x INTEGER); INSERT INTO log (n) VALUES(3);",
            "DROP TABLE c; INSERT INTO log (n) VALUES(-3);"}});
  auto pool = tmp.open();
  auto other_pool = tmp.open();  // the other process
  Engine other(*other_pool, ms);
  // The other process runs just before the begin() numbered `race_at`.
  std::function<void()> race = [] {};
  int race_at = 0;
  int begins = 0;
  HookedPool hooked(*pool, [&] {
    if (++begins == race_at) race();
  });
  Engine engine(hooked, ms);
  const db::Query log{"test.log", "SELECT n FROM log ORDER BY id"};
  const auto logged = [&] {
    Strings out;
    auto conn = pool->acquire();
    for (const auto& r : conn->query(log)) out.push_back(r.text(0));
    return out;
  };

  SECTION("up") {
    // 1: creating schema_migrations, 2: the first migration.
    race_at = 2;
    race = [&] { CHECK(other.up(std::nullopt, std::nullopt, false).size() == 3); };
    CHECK(engine.up(std::nullopt, std::nullopt, false).empty());
    CHECK(begins == 4);
    CHECK(rows(*pool) == Strings{"svc 1 log", "svc 2 b", "svc 3 c"});
    CHECK(logged() == Strings{"2", "3"});
  }
  SECTION("down") {
    other.up(std::nullopt, std::nullopt, false);
    race_at = 1;
    race = [&] { CHECK(other.down(std::nullopt, 2, std::nullopt, false).size() == 2); };
    CHECK(engine.down(std::nullopt, 2, std::nullopt, false).empty());
    CHECK(begins == 2);
    CHECK(rows(*pool) == Strings{"svc 1 log"});
    CHECK(logged() == Strings{"2", "3", "-3", "-2"});
  }
}

TEST_CASE("down reverts the newest migrations, one transaction each") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine engine(*pool, svc(abc()) + svc({{"o", "CREATE TABLE o(x INTEGER);", "DROP TABLE o;"},
                                         {"p", "CREATE TABLE p(x INTEGER);", "DROP TABLE p;"}},
                                        "other"));
  engine.up(std::nullopt, std::nullopt, false);

  SECTION("one per service by default") {
    CHECK(describe(engine.down(std::nullopt, 1, std::nullopt, false)) ==
          Strings{"down other 2", "down svc 3"});
    CHECK(tables(*pool) == Strings{"a", "b", "o", "schema_migrations"});
    CHECK(rows(*pool) == Strings{"other 1 o", "svc 1 a", "svc 2 b"});
    CHECK(engine.has_pending(std::nullopt));
  }
  SECTION("a count, for one service, newest first") {
    CHECK(describe(engine.down("svc", 2, std::nullopt, false)) ==
          Strings{"down svc 3", "down svc 2"});
    CHECK(tables(*pool) == Strings{"a", "o", "p", "schema_migrations"});
    CHECK_FALSE(engine.has_pending("other"));
  }
  SECTION("down to a version, not including it") {
    CHECK(describe(engine.down("svc", 1, 1, false)) == Strings{"down svc 3", "down svc 2"});
    CHECK(rows(*pool) == Strings{"other 1 o", "other 2 p", "svc 1 a"});
    CHECK(describe(engine.down(std::nullopt, 1, 0, false)) ==
          Strings{"down other 2", "down other 1", "down svc 1"});
    CHECK(tables(*pool) == Strings{"schema_migrations"});
    // And back up again.
    CHECK(engine.up(std::nullopt, std::nullopt, false).size() == 5);
  }
  SECTION("a failing down is rolled back and names its file") {
    Engine broken(*pool,
                  svc({{"a", "CREATE TABLE a(x INTEGER);", "DROP TABLE a;"},
                       {"b", "CREATE TABLE b(x INTEGER);", "DROP TABLE b;"},
                       {"c", "CREATE TABLE c(x INTEGER);", "DROP TABLE c; DROP TABLE nosuch;"}}));
    CHECK_THAT(error_of<migrate::Error>([&] { broken.down("svc", 1, std::nullopt, false); }),
               Contains("svc/0003_c.down.sql") && Contains("nosuch"));
    CHECK(rows(*pool) == Strings{"other 1 o", "other 2 p", "svc 1 a", "svc 2 b", "svc 3 c"});
    CHECK(tables(*pool) == Strings{"a", "b", "c", "o", "p", "schema_migrations"});
  }
  SECTION("unknown service") {
    CHECK_THROWS_AS(engine.down("nosuch", 1, std::nullopt, false), std::invalid_argument);
  }
}

TEST_CASE("redo reverts and re-applies the newest migration") {
  TempDb tmp;
  auto pool = tmp.open();
  const std::vector<std::vector<std::string>> specs{
      {"log", "CREATE TABLE log(id " + serial() + ", event TEXT);", "DROP TABLE log;"},
      {"b", "CREATE TABLE b(x INTEGER); INSERT INTO log (event) VALUES('b up');",
       "DROP TABLE b; INSERT INTO log (event) VALUES('b down');"}};
  Engine(*pool, svc(specs)).up(std::nullopt, std::nullopt, false);

  SECTION("unchanged") {
    Engine engine(*pool, svc(specs));
    CHECK(describe(engine.redo("svc", false)) == Strings{"down svc 2", "up svc 2"});
  }
  SECTION("after editing it, which is what redo is for while writing one") {
    auto edited = specs;
    edited[1][1] = "CREATE TABLE b(x INTEGER, y INTEGER); INSERT INTO log (event) VALUES('b up');";
    Engine engine(*pool, svc(edited));
    CHECK(states(engine).back() == "svc 2 b modified");
    CHECK(describe(engine.redo(std::nullopt, false)) == Strings{"down svc 2", "up svc 2"});
    CHECK(states(engine).back() == "svc 2 b applied");
  }
  auto conn = pool->acquire();
  const db::Query events{"test.events", "SELECT event FROM log ORDER BY id"};
  Strings got;
  for (const auto& r : conn->query(events)) got.push_back(r.text(0));
  CHECK(got == Strings{"b up", "b down", "b up"});
}

TEST_CASE("the embedded migrations apply to a fresh database and revert") {
  TempDb tmp;
  auto pool = tmp.open();
  Engine engine(*pool, migrate::assemble(migrate::embedded(), pool->dialect()));

  const auto steps = describe(engine.up(std::nullopt, std::nullopt, false));
  CHECK(std::count(steps.begin(), steps.end(), "up user-mgmt 1") == 1);
  const auto names = tables(*pool);
  CHECK(std::count(names.begin(), names.end(), "users") == 1);
  CHECK_FALSE(engine.has_pending("user-mgmt"));

  engine.down(std::nullopt, 0, 0, false);
  CHECK(tables(*pool) == Strings{"schema_migrations"});
}
