// Engine-independent parts of the data layer: Row, Transaction, URL handling.

#include "db/db.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <string>
#include <system_error>

#include "core/time.hpp"
#include "core/url.hpp"
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

namespace {
const Value& column(const std::vector<Value>& values, std::size_t i) {
  if (i >= values.size()) {
    throw Error(ErrorCode::other, "column " + std::to_string(i) + " out of range: the row has " +
                                      std::to_string(values.size()) + " columns");
  }
  return values[i];
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
