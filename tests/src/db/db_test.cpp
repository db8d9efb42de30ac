// open() and parse_url(): URL forms and connection settings; Row.

#include "db/db.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include "core/url.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace roombook::db;
using roombook::db::test::error_of;
using roombook::db::test::TempDir;

TEST_CASE("open: sqlite::memory: is a working SQLite database", "[db][url]") {
  auto pool = open("sqlite::memory:");
  CHECK(pool->dialect() == Dialect::sqlite);
  auto conn = pool->acquire();
  CHECK(conn->dialect() == Dialect::sqlite);
  CHECK(conn->query({"one", "SELECT 1"}).at(0).integer(0) == 1);
}

TEST_CASE("open: sqlite:///ABS/PATH creates the file at that absolute path", "[db][url]") {
  TempDir dir;
  const fs::path file = dir.path() / "abs.db";
  auto pool = open("sqlite://" + file.string());  // sqlite:///tmp/...
  pool->acquire()->execute({"", "CREATE TABLE t (a)"});
  CHECK(fs::exists(file));
}

TEST_CASE("open: sqlite:PATH is relative to the working directory", "[db][url]") {
  TempDir dir;
  const fs::path file = dir.path() / "rel.db";
  const fs::path relative = fs::relative(file, fs::current_path());
  REQUIRE(relative.is_relative());
  auto pool = open("sqlite:" + relative.string());
  pool->acquire()->execute({"", "CREATE TABLE t (a)"});
  CHECK(fs::exists(file));
}

TEST_CASE("open: unknown schemes and malformed URLs are rejected", "[db][url]") {
  for (const std::string url : {"mysql://u:secret@h/db", "", "sqlite", "sqlite:", "sqlite://",
                                "sqlite://host/x.db", "sqlite::memory", "file:x.db"}) {
    INFO("url: " << url);
    try {
      open(url);
      FAIL("no exception");
    } catch (const std::invalid_argument& e) {
      // What is wrong, and what would do.
      CHECK_THAT(e.what(), StartsWith("bad database URL \""));
      CHECK_THAT(e.what(), Contains("sqlite:"));
      CHECK_THAT(e.what(), !Contains("secret"));
      if (!url.empty()) CHECK_THAT(e.what(), Contains(roombook::core::mask_url(url)));
    }
  }
}

TEST_CASE("open: a PostgreSQL server that cannot be reached is a connection error, password masked",
          "[db][url]") {
  // Port 1 of the loopback: nothing listens there, so the connection is refused.
  for (const std::string url : {"postgres://u:secret@127.0.0.1:1/db",
                                "postgresql://u:secret@127.0.0.1:1/db?sslmode=disable"}) {
    INFO("url: " << url);
    const Error e = error_of([&] { open(url); });
    CHECK(e.code() == ErrorCode::connection);
    CHECK_THAT(e.what(), StartsWith("cannot connect to PostgreSQL at "));
    CHECK_THAT(e.what(), Contains("u:***@127.0.0.1:1/db"));
    CHECK_THAT(e.what(), !Contains("secret"));
  }
}

TEST_CASE("open: a missing directory is a connection error naming the path", "[db][url]") {
  TempDir dir;
  const fs::path file = dir.path() / "no-such-dir" / "x.db";
  const Error e = error_of([&] { open("sqlite://" + file.string()); });
  CHECK(e.code() == ErrorCode::connection);
  CHECK_THAT(e.what(), Contains(file.string()) && Contains("does not exist"));
  CHECK_FALSE(fs::exists(file.parent_path()));
}

TEST_CASE("open: a file that is not a database is a connection error", "[db][url]") {
  TempDir dir;
  const fs::path file = dir.path() / "junk.db";
  std::ofstream(file) << std::string(4096, 'x');
  const Error e = error_of([&] { open(dir.url("junk.db")); });
  CHECK(e.code() == ErrorCode::connection);
  CHECK_THAT(e.what(), Contains(file.string()) && Contains("not a database"));
}

TEST_CASE("open: a pool of zero connections is rejected", "[db][url]") {
  CHECK_THROWS_AS(open("sqlite::memory:", {.max_connections = 0}), std::invalid_argument);
  CHECK_THROWS_AS(open("sqlite::memory:", {.busy_timeout_ms = -1}), std::invalid_argument);
}

TEST_CASE("open: every connection of a file database has WAL, NORMAL, foreign keys, timeout",
          "[db][pragma]") {
  TempDir dir;
  auto pool = open(dir.url("p.db"), {.max_connections = 2, .busy_timeout_ms = 1234});
  // Two leases at once: the second is a connection of its own.
  auto first = pool->acquire();
  auto second = pool->acquire();
  for (Connection* conn : {&*first, &*second}) {
    CHECK(conn->query({"", "PRAGMA journal_mode"}).at(0).text(0) == "wal");
    CHECK(conn->query({"", "PRAGMA foreign_keys"}).at(0).integer(0) == 1);
    CHECK(conn->query({"", "PRAGMA synchronous"}).at(0).integer(0) == 1);  // NORMAL
    CHECK(conn->query({"", "PRAGMA busy_timeout"}).at(0).integer(0) == 1234);
  }
}

TEST_CASE("Row: typed accessors", "[db][row]") {
  const Row row({nullptr, std::int64_t{42}, 2.5, std::string("text"), 1.0});
  REQUIRE(row.size() == 5);

  CHECK(row.is_null(0));
  CHECK_FALSE(row.is_null(1));
  CHECK(row.integer(1) == 42);
  CHECK(std::get<double>(row.at(2)) == 2.5);
  CHECK(row.text(3) == "text");
  CHECK(row.text(1) == "42");
  CHECK(row.text(2) == "2.5");
  CHECK(row.text(4) == "1.0");
  CHECK(row.optional_text(0) == std::nullopt);
  CHECK(row.optional_text(3) == "text");

  const Error on_null = error_of([&] { row.integer(0); });
  CHECK(on_null.code() == ErrorCode::other);
  CHECK_THAT(on_null.what(), Contains("column 0") && Contains("NULL"));
  const Error on_text = error_of([&] { row.integer(3); });
  CHECK_THAT(on_text.what(), Contains("column 3"));
  CHECK_THAT(error_of([&] { row.integer(2); }).what(), Contains("column 2"));  // real: no rounding
  CHECK_THAT(error_of([&] { row.text(0); }).what(), Contains("column 0"));
  CHECK_THAT(error_of([&] { row.is_null(5); }).what(), Contains("column 5"));
}

TEST_CASE("parse_url: the forms a database URL may take", "[db][url]") {
  std::string why;
  auto file = parse_url("sqlite:data/rb.db", why);
  REQUIRE(file);
  CHECK(file->kind == Url::Kind::sqlite_file);
  CHECK(file->path == "data/rb.db");
  auto absolute = parse_url("sqlite:///var/lib/rb.db", why);
  REQUIRE(absolute);
  CHECK(absolute->path == "/var/lib/rb.db");
  CHECK(parse_url("sqlite::memory:", why)->kind == Url::Kind::sqlite_memory);
  CHECK(parse_url("postgres://u:p@h/db", why)->kind == Url::Kind::postgres);
  CHECK(parse_url("postgresql:///db?host=/run/postgresql", why)->kind == Url::Kind::postgres);
  for (const std::string bad : {"sqlite::memory", "sqlite:", "sqlite://", "sqlite://host/x.db",
                                "sqlite:/", "mysql://u:p@h/db", ""}) {
    INFO(bad);
    why.clear();
    CHECK_FALSE(parse_url(bad, why));
    CHECK_FALSE(why.empty());
  }
}
