#pragma once

// The database the backend-dependent tests run on. Without
// ROOMBOOK_TEST_DATABASE_URL they run on SQLite; with it, set to a
// PostgreSQL server's URL (scripts/test starts one), the same test cases
// run on PostgreSQL, each in a schema of its own.

#include <filesystem>
#include <string>

namespace roombook::test {

/// Whether the tests run on PostgreSQL (ROOMBOOK_TEST_DATABASE_URL is set).
bool on_postgres();

/// A fresh, empty database for one test case: a SQLite file `name` in `dir`,
/// or, on PostgreSQL, a new schema of the test server (dropped, with all it
/// holds, when this goes). url() is a DATABASE_URL for it.
class TestDatabase {
 public:
  TestDatabase(const std::filesystem::path& dir, const std::string& name);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& url() const { return url_; }

 private:
  std::string url_;
  std::string schema_;  ///< PostgreSQL only
};

}  // namespace roombook::test
