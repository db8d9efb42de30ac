#pragma once

// The tokens of one service, in that service's database (the table its
// migration 0002 creates), and the check the auth middleware runs.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"
#include "db/db.hpp"
#include "http/http.hpp"

namespace roombook::auth {

/// A token as listed: everything but its secret (and its hash).
struct TokenInfo {
  std::string name;
  http::Scope scope = http::Scope::read;
  std::string service;
  std::string prefix;
  core::SysSeconds created_at{};
  std::optional<core::SysSeconds> expires_at;
  std::optional<core::SysSeconds> last_used_at;
};

/// Whether `name` may name a token: 1 to 64 of a-z, 0-9, '.', '_', '-'.
bool valid_token_name(std::string_view name);

class TokenStore {
 public:
  /// The tokens of `service` ("user-mgmt"), on its pool.
  TokenStore(db::Pool& pool, std::string service);
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  /// Stores the hash of `token` under `name`. Throws core::Error (conflict)
  /// when the service has a token of that name already.
  TokenInfo create(const std::string& name, http::Scope scope, std::string_view token,
                   std::optional<core::SysSeconds> expires_at, core::SysSeconds now);
  /// Every token, by name.
  std::vector<TokenInfo> list();
  /// Deletes the token; false if there was none of that name.
  bool revoke(const std::string& name);
  /// The token, when it is stored and has not expired at `now`. Finds it by
  /// its prefix and compares the hash in constant time.
  std::optional<TokenInfo> find(std::string_view token, core::SysSeconds now);
  /// Records that the token was used at `now`.
  void touch(const std::string& name, core::SysSeconds now);

  const std::string& service() const { return service_; }

 private:
  TokenInfo from_row(const db::RowView& row) const;

  db::Pool& pool_;
  std::string service_;
  // The table is the service's own: "user_mgmt_tokens". Query holds views.
  std::string insert_sql_, list_sql_, delete_sql_, by_prefix_sql_, touch_sql_;
  std::string insert_name_, list_name_, delete_name_, by_prefix_name_, touch_name_;
};

/// How long a process trusts what it learnt of a token: a revocation (or a
/// new token) is seen by every process of the service within this time.
inline constexpr std::chrono::seconds kTokenCacheTime{2};

/// The check behind http::middleware::auth: a token is looked up at most
/// once per kTokenCacheTime per process (known and unknown tokens alike),
/// and its last use recorded at most once a minute.
class Verifier {
 public:
  explicit Verifier(TokenStore& store, std::chrono::milliseconds cache_time = kTokenCacheTime);

  std::optional<http::Caller> check(std::string_view token);

 private:
  struct Entry {
    std::optional<TokenInfo> token;
    std::chrono::steady_clock::time_point looked_up;
  };

  TokenStore& store_;
  std::chrono::milliseconds cache_time_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> cache_;  ///< by the token's hash
};

}  // namespace roombook::auth
