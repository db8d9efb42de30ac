// http::Router: which handler a (method, path) reaches, and what a 404 or a
// 405 needs to know.

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

#include "http/http.hpp"

using namespace roombook::http;

namespace {

/// A handler that answers with its own name, so a test can tell which ran.
Handler named(const std::string& name) {
  return [name](const Request&) { return Response::json(200, {{"handler", name}}); };
}

std::string run(const Router::Match& match) {
  REQUIRE(match.handler != nullptr);
  Request req;
  return nlohmann::json::parse((*match.handler)(req).body).at("handler").get<std::string>();
}

Router users_router() {
  Router r;
  r.add(Method::get, "/users", named("list"));
  r.add(Method::post, "/users", named("create"));
  r.add(Method::get, "/users/{id}", named("get"));
  r.add(Method::put, "/users/{id}", named("replace"));
  r.add(Method::del, "/users/{id}", named("remove"));
  r.add(Method::get, "/users/{id}/rooms/{room}", named("room"));
  r.add(Method::get, "/health", named("health"));
  return r;
}

}  // namespace

TEST_CASE("http router: literal paths reach their handler by method", "[http][router]") {
  const auto r = users_router();
  CHECK(run(r.match(Method::get, "/users")) == "list");
  CHECK(run(r.match(Method::post, "/users")) == "create");
  CHECK(run(r.match(Method::get, "/health")) == "health");
  CHECK(r.match(Method::get, "/users").params.empty());
}

TEST_CASE("http router: {param} segments match any segment and are extracted", "[http][router]") {
  const auto r = users_router();
  auto m = r.match(Method::get, "/users/42");
  CHECK(run(m) == "get");
  CHECK(m.params == Fields{{"id", "42"}});

  m = r.match(Method::put, "/users/ada");
  CHECK(run(m) == "replace");
  CHECK(m.params.at("id") == "ada");

  m = r.match(Method::get, "/users/7/rooms/blue");
  CHECK(run(m) == "room");
  CHECK(m.params == Fields{{"id", "7"}, {"room", "blue"}});
}

TEST_CASE("http router: a trailing slash reaches the same route", "[http][router]") {
  const auto r = users_router();
  CHECK(run(r.match(Method::get, "/users/")) == "list");
  auto m = r.match(Method::get, "/users/42/");
  CHECK(run(m) == "get");
  CHECK(m.params.at("id") == "42");
}

TEST_CASE("http router: segment counts must agree", "[http][router]") {
  const auto r = users_router();
  // Neither shorter nor longer paths match a pattern: a {param} is one segment.
  auto m = r.match(Method::get, "/users/42/rooms");
  CHECK(m.handler == nullptr);
  CHECK(m.allowed.empty());
  m = r.match(Method::get, "/users/42/rooms/blue/extra");
  CHECK(m.handler == nullptr);
  CHECK(m.allowed.empty());
  // Literal segments are compared exactly (case included).
  CHECK(r.match(Method::get, "/Users").handler == nullptr);
  CHECK(r.match(Method::get, "/Users").allowed.empty());
}

TEST_CASE("http router: an unknown path has no handler and no allowed methods (404)",
          "[http][router]") {
  const auto r = users_router();
  for (auto method : {Method::get, Method::post, Method::del, Method::options}) {
    auto m = r.match(method, "/rooms");
    CHECK(m.handler == nullptr);
    CHECK(m.allowed.empty());
    CHECK(m.params.empty());
  }
  CHECK(r.match(Method::get, "/").handler == nullptr);
  CHECK(Router().match(Method::get, "/users").allowed.empty());
}

TEST_CASE("http router: a known path with another method lists the allowed methods (405)",
          "[http][router]") {
  const auto r = users_router();
  auto m = r.match(Method::patch, "/users/42");
  CHECK(m.handler == nullptr);
  CHECK(m.allowed == std::vector<Method>{Method::get, Method::put, Method::del});

  m = r.match(Method::del, "/users");
  CHECK(m.handler == nullptr);
  CHECK(m.allowed == std::vector<Method>{Method::get, Method::post});
}

TEST_CASE("http router: each allowed method is listed once", "[http][router]") {
  // The same method on two patterns that both match the path.
  Router r;
  r.add(Method::get, "/users/{id}", named("by id"));
  r.add(Method::get, "/users/{name}", named("by name"));
  r.add(Method::put, "/users/{id}", named("put"));
  r.add(Method::get, "/users/me", named("me"));
  auto m = r.match(Method::post, "/users/me");
  CHECK(m.handler == nullptr);
  REQUIRE(m.allowed.size() == 2);
  CHECK(std::count(m.allowed.begin(), m.allowed.end(), Method::get) == 1);
  CHECK(std::count(m.allowed.begin(), m.allowed.end(), Method::put) == 1);
}

TEST_CASE("http router: a handler found clears the allowed list", "[http][router]") {
  Router r;
  r.add(Method::post, "/items/{id}", named("post"));
  r.add(Method::get, "/items/{id}", named("get"));
  auto m = r.match(Method::get, "/items/1");
  CHECK(run(m) == "get");
  CHECK(m.allowed.empty());
}

TEST_CASE("http router: method names", "[http][router]") {
  CHECK(std::string(to_string(Method::get)) == "GET");
  CHECK(std::string(to_string(Method::head)) == "HEAD");
  CHECK(std::string(to_string(Method::post)) == "POST");
  CHECK(std::string(to_string(Method::put)) == "PUT");
  CHECK(std::string(to_string(Method::patch)) == "PATCH");
  CHECK(std::string(to_string(Method::del)) == "DELETE");
  CHECK(std::string(to_string(Method::options)) == "OPTIONS");
}
