#pragma once

// A thin layer over Pistache. Services see only these types: a Router of
// (method, path pattern, handler), a Request, a Response that is JSON or an
// RFC 9457 problem document, and a Server that binds a port.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace roombook::http {

enum class Method { get, head, post, put, patch, del, options };

/// "GET", "DELETE", ...
const char* to_string(Method m);

/// An error a handler throws; the server answers it as a problem document.
/// `extra` members are merged into the document (e.g. "field").
class Error : public std::runtime_error {
 public:
  Error(int status, std::string detail,
        nlohmann::ordered_json extra = nlohmann::ordered_json::object())
      : std::runtime_error(detail), status_(status), extra_(std::move(extra)) {}
  int status() const noexcept { return status_; }
  const nlohmann::ordered_json& extra() const noexcept { return extra_; }

 private:
  int status_;
  nlohmann::ordered_json extra_;
};

struct Request {
  Method method = Method::get;
  std::string path;                               ///< without the query string
  std::map<std::string, std::string> params;      ///< from the route pattern: {id}
  std::multimap<std::string, std::string> query;  ///< decoded
  std::map<std::string, std::string> headers;     ///< names lower-cased
  std::string body;
  std::string peer;  ///< the client's address and port: "127.0.0.1:40312"

  /// The header's value, by case-insensitive name.
  std::optional<std::string> header(const std::string& name) const;
  /// The value of a query parameter (of a repeated one, the first).
  std::optional<std::string> query_param(const std::string& name) const;
  /// The body parsed as JSON; throws Error(400) naming the parse problem.
  nlohmann::json json() const;
  /// A query parameter that must be an integer when given; a bad one is a
  /// 400 naming it.
  std::optional<std::int64_t> query_integer(const std::string& name) const;
  /// The path parameter `name` as an id (digits, > 0); otherwise a 400 that
  /// says it is the id of a `what` ("user", "room").
  std::int64_t id_param(const std::string& name, const std::string& what) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string body;

  /// Members keep their insertion order, so documents read naturally.
  static Response json(int status, const nlohmann::ordered_json& body);
  static Response no_content();
  /// An RFC 9457 problem document with type, title, status and detail.
  static Response problem(int status, const std::string& detail,
                          const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());
  Response& header(std::string name, std::string value);
};

using Handler = std::function<Response(const Request&)>;

/// Where a route's handler runs. `worker`: on the worker thread that reads
/// the connection, right for anything that only touches the database.
/// `offload`: on the server's small pool of threads for handlers that wait
/// on another service, so that a slow dependency holds up none of the
/// worker's other connections. When that pool's queue is full, the request
/// gets 503 at once.
enum class Dispatch { worker, offload };

/// Routes by method and path pattern. Patterns are literal segments and
/// `{name}` segments: "/users/{id}". Build it before serving; it is read-only
/// afterwards, so worker threads share it without locks.
class Router {
 public:
  void add(Method method, const std::string& pattern, Handler handler,
           Dispatch dispatch = Dispatch::worker);

  struct Match {
    const Handler* handler = nullptr;  ///< null: see allowed
    Dispatch dispatch = Dispatch::worker;
    std::map<std::string, std::string> params;
    std::vector<Method> allowed;  ///< path known, method not: for 405 + Allow
  };
  /// Finds the handler for a request. No handler and no allowed methods: 404.
  /// HEAD is GET without the body, unless a route says otherwise: without a
  /// HEAD route it finds GET's.
  Match match(Method method, const std::string& path) const;

 private:
  Match match_exactly(Method method, const std::string& path) const;

  struct Route {
    Method method;
    std::vector<std::string> segments;
    Handler handler;
    Dispatch dispatch;
  };
  std::vector<Route> routes_;
};

/// Runs a request through its route and turns every outcome into a Response:
/// route not found (404), wrong method (405 with Allow), http::Error,
/// core::Error, db::Error and any other exception (500, with the detail
/// logged and never sent). The server calls it with the match it used to
/// choose the thread.
Response handle(Router::Match match, Request& request);
/// The same after matching, and with the body's size checked (413): for tests.
Response handle(const Router& router, Request& request, std::size_t max_body_bytes);

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: any free port; read it back with Server::port()
  int threads = 2;
  std::size_t max_body_bytes = 1024 * 1024;
  /// From the first byte of a request until its head is complete.
  std::chrono::milliseconds header_timeout{10000};
  /// From the end of the head until the body is complete.
  std::chrono::milliseconds body_timeout{30000};
  /// How long a connection may wait for its next request.
  std::chrono::milliseconds keepalive_timeout{60000};
  /// Threads and queued requests of Dispatch::offload routes.
  int offload_threads = 8;
  std::size_t offload_queue = 64;
  /// Response bytes a connection may leave unread before it is closed.
  std::size_t max_unsent_bytes = 1024 * 1024;
  std::string name = "http";  ///< service name, for logs
};

/// An HTTP/1.1 server on one port. Keep-alive follows the protocol: HTTP/1.1
/// connections persist unless the client sends `Connection: close`, HTTP/1.0
/// ones close unless it sends `keep-alive`. Pipelined requests are answered
/// in order. A request that cannot be read is answered with a problem
/// document (400, 413, 431, 501, 505) and its connection closed; one whose
/// head or body does not arrive in time gets 408.
class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<const Router> router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts serving on background threads. Throws on bind failure.
  void start();
  /// The bound port (useful with port 0).
  std::uint16_t port() const;
  /// Stops accepting, lets handlers in flight finish, joins the threads.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Blocks SIGINT and SIGTERM in this thread and every thread it starts later.
/// Call it first thing in main-like code that will serve, before any thread
/// exists; then wait_for_stop_signal() returns the signal that arrived.
void block_stop_signals();
int wait_for_stop_signal();

}  // namespace roombook::http
