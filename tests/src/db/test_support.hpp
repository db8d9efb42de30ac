#pragma once

// Helpers shared by the db tests: a private temporary directory per test and
// a way to look at the db::Error a call throws.

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "db/db.hpp"

namespace roombook::db::test {

/// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "roombook-db-XXXXXX").string();
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

  const std::filesystem::path& path() const { return path_; }
  /// sqlite:///<dir>/<name>
  std::string url(const std::string& name) const { return "sqlite://" + (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// The db::Error that f throws; fails the test if it throws nothing or
/// something else.
template <class F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a db::Error");
  throw std::logic_error("unreachable");
}

inline std::int64_t count(Connection& conn, std::string_view count_sql) {
  return conn.query({"count", count_sql}).at(0).integer(0);
}

}  // namespace roombook::db::test
