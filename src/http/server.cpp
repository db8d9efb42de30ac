// The Pistache glue. Every workaround for Pistache 0.0.5 (Debian's snapshot)
// lives here, each marked "Pistache:".

#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <sstream>
#include <thread>

#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>

#include "core/text.hpp"
#include "http/http.hpp"
#include "log/log.hpp"

namespace roombook::http {

namespace {

namespace P = Pistache;

// Pistache: maxRequestSize bounds headers and body together, and what exceeds
// it gets a bare text 413 from Pistache itself. Allow this much for the
// request line and headers on top of MAX_BODY_BYTES, so that a body just over
// the limit still reaches handle() and gets a problem document.
constexpr std::size_t kHeaderAllowance = 64 * 1024;

// How long stop() lets requests in flight finish before shutting down anyway.
constexpr auto kDrainTimeout = std::chrono::seconds(10);

struct State {
  std::shared_ptr<const Router> router;
  ServerOptions options;
  std::atomic<int> in_flight{0};
  std::atomic<bool> draining{false};
};

std::optional<Method> from_pistache(P::Http::Method m) {
  switch (m) {
    case P::Http::Method::Get:
      return Method::get;
    case P::Http::Method::Head:
      return Method::head;
    case P::Http::Method::Post:
      return Method::post;
    case P::Http::Method::Put:
      return Method::put;
    case P::Http::Method::Patch:
      return Method::patch;
    case P::Http::Method::Delete:
      return Method::del;
    case P::Http::Method::Options:
      return Method::options;
    default:
      return std::nullopt;
  }
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* digits = "0123456789abcdef";
  std::string id(16, '0');
  auto v = rng();
  for (auto& c : id) {
    c = digits[v & 15];
    v >>= 4;
  }
  return id;
}

// Pistache: it keeps a connection open only when the client sent
// "Connection: keep-alive", and closes it otherwise — against HTTP/1.1, where
// connections persist by default, and costly for curl, wrk and most clients,
// which send no Connection header. Decide by the protocol instead.
bool keep_alive(const P::Http::Request& req) {
  auto connection = req.headers().tryGet<P::Http::Header::Connection>();
  if (req.version() == P::Http::Version::Http10) {
    return connection && connection->control() == P::Http::ConnectionControl::KeepAlive;
  }
  return !connection || connection->control() != P::Http::ConnectionControl::Close;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Decodes %XX escapes; a malformed escape is kept as it is. A '+' stays a
/// '+': only HTML forms mean a space by it, and here it starts the offset of
/// a time (?from=2026-03-01T10:00:00+01:00).
std::string percent_decode(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
        hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

Request to_request(const P::Http::Request& in, Method method) {
  Request out;
  out.method = method;
  out.path = in.resource();
  // Pistache: query names and values arrive still percent-encoded, and of a
  // repeated parameter only the first is kept.
  for (auto it = in.query().parameters_begin(); it != in.query().parameters_end(); ++it) {
    out.query.emplace(percent_decode(it->first), percent_decode(it->second));
  }
  // Pistache parses the headers it knows into typed objects and keeps the
  // others raw; a handler needs both, by name.
  for (const auto& h : in.headers().list()) {
    std::ostringstream value;
    h->write(value);
    out.headers[core::to_lower(h->name())] = value.str();
  }
  for (const auto& [name, raw] : in.headers().rawList()) {
    out.headers[core::to_lower(name)] = raw.value();
  }
  out.body = in.body();
  out.peer = in.address().host() + ":" + in.address().port().toString();
  return out;
}

// Pistache: a response writes only typed headers; raw ones added with
// addRaw() are silently dropped. This header type carries any name and value.
class AnyHeader final : public P::Http::Header::Header {
 public:
  AnyHeader(std::string name, std::string value)
      : name_(std::move(name)), value_(std::move(value)) {}
  const char* name() const override { return name_.c_str(); }
  void write(std::ostream& os) const override { os << value_; }
#ifdef SAFE_HEADER_CAST
  // Pistache checks this hash before casting a header to a typed one; no
  // typed header shares it.
  std::uint64_t hash() const override { return 0; }
#endif

 private:
  std::string name_;
  std::string value_;
};

void send(P::Http::ResponseWriter& writer, const Response& response, bool keep, bool head) {
  auto& headers = writer.headers();
  // Pistache: it has already set a Connection header from the request; ours wins.
  headers.remove<P::Http::Header::Connection>();
  headers.add<P::Http::Header::Connection>(keep ? P::Http::ConnectionControl::KeepAlive
                                                : P::Http::ConnectionControl::Close);
  if (!response.content_type.empty()) {
    headers.add(std::make_shared<AnyHeader>("Content-Type", response.content_type));
  }
  // Pistache keeps one header per name: join repeated ones with ", ", which
  // HTTP defines as the same thing for list-valued headers such as Link.
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& [name, value] : response.headers) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const auto& h) {
      return strcasecmp(h.first.c_str(), name.c_str()) == 0;
    });
    if (same == merged.end()) {
      merged.emplace_back(name, value);
    } else {
      same->second += ", " + value;
    }
  }
  for (const auto& [name, value] : merged) headers.add(std::make_shared<AnyHeader>(name, value));
  auto sent = writer.send(static_cast<P::Http::Code>(response.status),
                          head ? std::string() : response.body);
  if (!keep) {
    // Pistache: "Connection: close" is only a header to it; it keeps the
    // socket open until the keep-alive timeout. Shut the socket down once the
    // response is written; Pistache then sees the hang-up and closes it. The
    // peer is held so its descriptor cannot be closed and reused before that.
    auto peer = writer.peer();
    sent.then([peer](ssize_t) { ::shutdown(peer->fd(), SHUT_RDWR); },
              [peer](std::exception_ptr) { ::shutdown(peer->fd(), SHUT_RDWR); });
  }
}

class Glue final : public P::Http::Handler {
 public:
  HTTP_PROTOTYPE(Glue)

  explicit Glue(std::shared_ptr<State> state)
      : state_(std::move(state)), log_(log::get(state_->options.name)) {}

  void onRequest(const P::Http::Request& in, P::Http::ResponseWriter writer) override {
    ++state_->in_flight;
    const auto start = std::chrono::steady_clock::now();
    Response response;
    std::string path = in.resource();
    std::string method_name = P::Http::methodString(in.method());
    std::string request_id;
    bool keep = keep_alive(in);
    // Pistache: an exception escaping here becomes a 500 carrying e.what()
    // to the client. Nothing escapes: handle() maps every error to a problem
    // document, and this catch covers the conversion around it.
    try {
      auto method = from_pistache(in.method());
      if (state_->draining) {
        keep = false;
        response = Response::problem(503, "the server is shutting down; retry");
        response.header("Retry-After", "1");
      } else if (!method) {
        response = Response::problem(501, "method " + method_name + " is not supported");
      } else {
        Request request = to_request(in, *method);
        request_id = request.header("x-request-id").value_or(new_request_id());
        // Handlers pass it on to the services they call.
        request.headers["x-request-id"] = request_id;
        response = handle(*state_->router, request, state_->options.max_body_bytes);
      }
    } catch (const std::exception& e) {
      log_->error("{} {}: {}", method_name, path, e.what());
      response = Response::problem(500, "internal error; the server log has the details");
    }
    if (request_id.empty()) request_id = new_request_id();
    response.header("X-Request-Id", request_id);
    try {
      send(writer, response, keep, in.method() == P::Http::Method::Head);
    } catch (const std::exception& e) {
      log_->warn("{} {}: cannot send the response: {}", method_name, path, e.what());
    }
    const auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    log_->info("{} {} {} {}B {:.2f}ms id={}", method_name, path, response.status,
               response.body.size(), elapsed, request_id);
    --state_->in_flight;
  }

  void onTimeout(const P::Http::Request& /*request*/, P::Http::ResponseWriter writer) override {
    auto response = Response::problem(408, "the request was not received in time");
    try {
      send(writer, response, false, false);
    } catch (const std::exception&) {
      // The client is gone; nothing to tell it.
    }
  }

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

struct Server::Impl {
  std::shared_ptr<State> state;
  std::unique_ptr<P::Http::Endpoint> endpoint;
};

Server::Server(ServerOptions options, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>()) {
  impl_->state = std::make_shared<State>();
  impl_->state->router = std::move(router);
  impl_->state->options = std::move(options);
}

Server::~Server() { stop(); }

void Server::start() {
  const auto& o = impl_->state->options;
  try {
    P::Address address(o.host, P::Port(o.port));
    auto endpoint = std::make_unique<P::Http::Endpoint>(address);
    // Pistache: the defaults are one thread, a 4096-byte request limit and
    // 60 s header / body timeouts with 300 s keep-alive; set all of them.
    auto opts = P::Http::Endpoint::options()
                    .threads(o.threads)
                    .flags(P::Tcp::Options::ReuseAddr)
                    .maxRequestSize(o.max_body_bytes + kHeaderAllowance)
                    .headerTimeout(o.header_timeout)
                    .bodyTimeout(o.body_timeout)
                    .keepaliveTimeout(o.keepalive_timeout);
    endpoint->init(opts);
    endpoint->setHandler(P::Http::make_handler<Glue>(impl_->state));
    endpoint->serveThreaded();
    impl_->endpoint = std::move(endpoint);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                             e.what());
  }
}

std::uint16_t Server::port() const {
  return impl_->endpoint ? static_cast<std::uint16_t>(impl_->endpoint->getPort())
                         : impl_->state->options.port;
}

void Server::stop() {
  if (!impl_->endpoint) return;
  // Let requests in flight finish; new ones get 503 and a closed connection.
  impl_->state->draining = true;
  const auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while (impl_->state->in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Pistache: shutdown() returns before the worker threads end; destroying
  // the Endpoint joins them, so do both before anything the handlers use goes.
  impl_->endpoint->shutdown();
  impl_->endpoint.reset();
}

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace roombook::http
