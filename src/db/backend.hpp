#pragma once

// Private to src/db: what the pool needs from a backend's connections, and the
// pool itself. Backends (SQLite now, PostgreSQL later) build on this.

#include <cstddef>
#include <functional>
#include <memory>

#include <spdlog/spdlog.h>

#include "db/db.hpp"
#include "log/log.hpp"

namespace roombook::db::detail {

/// A Connection the pool can clean up when it comes back.
class Backend : public Connection {
 public:
  /// True while a transaction is open on this connection.
  virtual bool in_transaction() const noexcept = 0;
  /// Rolls back a transaction left open by whoever held the connection.
  void rollback_abandoned() noexcept { rollback_transaction(); }
  /// False once the connection is broken (the server went away, or a call
  /// failed for the connection's sake): the pool drops it rather than hand
  /// it out again. May look at the connection (PostgreSQL reads what the
  /// server sent meanwhile, such as its shutdown notice).
  virtual bool usable() noexcept { return true; }
};

/// Column `i` of a row of `columns`, as the engines number them; throws
/// db::Error when the row has no such column. Row and both RowViews check
/// with it.
int checked_column(std::size_t i, std::size_t columns);

/// The "db" module's logger: stderr, its level from ROOMBOOK_LOG.
inline std::shared_ptr<spdlog::logger> logger() { return log::get("db"); }

using BackendFactory = std::function<std::unique_ptr<Backend>()>;

/// A pool of at most `max_connections` connections made by `factory`, whose
/// acquire() waits at most `acquire_timeout`. Opens one connection before
/// returning, so an unusable database fails here rather than on the first
/// request.
std::unique_ptr<Pool> make_pool(BackendFactory factory, std::size_t max_connections,
                                std::chrono::milliseconds acquire_timeout, Dialect dialect);

}  // namespace roombook::db::detail
