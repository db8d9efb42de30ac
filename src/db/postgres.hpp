#pragma once

// Private to src/db: the PostgreSQL backend, over libpq.

#include <memory>
#include <optional>
#include <string>

#include "db/db.hpp"

namespace roombook::db::detail {

/// A pool over the PostgreSQL database of a libpq connection URI. Throws
/// db::Error(connection) when the server cannot be reached.
std::unique_ptr<Pool> open_postgres(const std::string& url, const PoolOptions& options);

/// Why libpq's own parser refuses `url`, or nullopt when it takes it.
std::optional<std::string> postgres_url_problem(const std::string& url);

}  // namespace roombook::db::detail
