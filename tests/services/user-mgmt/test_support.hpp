#pragma once

// Helpers shared by the user-mgmt tests: a migrated database (in memory or in
// a private temporary directory) and a look at the core::Error a call throws.

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

#include "core/error.hpp"
#include "db/db.hpp"
#include "migrate/migrate.hpp"

namespace roombook::user_mgmt::test {

using roombook::test::TempDir;

/// Applies every embedded migration to the database behind `pool`.
inline void migrate_all(db::Pool& pool) {
  migrate::Engine(pool, migrate::assemble(migrate::embedded(), db::Dialect::sqlite))
      .up(std::nullopt, std::nullopt, false);
}

/// A database with the real schema: in memory (one connection), or in a file
/// when several connections are needed.
class MigratedDb {
 public:
  MigratedDb() : pool_(db::open("sqlite::memory:")) { migrate_all(*pool_); }
  explicit MigratedDb(std::size_t max_connections)
      : dir_(std::make_unique<TempDir>()),
        pool_(db::open(dir_->url("users.db"), {.max_connections = max_connections})) {
    migrate_all(*pool_);
  }
  db::Pool& pool() { return *pool_; }

 private:
  std::unique_ptr<TempDir> dir_;  // before pool_: removed after it closes
  std::unique_ptr<db::Pool> pool_;
};

/// The core::Error that f throws; fails the test otherwise.
template <class F>
core::Error error_of(F&& f) {
  return roombook::test::thrown<core::Error>(std::forward<F>(f));
}

}  // namespace roombook::user_mgmt::test
