#pragma once

// Helpers shared by the cmd tests: a migrated database of its own (a SQLite
// file, or a PostgreSQL schema of the test server) and a Context over it that
// writes to string streams, and argv for dispatch().

#include <stdlib.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

#include "cmd/commands.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "db/db.hpp"
#include "migrate/migrate.hpp"

namespace roombook::cmd::test {

using roombook::test::TempDir;
using roombook::test::TestDatabase;

/// The services as the registry lists them (dispatch_test.cpp checks that
/// service_specs() says the same).
inline std::vector<config::ServiceSpec> test_services() {
  return {{"user-mgmt", 8081, "USER_MGMT"}, {"rooms", 8082, "ROOMS"}};
}

inline config::Config config_for(const std::string& database_url) {
  config::LoadOptions options;
  options.environment = {{"DATABASE_URL", database_url}};
  options.read_env_file = false;
  options.services = test_services();
  return config::Config::load(options);
}

inline void migrate_url(const std::string& url) {
  auto pool = db::open(url);
  migrate::Engine(*pool, migrate::assemble(migrate::embedded(), pool->dialect()))
      .up(std::nullopt, std::nullopt, false);
}

/// What a command needs: a database of its own (migrated unless told not
/// to), and a Context whose streams the test reads.
struct Cli {
  explicit Cli(bool migrated = true, bool terminal = false)
      : url(database.url()), ctx{config_for(url), out, err, terminal} {
    if (migrated) migrate_url(url);
  }
  /// Empties both streams between commands.
  void clear() {
    out.str({});
    err.str({});
  }

  TempDir dir;
  TestDatabase database{dir.path(), "x.db"};
  std::string url;
  std::ostringstream out;
  std::ostringstream err;
  Context ctx;
};

/// The core::Error that f throws; fails the test otherwise.
template <class F>
core::Error error_of(F&& f) {
  return roombook::test::thrown<core::Error>(std::forward<F>(f));
}

/// Runs dispatch() on these arguments (argv[0] included).
struct Dispatched {
  int code;
  std::string out;
  std::string err;
};
inline Dispatched run_dispatch(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::ostringstream out, err;
  const int code = dispatch(static_cast<int>(args.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

}  // namespace roombook::cmd::test
