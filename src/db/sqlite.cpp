// The SQLite backend. SQLiteCpp opens and owns each connection; the cached
// statements and the script runner use the C API on its handle (see
// statements_ for why). <sqlite3.h> is included here and only here.

#include "db/sqlite.hpp"

#include <sqlite3.h>
#include <sys/stat.h>

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/time.hpp"
#include "db/backend.hpp"
#include "db/sql_text.hpp"

namespace roombook::db::detail {

namespace {

// Transaction control goes through the statement cache like any query.
const Query kBegin{"begin", "BEGIN IMMEDIATE"};
const Query kCommit{"commit", "COMMIT"};
const Query kRollback{"rollback", "ROLLBACK"};

// Services use a fixed set of SQL constants, so the cache stays small; the
// cap only guards against a caller building SQL text dynamically.
constexpr std::size_t kMaxCachedStatements = 256;

ErrorCode classify(int result_code) {
  switch (result_code & 0xff) {  // the low byte is the primary code
    case SQLITE_CONSTRAINT:
      return ErrorCode::constraint;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::busy;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
      return ErrorCode::connection;
    case SQLITE_FULL:
      return ErrorCode::full;
    default:
      return ErrorCode::other;
  }
}

// For SQLiteCpp's exceptions, which only the connection setup lets through.
// getErrorCode() is what the failing SQLite call returned; SQLiteCpp's own
// checks carry -1 and classify as `other`.
int result_code(const SQLite::Exception& e) {
  const int rc = e.getErrorCode();
  return rc > 0 ? rc : e.getExtendedErrorCode();
}

bool is_identifier_char(char c) {
  // SQLite allows '$' inside identifiers, and any non-ASCII byte.
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || c == '$' || u >= 0x80;
}

// SQLite lets one connection write at a time and makes the others wait in its
// busy handler, which polls with sleeps of up to 100 ms rather than waking
// when the lock frees. Writers of one process queue here instead, and are
// woken as soon as the writer before them is done; the busy handler is left
// with the waits on other processes.
//
// SQLite's automatic checkpoint runs inside the committing statement, so
// under the gate as well: the other writers wait for it, but since none of
// them appends meanwhile it catches up with the whole WAL, which is then
// reused from its start instead of growing for as long as writes keep coming.
//
// A flag under a mutex, not a mutex held across calls: a transaction may be
// committed on another thread than the one that began it.
class WriteGate {
 public:
  /// Waits until the gate is free and takes it, with no time limit: the busy
  /// timeout bounds only waits on other processes. Returns false at once if the
  /// calling thread already holds it through another connection: that wait
  /// would never end, while SQLite's busy timeout turns the same conflict
  /// into ErrorCode::busy, as it did before there was a gate.
  bool acquire() {
    std::unique_lock lock(mutex_);
    const std::thread::id me = std::this_thread::get_id();
    if (held_ && owner_ == me) {
      // A CommitGroup of this thread holds the write lock until its commit:
      // SQLite's busy timeout would only pass, then fail.
      if (CommitGroup::current() != nullptr) {
        throw Error(ErrorCode::other,
                    "a write outside db::transact() while this thread's commit group holds the "
                    "write lock");
      }
      return false;
    }
    freed_.wait(lock, [&] { return !held_; });
    held_ = true;
    owner_ = me;
    return true;
  }

  void release() noexcept {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    freed_.notify_one();
  }

  /// Whether `path` is still the file this process first opened there, by
  /// device and inode: a file deleted or replaced while served would take
  /// every later write into a file nobody will read again (SQLite writes
  /// on through its open descriptor), and a new connection would create an
  /// empty one. The first call records the file. Never opens the file: a
  /// second descriptor closed would drop SQLite's POSIX locks on it.
  bool same_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    std::lock_guard lock(mutex_);
    if (!identity_) identity_.emplace(st.st_dev, st.st_ino);
    return identity_->first == st.st_dev && identity_->second == st.st_ino;
  }
  bool knows_file() {
    std::lock_guard lock(mutex_);
    return identity_.has_value();
  }
  /// True the first time only: the error is logged once, not per write.
  bool first_report() { return !reported_.exchange(true); }

 private:
  std::optional<std::pair<dev_t, ino_t>> identity_;
  std::atomic<bool> reported_{false};
  std::mutex mutex_;
  std::condition_variable freed_;
  bool held_ = false;
  std::thread::id owner_;
};

// The gate of a database file, shared by every pool this process opens on it:
// `roombook serve all` opens one pool per service, by default on one
// DATABASE_URL. Keyed by canonical path: a file reached under another name
// (a hard link) gets a gate of its own, and its writers then meet in SQLite's
// busy handler, as without a gate.
std::shared_ptr<WriteGate> write_gate_for(const std::string& path) {
  // Every in-memory connection is a database of its own.
  if (path == ":memory:") return std::make_shared<WriteGate>();
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  if (ec) absolute = path;
  // weakly: the file itself may not exist yet.
  std::filesystem::path key = std::filesystem::weakly_canonical(absolute, ec);
  if (ec) key = absolute.lexically_normal();

  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<WriteGate>> gates;
  std::lock_guard lock(mutex);
  std::erase_if(gates, [](const auto& entry) { return entry.second.expired(); });
  std::weak_ptr<WriteGate>& slot = gates[key.string()];
  std::shared_ptr<WriteGate> gate = slot.lock();
  if (!gate) {
    gate = std::make_shared<WriteGate>();
    slot = gate;
  }
  return gate;
}

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// Used around every execution of a cached statement, however it ends. A
// statement stepped and not reset keeps its read open, and COMMIT then fails
// with "SQL statements in progress". sqlite3_reset() returns the error of the
// last failed step again; that error was already reported, so it is ignored.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) : stmt_(stmt) { clear(); }
  ~StatementUse() { clear(); }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

 private:
  void clear() noexcept {
    sqlite3_reset(stmt_);
    // Text is bound without copying: the bindings must not outlive the
    // Params they point into.
    sqlite3_clear_bindings(stmt_);
  }
  sqlite3_stmt* stmt_;
};

Value read_column(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return static_cast<std::int64_t>(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    case SQLITE_NULL:
      return nullptr;
    case SQLITE_TEXT: {
      // Fetch the pointer before the length, as SQLite's docs require.
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    }
    default: {  // BLOB, as its bytes
      const auto* blob = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt, i));
      return size == 0 ? std::string() : std::string(blob, size);
    }
  }
}

/// The row a statement has stepped to, read in place.
class SqliteRow final : public RowView {
 public:
  explicit SqliteRow(sqlite3_stmt* stmt)
      : stmt_(stmt), columns_(static_cast<std::size_t>(sqlite3_column_count(stmt))) {}

  std::size_t size() const override { return columns_; }
  bool is_null(std::size_t i) const override { return type(i) == SQLITE_NULL; }
  std::int64_t integer(std::size_t i) const override {
    if (type(i) != SQLITE_INTEGER) mismatch(i, "an integer");
    return sqlite3_column_int64(stmt_, column(i));
  }
  std::string_view text(std::size_t i) const override {
    if (type(i) == SQLITE_NULL) mismatch(i, "text");
    // The pointer before the length, as SQLite's docs require.
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column(i)));
    const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column(i)));
    return p ? std::string_view(p, n) : std::string_view();
  }
  std::chrono::sys_seconds time(std::size_t i) const override {
    // Times are stored as the RFC 3339 text they were bound as.
    if (type(i) == SQLITE_TEXT) {
      std::string why;
      if (auto t = core::parse_rfc3339(text(i), why)) return *t;
    }
    mismatch(i, "a time");
  }

 private:
  int column(std::size_t i) const { return checked_column(i, columns_); }
  int type(std::size_t i) const { return sqlite3_column_type(stmt_, column(i)); }
  [[noreturn]] void mismatch(std::size_t i, const char* wanted) const {
    static const char* const kNames[] = {"?", "an integer", "a real", "text", "a blob", "NULL"};
    const int t = type(i);
    throw Error(ErrorCode::other, "column " + std::to_string(i) + " is " +
                                      kNames[t >= 1 && t <= 5 ? t : 0] + ", expected " + wanted);
  }

  sqlite3_stmt* stmt_;
  std::size_t columns_;
};

struct StringHash {
  using is_transparent = void;  // find() by string_view without a copy
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

/// The error for a write to a database whose file went away.
Error file_gone(const std::string& path, WriteGate& gate) {
  if (gate.first_report()) {
    logger()->error(
        "SQLite database {} was deleted or replaced while in use: refusing writes, which would be "
        "lost; restore the file or restart the service",
        path);
  }
  return Error(ErrorCode::connection,
               "the database file \"" + path + "\" was deleted or replaced after it was opened");
}

class SqliteConnection final : public Backend {
 public:
  SqliteConnection(const std::string& path, int busy_timeout_ms, std::shared_ptr<WriteGate> gate)
      : gate_(std::move(gate)),
        path_(path),
        // The bare constructor opens read-only: ask for read-write and
        // create. NOMUTEX: the pool gives a connection to one thread at a
        // time, so the mutex Debian's serialized build takes around every
        // call (three per column of every row read) guards nothing.
        db_(open_checked(path, *gate_),
            SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, busy_timeout_ms) {
    if (path_ != ":memory:" && !gate_->same_file(path_)) throw file_gone(path_, *gate_);
    // Before the pragmas: switching to WAL takes a lock another process may
    // hold for a moment.
    db_.setBusyTimeout(busy_timeout_ms);
    {
      const std::string mode = switch_to_wal(busy_timeout_ms);
      // ":memory:" answers "memory"; a file on a filesystem without shared
      // memory can refuse WAL, which is slower under load but still correct.
      if (path != ":memory:" && mode != "wal") {
        logger()->warn("SQLite database {} stays in journal_mode={}, not wal", path, mode);
      }
    }
    // NORMAL is durable against a process crash in WAL mode; a power cut may
    // lose the last commits. Debian's build defaults to FULL.
    db_.exec("PRAGMA synchronous=NORMAL");
    // Off by default in SQLite, and only settable outside a transaction.
    db_.exec("PRAGMA foreign_keys=ON");
  }

  /// Sets journal_mode=WAL and returns the mode in force. Changing the mode
  /// of a new file takes an exclusive lock, and SQLite answers SQLITE_BUSY
  /// at once there instead of calling the busy handler: two processes
  /// opening a fresh database together (two `migrate up`) would fail. Retry
  /// until the busy timeout has passed.
  std::string switch_to_wal(int busy_timeout_ms) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (;;) {
      try {
        SQLite::Statement wal(db_, "PRAGMA journal_mode=WAL");
        wal.executeStep();
        return wal.getColumn(0).getString();
      } catch (const SQLite::Exception& e) {
        const int code = e.getErrorCode() & 0xFF;
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) ||
            std::chrono::steady_clock::now() >= deadline) {
          throw;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }

  ~SqliteConnection() override {
    // Still holding the gate only if destroyed inside a transaction without
    // going back to the pool: the other writers must not wait for it forever.
    if (holds_gate_) rollback_transaction();
  }

  Rows query(const Query& q, const Params& p) override {
    Rows rows;
    each_row(q, p, [&](sqlite3_stmt* stmt) {
      // Asked per row, not cached: SQLite re-prepares a statement after a
      // schema change, and "SELECT *" may then have more columns.
      const int columns = sqlite3_column_count(stmt);
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int i = 0; i < columns; ++i) values.push_back(read_column(stmt, i));
      rows.emplace_back(std::move(values));
    });
    return rows;
  }

  void query_each(const Query& q, const Params& p, const RowVisitor& visit) override {
    each_row(q, p, [&](sqlite3_stmt* stmt) { visit(SqliteRow(stmt)); });
  }

  std::int64_t execute(const Query& q, const Params& p) override {
    sqlite3* handle = db_.getHandle();
    sqlite3_stmt* stmt = statement(q);
    const WriteScope write(*this, writes(stmt));  // before `use`, as in query()
    StatementUse use(stmt);
    bind(stmt, q, p);
    const sqlite3_int64 before = sqlite3_total_changes64(handle);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      // Rows of INSERT ... RETURNING or a PRAGMA are dropped.
    }
    if (rc != SQLITE_DONE) throw engine_error(q, rc);
    // sqlite3_changes64() still holds the previous INSERT/UPDATE/DELETE's
    // count after DDL; the total only moves when this statement wrote.
    return sqlite3_total_changes64(handle) == before ? 0 : sqlite3_changes64(handle);
  }

  void execute_script(std::string_view sql) override {
    if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
      throw Error(ErrorCode::other, "SQL script too large");
    }
    sqlite3* handle = db_.getHandle();
    // For the whole script: a migration may hold BEGIN ... COMMIT of its own.
    const WriteScope write(*this, true);
    const char* pos = sql.data();
    const char* const end = sql.data() + sql.size();
    // sqlite3_prepare_v2 compiles the first statement and points `tail` past
    // it, so ';' inside literals and trigger bodies need no parsing here.
    while (pos < end) {
      sqlite3_stmt* raw = nullptr;
      const char* tail = nullptr;
      int rc = sqlite3_prepare_v2(handle, pos, static_cast<int>(end - pos), &raw, &tail);
      const StatementPtr stmt(raw);
      if (rc != SQLITE_OK) {
        throw script_error(statement_at(std::string_view(pos, end - pos)), rc);
      }
      if (stmt == nullptr) break;  // only blanks and comments were left
      while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      }
      if (rc != SQLITE_DONE) {
        throw script_error(std::string_view(pos, tail - pos), rc);
      }
      pos = tail;
    }
  }

  Transaction begin() override {
    // execute() takes the gate for BEGIN IMMEDIATE and keeps it until COMMIT
    // or ROLLBACK; if BEGIN fails, it gives the gate back at once.
    execute(kBegin, {});
    return Transaction(*this);
  }

  Dialect dialect() const override { return Dialect::sqlite; }

  bool in_transaction() const noexcept override {
    return sqlite3_get_autocommit(db_.getHandle()) == 0;
  }

 protected:
  void commit_transaction() override { execute(kCommit, {}); }

  void rollback_transaction() noexcept override {
    // Some errors (disk full, I/O) make SQLite roll back by itself; a second
    // ROLLBACK would only fail with "no transaction is active".
    if (in_transaction()) {
      try {
        execute(kRollback, {});
      } catch (const std::exception& e) {
        try {
          logger()->warn("ROLLBACK failed: {}", e.what());
        } catch (...) {
        }
      } catch (...) {
      }
    }
    // Normally returned by ROLLBACK itself. If the transaction is still open,
    // the other writers are better off waiting on SQLite's busy timeout, which
    // ends, than on the gate, which would not.
    release_gate();
  }

 private:
  // Takes the gate on entry if asked to; gives it back on exit unless the
  // connection is left inside a write transaction, which the gate covers
  // until the transaction ends. Taking it again while held is a no-op, so
  // statements inside a transaction do not wait on themselves.
  class WriteScope {
   public:
    WriteScope(SqliteConnection& conn, bool writes) : conn_(conn) {
      if (writes && !conn_.holds_gate_) {
        // Each write transaction (or lone write) checks that its file is
        // still there: one stat(), no file opened.
        conn_.check_file();
        conn_.holds_gate_ = conn_.gate_->acquire();
      }
    }
    ~WriteScope() {
      if (conn_.holds_gate_ && !conn_.holds_write_lock()) conn_.release_gate();
    }
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

   private:
    SqliteConnection& conn_;
  };

  // Read-only statements never wait: WAL readers run beside the writer.
  // SQLite reports BEGIN IMMEDIATE and BEGIN EXCLUSIVE as writing, since they
  // take the write lock, and a plain BEGIN, COMMIT or ROLLBACK as not.
  static bool writes(sqlite3_stmt* stmt) { return sqlite3_stmt_readonly(stmt) == 0; }

  bool holds_write_lock() const noexcept {
    return sqlite3_txn_state(db_.getHandle(), nullptr) == SQLITE_TXN_WRITE;
  }

  void release_gate() noexcept {
    if (!holds_gate_) return;
    holds_gate_ = false;
    gate_->release();
  }

  /// Runs a query, calling `per_row(stmt)` on each row it steps to.
  template <class PerRow>
  void each_row(const Query& q, const Params& p, PerRow per_row) {
    sqlite3_stmt* stmt = statement(q);
    // Before `use`, so the gate is given back only after the reset has ended
    // the statement's own transaction (INSERT ... RETURNING runs here too).
    const WriteScope write(*this, writes(stmt));
    StatementUse use(stmt);
    bind(stmt, q, p);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) per_row(stmt);
    if (rc != SQLITE_DONE) throw engine_error(q, rc);
  }

  // Prepared once per connection and SQL text, then reused.
  sqlite3_stmt* statement(const Query& q) {
    if (auto it = statements_.find(q.sql); it != statements_.end()) return it->second.get();
    // Every cached statement is reset between uses, so finalizing them all
    // here is safe.
    if (statements_.size() >= kMaxCachedStatements) statements_.clear();
    const std::string sql = translate_placeholders(q.sql);
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    // PERSISTENT: a hint that the statement lives long, so SQLite does not
    // take its memory from the lookaside pool meant for short-lived ones.
    const int rc =
        sqlite3_prepare_v3(db_.getHandle(), sql.c_str(), static_cast<int>(sql.size() + 1),
                           SQLITE_PREPARE_PERSISTENT, &raw, &tail);
    StatementPtr stmt(raw);
    if (rc != SQLITE_OK) throw engine_error(q, rc);
    if (stmt == nullptr) throw Error(ErrorCode::other, "query \"" + label(q) + "\" is empty");
    // Only the first statement would run: say so rather than skip the rest.
    if (!quote_statement(tail).empty()) {
      throw Error(ErrorCode::other,
                  "query \"" + label(q) + "\" holds more than one statement; use execute_script");
    }
    return statements_.emplace(std::string(q.sql), std::move(stmt)).first->second.get();
  }

  void bind(sqlite3_stmt* stmt, const Query& q, const Params& params) const {
    // With ?N placeholders the count is the highest N.
    const int expected = sqlite3_bind_parameter_count(stmt);
    if (params.size() != static_cast<std::size_t>(expected)) {
      throw Error(ErrorCode::other, "query \"" + label(q) + "\" takes " + std::to_string(expected) +
                                        " parameters, got " + std::to_string(params.size()));
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i + 1);
      const int rc = std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return sqlite3_bind_null(stmt, index);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              return sqlite3_bind_int64(stmt, index, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(stmt, index, v);
            } else if constexpr (std::is_same_v<T, Time>) {
              // RFC 3339 in UTC, fixed width: compared as text, it orders as time.
              const std::string text = core::format_rfc3339(v.value);
              return sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                         SQLITE_UTF8);
            } else {
              // SQLITE_STATIC, no copy: Params outlive the execution, and
              // StatementUse clears the binding before they go.
              return sqlite3_bind_text64(stmt, index, v.data(), v.size(), SQLITE_STATIC,
                                         SQLITE_UTF8);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) throw engine_error(q, rc);
    }
  }

  Error engine_error(const Query& q, int rc) const {
    return Error(classify(rc),
                 "query \"" + label(q) + "\" failed: " + sqlite3_errmsg(db_.getHandle()));
  }

  /// The failing statement at the start of `rest`, for a message, when
  /// prepare failed (so there is no tail pointer): up to the first ';' outside
  /// quotes and comments after which sqlite3_complete() finds it whole (a
  /// trigger's body holds ';' of its own). After kMaxEndsTried such ends, the
  /// rest (the message cuts it): each try reads the text from its start.
  static std::string_view statement_at(std::string_view rest) {
    constexpr int kMaxEndsTried = 64;
    std::string text(rest);  // sqlite3_complete() reads up to a NUL
    int tried = 0;
    for (std::size_t i = 0; i < rest.size() && tried < kMaxEndsTried;) {
      if (const auto skip = skip_quoted_or_comment(rest, i, Quoting::sqlite); skip != i) {
        i = skip;
        continue;
      }
      if (rest[i++] != ';') continue;
      ++tried;
      const char after = text[i];  // text[size()] is the NUL
      text[i] = '\0';
      const bool whole = sqlite3_complete(text.c_str()) != 0;
      text[i] = after;
      if (whole) return rest.substr(0, i);
    }
    return rest;
  }

  Error script_error(std::string_view statement, int rc) const {
    return Error(classify(rc), "statement \"" + quote_statement(statement) +
                                   "\" failed: " + sqlite3_errmsg(db_.getHandle()));
  }

  /// A connection opened after the file went would create an empty one.
  static const std::string& open_checked(const std::string& path, WriteGate& gate) {
    if (path != ":memory:" && gate.knows_file() && !gate.same_file(path)) {
      throw file_gone(path, gate);
    }
    return path;
  }

  void check_file() {
    if (path_ != ":memory:" && !gate_->same_file(path_)) throw file_gone(path_, *gate_);
  }

  std::shared_ptr<WriteGate> gate_;
  const std::string path_;
  /// This connection took the gate and has not given it back yet.
  bool holds_gate_ = false;
  // Declared before the statements so it is destroyed after them: SQLite
  // cannot close a connection that still has unfinalized statements.
  SQLite::Database db_;
  /// Keyed by the SQL as written ($N), holding it prepared as ?N. Raw
  /// statements, not SQLite::Statement: that one (3.2.1) caches the column
  /// count at prepare time, which goes stale when SQLite re-prepares the
  /// statement after a schema change.
  std::unordered_map<std::string, StatementPtr, StringHash, std::equal_to<>> statements_;
};

std::unique_ptr<Backend> open_connection(const std::string& path, int busy_timeout_ms,
                                         std::shared_ptr<WriteGate> gate) {
  try {
    auto conn = std::make_unique<SqliteConnection>(path, busy_timeout_ms, std::move(gate));
    logger()->debug("opened SQLite connection to {}", path);
    return conn;
  } catch (const SQLite::Exception& e) {
    // Anything that stops a connection from being set up is a connection
    // failure, except a lock held past the timeout, which may pass.
    ErrorCode code = classify(result_code(e));
    if (code != ErrorCode::busy) code = ErrorCode::connection;
    throw Error(code, "cannot open SQLite database \"" + path + "\": " + e.what());
  }
}

}  // namespace

std::string translate_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  std::size_t i = 0;
  while (i < sql.size()) {
    if (const std::size_t skip = skip_quoted_or_comment(sql, i, Quoting::sqlite); skip != i) {
      out.append(sql.substr(i, skip - i));
      i = skip;
      continue;
    }
    const char c = sql[i];
    if (c == '$' && (i == 0 || !is_identifier_char(sql[i - 1]))) {
      std::size_t digits_end = i + 1;
      while (digits_end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[digits_end]))) {
        ++digits_end;
      }
      // "$1x" is one named parameter to SQLite, not $1 followed by x.
      const bool numbered =
          digits_end > i + 1 && (digits_end == sql.size() || !is_identifier_char(sql[digits_end]));
      if (numbered) {
        out += '?';
        out.append(sql.substr(i + 1, digits_end - i - 1));
        i = digits_end;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

std::unique_ptr<Pool> open_sqlite(const std::string& path, const PoolOptions& options) {
  // SQLite counts every allocation under one process-wide mutex, for
  // statistics nothing here reads. Settable only before SQLite is first
  // used; later calls fail harmlessly.
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
  if (path != ":memory:") {
    // SQLite's own message here is only "unable to open database file".
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
      throw Error(ErrorCode::connection, "cannot open SQLite database \"" + path +
                                             "\": directory \"" + dir.string() +
                                             "\" does not exist");
    }
  }
  const int timeout = options.busy_timeout_ms;
  auto gate = write_gate_for(path);
  return make_pool([path, timeout, gate] { return open_connection(path, timeout, gate); },
                   options.max_connections, options.acquire_timeout, Dialect::sqlite);
}

}  // namespace roombook::db::detail
