#include "auth/store.hpp"

#include <algorithm>

#include "auth/token.hpp"
#include "core/error.hpp"
#include "log/log.hpp"

namespace roombook::auth {

namespace {

constexpr const char* kColumns = "name, scope, prefix, created_at, expires_at, last_used_at";

/// Entries kept at most; past it the cache starts afresh, so that a client
/// sending random tokens costs memory bounded by this.
constexpr std::size_t kMaxCached = 4096;
/// How stale last_used_at may be before a use writes it again.
constexpr std::chrono::minutes kLastUsedResolution{1};

std::string table_of(const std::string& service) {
  std::string table = service;
  std::replace(table.begin(), table.end(), '-', '_');
  return table + "_tokens";
}

std::optional<core::SysSeconds> optional_time(const db::RowView& row, std::size_t i) {
  if (row.is_null(i)) return std::nullopt;
  return row.time(i);
}

db::Value time_or_null(const std::optional<core::SysSeconds>& t) {
  if (!t) return nullptr;
  return db::Time{*t};
}

}  // namespace

bool valid_token_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

TokenStore::TokenStore(db::Pool& pool, std::string service)
    : pool_(pool), service_(std::move(service)) {
  const auto table = table_of(service_);
  insert_sql_ = "INSERT INTO " + table +
                " (name, scope, prefix, hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, "
                "$6)";
  list_sql_ = std::string("SELECT ") + kColumns + " FROM " + table + " ORDER BY name";
  delete_sql_ = "DELETE FROM " + table + " WHERE name = $1";
  by_prefix_sql_ =
      std::string("SELECT ") + kColumns + ", hash FROM " + table + " WHERE prefix = $1";
  touch_sql_ = "UPDATE " + table + " SET last_used_at = $2 WHERE name = $1";
  insert_name_ = table + ".insert";
  list_name_ = table + ".list";
  delete_name_ = table + ".delete";
  by_prefix_name_ = table + ".by_prefix";
  touch_name_ = table + ".touch";
}

TokenInfo TokenStore::from_row(const db::RowView& row) const {
  TokenInfo t;
  t.name = std::string(row.text(0));
  t.scope = http::parse_scope(row.text(1)).value_or(http::Scope::read);
  t.service = service_;
  t.prefix = std::string(row.text(2));
  t.created_at = row.time(3);
  t.expires_at = optional_time(row, 4);
  t.last_used_at = optional_time(row, 5);
  return t;
}

TokenInfo TokenStore::create(const std::string& name, http::Scope scope, std::string_view token,
                             std::optional<core::SysSeconds> expires_at, core::SysSeconds now) {
  TokenInfo info{name, scope, service_, prefix_of(token), now, expires_at, std::nullopt};
  try {
    db::transact(pool_, [&](db::Connection& conn) {
      conn.execute({insert_name_, insert_sql_},
                   {name, std::string(http::to_string(scope)), info.prefix, token_hash(token),
                    db::Time{now}, time_or_null(expires_at)});
    });
  } catch (const db::Error& e) {
    if (e.code() == db::ErrorCode::constraint) {
      throw core::conflict("a token named " + name + " exists already for " + service_);
    }
    throw;
  }
  return info;
}

std::vector<TokenInfo> TokenStore::list() {
  auto conn = pool_.acquire();
  std::vector<TokenInfo> out;
  conn->query_each({list_name_, list_sql_}, {},
                   [&](const db::RowView& row) { out.push_back(from_row(row)); });
  return out;
}

bool TokenStore::revoke(const std::string& name) {
  return db::transact(pool_, [&](db::Connection& conn) {
           return conn.execute({delete_name_, delete_sql_}, {name});
         }) > 0;
}

std::optional<TokenInfo> TokenStore::find(std::string_view token, core::SysSeconds now) {
  const auto hash = token_hash(token);
  std::optional<TokenInfo> found;
  auto conn = pool_.acquire();
  conn->query_each({by_prefix_name_, by_prefix_sql_}, {prefix_of(token)},
                   [&](const db::RowView& row) {
                     // Every row with this prefix is compared, found or not.
                     if (equal_in_constant_time(row.text(6), hash) && !found) {
                       found = from_row(row);
                     }
                   });
  if (found && found->expires_at && *found->expires_at <= now) return std::nullopt;
  return found;
}

void TokenStore::touch(const std::string& name, core::SysSeconds now) {
  db::transact(pool_, [&](db::Connection& conn) {
    conn.execute({touch_name_, touch_sql_}, {name, db::Time{now}});
  });
}

Verifier::Verifier(TokenStore& store, std::chrono::milliseconds cache_time)
    : store_(store), cache_time_(cache_time) {}

std::optional<http::Caller> Verifier::check(std::string_view token) {
  if (!looks_like_token(token)) return std::nullopt;
  const auto hash = token_hash(token);
  const auto now = std::chrono::steady_clock::now();
  const auto wall = core::now();
  std::optional<TokenInfo> known;
  bool cached = false;
  {
    std::lock_guard lock(mutex_);
    const auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.looked_up < cache_time_) {
      known = it->second.token;
      cached = true;
    }
  }
  if (!cached) {
    known = store_.find(token, wall);
    if (known && (!known->last_used_at || wall - *known->last_used_at >= kLastUsedResolution)) {
      try {
        store_.touch(known->name, wall);
        known->last_used_at = wall;
      } catch (const std::exception& e) {
        // A busy database does not turn a valid token away.
        log::get("auth")->warn("could not record the use of token {}: {}", known->name, e.what());
      }
    }
    std::lock_guard lock(mutex_);
    if (cache_.size() >= kMaxCached) cache_.clear();
    cache_[hash] = Entry{known, now};
  }
  if (!known || (known->expires_at && *known->expires_at <= wall)) return std::nullopt;
  return http::Caller{known->name, known->scope};
}

}  // namespace roombook::auth
