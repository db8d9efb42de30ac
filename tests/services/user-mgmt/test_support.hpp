#pragma once

// Helpers shared by the user-mgmt tests: a migrated database (in memory, or a
// fresh one of the test database: a SQLite file in a private temporary
// directory or a PostgreSQL schema) and a look at the core::Error a call
// throws.

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

#include "core/error.hpp"
#include "db/db.hpp"
#include "migrate/migrate.hpp"

namespace roombook::user_mgmt::test {

using roombook::test::TempDir;
using roombook::test::TestDatabase;

/// Applies every embedded migration to the database behind `pool`.
inline void migrate_all(db::Pool& pool) {
  migrate::Engine(pool, migrate::assemble(migrate::embedded(), pool.dialect()))
      .up(std::nullopt, std::nullopt, false);
}

/// A database with the real schema. On SQLite in memory (one connection), or
/// in a file when several connections are needed; on PostgreSQL a schema of
/// its own either way.
class MigratedDb {
 public:
  MigratedDb() {
    if (roombook::test::on_postgres()) {
      open({});
    } else {
      pool_ = db::open("sqlite::memory:");
    }
    migrate_all(*pool_);
  }
  explicit MigratedDb(std::size_t max_connections) {
    open({.max_connections = max_connections});
    migrate_all(*pool_);
  }
  db::Pool& pool() { return *pool_; }

 private:
  void open(const db::PoolOptions& options) {
    dir_ = std::make_unique<TempDir>();
    database_ = std::make_unique<TestDatabase>(dir_->path(), "users.db");
    pool_ = db::open(database_->url(), options);
  }

  // In this order: the pool closes before its database goes, then the directory.
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<db::Pool> pool_;
};

/// The core::Error that f throws; fails the test otherwise.
template <class F>
core::Error error_of(F&& f) {
  return roombook::test::thrown<core::Error>(std::forward<F>(f));
}

}  // namespace roombook::user_mgmt::test
