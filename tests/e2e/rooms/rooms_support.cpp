#include "rooms_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace roombook::e2e {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// A socket bound to 127.0.0.1 on a free port.
int bound_socket(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    fail_errno("bind");
  }
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    fail_errno("getsockname");
  }
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

// ---------------------------------------------------------------------------
// Servers

std::unique_ptr<Server> start_user_mgmt(const Workspace& ws, const Env& env) {
  return std::make_unique<Server>(ws,
                                  Launch{.services = {"user-mgmt"},
                                         .args = {"serve", "user-mgmt", "--port", "0", "--migrate"},
                                         .env = env});
}

std::unique_ptr<Server> start_rooms(const Workspace& ws, const std::string& user_mgmt_url,
                                    const Env& env) {
  Env all = env;
  all["USER_MGMT_URL"] = user_mgmt_url;
  return std::make_unique<Server>(ws, Launch{.services = {"rooms"},
                                             .args = {"serve", "rooms", "--port", "0", "--migrate"},
                                             .env = all});
}

// ---------------------------------------------------------------------------
// FakeUserMgmt

FakeUserMgmt::FakeUserMgmt(std::optional<std::string> response) : response_(std::move(response)) {
  listen_fd_ = bound_socket(port_);
  if (::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    fail_errno("listen");
  }
  if (::pipe2(wake_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    fail_errno("pipe2");
  }
  thread_ = std::thread([this] { serve(); });
}

FakeUserMgmt::~FakeUserMgmt() {
  [[maybe_unused]] auto n = ::write(wake_[1], "x", 1);
  thread_.join();
  for (int fd : held_) ::close(fd);
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

std::vector<std::string> FakeUserMgmt::request_lines() const {
  std::lock_guard lock(mutex_);
  return request_lines_;
}

void FakeUserMgmt::serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    if (!response_) {
      // Never answers: the client must give up on its own timeout.
      held_.push_back(fd);
      continue;
    }
    // Read the request head (bounded: 5 s), then answer and close.
    std::string request;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (request.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline) {
      pollfd in{fd, POLLIN, 0};
      if (::poll(&in, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      request_lines_.push_back(request.substr(0, request.find("\r\n")));
    }
    [[maybe_unused]] auto n = ::send(fd, response_->data(), response_->size(), MSG_NOSIGNAL);
    ::close(fd);
  }
}

// ---------------------------------------------------------------------------
// ClosedPort

ClosedPort::ClosedPort() { fd_ = bound_socket(port_); }

ClosedPort::~ClosedPort() { ::close(fd_); }

// ---------------------------------------------------------------------------
// Helpers

nlohmann::json booking_json(std::int64_t user_id, const std::string& starts_at,
                            const std::string& ends_at, const std::string& title) {
  nlohmann::json body{{"user_id", user_id}, {"starts_at", starts_at}, {"ends_at", ends_at}};
  if (!title.empty()) body["title"] = title;
  return body;
}

std::int64_t create_user(const std::string& user_mgmt_url, const std::string& username) {
  Client client(user_mgmt_url);
  const auto r = client.post("/users", user_json(username));
  if (!r.ok || r.status != 201) throw std::runtime_error("cannot create a user: " + describe(r));
  return r.json()["id"].get<std::int64_t>();
}

std::int64_t create_room(Client& rooms, const std::string& name, int capacity,
                         const std::optional<std::string>& location) {
  nlohmann::json body{{"name", name}, {"capacity", capacity}};
  if (location) body["location"] = *location;
  const auto r = rooms.post("/rooms", body);
  if (!r.ok || r.status != 201) throw std::runtime_error("cannot create a room: " + describe(r));
  return r.json()["id"].get<std::int64_t>();
}

std::vector<std::int64_t> ids_of(const nlohmann::json& list) {
  std::vector<std::int64_t> ids;
  for (const auto& item : list) ids.push_back(item["id"].get<std::int64_t>());
  return ids;
}

bool is_problem(const Response& r, long status) {
  if (!r.ok || r.status != status) return false;
  if (r.header("Content-Type").value_or("") != "application/problem+json") return false;
  const auto doc = nlohmann::json::parse(r.body, nullptr, false);
  return doc.is_object() && doc.value("status", 0L) == status && doc.contains("type") &&
         doc["type"].is_string() && doc.contains("title") && doc["title"].is_string() &&
         !doc["title"].get<std::string>().empty() && doc.contains("detail") &&
         doc["detail"].is_string() && !doc["detail"].get<std::string>().empty();
}

std::string describe(const Response& r) {
  return r.ok ? std::to_string(r.status) + " " + r.body : "no response: " + r.error;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(' ');
    const auto e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

}  // namespace roombook::e2e
