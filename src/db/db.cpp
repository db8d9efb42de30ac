// Engine-independent parts of the data layer: Row, Transaction, URL handling.

#include "db/db.hpp"

#include <array>
#include <charconv>
#include <stdexcept>
#include <string>
#include <system_error>

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
    default:
      return "text";
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

constexpr std::string_view kAcceptedUrls =
    "expected sqlite:PATH, sqlite:///ABSOLUTE/PATH or sqlite::memory:";

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

double Row::real(std::size_t i) const {
  const Value& v = column(values_, i);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  // A REAL column holding a whole number can come back as INTEGER.
  if (const auto* n = std::get_if<std::int64_t>(&v)) return static_cast<double>(*n);
  throw_mismatch(i, v, "a real");
}

std::string Row::text(std::size_t i) const {
  const Value& v = column(values_, i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return format_real(*d);
  throw_mismatch(i, v, "text");
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

std::unique_ptr<Pool> open(const std::string& url, const PoolOptions& options) {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    throw std::invalid_argument("PostgreSQL is not supported by this build yet: " + mask_url(url));
  }
  if (options.max_connections == 0) {
    throw std::invalid_argument("database pool size must be at least 1");
  }
  if (options.busy_timeout_ms < 0) {
    throw std::invalid_argument("database busy timeout must not be negative");
  }
  auto bad_url = [&](std::string_view why) {
    return std::invalid_argument("bad database URL \"" + mask_url(url) + "\": " + std::string(why) +
                                 "; " + std::string(kAcceptedUrls));
  };
  constexpr std::string_view kSqlite = "sqlite:";
  if (!url.starts_with(kSqlite)) throw bad_url("unsupported scheme");

  std::string_view rest = std::string_view(url).substr(kSqlite.size());
  if (rest == ":memory:") {
    // Each in-memory connection is a database of its own: a second
    // connection would see none of the first one's tables.
    PoolOptions one = options;
    one.max_connections = 1;
    return detail::open_sqlite(":memory:", one);
  }
  std::string path;
  if (rest.starts_with("//")) {
    // URL form: only an empty host is meaningful, i.e. sqlite:///abs/path.
    if (!rest.starts_with("///")) throw bad_url("a host is not allowed, use three slashes");
    path = std::string(rest.substr(2));
  } else {
    path = std::string(rest);
  }
  if (path.empty() || path == "/") throw bad_url("no file path");
  // SQLite gives names starting with ':' special meanings; a typo such as
  // "sqlite::memory" would otherwise silently create a file named ":memory".
  if (path.front() == ':') throw bad_url("unknown special name");
  return detail::open_sqlite(path, options);
}

std::string mask_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const std::size_t start = scheme_end + 3;
  std::string out = url;

  // userinfo: scheme://user:password@host/... The last '@' before the query
  // ends it, so a password containing '@' is still masked whole.
  const std::size_t query = url.find_first_of("?#", start);
  const std::size_t search_end = query == std::string::npos ? url.size() : query;
  const std::size_t at = url.rfind('@', search_end == 0 ? 0 : search_end - 1);
  if (at != std::string::npos && at > start) {
    const std::size_t colon = url.find(':', start);
    // A '/' before the colon means there is no userinfo (a path with ':' in it).
    if (colon < at && url.find('/', start) > colon) {
      out = url.substr(0, colon + 1) + "***" + url.substr(at);
    }
  }

  // libpq also takes the password as a query parameter.
  const std::size_t q = out.find('?');
  if (q != std::string::npos) {
    std::size_t pos = q + 1;
    while (pos < out.size()) {
      std::size_t amp = out.find('&', pos);
      if (amp == std::string::npos) amp = out.size();
      constexpr std::string_view kKey = "password=";
      if (std::string_view(out).substr(pos, amp - pos).starts_with(kKey)) {
        out.replace(pos + kKey.size(), amp - pos - kKey.size(), "***");
        amp = pos + kKey.size() + 3;
      }
      pos = amp + 1;
    }
  }
  return out;
}

}  // namespace roombook::db
