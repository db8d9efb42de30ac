#pragma once

// What the rooms end-to-end tests need beyond tests/e2e/support.hpp: user-mgmt
// and rooms servers, and a fake user-mgmt that hangs or answers 500.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace roombook::e2e {

/// `roombook serve user-mgmt --port 0 --migrate`.
std::unique_ptr<Server> start_user_mgmt(const Workspace& ws, const Env& env = {});
/// `roombook serve rooms --port 0 --migrate` asking user-mgmt at `user_mgmt_url`.
std::unique_ptr<Server> start_rooms(const Workspace& ws, const std::string& user_mgmt_url,
                                    const Env& env = {});

/// A stand-in for user-mgmt on 127.0.0.1, served by a thread of the test:
/// given a response, it reads each request and sends that response verbatim;
/// without one, it accepts connections and never answers.
class FakeUserMgmt {
 public:
  explicit FakeUserMgmt(std::optional<std::string> response);
  ~FakeUserMgmt();
  FakeUserMgmt(const FakeUserMgmt&) = delete;
  FakeUserMgmt& operator=(const FakeUserMgmt&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_; }
  /// The request lines received ("GET /users/1 HTTP/1.1").
  std::vector<std::string> request_lines() const;

 private:
  void serve();

  std::optional<std::string> response_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  int port_ = 0;
  std::atomic<int> connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> request_lines_;
  std::vector<int> held_;  // connections of the hanging mode, closed at the end
  std::thread thread_;
};

/// A 127.0.0.1 port bound without listening, so connecting to it is refused:
/// a stopped user-mgmt that no other process can start on in the meantime.
class ClosedPort {
 public:
  ClosedPort();
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// {"user_id", "starts_at", "ends_at"} and "title" when not empty.
nlohmann::json booking_json(std::int64_t user_id, const std::string& starts_at,
                            const std::string& ends_at, const std::string& title = "");

/// POSTs a user to user-mgmt and returns its id (REQUIREs a 201).
std::int64_t create_user(const std::string& user_mgmt_url, const std::string& username);
/// POSTs a room and returns its id (REQUIREs a 201).
std::int64_t create_room(Client& rooms, const std::string& name, int capacity,
                         const std::optional<std::string>& location = std::nullopt);

/// A workspace with user-mgmt and rooms running, a client of rooms and one
/// user, alice.
struct RoomsStack {
  Workspace ws;
  std::unique_ptr<Server> user_mgmt = start_user_mgmt(ws);
  std::unique_ptr<Server> rooms = start_rooms(ws, user_mgmt->url());
  Client api{rooms->url()};
  std::int64_t alice = create_user(user_mgmt->url(), "alice");
};

/// The "id" of each object of a JSON array, in order.
std::vector<std::int64_t> ids_of(const nlohmann::json& list);

/// Whether the response is an RFC 9457 problem document with this status:
/// application/problem+json with type, title, status and detail.
bool is_problem(const Response& r, long status);
/// "STATUS BODY" or why there was no response, for failure messages.
std::string describe(const Response& r);

/// Splits "GET, PUT, HEAD" into its names.
std::vector<std::string> split_list(const std::string& text);

}  // namespace roombook::e2e
