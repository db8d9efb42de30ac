// Engine-independent parts of the data layer: Row, Transaction, URL handling.

#include "db/db.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <string>
#include <system_error>

#include "core/time.hpp"
#include "core/url.hpp"
#include "db/backend.hpp"
#include "db/postgres.hpp"
#include "db/sqlite.hpp"

namespace roombook::db {

namespace {

const char* type_name(const Value& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return "an integer";
    case 2:
      return "a real";
    case 3:
      return "text";
    default:
      return "a time";
  }
}

[[noreturn]] void throw_mismatch(std::size_t i, const Value& v, const char* wanted) {
  throw Error(ErrorCode::other,
              "column " + std::to_string(i) + " is " + type_name(v) + ", expected " + wanted);
}

// Shortest text that reads back as the same double, keeping a ".0" on whole
// numbers the way SQLite prints REAL values ("1.0", not "1").
std::string format_real(double d) {
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  if (ec != std::errc{}) return std::to_string(d);
  std::string s(buf.data(), end);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // 'n': inf and nan
  return s;
}

constexpr std::string_view kAcceptedUrls = "sqlite:PATH, sqlite:///ABS/PATH or sqlite::memory:";

}  // namespace

// Row ---------------------------------------------------------------------

int detail::checked_column(std::size_t i, std::size_t columns) {
  if (i >= columns) {
    throw Error(ErrorCode::other, "column " + std::to_string(i) + " out of range: the row has " +
                                      std::to_string(columns) + " columns");
  }
  return static_cast<int>(i);
}

namespace {
const Value& column(const std::vector<Value>& values, std::size_t i) {
  return values[static_cast<std::size_t>(detail::checked_column(i, values.size()))];
}
}  // namespace

bool Row::is_null(std::size_t i) const {
  return std::holds_alternative<std::nullptr_t>(column(values_, i));
}

std::int64_t Row::integer(std::size_t i) const {
  const Value& v = column(values_, i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  throw_mismatch(i, v, "an integer");
}

std::string Row::text(std::size_t i) const {
  const Value& v = column(values_, i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return format_real(*d);
  if (const auto* t = std::get_if<Time>(&v)) return core::format_rfc3339(t->value);
  throw_mismatch(i, v, "text");
}

std::chrono::sys_seconds Row::time(std::size_t i) const {
  const Value& v = column(values_, i);
  if (const auto* t = std::get_if<Time>(&v)) return t->value;
  // SQLite keeps times as the RFC 3339 text it was given.
  if (const auto* s = std::get_if<std::string>(&v)) {
    std::string why;
    if (auto t = core::parse_rfc3339(*s, why)) return *t;
  }
  throw_mismatch(i, v, "a time");
}

std::optional<std::string> Row::optional_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

// Transaction -------------------------------------------------------------

Transaction::~Transaction() {
  // rollback_transaction() is noexcept: a destructor running during stack
  // unwinding must not throw.
  if (conn_) conn_->rollback_transaction();
}

void Transaction::commit() {
  if (!conn_) throw Error(ErrorCode::other, "transaction is no longer active");
  // Only forget the connection once COMMIT succeeded: a failed COMMIT (busy,
  // deferred constraint) leaves the transaction open, and the destructor must
  // still roll it back.
  conn_->commit_transaction();
  conn_ = nullptr;
}

// Transactions of services ---------------------------------------------------

void Pool::transact(const std::function<void(Connection&)>& work) {
  for (int attempt = 1;; ++attempt) {
    try {
      auto conn = acquire();
      auto tx = conn->begin();
      work(*conn);
      tx.commit();
      return;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::serialization) throw;
      if (attempt == kTransactionAttempts) {
        throw Error(ErrorCode::busy, std::string(e.what()) + " (tried " +
                                         std::to_string(kTransactionAttempts) + " times)");
      }
    }
  }
}

namespace {

const Query kSavepoint{"savepoint", "SAVEPOINT roombook_work"};
const Query kRelease{"release", "RELEASE roombook_work"};
const Query kRollbackTo{"rollback_to", "ROLLBACK TO roombook_work"};

thread_local CommitGroup* t_group = nullptr;
thread_local std::uint64_t t_joined = 0;

}  // namespace

/// One pool's share of a group: a connection inside its write transaction.
struct CommitGroup::Batch {
  explicit Batch(Pool& p) : pool(&p), lease(p.acquire()), tx(lease->begin()) {}
  Pool* pool;
  Pool::Lease lease;
  Transaction tx;
  /// Set when a work's failure took the whole transaction with it (SQLite
  /// rolls back by itself on a full disk or an I/O error).
  std::optional<Error> broken;
};

CommitGroup::CommitGroup() : outer_(t_group) { t_group = this; }

CommitGroup::~CommitGroup() {
  batches_.clear();  // each Transaction rolls back what it holds
  t_group = outer_;
}

std::uint64_t CommitGroup::joined() { return t_joined; }

CommitGroup* CommitGroup::current() { return t_group; }

void CommitGroup::run(Pool& pool, const std::function<void(Connection&)>& work) {
  Batch* batch = nullptr;
  for (const auto& b : batches_) {
    if (b->pool == &pool) batch = b.get();
  }
  if (batch == nullptr) batch = batches_.emplace_back(std::make_unique<Batch>(pool)).get();
  if (batch->broken) throw *batch->broken;
  Connection& conn = *batch->lease;
  conn.execute(kSavepoint);
  try {
    work(conn);
  } catch (...) {
    const std::exception_ptr failure = std::current_exception();
    // Undo this work alone; the others' writes stay in the transaction.
    try {
      conn.execute(kRollbackTo);
      conn.execute(kRelease);
    } catch (const Error& undo) {
      // The transaction is gone: report why, the work's error if it is one.
      try {
        std::rethrow_exception(failure);
      } catch (const Error& e) {
        batch->broken = e;
      } catch (...) {
        batch->broken = undo;
      }
    }
    throw;
  }
  try {
    conn.execute(kRelease);
  } catch (const Error& e) {
    batch->broken = e;
    throw;
  }
  ++pending_;
  ++t_joined;
}

void CommitGroup::commit() {
  std::optional<Error> failure;
  for (const auto& b : batches_) {
    try {
      if (b->broken) throw *b->broken;
      b->tx.commit();
    } catch (const Error& e) {
      if (!failure) failure = e;
    }
  }
  batches_.clear();
  pending_ = 0;
  if (failure) throw *failure;
}

// URLs --------------------------------------------------------------------

std::optional<Url> parse_url(const std::string& url, std::string& why) {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    // libpq's own parser: what passes it, libpq can connect with.
    if (auto problem = detail::postgres_url_problem(url)) {
      why = "libpq cannot read it: " + *problem;
      return std::nullopt;
    }
    return Url{Url::Kind::postgres, {}};
  }
  constexpr std::string_view kSqlite = "sqlite:";
  if (!url.starts_with(kSqlite)) {
    why = "the scheme must be sqlite: or postgres://";
    return std::nullopt;
  }
  const std::string_view rest = std::string_view(url).substr(kSqlite.size());
  if (rest == ":memory:") return Url{Url::Kind::sqlite_memory, ":memory:"};
  std::string path;
  if (rest.starts_with("//")) {
    // URL form: only an empty host is meaningful, i.e. sqlite:///abs/path.
    if (!rest.starts_with("///")) {
      why = "sqlite:// must be followed by an absolute path: sqlite:///ABS/PATH";
      return std::nullopt;
    }
    path = std::string(rest.substr(2));
  } else {
    path = std::string(rest);
  }
  if (path.empty() || path == "/") {
    why = "sqlite: needs a path: " + std::string(kAcceptedUrls);
    return std::nullopt;
  }
  // SQLite gives names starting with ':' special meanings; a typo such as
  // "sqlite::memory" would otherwise silently create a file named ":memory".
  if (path.front() == ':') {
    why = "\"" + path + "\" is a special name SQLite does not know: " + std::string(kAcceptedUrls);
    return std::nullopt;
  }
  return Url{Url::Kind::sqlite_file, std::move(path)};
}

std::unique_ptr<Pool> open(const std::string& url, const PoolOptions& options) {
  if (options.max_connections == 0) {
    throw std::invalid_argument("database pool size must be at least 1");
  }
  if (options.busy_timeout_ms < 0) {
    throw std::invalid_argument("database busy timeout must not be negative");
  }
  std::string why;
  const auto parsed = parse_url(url, why);
  if (!parsed) {
    throw std::invalid_argument("bad database URL \"" + core::mask_url(url) + "\": " + why);
  }
  switch (parsed->kind) {
    case Url::Kind::postgres:
      return detail::open_postgres(url, options);
    case Url::Kind::sqlite_memory: {
      // Each in-memory connection is a database of its own: a second
      // connection would see none of the first one's tables.
      PoolOptions one = options;
      one.max_connections = 1;
      return detail::open_sqlite(":memory:", one);
    }
    case Url::Kind::sqlite_file:
      break;
  }
  return detail::open_sqlite(parsed->path, options);
}

}  // namespace roombook::db
