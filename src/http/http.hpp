#pragma once

// A thin layer over Pistache. Services see only these types: a Router of
// (method, path pattern, handler), a Request, a Response that is JSON or an
// RFC 9457 problem document, the middleware that runs around every handler,
// and a Server that binds a port.

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/paging.hpp"

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

/// What a bearer token allows: `read` the GET and HEAD routes, `write` every
/// route, `admin` what write does.
enum class Scope { read, write, admin };

/// "read", "write", "admin".
const char* to_string(Scope scope);
/// The scope named `text`, or nullopt.
std::optional<Scope> parse_scope(std::string_view text);

/// Who made a request: the name and scope of its token.
struct Caller {
  std::string name;
  Scope scope = Scope::read;
};

/// What middleware learns about a request and hands on to the handler: the
/// request id (set by middleware::request_id) and the caller, when a token
/// was checked (middleware::auth).
struct RequestContext {
  std::string request_id;
  std::optional<Caller> caller;
};

/// Name-value pairs in the order they came: a request's headers, query
/// parameters or path parameters. A request has few of each, so a vector
/// searched in order costs less than a map built for every request.
class Fields {
 public:
  using value_type = std::pair<std::string, std::string>;
  using const_iterator = std::vector<value_type>::const_iterator;

  Fields() = default;
  Fields(std::initializer_list<value_type> items) : items_(items) {}
  explicit Fields(std::vector<value_type> items) : items_(std::move(items)) {}

  void emplace(std::string name, std::string value) {
    items_.emplace_back(std::move(name), std::move(value));
  }
  /// The value of the first field named `name` (exactly), or null.
  const std::string* find(std::string_view name) const;
  /// The value of the last field named `name` (exactly), or null.
  const std::string* find_last(std::string_view name) const;
  /// The first value named `name`; throws std::out_of_range without one.
  const std::string& at(std::string_view name) const;

  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }
  const_iterator begin() const noexcept { return items_.begin(); }
  const_iterator end() const noexcept { return items_.end(); }
  bool operator==(const Fields& other) const { return items_ == other.items_; }

 private:
  std::vector<value_type> items_;
};

/// Decodes %XX escapes; a malformed escape is kept as it is. A '+' stays a
/// '+': only HTML forms mean a space by it, and here it starts the offset of
/// a time (?from=2026-03-01T10:00:00+01:00).
std::string percent_decode(std::string_view in);
/// The parameters of a query string ("a=1&b=&c"), decoded, in order; empty
/// pairs ("a=1&&b=2") are skipped, and a name without '=' has an empty value.
Fields parse_query(std::string_view query);

struct Request {
  Method method = Method::get;
  std::string path;  ///< without the query string
  Fields params;     ///< from the route pattern: {id}
  Fields query;      ///< decoded
  Fields headers;    ///< names lower-cased
  std::string body;
  std::string peer;  ///< the client's address and port: "127.0.0.1:40312"
  RequestContext context;

  /// The header's value, by case-insensitive name; of a repeated header,
  /// the last.
  std::optional<std::string> header(std::string_view name) const;
  /// The value of a query parameter (of a repeated one, the first).
  std::optional<std::string> query_param(const std::string& name) const;
  /// The body parsed as JSON; throws Error(400) naming the parse problem.
  nlohmann::json json() const;
  /// A query parameter that must be an integer when given; a bad one is a
  /// 400 naming it.
  std::optional<std::int64_t> query_integer(const std::string& name) const;
  /// The page a list asks for: ?limit= (default core::kDefaultLimit) and
  /// ?after_id= (default 0); checked by the service.
  core::PageRequest page() const;
  /// The path parameter `name` as an id (digits, > 0); otherwise a 400 that
  /// says it is the id of a `what` ("user", "room").
  std::int64_t id_param(const std::string& name, const std::string& what) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Always a string literal; empty: no Content-Type.
  std::string_view content_type = "application/json";
  std::string body;

  /// Members keep their insertion order, so documents read naturally.
  static Response json(int status, const nlohmann::ordered_json& body);
  /// A body already written as JSON (core::JsonWriter): the hot routes
  /// answer this way, with no document tree in between.
  static Response json_text(int status, std::string body);
  static Response no_content();
  /// An RFC 9457 problem document with type, title, status and detail.
  static Response problem(int status, const std::string& detail,
                          const nlohmann::ordered_json& extra = nlohmann::ordered_json::object());
  Response& header(std::string name, std::string value);
};

using Handler = std::function<Response(const Request&)>;

/// Adds the Link header to the next page of a list:
/// </rooms?limit=2&after_id=7&min_capacity=4>; rel="next". `filters` are
/// the list's other query parameters, repeated in order (values
/// percent-encoded where they must be).
void add_next_link(Response& response, const std::string& path, const core::PageRequest& page,
                   std::int64_t next_after_id,
                   const std::vector<std::pair<std::string, std::string>>& filters = {});

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
    Fields params;
    std::vector<Method> allowed;  ///< path known, method not: for 405 + Allow
  };
  /// Finds the handler for a request. No handler and no allowed methods: 404.
  /// HEAD is GET without the body, unless a route says otherwise: without a
  /// HEAD route it finds GET's.
  Match match(Method method, std::string_view path) const;

 private:
  Match match_exactly(Method method, std::string_view path) const;

  struct Route {
    Method method;
    std::vector<std::string> segments;
    Handler handler;
    Dispatch dispatch;
  };
  std::vector<Route> routes_;
};

/// One row of a service's route table: handlers are member functions of
/// the object that holds the service (see add_routes).
template <class Owner>
struct RouteOf {
  Method method;
  const char* pattern;
  Response (Owner::*handler)(const Request&);
  Dispatch dispatch = Dispatch::worker;
};

/// Adds a table of routes whose handlers are members of `owner`, which must
/// outlive the router.
template <class Owner>
void add_routes(Router& router, Owner& owner, std::initializer_list<RouteOf<Owner>> routes) {
  for (const auto& r : routes) {
    router.add(
        r.method, r.pattern,
        [&owner, handler = r.handler](const Request& req) { return (owner.*handler)(req); },
        r.dispatch);
  }
}

/// The rest of the chain, as middleware sees it.
using Next = std::function<Response(Request&)>;
/// Does what every request needs around the handler, in the order of the
/// chain: the first runs first and sees the final response last. What it
/// throws is answered like a handler's error.
using Middleware = std::function<Response(Request&, const Next& next)>;

/// Finds the caller a bearer token names, or nullopt for a token that is
/// unknown, expired or revoked. It sees only well-formed tokens.
using Authenticate = std::function<std::optional<Caller>(std::string_view token)>;

namespace middleware {
/// Keeps the client's X-Request-Id when it is 1 to 128 characters of
/// [A-Za-z0-9._-] (it is echoed, logged and passed on), else makes one up;
/// puts it in the request's context and on the response.
Middleware request_id();
/// Logs each request with the logger `name` (the service): method, path,
/// status, body size, time taken, request id and caller.
Middleware access_log(const std::string& name);

/// Asks every request for `Authorization: Bearer <token>` (RFC 6750), except
/// GET and HEAD with `public_reads`. No token, or one `authenticate` does
/// not know: 401 with WWW-Authenticate. A token whose scope does not allow
/// the method: 403. Neither answer says which tokens exist. Sets the
/// request's caller.
Middleware auth(Authenticate authenticate, bool public_reads);
}  // namespace middleware

/// A new request id: 16 hexadecimal digits.
std::string new_request_id();

/// What every service runs: request ids, then the access log, then (when
/// `authenticate` is given) auth.
std::vector<Middleware> standard_middleware(const std::string& service_name,
                                            Authenticate authenticate = nullptr,
                                            bool public_reads = false);

/// Runs a request through `chain` and then its route, and turns every
/// outcome into a Response: route not found (404), wrong method (405 with
/// Allow), http::Error, core::Error (worded here, with the remedy as the API
/// offers it), db::Error and any other exception (500, with the detail
/// logged and never sent). The server calls it with the match it used to
/// choose the thread.
Response handle(const std::vector<Middleware>& chain, Router::Match match, Request& request);
/// The answer to a failure outside any handler (a group commit's), worded
/// as handle() words a handler's; `where` names it in the log.
Response failure_response(std::exception_ptr error, const std::string& where);
/// The same without middleware, after matching, with the body's size checked
/// (413): for tests.
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
  /// Run around every handler, in order; empty: standard_middleware(name).
  std::vector<Middleware> middleware;
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
