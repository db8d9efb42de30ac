// The middleware chain of http::handle(): its order, errors thrown inside
// it, and the standard middleware (request ids, the access log).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "http/http.hpp"
#include "test_support.hpp"

using namespace roombook::http;

namespace {

/// Middleware that notes when it runs, before and after the rest.
Middleware noting(std::vector<std::string>& trace, std::string name) {
  return [&trace, name](Request& req, const Next& next) {
    trace.push_back(name + " in");
    auto response = next(req);
    trace.push_back(name + " out " + std::to_string(response.status));
    return response;
  };
}

Router router_with(std::vector<std::string>& trace) {
  Router r;
  r.add(Method::get, "/ok", [&trace](const Request&) {
    trace.push_back("handler");
    return Response::json(200, "ok");
  });
  r.add(Method::get, "/fail",
        [](const Request&) -> Response { throw roombook::core::not_found("nothing here"); });
  return r;
}

Request get(const std::string& path) {
  Request req;
  req.method = Method::get;
  req.path = path;
  return req;
}

std::string header_of(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

}  // namespace

TEST_CASE("http middleware: runs in order around the handler, first in, last out",
          "[http][middleware]") {
  std::vector<std::string> trace;
  const auto router = router_with(trace);
  const std::vector<Middleware> chain{noting(trace, "a"), noting(trace, "b")};
  auto req = get("/ok");
  CHECK(handle(chain, router.match(Method::get, "/ok"), req).status == 200);
  CHECK(trace == std::vector<std::string>{"a in", "b in", "handler", "b out 200", "a out 200"});
}

TEST_CASE("http middleware: a handler's error reaches middleware as its problem document",
          "[http][middleware]") {
  std::vector<std::string> trace;
  const auto router = router_with(trace);
  auto req = get("/fail");
  const auto r = handle({noting(trace, "a")}, router.match(Method::get, "/fail"), req);
  CHECK(r.status == 404);
  CHECK(trace == std::vector<std::string>{"a in", "a out 404"});
  // An unknown path too: 404 is the route's answer, seen by the middleware.
  trace.clear();
  auto none = get("/none");
  CHECK(handle({noting(trace, "a")}, router.match(Method::get, "/none"), none).status == 404);
  CHECK(trace == std::vector<std::string>{"a in", "a out 404"});
}

TEST_CASE(
    "http middleware: what middleware throws is answered like a handler's error, and the "
    "rest does not run",
    "[http][middleware]") {
  std::vector<std::string> trace;
  const auto router = router_with(trace);
  const Middleware refuse = [](Request&, const Next&) -> Response {
    throw roombook::core::Error(roombook::core::ErrorKind::invalid, "refused here", "x");
  };
  auto req = get("/ok");
  const auto r = handle({noting(trace, "outer"), refuse, noting(trace, "inner")},
                        router.match(Method::get, "/ok"), req);
  const auto doc = roombook::http::test::check_problem(r.content_type, r.body, 400);
  CHECK(doc.at("field") == "x");
  CHECK(trace == std::vector<std::string>{"outer in", "outer out 400"});
}

TEST_CASE(
    "http middleware: request_id keeps a plain client id, replaces others, puts it in the "
    "context and on the response",
    "[http][middleware]") {
  std::vector<std::string> trace;
  Router router;
  router.add(Method::get, "/id",
             [](const Request& req) { return Response::json(200, req.context.request_id); });
  const std::vector<Middleware> chain{middleware::request_id()};
  auto run = [&](std::optional<std::string> incoming) {
    auto req = get("/id");
    if (incoming) req.headers.emplace("x-request-id", *incoming);
    auto r = handle(chain, router.match(Method::get, "/id"), req);
    CHECK(nlohmann::json::parse(r.body) == req.context.request_id);
    CHECK(header_of(r, "X-Request-Id") == req.context.request_id);
    // First, before the handler's own headers.
    REQUIRE_FALSE(r.headers.empty());
    CHECK(r.headers.front().first == "X-Request-Id");
    return req.context.request_id;
  };
  CHECK(run("trace-1.A_b") == "trace-1.A_b");
  for (const std::optional<std::string>& bad :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>(std::string(129, 'a')), std::optional<std::string>("a b"),
        std::optional<std::string>("x\r\nSet-Cookie: y")}) {
    const auto id = run(bad);
    CHECK(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(run("a") != run("b"));
}

TEST_CASE("http middleware: the standard chain sets the request id before the access log runs",
          "[http][middleware]") {
  const auto chain = standard_middleware("test-http");
  REQUIRE(chain.size() == 2);
  Router router;
  std::string seen;
  router.add(Method::get, "/x", [&seen](const Request& req) {
    seen = req.context.request_id;
    return Response::no_content();
  });
  auto req = get("/x");
  req.headers.emplace("x-request-id", "abc");
  CHECK(handle(chain, router.match(Method::get, "/x"), req).status == 204);
  CHECK(seen == "abc");
}

namespace {

nlohmann::json problem(const Response& r, int status) {
  CHECK(r.status == status);
  return roombook::http::test::check_problem(r.content_type, r.body, status);
}

/// Two known tokens: "good-write" (write) and "good-read" (read).
std::optional<Caller> known_tokens(std::string_view token) {
  if (token == "good-write") return Caller{"deployer", Scope::write};
  if (token == "good-read") return Caller{"reader", Scope::read};
  return std::nullopt;
}

struct Authed {
  std::vector<std::string> trace;
  Router router;
  std::vector<Middleware> chain;
  explicit Authed(bool public_reads) : router(router_with(trace)) {
    router.add(Method::post, "/ok", [this](const Request& req) {
      trace.push_back("post by " + (req.context.caller ? req.context.caller->name : "-"));
      return Response::json(201, "made");
    });
    chain = {middleware::auth(known_tokens, public_reads)};
  }
  Response send(Method method, const std::optional<std::string>& authorization) {
    Request req = get("/ok");
    req.method = method;
    if (authorization) req.headers.emplace("authorization", *authorization);
    return handle(chain, router.match(method, "/ok"), req);
  }
};

}  // namespace

TEST_CASE("http middleware: auth answers 401 with WWW-Authenticate without a valid token",
          "[http][middleware][auth]") {
  Authed a(false);
  for (const auto& header : std::vector<std::optional<std::string>>{
           std::nullopt, "Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer bad token",
           "Bearer unknown", "Bearer " + std::string(300, 'a'), "good-write"}) {
    INFO(header.value_or("(none)"));
    const auto r = a.send(Method::get, header);
    const auto doc = problem(r, 401);
    CHECK(header_of(r, "WWW-Authenticate").rfind("Bearer realm=\"roombook\"", 0) == 0);
    // Never a hint about which tokens exist.
    CHECK(doc.at("detail").get<std::string>().find("unknown") == std::string::npos);
  }
  CHECK(a.trace.empty());
  // A token that was sent but is not valid says so, as RFC 6750 asks.
  CHECK(header_of(a.send(Method::get, "Bearer unknown"), "WWW-Authenticate")
            .find("error=\"invalid_token\"") != std::string::npos);
  CHECK(header_of(a.send(Method::get, std::nullopt), "WWW-Authenticate").find("error=") ==
        std::string::npos);
}

TEST_CASE("http middleware: auth lets a token's scope through and refuses the rest with 403",
          "[http][middleware][auth]") {
  Authed a(false);
  CHECK(a.send(Method::get, "Bearer good-read").status == 200);
  CHECK(a.send(Method::get, "bearer  good-write").status == 200);
  const auto refused = a.send(Method::post, "Bearer good-read");
  problem(refused, 403);
  CHECK(header_of(refused, "WWW-Authenticate").find("insufficient_scope") != std::string::npos);
  CHECK(a.send(Method::post, "Bearer good-write").status == 201);
  CHECK(a.trace == std::vector<std::string>{"handler", "handler", "post by deployer"});
}

TEST_CASE("http middleware: with public reads only writes need a token",
          "[http][middleware][auth]") {
  Authed a(true);
  CHECK(a.send(Method::get, std::nullopt).status == 200);
  CHECK(a.send(Method::head, std::nullopt).status == 200);
  problem(a.send(Method::post, std::nullopt), 401);
  CHECK(a.send(Method::post, "Bearer good-write").status == 201);
}
