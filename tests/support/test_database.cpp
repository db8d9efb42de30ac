#include "support/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include "db/db.hpp"

namespace roombook::test {

namespace {

const char* server_url() {
  const char* url = std::getenv("ROOMBOOK_TEST_DATABASE_URL");
  return url && *url ? url : nullptr;
}

/// A statement against the test server itself (its default schema).
void on_server(const std::string& sql) {
  auto pool = db::open(server_url(), {.max_connections = 1});
  auto conn = pool->acquire();
  conn->execute_script(sql);
}

std::string unique_schema() {
  static std::atomic<int> counter{0};
  std::random_device random;
  return "rbtest_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
         std::to_string(random() % 1000000);
}

}  // namespace

bool on_postgres() { return server_url() != nullptr; }

TestDatabase::TestDatabase(const std::filesystem::path& dir, const std::string& name) {
  if (!on_postgres()) {
    url_ = "sqlite://" + (dir / name).string();
    return;
  }
  schema_ = unique_schema();
  // The rooms schema needs btree_gist; an extension lives once per database,
  // so it is created once in public, which every test schema's path holds.
  try {
    on_server("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public");
  } catch (const db::Error&) {
    // Another test process created it at the same moment.
  }
  on_server("CREATE SCHEMA " + schema_);
  const std::string base = server_url();
  url_ = base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" +
         schema_ + "%2Cpublic";
}

TestDatabase::~TestDatabase() {
  if (schema_.empty()) return;
  try {
    on_server("DROP SCHEMA " + schema_ + " CASCADE");
  } catch (const std::exception&) {
    // The server is going away with the run; nothing to clean up then.
  }
}

}  // namespace roombook::test
