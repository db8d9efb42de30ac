// The SQLite connection: placeholders, values, errors, transactions, scripts.

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "db/db.hpp"
#include "test_support.hpp"

using Catch::Matchers::Contains;
using namespace roombook::db;
using roombook::db::test::count;
using roombook::db::test::error_of;
using roombook::db::test::TempDir;

namespace {

// One in-memory database and its only connection, for a test case.
struct Memory {
  std::unique_ptr<Pool> pool = open("sqlite::memory:");
  Pool::Lease lease = pool->acquire();
  Connection& conn = *lease;
};

const Query kCreateUsers{"users.create",
                         "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)"};
const Query kInsertUser{"users.insert", "INSERT INTO users (email) VALUES ($1)"};
constexpr std::string_view kCountUsers = "SELECT count(*) FROM users";

}  // namespace

TEST_CASE("sqlite: $N placeholders bind by number, not by first appearance", "[db][sqlite]") {
  Memory db;
  const Rows rows = db.conn.query({"", "SELECT $2, $1"}, {std::string("a"), std::string("b")});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].text(0) == "b");
  CHECK(rows[0].text(1) == "a");

  db.conn.execute({"", "CREATE TABLE t (a TEXT, b INTEGER)"});
  db.conn.execute({"", "INSERT INTO t (a, b) VALUES ($2, $1)"},
                  {std::int64_t{7}, std::string("x")});
  const Row row = db.conn.query({"", "SELECT a, b FROM t"}).at(0);
  CHECK(row.text(0) == "x");
  CHECK(row.integer(1) == 7);

  CHECK(db.conn.query({"", "SELECT $1 + $1"}, {std::int64_t{21}}).at(0).integer(0) == 42);
}

TEST_CASE("sqlite: $1 inside a string literal is text, not a placeholder", "[db][sqlite]") {
  Memory db;
  const Row row =
      db.conn.query({"", "SELECT '$1', $1, 'it''s $2' -- $3\n"}, {std::string("x")}).at(0);
  CHECK(row.text(0) == "$1");
  CHECK(row.text(1) == "x");
  CHECK(row.text(2) == "it's $2");
}

TEST_CASE("sqlite: the wrong number of parameters is an error", "[db][sqlite]") {
  Memory db;
  const Error e = error_of([&] { db.conn.query({"pair", "SELECT $1, $2"}, {std::int64_t{1}}); });
  CHECK(e.code() == ErrorCode::other);
  CHECK_THAT(e.what(), Contains("pair") && Contains("takes 2 parameters, got 1"));
}

TEST_CASE("sqlite: NULL, INTEGER, REAL and TEXT round-trip", "[db][sqlite]") {
  Memory db;
  db.conn.execute({"", "CREATE TABLE v (n, i, r, s, u)"});  // no affinity: values stay as bound
  const std::string with_nul("a\0b", 3);
  const std::int64_t big = INT64_MIN;
  db.conn.execute({"", "INSERT INTO v VALUES ($1, $2, $3, $4, $5)"},
                  {nullptr, big, 0.1, with_nul, std::string("h\xc3\xa9llo 'q' \"d\"")});
  const Rows rows = db.conn.query({"", "SELECT n, i, r, s, u, typeof(r) FROM v"});
  REQUIRE(rows.size() == 1);
  const Row& row = rows[0];
  CHECK(row.is_null(0));
  CHECK(std::holds_alternative<std::nullptr_t>(row.at(0)));
  CHECK(row.integer(1) == big);
  CHECK(std::get<double>(row.at(2)) == 0.1);
  CHECK(row.text(3) == with_nul);
  CHECK(row.text(4) == "h\xc3\xa9llo 'q' \"d\"");
  CHECK(row.text(5) == "real");
}

TEST_CASE("sqlite: execute returns the rows changed by that statement", "[db][sqlite]") {
  Memory db;
  db.conn.execute(kCreateUsers);
  for (const char* email : {"a@x", "b@x", "c@x"})
    db.conn.execute(kInsertUser, {std::string(email)});
  CHECK(db.conn.execute({"", "UPDATE users SET email = email || '.org'"}) == 3);
  // DDL changes no rows, though SQLite still remembers the UPDATE's count.
  CHECK(db.conn.execute({"", "CREATE TABLE other (a)"}) == 0);
  CHECK(db.conn.execute({"", "DELETE FROM users WHERE id = $1"}, {std::int64_t{99}}) == 0);
  // A statement that returns rows works through execute() too.
  CHECK(db.conn.execute({"", "INSERT INTO users (email) VALUES ('d@x') RETURNING id"}) == 1);
}

TEST_CASE("sqlite: UNIQUE and NOT NULL violations are constraint errors", "[db][sqlite]") {
  Memory db;
  db.conn.execute(kCreateUsers);
  db.conn.execute(kInsertUser, {std::string("a@x")});

  const Error dup = error_of([&] { db.conn.execute(kInsertUser, {std::string("a@x")}); });
  CHECK(dup.code() == ErrorCode::constraint);
  CHECK_THAT(dup.what(),
             Contains("users.insert") && Contains("UNIQUE constraint failed: users.email"));

  const Error null = error_of([&] { db.conn.execute(kInsertUser, {nullptr}); });
  CHECK(null.code() == ErrorCode::constraint);
  CHECK_THAT(null.what(), Contains("NOT NULL"));

  // The cached statement that failed is usable again, without the old error.
  CHECK(db.conn.execute(kInsertUser, {std::string("b@x")}) == 1);
  CHECK(count(db.conn, kCountUsers) == 2);
}

TEST_CASE("sqlite: foreign keys are enforced", "[db][sqlite]") {
  Memory db;
  db.conn.execute_script(
      "CREATE TABLE rooms (id INTEGER PRIMARY KEY);"
      "CREATE TABLE bookings (id INTEGER PRIMARY KEY, room_id INTEGER NOT NULL REFERENCES "
      "rooms(id));"
      "INSERT INTO rooms (id) VALUES (1);");
  db.conn.execute({"", "INSERT INTO bookings (room_id) VALUES ($1)"}, {std::int64_t{1}});
  const Error e = error_of([&] {
    db.conn.execute({"", "INSERT INTO bookings (room_id) VALUES ($1)"}, {std::int64_t{2}});
  });
  CHECK(e.code() == ErrorCode::constraint);
  CHECK_THAT(e.what(), Contains("FOREIGN KEY constraint failed"));
}

TEST_CASE("sqlite: a SQL error is ErrorCode::other and names the query", "[db][sqlite]") {
  Memory db;
  const Error e = error_of([&] { db.conn.query({"broken.select", "SELECT * FROM nowhere"}); });
  CHECK(e.code() == ErrorCode::other);
  CHECK_THAT(e.what(), Contains("broken.select") && Contains("no such table: nowhere"));
}

TEST_CASE("sqlite: a query holding two statements is refused, not half run", "[db][sqlite]") {
  Memory db;
  db.conn.execute({"", "CREATE TABLE t (a)"});
  const Error e = error_of([&] {
    db.conn.execute({"two", "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)"});
  });
  CHECK(e.code() == ErrorCode::other);
  CHECK_THAT(e.what(), Contains("more than one statement"));
  CHECK(count(db.conn, "SELECT count(*) FROM t") == 0);
  CHECK(db.conn.execute({"", "INSERT INTO t VALUES (1); -- a trailing comment"}) == 1);
}

TEST_CASE("sqlite: a cached statement follows schema changes", "[db][sqlite]") {
  Memory db;
  const Query select_all{"", "SELECT * FROM t"};
  db.conn.execute({"", "CREATE TABLE t (a)"});
  db.conn.execute({"", "INSERT INTO t VALUES (1)"});
  CHECK(db.conn.query(select_all).at(0).size() == 1);
  db.conn.execute({"", "ALTER TABLE t ADD COLUMN b"});
  CHECK(db.conn.query(select_all).at(0).size() == 2);
}

TEST_CASE("sqlite: transactions commit, and roll back when not committed", "[db][sqlite][tx]") {
  TempDir dir;
  auto pool = open(dir.url("tx.db"), {.max_connections = 2});
  auto writer = pool->acquire();
  auto reader = pool->acquire();
  writer->execute(kCreateUsers);

  SECTION("commit makes the writes visible to other connections") {
    auto tx = writer->begin();
    writer->execute(kInsertUser, {std::string("a@x")});
    CHECK(count(*reader, kCountUsers) == 0);
    tx.commit();
    CHECK(count(*reader, kCountUsers) == 1);
    CHECK_THROWS_AS(tx.commit(), Error);  // already committed
  }
  SECTION("the destructor rolls back") {
    {
      auto tx = writer->begin();
      writer->execute(kInsertUser, {std::string("a@x")});
      CHECK(count(*writer, kCountUsers) == 1);
    }
    CHECK(count(*writer, kCountUsers) == 0);
    writer->begin().commit();  // no transaction was left open
  }
  SECTION("an exception unwinding through a transaction rolls it back") {
    try {
      auto tx = writer->begin();
      writer->execute(kInsertUser, {std::string("a@x")});
      throw std::runtime_error("service failed");
    } catch (const std::runtime_error&) {
    }
    CHECK(count(*writer, kCountUsers) == 0);
  }
  SECTION("a moved transaction is committed once, by its new owner") {
    auto tx = writer->begin();
    writer->execute(kInsertUser, {std::string("a@x")});
    Transaction moved = std::move(tx);
    moved.commit();
    CHECK_THROWS_AS(tx.commit(), Error);
    CHECK(count(*reader, kCountUsers) == 1);
  }
  SECTION("nested begin is an error") {
    auto tx = writer->begin();
    CHECK(error_of([&] { writer->begin(); }).code() == ErrorCode::other);
  }
}

TEST_CASE("sqlite: commit works after reading rows inside the transaction", "[db][sqlite][tx]") {
  Memory db;
  db.conn.execute(kCreateUsers);
  auto tx = db.conn.begin();
  for (const char* email : {"a@x", "b@x", "c@x"})
    db.conn.execute(kInsertUser, {std::string(email)});
  const Rows rows = db.conn.query({"users.list", "SELECT id, email FROM users ORDER BY id"});
  CHECK(rows.size() == 3);
  CHECK(count(db.conn, kCountUsers) == 3);
  db.conn.execute({"", "INSERT INTO users (email) VALUES ('d@x') RETURNING id"});
  CHECK_NOTHROW(tx.commit());
  CHECK(count(db.conn, kCountUsers) == 4);
}

TEST_CASE("sqlite: execute_script runs every statement", "[db][sqlite][script]") {
  Memory db;
  db.conn.execute_script(R"sql(
    -- a comment; with a semicolon
    CREATE TABLE x (a INTEGER PRIMARY KEY, note TEXT);
    INSERT INTO x VALUES (1, 'semi;colon');  /* a block; comment */
    INSERT INTO x VALUES (2, 'it''s');
    CREATE TRIGGER x_touch AFTER INSERT ON x BEGIN
      UPDATE x SET note = note || '!' WHERE a = NEW.a;
    END;
    INSERT INTO x VALUES (3, 'three');
    -- only a comment after the last statement
  )sql");
  const Rows rows = db.conn.query({"", "SELECT note FROM x ORDER BY a"});
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].text(0) == "semi;colon");
  CHECK(rows[1].text(0) == "it's");
  CHECK(rows[2].text(0) == "three!");
  CHECK_NOTHROW(db.conn.execute_script(""));
  CHECK_NOTHROW(db.conn.execute_script("  -- nothing\n"));
}

TEST_CASE("sqlite: a failing script statement is named, and the transaction undoes the rest",
          "[db][sqlite][script]") {
  Memory db;
  db.conn.execute_script("CREATE TABLE x (a INTEGER UNIQUE);");
  const std::string script =
      "INSERT INTO x (a) VALUES (1);\n"
      "-- the duplicate:\n"
      "INSERT INTO x VALUES (1);\n"
      "INSERT INTO x VALUES (4);\n";

  SECTION("inside a transaction") {
    {
      auto tx = db.conn.begin();
      const Error e = error_of([&] { db.conn.execute_script(script); });
      CHECK(e.code() == ErrorCode::constraint);
      CHECK_THAT(e.what(), Contains("statement \"INSERT INTO x VALUES (1)\" failed: "
                                    "UNIQUE constraint failed: x.a"));
    }
    CHECK(count(db.conn, "SELECT count(*) FROM x") == 0);
  }
  SECTION("outside one, statements before the failure stay and later ones never run") {
    CHECK(error_of([&] { db.conn.execute_script(script); }).code() == ErrorCode::constraint);
    CHECK(count(db.conn, "SELECT count(*) FROM x") == 1);
    CHECK(count(db.conn, "SELECT count(*) FROM x WHERE a = 4") == 0);
  }
  SECTION("a syntax error names its statement too") {
    const Error e = error_of([&] {
      db.conn.execute_script("INSERT INTO x VALUES (7);\nSELEC 1;\nINSERT INTO x VALUES (8);");
    });
    CHECK(e.code() == ErrorCode::other);
    CHECK_THAT(e.what(), Contains("statement \"SELEC 1\" failed: ") && Contains("syntax error"));
    CHECK(count(db.conn, "SELECT count(*) FROM x WHERE a = 8") == 0);
  }
  SECTION("so does one with a million ';' in a literal, in time linear in the script") {
    // Tried at every ';', finding the statement's end would read 10^11 bytes.
    const std::string semis(1'000'000, ';');
    const Error e = error_of(
        [&] { db.conn.execute_script("SELEC '" + semis + "';\nINSERT INTO x VALUES (9);"); });
    CHECK(e.code() == ErrorCode::other);
    CHECK_THAT(e.what(), Contains("statement \"SELEC '" + semis.substr(0, 200)) &&
                             Contains("...\" failed: ") && Contains("syntax error"));
    CHECK(count(db.conn, "SELECT count(*) FROM x WHERE a = 9") == 0);
  }
}

TEST_CASE("sqlite: a writer blocked past the busy timeout gets ErrorCode::busy",
          "[db][sqlite][busy]") {
  TempDir dir;
  auto pool = open(dir.url("busy.db"), {.max_connections = 2, .busy_timeout_ms = 10});
  auto first = pool->acquire();
  auto second = pool->acquire();
  first->execute(kCreateUsers);

  auto tx = first->begin();  // BEGIN IMMEDIATE: holds the write lock
  first->execute(kInsertUser, {std::string("a@x")});

  const Error begin_error = error_of([&] { second->begin(); });
  CHECK(begin_error.code() == ErrorCode::busy);
  CHECK_THAT(begin_error.what(), Contains("locked"));
  CHECK(error_of([&] { second->execute(kInsertUser, {std::string("b@x")}); }).code() ==
        ErrorCode::busy);
  // WAL: readers are not blocked by the writer and see the last commit.
  CHECK(count(*second, kCountUsers) == 0);

  tx.commit();
  auto tx2 = second->begin();  // the failed BEGIN left no transaction behind
  second->execute(kInsertUser, {std::string("b@x")});
  tx2.commit();
  CHECK(count(*first, kCountUsers) == 2);
}

TEST_CASE("sqlite: a full database is ErrorCode::full, and writes succeed again with room",
          "[db][sqlite][full]") {
  TempDir dir;
  auto pool = open("sqlite:" + (dir.path() / "full.db").string());
  auto conn = pool->acquire();
  conn->execute(kCreateUsers);
  // SQLite's own size limit fails writes exactly as a full disk does.
  const auto pages = conn->query({"", "PRAGMA page_count"}).at(0).integer(0);
  const std::string limit = "PRAGMA max_page_count = " + std::to_string(pages + 2);
  conn->execute({"", limit});
  std::int64_t stored = 0;
  const auto error = error_of([&] {
    for (int i = 0; i < 100000; ++i) {
      conn->execute(kInsertUser, {std::string(200, 'a') + std::to_string(i)});
      ++stored;
    }
  });
  CHECK(error.code() == ErrorCode::full);
  CHECK(stored > 0);
  CHECK(count(*conn, kCountUsers) == stored);  // nothing acknowledged is lost
  conn->execute({"", "PRAGMA max_page_count = 1000000"});
  conn->execute(kInsertUser, {std::string("after")});
  CHECK(count(*conn, kCountUsers) == stored + 1);
}

TEST_CASE("sqlite: writes to a database file deleted or replaced while open are refused",
          "[db][sqlite][gone]") {
  TempDir dir;
  const auto file = dir.path() / "gone.db";
  auto pool = open("sqlite:" + file.string());
  {
    auto conn = pool->acquire();
    conn->execute(kCreateUsers);
    conn->execute(kInsertUser, {std::string("before")});
  }
  SECTION("deleted") {
    std::filesystem::remove(file);
    std::filesystem::remove(file.string() + "-wal");
    std::filesystem::remove(file.string() + "-shm");
  }
  SECTION("replaced by another file") {
    std::filesystem::rename(file, dir.path() / "moved.db");
    std::ofstream(file) << "";
  }
  auto conn = pool->acquire();
  const auto write = error_of([&] { conn->execute(kInsertUser, {std::string("lost")}); });
  CHECK(write.code() == ErrorCode::connection);
  CHECK_THAT(write.what(), Contains(file.string()) && Contains("deleted or replaced"));
  CHECK(error_of([&] { conn->begin(); }).code() == ErrorCode::connection);
  // Reads still see what the open file holds.
  CHECK(count(*conn, kCountUsers) == 1);
  // A connection opened now would create an empty file: refused too.
  std::vector<Pool::Lease> more;
  const auto opening = error_of([&] {
    for (int i = 0; i < 3; ++i) more.push_back(pool->acquire());
  });
  CHECK(opening.code() == ErrorCode::connection);
}
