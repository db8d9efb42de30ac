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

#include "core/error.hpp"
#include "db/db.hpp"
#include "migrate/migrate.hpp"

namespace roombook::user_mgmt::test {

/// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "roombook-users-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// sqlite:///<dir>/<name>
  std::string url(const std::string& name) const { return "sqlite://" + (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

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

/// The core::Error that f throws; fails the test if it throws nothing or
/// something else.
template <class F>
core::Error error_of(F&& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e;
  }
  FAIL("expected a core::Error");
  throw std::logic_error("unreachable");
}

}  // namespace roombook::user_mgmt::test
