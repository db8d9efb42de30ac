// The PostgreSQL backend, over libpq. <libpq-fe.h> is included here and only
// here.
//
// Each connection prepares a statement the first time it runs its SQL text
// and reuses it; values travel as text, with the types the server infers
// from the statement, and come back typed by their column's type. Sessions
// run in UTC, so times come back as "2030-03-01 10:00:00+00".

#include "db/postgres.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include <date/date.h>

#include "core/shared_library.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "db/backend.hpp"
#include "db/sql_text.hpp"

namespace roombook::db::detail {

namespace {

// libpq, loaded when a PostgreSQL URL is first used (see
// core/shared_library.hpp): a process on SQLite never maps it.
// clang-format off
#define ROOMBOOK_LIBPQ(X) \
  X(PQclear) X(PQconninfoFree) X(PQfreemem) X(PQconninfoParse) X(PQexecPrepared) \
  X(PQprepare) X(PQexec) X(PQerrorMessage) X(PQstatus) X(PQresultErrorField) \
  X(PQresultStatus) X(PQtransactionStatus) X(PQcmdStatus) X(PQsocket) X(PQconsumeInput) \
  X(PQcmdTuples) X(PQntuples) X(PQnfields) X(PQfinish) X(PQsetClientEncoding) \
  X(PQsetNoticeProcessor) X(PQconnectdb) X(PQftype) X(PQgetlength) X(PQgetvalue) \
  X(PQgetisnull)
// clang-format on

struct LibPq {
#define ROOMBOOK_MEMBER(name) decltype(&::name) name;
  ROOMBOOK_LIBPQ(ROOMBOOK_MEMBER)
#undef ROOMBOOK_MEMBER
};

/// Throws db::Error(connection) when libpq cannot be loaded; tried again on
/// the next call.
const LibPq& libpq() {
  static const LibPq api = [] {
    try {
      static const core::SharedLibrary library("libpq.so.5", "libpq5");
      LibPq loaded{};
#define ROOMBOOK_LOAD(name) loaded.name = library.symbol<decltype(&::name)>(#name);
      ROOMBOOK_LIBPQ(ROOMBOOK_LOAD)
#undef ROOMBOOK_LOAD
      return loaded;
    } catch (const std::runtime_error& e) {
      throw Error(ErrorCode::connection, std::string("PostgreSQL is not available: ") + e.what());
    }
  }();
  return api;
}
#undef ROOMBOOK_LIBPQ

// Type OIDs of pg_type, as the server reports result columns.
constexpr Oid kBool = 16;
constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;
constexpr Oid kOid = 26;
constexpr Oid kFloat4 = 700;
constexpr Oid kFloat8 = 701;
constexpr Oid kTimestamp = 1114;
constexpr Oid kTimestamptz = 1184;
constexpr Oid kNumeric = 1700;

struct ResultDeleter {
  void operator()(PGresult* r) const noexcept { libpq().PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

/// What a SQLSTATE means to the callers (PostgreSQL's appendix A).
ErrorCode classify(std::string_view state) {
  if (state.starts_with("23")) return ErrorCode::constraint;  // 23505 unique, 23P01 exclusion, ...
  if (state == "40001" || state == "40P01") return ErrorCode::serialization;
  if (state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03") {
    return ErrorCode::connection;  // lost, or the server is shutting down or starting up
  }
  if (state == "55P03" || state == "53300" || state == "57014") return ErrorCode::busy;
  if (state == "53100") return ErrorCode::full;
  return ErrorCode::other;
}

std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

/// "YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]]", as the server prints a
/// timestamp or, in UTC, a timestamptz.
std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  std::size_t i = 0;
  const auto number = [&](int& out, std::size_t min_digits, std::size_t max_digits) {
    std::size_t start = i;
    out = 0;
    while (i < s.size() && i - start < max_digits && s[i] >= '0' && s[i] <= '9') {
      out = out * 10 + (s[i++] - '0');
    }
    return i - start >= min_digits;
  };
  const auto expect = [&](char c) { return i < s.size() && s[i++] == c; };
  if (!number(y, 4, 6) || !expect('-') || !number(mo, 2, 2) || !expect('-') || !number(d, 2, 2) ||
      !expect(' ') || !number(h, 2, 2) || !expect(':') || !number(mi, 2, 2) || !expect(':') ||
      !number(sec, 2, 2)) {
    return std::nullopt;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;  // whole seconds are stored
  }
  int offset_seconds = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i++] == '-' ? -1 : 1;
    int oh = 0, om = 0, os = 0;
    if (!number(oh, 2, 2)) return std::nullopt;
    if (i < s.size() && s[i] == ':' && (++i, !number(om, 2, 2))) return std::nullopt;
    if (i < s.size() && s[i] == ':' && (++i, !number(os, 2, 2))) return std::nullopt;
    offset_seconds = sign * (oh * 3600 + om * 60 + os);
  }
  if (i != s.size()) return std::nullopt;  // " BC", "infinity": never stored here
  const date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                                 date::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_seconds(date::sys_days(ymd).time_since_epoch()) + std::chrono::hours(h) +
         std::chrono::minutes(mi) + std::chrono::seconds(sec) -
         std::chrono::seconds(offset_seconds);
}

Value read_value(const PGresult* res, int row, int column) {
  if (libpq().PQgetisnull(res, row, column)) return nullptr;
  const std::string_view text(libpq().PQgetvalue(res, row, column),
                              static_cast<std::size_t>(libpq().PQgetlength(res, row, column)));
  switch (libpq().PQftype(res, column)) {
    case kBool:
      return std::int64_t{text == "t" ? 1 : 0};
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid: {
      std::int64_t n = 0;
      std::from_chars(text.data(), text.data() + text.size(), n);
      return n;
    }
    case kFloat4:
    case kFloat8:
    case kNumeric: {
      double d = 0;
      std::from_chars(text.data(), text.data() + text.size(), d);
      return d;
    }
    case kTimestamp:
    case kTimestamptz:
      if (auto t = parse_timestamp(text)) return Time{*t};
      return std::string(text);
    default:
      return std::string(text);
  }
}

/// One row of a result, read in place.
class PostgresRow final : public RowView {
 public:
  PostgresRow(const PGresult* res, int row)
      : res_(res), row_(row), columns_(static_cast<std::size_t>(libpq().PQnfields(res))) {}

  std::size_t size() const override { return columns_; }
  bool is_null(std::size_t i) const override {
    return libpq().PQgetisnull(res_, row_, column(i)) != 0;
  }
  std::int64_t integer(std::size_t i) const override {
    const Value v = read_value(res_, row_, column(i));
    if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
    mismatch(i, "an integer");
  }
  std::string_view text(std::size_t i) const override {
    if (is_null(i)) mismatch(i, "text");
    return {libpq().PQgetvalue(res_, row_, column(i)),
            static_cast<std::size_t>(libpq().PQgetlength(res_, row_, column(i)))};
  }
  std::chrono::sys_seconds time(std::size_t i) const override {
    const Oid type = libpq().PQftype(res_, column(i));
    if (!is_null(i) && (type == kTimestamp || type == kTimestamptz)) {
      if (auto t = parse_timestamp(text(i))) return *t;
    }
    mismatch(i, "a time");
  }

 private:
  int column(std::size_t i) const { return checked_column(i, columns_); }
  [[noreturn]] void mismatch(std::size_t i, const char* wanted) const {
    throw Error(ErrorCode::other, "column " + std::to_string(i) + " (type oid " +
                                      std::to_string(libpq().PQftype(res_, column(i))) +
                                      ") is not " + wanted);
  }

  const PGresult* res_;
  int row_;
  std::size_t columns_;
};

class PostgresConnection final : public Backend {
 public:
  PostgresConnection(const std::string& url, std::string shown)
      : shown_(std::move(shown)), conn_(libpq().PQconnectdb(url.c_str())) {
    if (conn_ == nullptr) throw Error(ErrorCode::connection, "cannot allocate a libpq connection");
    if (libpq().PQstatus(conn_) != CONNECTION_OK) {
      const auto why = trimmed(libpq().PQerrorMessage(conn_));
      libpq().PQfinish(conn_);
      throw Error(ErrorCode::connection, "cannot connect to PostgreSQL at " + shown_ + ": " + why);
    }
    // The server's notices ("relation ... already exists, skipping") go to
    // the log, not straight to stderr.
    libpq().PQsetNoticeProcessor(
        conn_,
        [](void*, const char* message) { logger()->debug("PostgreSQL: {}", trimmed(message)); },
        nullptr);
    // Times come back in UTC; text as UTF-8, whatever the database's default.
    libpq().PQsetClientEncoding(conn_, "UTF8");
    simple("SET TIME ZONE 'UTC'", "session setup");
  }

  ~PostgresConnection() override { libpq().PQfinish(conn_); }

  Rows query(const Query& q, const Params& p) override {
    Result res = run(q, p);
    Rows rows;
    const int n = libpq().PQntuples(res.get());
    const int columns = libpq().PQnfields(res.get());
    rows.reserve(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(columns));
      for (int c = 0; c < columns; ++c) values.push_back(read_value(res.get(), r, c));
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  void query_each(const Query& q, const Params& p, const RowVisitor& visit) override {
    Result res = run(q, p);
    const int n = libpq().PQntuples(res.get());
    for (int r = 0; r < n; ++r) visit(PostgresRow(res.get(), r));
  }

  std::int64_t execute(const Query& q, const Params& p) override {
    Result res = run(q, p);
    const char* changed = libpq().PQcmdTuples(res.get());
    std::int64_t n = 0;
    if (changed && *changed) std::from_chars(changed, changed + std::strlen(changed), n);
    return n;
  }

  void execute_script(std::string_view sql) override {
    // One statement at a time, so that a failure names its statement.
    for (const auto statement : split_statements(sql, Quoting::postgres)) {
      const std::string text(statement);
      Result res(libpq().PQexec(conn_, text.c_str()));
      if (!ok(res.get())) {
        throw failure(res.get(), "statement \"" + quote_statement(statement) + "\" failed");
      }
    }
  }

  Transaction begin() override {
    simple("BEGIN", "begin");
    return Transaction(*this);
  }

  Dialect dialect() const override { return Dialect::postgres; }

  bool in_transaction() const noexcept override {
    const auto status = libpq().PQtransactionStatus(conn_);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
  }

  bool usable() noexcept override {
    if (broken_) return false;
    // Reads what the server sent meanwhile: after a restart, its notice that
    // it terminated the session, and then the end of the connection. One
    // read returns the notice alone and the end shows only on the next, so
    // read while the socket has something to read (a few times at most).
    if (!in_transaction()) {
      for (int reads = 0; reads < 4 && readable(); ++reads) {
        if (libpq().PQconsumeInput(conn_) == 0) break;  // the end of the connection
      }
    }
    broken_ = libpq().PQstatus(conn_) != CONNECTION_OK;
    return !broken_;
  }

  /// Whether the socket has data, or the end of the connection, to read now.
  bool readable() const noexcept {
    pollfd fd{libpq().PQsocket(conn_), POLLIN, 0};
    return fd.fd >= 0 && ::poll(&fd, 1, 0) > 0;
  }

 protected:
  void commit_transaction() override {
    // COMMIT of a failed transaction answers "ROLLBACK" rather than an
    // error: it must not pass for a commit.
    const bool failed = libpq().PQtransactionStatus(conn_) == PQTRANS_INERROR;
    Result res(libpq().PQexec(conn_, "COMMIT"));
    if (!ok(res.get())) throw failure(res.get(), "commit failed");
    if (failed || std::string_view(libpq().PQcmdStatus(res.get())) == "ROLLBACK") {
      throw Error(ErrorCode::other,
                  "commit failed: the transaction had failed and was rolled back");
    }
  }

  void rollback_transaction() noexcept override {
    if (broken_ || libpq().PQstatus(conn_) != CONNECTION_OK) {
      broken_ = true;
      return;
    }
    if (libpq().PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    Result res(libpq().PQexec(conn_, "ROLLBACK"));
    if (!ok(res.get())) broken_ = libpq().PQstatus(conn_) != CONNECTION_OK;
  }

 private:
  static bool ok(const PGresult* res) {
    const auto status = libpq().PQresultStatus(res);
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
  }

  /// The db::Error of a failed call. A connection the failure broke is not
  /// handed out again.
  Error failure(const PGresult* res, const std::string& what) {
    const char* state = res ? libpq().PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = res ? libpq().PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    const char* detail = res ? libpq().PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : nullptr;
    const bool lost = libpq().PQstatus(conn_) != CONNECTION_OK;
    if (lost) broken_ = true;
    ErrorCode code = state ? classify(state) : ErrorCode::other;
    if (lost) code = ErrorCode::connection;
    std::string message =
        what + ": " + (primary ? primary : trimmed(libpq().PQerrorMessage(conn_)));
    if (detail) message += " (" + std::string(detail) + ")";
    if (state) message += " [SQLSTATE " + std::string(state) + "]";
    return Error(code, message);
  }

  void simple(const char* sql, const char* what) {
    Result res(libpq().PQexec(conn_, sql));
    if (!ok(res.get())) throw failure(res.get(), what);
  }

  /// The prepared statement of `q`'s text on this connection, prepared on
  /// first use.
  const std::string& prepared(const Query& q) {
    const std::string sql = std::string(q.sql) + (q.lock_rows ? " FOR UPDATE" : "");
    if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
    std::string name = "rb" + std::to_string(statements_.size());
    Result res(libpq().PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr));
    if (!ok(res.get())) throw failure(res.get(), "query \"" + label(q) + "\" failed");
    return statements_.emplace(sql, std::move(name)).first->second;
  }

  Result run(const Query& q, const Params& params) {
    const std::string& name = prepared(q);
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
              return;  // NULL
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              texts[i] = std::to_string(v);
            } else if constexpr (std::is_same_v<T, double>) {
              char buffer[32];
              const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
              texts[i].assign(buffer, end);
            } else if constexpr (std::is_same_v<T, Time>) {
              texts[i] = core::format_rfc3339(v.value);
            } else {
              // Text parameters are C strings; PostgreSQL's text cannot hold
              // NUL anyway.
              if (v.find('\0') != std::string::npos) {
                throw Error(ErrorCode::other, "query \"" + label(q) + "\": parameter " +
                                                  std::to_string(i + 1) + " holds a NUL byte");
              }
              texts[i] = v;
            }
            values[i] = texts[i].c_str();
          },
          params[i]);
    }
    Result res(libpq().PQexecPrepared(conn_, name.c_str(), static_cast<int>(params.size()),
                                      values.data(), nullptr, nullptr, 0));
    if (!ok(res.get())) throw failure(res.get(), "query \"" + label(q) + "\" failed");
    return res;
  }

  const std::string shown_;  ///< the URL, password masked
  PGconn* conn_;
  bool broken_ = false;
  /// Keyed by SQL text: the name it is prepared under on this connection.
  std::unordered_map<std::string, std::string> statements_;
};

}  // namespace

std::optional<std::string> postgres_url_problem(const std::string& url) {
  const LibPq* pq = nullptr;
  try {
    pq = &libpq();
  } catch (const Error& e) {
    return e.what();
  }
  char* error = nullptr;
  PQconninfoOption* options = pq->PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string why = error ? trimmed(error) : "libpq cannot parse it";
    libpq().PQfreemem(error);
    return why;
  }
  libpq().PQconninfoFree(options);
  return std::nullopt;
}

std::unique_ptr<Pool> open_postgres(const std::string& url, const PoolOptions& options) {
  const std::string shown = core::mask_url(url);
  auto pool = make_pool(
      [url, shown]() -> std::unique_ptr<Backend> {
        auto conn = std::make_unique<PostgresConnection>(url, shown);
        logger()->debug("opened a PostgreSQL connection to {}", shown);
        return conn;
      },
      options.max_connections, options.acquire_timeout, Dialect::postgres);
  return pool;
}

}  // namespace roombook::db::detail
