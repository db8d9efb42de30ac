#pragma once

// Helpers shared by the db tests: a private temporary directory per test and
// a way to look at the db::Error a call throws.

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

#include "db/db.hpp"

namespace roombook::db::test {

using roombook::test::TempDir;

/// The db::Error that f throws; fails the test if it throws nothing or
/// something else.
template <class F>
Error error_of(F&& f) {
  return roombook::test::thrown<Error>(std::forward<F>(f));
}

inline std::int64_t count(Connection& conn, std::string_view count_sql) {
  return conn.query({"count", count_sql}).at(0).integer(0);
}

}  // namespace roombook::db::test
