// http::Server::stop() with a request in flight. Its own binary: stopping
// ends the one server a test binary may start (see server_test.cpp).

#include <curl/curl.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "curl_client.hpp"
#include "http/http.hpp"

using namespace roombook::http;
using roombook::http::test::Client;
using roombook::http::test::Reply;

namespace {

/// A gate the slow handler waits at until the test opens it.
struct Gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool entered = false;
  bool open = false;

  void enter_and_wait() {
    std::unique_lock lock(mutex);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [this] { return open; });
  }
  void wait_entered() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [this] { return entered; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("http server: stop() lets a request in flight finish with its response",
          "[http][server][stop]") {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  auto gate = std::make_shared<Gate>();
  auto router = std::make_shared<Router>();
  router->add(Method::get, "/slow", [gate](const Request&) {
    gate->enter_and_wait();
    return Response::json(200, {{"slow", true}});
  });
  router->add(Method::get, "/hello", [](const Request&) { return Response::json(200, 1); });

  ServerOptions options;
  options.threads = 2;
  Server server(options, router);
  server.start();
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  {
    Client warmup;
    REQUIRE(warmup.request(base + "/hello").status == 200);
  }

  auto slow = std::async(std::launch::async, [&] {
    Client client;
    return client.request(base + "/slow");
  });
  gate->wait_entered();

  auto stopped = std::async(std::launch::async, [&] { server.stop(); });
  // stop() must wait for the handler. This cannot fail a correct server; it
  // gives a stop() that does not wait the chance to show itself.
  CHECK(stopped.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
  gate->release();

  const Reply reply = slow.get();
  stopped.get();
  REQUIRE(reply.code == CURLE_OK);
  CHECK(reply.status == 200);
  CHECK(nlohmann::json::parse(reply.body) == nlohmann::json{{"slow", true}});

  // Stopped means stopped: nothing listens on the port any more.
  Client after;
  CHECK(after.request(base + "/hello").code != CURLE_OK);
}
