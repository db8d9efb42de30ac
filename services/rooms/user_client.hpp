#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "rooms/circuit_breaker.hpp"

namespace roombook::rooms {

/// Answers whether a user exists. Throws core::Error(unavailable) when it
/// cannot tell.
class UserDirectory {
 public:
  virtual ~UserDirectory() = default;
  /// `request_id` is passed on so both services' logs can be joined.
  virtual bool exists(std::int64_t user_id, const std::string& request_id) = 0;
};

/// The user-mgmt service over HTTP (libcurl): GET {base_url}/users/{id}.
/// 200 = exists, 404 = does not; a refused connection, a timeout or any
/// other answer = unavailable. Connections are kept alive and reused: idle
/// curl handles wait in a small stack, one taken per call, so concurrent
/// handler threads never share one. A circuit breaker fails calls at once
/// while user-mgmt keeps failing. The URL appears in errors and logs only
/// with its password masked. With settings.token it sends that bearer token
/// (USER_MGMT_TOKEN); a 401 or 403 answer is the operator's error, logged
/// as such, and unavailable to the client.
class UserClient final : public UserDirectory {
 public:
  /// At settings.url, with its timeouts and circuit breaker.
  explicit UserClient(const config::UserMgmtClient& settings);
  ~UserClient() override;
  UserClient(const UserClient&) = delete;
  UserClient& operator=(const UserClient&) = delete;

  bool exists(std::int64_t user_id, const std::string& request_id) override;

 private:
  bool ask(std::int64_t user_id, const std::string& request_id);
  void* take();  ///< an idle CURL* or a new one
  void give_back(void* curl);

  std::string base_url_;
  std::string shown_url_;    ///< base_url_ with its password masked
  std::string auth_header_;  ///< "Authorization: Bearer ...", or empty
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::vector<void*> idle_;
  CircuitBreaker breaker_;
};

}  // namespace roombook::rooms
