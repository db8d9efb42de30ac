#pragma once

// The data layer: one interface, one backend per engine. No engine header
// (<sqlite3.h>, <libpq-fe.h>) may appear here: services and commands see only
// these types.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace roombook::db {

/// What kind of failure, so callers can react without parsing messages.
enum class ErrorCode {
  constraint,     ///< UNIQUE, exclusion, NOT NULL, CHECK or FOREIGN KEY violated
  busy,           ///< locked past the timeout, or no connection free in time
  connection,     ///< cannot open or lost the connection, or its file is gone
  full,           ///< the disk (or the database's size limit) is full
  serialization,  ///< a transaction lost to another (PostgreSQL): run it again
  other,
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

enum class Dialect { sqlite, postgres };

/// A SQL statement written once, with $1, $2 ... placeholders. Keep these as
/// named constants next to the code that uses them: backends prepare each
/// distinct text once per connection and reuse it.
struct Query {
  std::string_view name;  ///< for logs: "users.insert"
  std::string_view sql;
  /// A read that locks the rows it returns against other writers until the
  /// transaction ends, for a read-modify-write that must not lose another's
  /// change. PostgreSQL runs it as SELECT ... FOR UPDATE; SQLite needs
  /// nothing, since a write transaction already holds its single write lock.
  bool lock_rows = false;
};

/// A point in time, to the second. Each backend stores it natively: RFC 3339
/// text in UTC on SQLite (2030-03-01T10:00:00Z, which sorts as time does),
/// timestamptz on PostgreSQL.
struct Time {
  std::chrono::sys_seconds value;
};

/// NULL, INTEGER, REAL, TEXT or a time.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string, Time>;
using Params = std::vector<Value>;

/// A time, or NULL: for an open end of a window ("starts_at < $3 OR $3 IS NULL").
inline Value optional_time(const std::optional<std::chrono::sys_seconds>& t) {
  return t ? Value(Time{*t}) : Value(nullptr);
}

/// One result row; columns in SELECT order.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const noexcept { return values_.size(); }
  bool is_null(std::size_t i) const;
  std::int64_t integer(std::size_t i) const;  ///< throws db::Error if NULL or not an integer
  std::string text(std::size_t i) const;      ///< integers and reals are converted
  std::optional<std::string> optional_text(std::size_t i) const;
  /// A time column, whichever way the backend stores it.
  std::chrono::sys_seconds time(std::size_t i) const;
  const Value& at(std::size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};
using Rows = std::vector<Row>;

/// One result row read in place, while Connection::query_each visits it:
/// text comes as a view into the engine's own buffer, valid until the
/// visit of that row ends. Columns in SELECT order; reading a column as
/// the wrong type throws db::Error, as Row does.
class RowView {
 public:
  virtual std::size_t size() const = 0;
  virtual bool is_null(std::size_t i) const = 0;
  virtual std::int64_t integer(std::size_t i) const = 0;
  /// Text as stored; integers and reals as the engine writes them.
  virtual std::string_view text(std::size_t i) const = 0;
  /// A time column, whichever way the backend stores it.
  virtual std::chrono::sys_seconds time(std::size_t i) const = 0;
  std::optional<std::string> optional_text(std::size_t i) const {
    if (is_null(i)) return std::nullopt;
    return std::string(text(i));
  }

 protected:
  ~RowView() = default;
};

/// What query_each calls for every row, in order.
using RowVisitor = std::function<void(const RowView&)>;

class Connection;

/// RAII transaction: commit() or the destructor rolls back. Never throws from
/// the destructor. Not copyable; movable.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(&conn) {}
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Connection* conn_;
};

/// One connection, used by one thread at a time.
class Connection {
 public:
  virtual ~Connection() = default;
  /// Runs a statement that returns rows.
  virtual Rows query(const Query& q, const Params& p = {}) = 0;
  /// The same, visiting each row where the engine holds it, with no copy:
  /// the way to read many rows into records (see query_all).
  virtual void query_each(const Query& q, const Params& p, const RowVisitor& visit) = 0;
  /// Runs a statement and returns the number of rows it changed.
  virtual std::int64_t execute(const Query& q, const Params& p = {}) = 0;
  /// Runs a script of several statements separated by ';' (a migration file).
  /// On failure, throws db::Error whose message names the failing statement.
  virtual void execute_script(std::string_view sql) = 0;
  /// Starts a write transaction. On SQLite it takes the write lock at once
  /// (BEGIN IMMEDIATE), so two writers queue instead of deadlocking when a
  /// reader upgrades: writers of one process on a mutex, woken in turn;
  /// writers of other processes on the busy timeout.
  virtual Transaction begin() = 0;
  virtual Dialect dialect() const = 0;

 protected:
  friend class Transaction;
  virtual void commit_transaction() = 0;
  virtual void rollback_transaction() noexcept = 0;
};

/// The rows of a query, each made into a record by `make(const RowView&)`.
template <class Make>
auto query_all(Connection& conn, const Query& q, const Params& p, Make make) {
  std::vector<std::decay_t<decltype(make(std::declval<const RowView&>()))>> out;
  conn.query_each(q, p, [&](const RowView& row) { out.push_back(make(row)); });
  return out;
}

/// The first row of a query made into a record, if there is one.
template <class Make>
auto query_one(Connection& conn, const Query& q, const Params& p, Make make) {
  std::optional<std::decay_t<decltype(make(std::declval<const RowView&>()))>> out;
  conn.query_each(q, p, [&](const RowView& row) {
    if (!out) out = make(row);
  });
  return out;
}

/// Hands out connections, one thread at a time each. Returning a lease puts
/// the connection back.
class Pool {
 public:
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> conn) : pool_(&pool), conn_(std::move(conn)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->release(std::move(conn_));
    }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  virtual ~Pool() = default;
  /// Waits until a connection is free, opening a new one while under the
  /// size; a connection found broken is dropped, never handed out. Past the
  /// pool's acquire timeout it throws db::Error(busy).
  virtual Lease acquire() = 0;
  virtual Dialect dialect() const = 0;
  /// Runs `work` in one write transaction: see db::transact(), which is how
  /// services call it.
  virtual void transact(const std::function<void(Connection&)>& work);

 protected:
  virtual void release(std::unique_ptr<Connection> conn) noexcept = 0;
};

/// How many times transact() runs work that keeps losing to other
/// transactions (ErrorCode::serialization) before it gives up.
constexpr int kTransactionAttempts = 4;

/// Runs `work(connection)` in one write transaction and commits what it
/// did; whatever it throws rolls it back. The one way services write, so
/// that the data layer decides how the work runs:
/// - when PostgreSQL reports a serialization failure or a deadlock, the
///   whole work runs again, up to kTransactionAttempts times, then fails
///   as busy (503);
/// - on SQLite, inside a CommitGroup, it joins the group's transaction.
template <class Work>
auto transact(Pool& pool, Work work) -> decltype(work(std::declval<Connection&>())) {
  using Result = decltype(work(std::declval<Connection&>()));
  if constexpr (std::is_void_v<Result>) {
    pool.transact([&](Connection& conn) { work(conn); });
  } else {
    std::optional<Result> result;
    pool.transact([&](Connection& conn) { result.emplace(work(conn)); });
    return std::move(*result);
  }
}

/// Group commit on SQLite. While a CommitGroup is open on a thread, every
/// transact() that thread makes on a SQLite pool runs inside one write
/// transaction of that pool, each work in a SAVEPOINT of its own, so that
/// one work's failure undoes its own writes and nobody else's; commit()
/// commits them all at once, which costs SQLite one commit instead of one
/// per work. Whoever answers for a work that joined (joined() moved) must
/// wait for commit() to succeed: until then it is not stored. A failed
/// commit throws, and none of the joined works is stored. PostgreSQL pools
/// ignore the group.
///
/// The group holds the SQLite write lock from the first work that joins
/// until commit(): meanwhile the thread must write through transact() only
/// (a write on another connection of the pool fails at once rather than
/// wait for a lock its own thread holds).
class CommitGroup {
 public:
  CommitGroup();
  /// Rolls back what was not committed.
  ~CommitGroup();
  CommitGroup(const CommitGroup&) = delete;
  CommitGroup& operator=(const CommitGroup&) = delete;

  /// Works that joined a group on this thread, ever: read it before and
  /// after running something to tell whether that joined.
  static std::uint64_t joined();
  /// The group open on this thread, if any.
  static CommitGroup* current();
  /// Works joined since the last commit().
  std::size_t pending() const noexcept { return pending_; }
  /// Commits what joined; the group stays open, empty. Throws db::Error.
  void commit();

  /// For the pools: runs `work` in the group's transaction on `pool`.
  void run(Pool& pool, const std::function<void(Connection&)>& work);

 private:
  struct Batch;
  std::vector<std::unique_ptr<Batch>> batches_;
  std::size_t pending_ = 0;
  CommitGroup* outer_;
};

/// Reads a record, changes it and writes it back, in one transaction, so
/// that two concurrent changes cannot lose each other's: `read(conn)` gives
/// std::optional<Record> (nullopt: nothing to change, returned as is) and
/// must lock what it reads (Query::lock_rows),
/// `write(conn, change(record))` stores the change, and the record is read
/// again as stored.
template <class Read, class Change, class Write>
auto read_modify_write(Pool& pool, Read read, Change change, Write write) {
  return transact(pool, [&](Connection& conn) -> decltype(read(conn)) {
    auto current = read(conn);
    if (!current) return current;
    write(conn, change(*current));
    return read(conn);
  });
}

struct PoolOptions {
  std::size_t max_connections = 8;
  int busy_timeout_ms = 10000;
  /// How long acquire() waits for a free connection (DB_ACQUIRE_TIMEOUT).
  std::chrono::milliseconds acquire_timeout{2000};
};

/// A database URL taken apart.
struct Url {
  enum class Kind { sqlite_file, sqlite_memory, postgres };
  Kind kind = Kind::sqlite_file;
  std::string path;  ///< of a SQLite file, as given (relative to the current directory)
};

/// Parses a database URL: sqlite:PATH (relative), sqlite:///ABS/PATH,
/// sqlite::memory:, or a PostgreSQL URI, postgres://USER:PASSWORD@HOST:PORT/DB
/// (or postgresql://) with libpq's parameters (?sslmode=require&...) and the
/// socket form postgres:///DB?host=/run/postgresql, read by libpq's own
/// parser. The one parser both `Config::load` (to refuse a bad value at
/// start, naming its variable) and open() use. nullopt with the reason in
/// `why` for anything else.
std::optional<Url> parse_url(const std::string& url, std::string& why);

/// Opens a pool for a database URL (see parse_url).
/// Throws db::Error(connection) when it cannot open it, std::invalid_argument
/// for a malformed URL or a scheme this build does not support. `sqlite::memory:` gives a pool of
/// one connection, since every SQLite in-memory connection is a database of its own.
std::unique_ptr<Pool> open(const std::string& url, const PoolOptions& options = {});

}  // namespace roombook::db
