// The middleware every service runs: request ids and the access log.

#include <algorithm>
#include <chrono>
#include <random>

#include "http/http.hpp"
#include "log/log.hpp"

namespace roombook::http {

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

namespace {

constexpr std::size_t kMaxTokenBytes = 256;
constexpr const char* kBearer = "Bearer realm=\"roombook\"";
constexpr const char* kInvalidToken = "Bearer realm=\"roombook\", error=\"invalid_token\"";
constexpr const char* kInsufficientScope =
    "Bearer realm=\"roombook\", error=\"insufficient_scope\", scope=\"write\"";

/// An incoming id is echoed, logged and passed on to other services: only a
/// short, plain one is kept.
bool acceptable_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

/// The token of an "Authorization: Bearer <token>" header (RFC 6750 2.1:
/// the scheme in any case, then b64token characters), or nullopt for any
/// other credentials and for a token too long to be one of ours.
std::optional<std::string_view> bearer_token(std::string_view header) {
  constexpr std::string_view scheme = "bearer ";
  if (header.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = header[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != scheme[i]) {
      return std::nullopt;
    }
  }
  auto token = header.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty() || token.size() > kMaxTokenBytes) return std::nullopt;
  const bool b64token = std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
  });
  if (!b64token) return std::nullopt;
  return token;
}

}  // namespace

const char* to_string(Scope scope) {
  switch (scope) {
    case Scope::read:
      return "read";
    case Scope::write:
      return "write";
    case Scope::admin:
      return "admin";
  }
  return "?";
}

std::optional<Scope> parse_scope(std::string_view text) {
  for (const auto scope : {Scope::read, Scope::write, Scope::admin}) {
    if (text == to_string(scope)) return scope;
  }
  return std::nullopt;
}

namespace middleware {

Middleware request_id() {
  return [](Request& request, const Next& next) {
    const auto incoming = request.header("x-request-id");
    request.context.request_id =
        incoming && acceptable_request_id(*incoming) ? *incoming : new_request_id();
    auto response = next(request);
    response.headers.insert(response.headers.begin(), {"X-Request-Id", request.context.request_id});
    return response;
  };
}

Middleware access_log(const std::string& name) {
  return [log = log::get(name)](Request& request, const Next& next) {
    const auto start = std::chrono::steady_clock::now();
    auto response = next(request);
    const auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const auto& caller = request.context.caller;
    log->info("{} {} {} {}B {:.2f}ms id={} caller={}", to_string(request.method), request.path,
              response.status, response.body.size(), elapsed, request.context.request_id,
              caller ? std::string_view(caller->name) : std::string_view("-"));
    return response;
  };
}

Middleware auth(Authenticate authenticate, bool public_reads) {
  return [authenticate = std::move(authenticate), public_reads](Request& request,
                                                                const Next& next) {
    const bool reads = request.method == Method::get || request.method == Method::head;
    if (reads && public_reads) return next(request);
    const auto header = request.header("authorization");
    const auto token = header ? bearer_token(*header) : std::nullopt;
    if (!token) {
      // Nothing to check, or not a bearer token: RFC 6750 answers without an
      // error code when the request had no credentials of this scheme.
      return Response::problem(401,
                               "this service needs a bearer token: send Authorization: Bearer "
                               "<token> (roombook token create)")
          .header("WWW-Authenticate", header ? kInvalidToken : kBearer);
    }
    auto caller = authenticate(*token);
    if (!caller) {
      // The same answer for a token never made, expired or revoked.
      return Response::problem(401, "the bearer token is not valid")
          .header("WWW-Authenticate", kInvalidToken);
    }
    const bool allowed = reads || caller->scope != Scope::read;
    request.context.caller = std::move(caller);
    if (!allowed) {
      return Response::problem(403, std::string("a token with scope read may not ") +
                                        to_string(request.method) + "; this needs write or admin")
          .header("WWW-Authenticate", kInsufficientScope);
    }
    return next(request);
  };
}

}  // namespace middleware

std::vector<Middleware> standard_middleware(const std::string& service_name,
                                            Authenticate authenticate, bool public_reads) {
  std::vector<Middleware> chain{middleware::request_id(), middleware::access_log(service_name)};
  if (authenticate) chain.push_back(middleware::auth(std::move(authenticate), public_reads));
  return chain;
}

}  // namespace roombook::http
