// http::Server against hostile and careless clients: malformed requests,
// slow and silent clients, clients that never read, pipelining, and
// handlers that wait on another service. A server of its own with small
// limits and timeouts, started once for the whole binary (Pistache leaks
// descriptors per start/stop cycle, #1158).

#include <poll.h>

#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "curl_client.hpp"
#include "http/http.hpp"
#include "raw_connection.hpp"
#include "test_support.hpp"

using namespace roombook::http;
using roombook::http::test::check_problem;
using roombook::http::test::Client;
using roombook::http::test::raw_header;
using roombook::http::test::raw_status;
using roombook::http::test::RawConnection;

namespace {

constexpr std::size_t kMaxBody = 1024;
constexpr std::size_t kBigBody = 16 * 1024;

/// Holds offloaded handlers until the test opens it.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
  }
  /// Blocks until `n` handlers wait at the gate.
  void await_waiting(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiting_ >= n; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

Gate& gate() {
  static Gate g;
  return g;
}

struct Fixture {
  Fixture() {
    auto r = std::make_shared<Router>();
    r->add(Method::get, "/hello", [](const Request&) { return Response::json(200, "hello"); });
    r->add(Method::get, "/n/{n}", [](const Request& req) {
      return Response::json(200, {{"n", req.params.at("n")}});
    });
    r->add(Method::get, "/big",
           [](const Request&) { return Response::json(200, std::string(kBigBody, 'x')); });
    r->add(Method::post, "/echo", [](const Request& req) {
      return Response::json(200, {{"body", req.body}});
    });
    r->add(Method::get, "/id", [](const Request& req) {
      return Response::json(200, {{"id", req.context.request_id}});
    });
    r->add(Method::get, "/bad-header", [](const Request&) {
      return Response::json(200, "x").header("X-Evil", "a\r\nSet-Cookie: pwn=1");
    });
    r->add(
        Method::post, "/slow",
        [](const Request&) {
          gate().wait();
          return Response::json(201, "done");
        },
        Dispatch::offload);
    ServerOptions options;
    options.threads = 1;  // every connection on one worker
    options.max_body_bytes = kMaxBody;
    options.header_timeout = std::chrono::milliseconds(300);
    options.body_timeout = std::chrono::milliseconds(300);
    options.keepalive_timeout = std::chrono::milliseconds(500);
    options.offload_threads = 2;
    options.offload_queue = 1;
    options.max_unsent_bytes = 64 * 1024;
    options.name = "test-hostile";
    server = std::make_unique<Server>(options, r);
    server->start();
  }
  std::unique_ptr<Server> server;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

std::uint16_t port() { return fixture().server->port(); }

std::string url(const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port()) + path;
}

std::string body_of(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

/// The server still answers an ordinary request.
void check_still_serving() {
  Client client;
  const auto r = client.request(url("/hello"));
  REQUIRE(r.code == CURLE_OK);
  CHECK(r.status == 200);
}

}  // namespace

TEST_CASE("http hostile: malformed requests get a problem document and a closed connection",
          "[http][hostile]") {
  struct Case {
    const char* what;
    std::string bytes;
    int status;
  };
  const std::vector<Case> cases{
      {"garbage", "GARBAGE\r\n", 400},
      {"a bare GET", "GET\r\n\r\n", 400},
      {"HTTP/0.9", "GET /\r\n", 400},
      {"bare LF", "GET /hello HTTP/1.1\nHost: x\n\n", 400},
      {"HTTP/2.0", "GET /hello HTTP/2.0\r\n\r\n", 505},
      {"Content-Length -1", "POST /echo HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"a 20-digit Content-Length",
       "POST /echo HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 413},
      {"a chunk size of 16 f's",
       "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n", 413},
      {"a body over the limit", "POST /echo HTTP/1.1\r\nContent-Length: 1025\r\n\r\n", 413},
      {"Content-Length beside chunked",
       "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"an unknown transfer coding",
       "POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
      {"headers over 64 KiB",
       "GET /hello HTTP/1.1\r\nX-Big: " + std::string(70 * 1024, 'a') + "\r\n\r\n", 431},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    RawConnection conn(port());
    conn.send_all(c.bytes);
    const auto response = conn.read_response();
    REQUIRE(response);
    CHECK(raw_status(*response) == c.status);
    CHECK(raw_header(*response, "connection") == "close");
    check_problem(raw_header(*response, "content-type"), body_of(*response), c.status);
    // No exception text, nothing Pistache would have said by itself.
    CHECK(response->find("basic_string") == std::string::npos);
    CHECK(response->find("stoull") == std::string::npos);
    CHECK(response->find("bad_alloc") == std::string::npos);
    CHECK(conn.closed_by_peer());
  }
  check_still_serving();
}

TEST_CASE("http hostile: pipelined requests are all answered, in order", "[http][hostile]") {
  RawConnection conn(port());
  std::string requests;
  for (int i = 1; i <= 20; ++i)
    requests += "GET /n/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  conn.send_all(requests);
  for (int i = 1; i <= 20; ++i) {
    const auto response = conn.read_response();
    REQUIRE(response);
    CHECK(raw_status(*response) == 200);
    CHECK(nlohmann::json::parse(body_of(*response)).at("n") == std::to_string(i));
  }
}

TEST_CASE("http hostile: a HEAD response announces GET's length", "[http][hostile]") {
  RawConnection conn(port());
  conn.send_all("HEAD /big HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  // The next response must start right after the head: HEAD sent no body.
  const auto head = conn.read_some_until("\r\n\r\n");
  CHECK(raw_status(head) == 200);
  CHECK(raw_header(head, "content-length") == std::to_string(kBigBody + 2));
  const auto next = conn.read_response();
  REQUIRE(next);
  CHECK(next->rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("http hostile: Expect: 100-continue gets 100 Continue before the body is sent",
          "[http][hostile]") {
  RawConnection conn(port());
  conn.send_all(
      "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  CHECK(conn.read_some_until("\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n");
  conn.send_all("ok");
  const auto response = conn.read_response();
  REQUIRE(response);
  CHECK(raw_status(*response) == 200);
  CHECK(nlohmann::json::parse(body_of(*response)).at("body") == "ok");
}

TEST_CASE("http hostile: request ids are kept only when short and plain", "[http][hostile]") {
  auto id_seen = [](const std::string& id) {
    RawConnection conn(port());
    conn.send_all("GET /id HTTP/1.1\r\nHost: x\r\nX-Request-Id: " + id + "\r\n\r\n");
    const auto response = conn.read_response();
    REQUIRE(response);
    // What the handler saw (and would pass on) is what the client gets back.
    const auto seen = nlohmann::json::parse(body_of(*response)).at("id").get<std::string>();
    CHECK(roombook::http::test::lower(seen) == raw_header(*response, "x-request-id"));
    return seen;
  };
  CHECK(id_seen("abc-123_x.Y") == "abc-123_x.Y");
  CHECK(id_seen(std::string(128, 'a')) == std::string(128, 'a'));
  const auto long_one = id_seen(std::string(129, 'a'));
  CHECK(long_one.size() == 16);
  const auto odd = id_seen("abc Set-Cookie:pwn=1");
  CHECK(odd.find("pwn") == std::string::npos);
  CHECK(odd.size() == 16);
}

TEST_CASE("http hostile: a header value with CR or LF never reaches the client",
          "[http][hostile]") {
  RawConnection conn(port());
  conn.send_all("GET /bad-header HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto response = conn.read_response();
  REQUIRE(response);
  CHECK(raw_status(*response) == 200);
  CHECK(response->find("pwn") == std::string::npos);
  CHECK(raw_header(*response, "x-evil").empty());
}

TEST_CASE("http hostile: a client that sends its head too slowly gets 408", "[http][hostile]") {
  RawConnection conn(port());
  conn.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n");
  const auto response = conn.read_response();
  REQUIRE(response);
  CHECK(raw_status(*response) == 408);
  check_problem(raw_header(*response, "content-type"), body_of(*response), 408);
  CHECK(conn.closed_by_peer());
}

TEST_CASE("http hostile: a body that stops arriving gets 408", "[http][hostile]") {
  RawConnection conn(port());
  conn.send_all("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  const auto response = conn.read_response();
  REQUIRE(response);
  CHECK(raw_status(*response) == 408);
  CHECK(conn.closed_by_peer());
}

TEST_CASE("http hostile: an idle keep-alive connection is closed without an answer",
          "[http][hostile]") {
  RawConnection conn(port());
  conn.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(conn.read_response());
  CHECK(conn.closed_by_peer());
}

TEST_CASE("http hostile: a client that half-closes after its request still gets the answer",
          "[http][hostile]") {
  RawConnection conn(port());
  conn.send_all("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  conn.shut_write();
  const auto response = conn.read_response();
  REQUIRE(response);
  CHECK(raw_status(*response) == 200);
}

TEST_CASE("http hostile: a client that never reads is cut off, others are served meanwhile",
          "[http][hostile]") {
  RawConnection greedy(port());
  greedy.shrink_receive_buffer();
  const std::string burst = [] {
    std::string s;
    for (int i = 0; i < 20; ++i) s += "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    return s;
  }();
  // 16 KiB a response against 64 KiB of unsent responses allowed: the
  // server must hang up long before this many requests are answered.
  bool cut_off = false;
  for (int round = 0; round < 2000 && !cut_off; ++round) {
    cut_off = !greedy.try_send_all(burst);
    if (round % 50 == 0) check_still_serving();
  }
  CHECK(cut_off);
  check_still_serving();
}

TEST_CASE("http hostile: offloaded handlers do not hold up the worker's other connections",
          "[http][hostile][offload]") {
  gate().close();
  // Two offload threads, both held at the gate.
  std::vector<std::future<roombook::http::test::Reply>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::async(std::launch::async, [] {
      Client client;
      return client.request(url("/slow"), roombook::http::test::with("POST", "{}"));
    }));
    gate().await_waiting(i + 1);
  }
  // The one worker thread serves other connections meanwhile.
  for (int i = 0; i < 3; ++i) check_still_serving();

  // Five more: the queue takes one, the other four are refused at once.
  std::vector<std::unique_ptr<RawConnection>> more;
  for (int i = 0; i < 5; ++i) {
    more.push_back(std::make_unique<RawConnection>(port()));
    more.back()->send_all("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  }
  std::vector<bool> answered(more.size(), false);
  int refused = 0;
  while (refused < 4) {  // each refusal arrives without the gate opening
    std::vector<pollfd> fds;
    for (std::size_t i = 0; i < more.size(); ++i) {
      if (!answered[i]) fds.push_back({more[i]->fd(), POLLIN, 0});
    }
    REQUIRE(::poll(fds.data(), fds.size(), 10000) > 0);  // a guard, not a timing assertion
    for (std::size_t i = 0, f = 0; i < more.size(); ++i) {
      if (answered[i]) continue;
      if (fds[f++].revents != 0) {
        const auto response = more[i]->read_response();
        REQUIRE(response);
        CHECK(raw_status(*response) == 503);
        CHECK(raw_header(*response, "retry-after") == "1");
        answered[i] = true;
        ++refused;
      }
    }
  }
  for (auto& f : held) CHECK(f.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);

  gate().open();
  for (auto& f : held) {
    const auto r = f.get();
    REQUIRE(r.code == CURLE_OK);
    CHECK(r.status == 201);
  }
  for (std::size_t i = 0; i < more.size(); ++i) {
    if (answered[i]) continue;
    const auto response = more[i]->read_response();  // the queued one
    REQUIRE(response);
    CHECK(raw_status(*response) == 201);
  }
}

TEST_CASE("http hostile: a request pipelined behind an offloaded one waits its turn",
          "[http][hostile][offload]") {
  gate().open();
  RawConnection conn(port());
  conn.send_all(
      "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
      "GET /n/2 HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto first = conn.read_response();
  REQUIRE(first);
  CHECK(raw_status(*first) == 201);
  const auto second = conn.read_response();
  REQUIRE(second);
  CHECK(nlohmann::json::parse(body_of(*second)).at("n") == "2");
}

// Pistache: it drops a connection as soon as it reads the end of the
// client's input, so an offloaded answer that is not ready by then is lost.
// Pinned, and listed under BUGS in roombook-serve(1).
TEST_CASE("http hostile: a client that half-closes after an offloaded request gets no answer",
          "[http][hostile][offload][pistache]") {
  gate().close();
  RawConnection conn(port());
  conn.send_all("POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  gate().await_waiting(1);
  conn.shut_write();
  CHECK(conn.closed_by_peer());  // closed, and nothing was sent
  gate().open();
  check_still_serving();
}
