// UserClient against real sockets: a stand-in user-mgmt served by one
// http::Server for the whole binary (Pistache leaks descriptors per
// start/stop cycle), a port nobody listens on, and a socket that never
// answers.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "core/error.hpp"
#include "http/http.hpp"
#include "rooms/user_client.hpp"
#include "test_support.hpp"

using namespace roombook;
using namespace std::chrono_literals;
using roombook::rooms::UserClient;
using roombook::rooms::test::error_of;
using roombook::rooms::test::mentions;

namespace {

/// What the stand-in user-mgmt received: (user id, X-Request-Id), and the
/// client address and port of each request.
struct Received {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> requests;
  std::vector<std::string> peers;

  std::vector<std::string> peers_since(std::size_t first) {
    std::lock_guard lock(mutex);
    return {peers.begin() + static_cast<std::ptrdiff_t>(first), peers.end()};
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return peers.size();
  }

  /// The X-Request-Ids that came with requests for `id`.
  std::vector<std::string> request_ids_for(const std::string& id) {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& [user, request_id] : requests) {
      if (user == id) out.push_back(request_id);
    }
    return out;
  }
};

/// GET /users/{id}: 1 exists, 2 does not, 3 breaks the server.
std::shared_ptr<http::Router> make_router(std::shared_ptr<Received> received) {
  auto r = std::make_shared<http::Router>();
  r->add(http::Method::get, "/users/{id}", [received](const http::Request& req) {
    const auto id = req.params.at("id");
    {
      std::lock_guard lock(received->mutex);
      received->requests.emplace_back(id, req.header("X-Request-Id").value_or(""));
      received->peers.push_back(req.peer);
    }
    if (id == "1") return http::Response::json(200, {{"id", 1}, {"username", "ada"}});
    if (id == "3") return http::Response::problem(500, "the database is on fire");
    return http::Response::problem(404, "user " + id + " does not exist");
  });
  return r;
}

struct Fixture {
  Fixture() : received(std::make_shared<Received>()) {
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 2;
    options.name = "test-user-mgmt";
    server = std::make_unique<http::Server>(options, make_router(received));
    server->start();
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  std::shared_ptr<Received> received;
  std::unique_ptr<http::Server> server;
  std::string base;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

/// A client of `base` with these timeouts and the default circuit breaker.
roombook::config::UserMgmtClient settings(const std::string& base,
                                          std::chrono::milliseconds connect_timeout,
                                          std::chrono::milliseconds timeout) {
  roombook::config::UserMgmtClient s;
  s.url = base;
  s.connect_timeout = connect_timeout;
  s.timeout = timeout;
  return s;
}

UserClient client_for(const std::string& base) {
  return UserClient(settings(base, 2000ms, 5000ms));
}

/// A TCP socket bound to 127.0.0.1 on a free port; listening if asked. It
/// never accepts: the kernel completes handshakes from the backlog, and
/// nothing is ever read or answered.
class Socket {
 public:
  explicit Socket(bool listening) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind");
    socklen_t len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("getsockname");
    port_ = ntohs(addr.sin_port);
    if (listening && ::listen(fd_, 16) != 0) fail("listen");
  }
  ~Socket() { close(); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  std::uint16_t port() const { return port_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  [[noreturn]] void fail(const char* what) {
    const int e = errno;
    close();
    throw std::system_error(e, std::generic_category(), what);
  }
  int fd_;
  std::uint16_t port_ = 0;
};

}  // namespace

TEST_CASE("rooms user client: one client reuses its connection", "[rooms][user_client]") {
  auto client = client_for(fixture().base);
  const auto first = fixture().received->count();
  for (int i = 0; i < 5; ++i) CHECK(client.exists(1, "reuse-" + std::to_string(i)));
  const auto peers = fixture().received->peers_since(first);
  REQUIRE(peers.size() == 5);
  // Every request came from the same client port: one TCP connection.
  for (const auto& peer : peers) CHECK(peer == peers.front());
  CHECK_FALSE(peers.front().empty());
}

TEST_CASE("rooms user client: 200 exists, 404 does not", "[rooms][user_client]") {
  auto client = client_for(fixture().base);
  CHECK(client.exists(1, "req-a"));
  CHECK_FALSE(client.exists(2, "req-b"));
  CHECK_FALSE(client.exists(99, "req-c"));
  // Answers do not depend on the order of calls on one client.
  CHECK(client.exists(1, "req-d"));
}

TEST_CASE("rooms user client: any other status is unavailable, and the client recovers",
          "[rooms][user_client]") {
  auto client = client_for(fixture().base);
  const auto e = error_of([&] { client.exists(3, "req-500"); });
  CHECK(e.kind() == core::ErrorKind::unavailable);
  CHECK_THAT(std::string(e.what()), mentions("500"));
  // The same client keeps working afterwards.
  CHECK(client.exists(1, "req-after-500"));
  CHECK_FALSE(client.exists(2, "req-after-500"));
}

TEST_CASE("rooms user client: the request id is passed on as X-Request-Id",
          "[rooms][user_client]") {
  auto client = client_for(fixture().base);
  const std::string id = "trace-7f3a9c-user-check";
  REQUIRE(client.exists(1, id));
  CHECK(fixture().received->request_ids_for("1").back() == id);
  REQUIRE_FALSE(client.exists(2, id + "-404"));
  CHECK(fixture().received->request_ids_for("2").back() == id + "-404");
}

TEST_CASE("rooms user client: a base URL with a trailing slash", "[rooms][user_client]") {
  auto client = client_for(fixture().base + "/");
  CHECK(client.exists(1, "req-slash"));
  CHECK_FALSE(client.exists(2, "req-slash"));
}

TEST_CASE("rooms user client: one client shared by several threads", "[rooms][user_client]") {
  auto client = client_for(fixture().base);
  constexpr int kThreads = 4;
  constexpr int kCalls = 20;
  std::mutex mutex;
  int wrong = 0;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::int64_t user = (i + t) % 2 == 0 ? 1 : 2;
        try {
          if (client.exists(user, "req-thread") != (user == 1)) {
            std::lock_guard lock(mutex);
            ++wrong;
          }
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          errors.push_back(e.what());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& e : errors) UNSCOPED_INFO(e);
  CHECK(errors.empty());
  CHECK(wrong == 0);
}

TEST_CASE("rooms user client: nobody listening on the port is unavailable",
          "[rooms][user_client]") {
  Socket unused(false);
  const auto port = unused.port();
  unused.close();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  UserClient client(settings(base, 2000ms, 2000ms));
  const auto e = error_of([&] { client.exists(1, "req-refused"); });
  CHECK(e.kind() == core::ErrorKind::unavailable);
  CHECK_THAT(std::string(e.what()), mentions(base));
}

TEST_CASE("rooms user client: a server that accepts and never answers times out as unavailable",
          "[rooms][user_client]") {
  Socket silent(true);
  // The client's own timeout ends the call; nothing here waits on the socket.
  UserClient client(settings("http://127.0.0.1:" + std::to_string(silent.port()), 300ms, 300ms));
  const auto e = error_of([&] { client.exists(1, "req-silent"); });
  CHECK(e.kind() == core::ErrorKind::unavailable);
  // And again on the same client, whose handle holds the dead connection.
  CHECK(error_of([&] { client.exists(2, "req-silent-2"); }).kind() == core::ErrorKind::unavailable);
}
