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

/// An incoming id is echoed, logged and passed on to other services: only a
/// short, plain one is kept.
bool acceptable_request_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace

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
    log->info("{} {} {} {}B {:.2f}ms id={}", to_string(request.method), request.path,
              response.status, response.body.size(), elapsed, request.context.request_id);
    return response;
  };
}

}  // namespace middleware

std::vector<Middleware> standard_middleware(const std::string& service_name) {
  return {middleware::request_id(), middleware::access_log(service_name)};
}

}  // namespace roombook::http
