#pragma once

// Private to src/db: the SQLite backend.

#include <memory>
#include <string>
#include <string_view>

#include "db/db.hpp"

namespace roombook::db::detail {

/// A pool over the SQLite database at `path` (a file path or ":memory:").
/// Throws db::Error(connection) when the database cannot be opened.
std::unique_ptr<Pool> open_sqlite(const std::string& path, const PoolOptions& options);

/// Rewrites $N placeholders as ?N, leaving string literals, quoted identifiers
/// and comments alone. SQLite reads `$1` as a *named* parameter numbered by
/// first appearance, so "... $2 ... $1" would bind backwards without this.
std::string translate_placeholders(std::string_view sql);

}  // namespace roombook::db::detail
