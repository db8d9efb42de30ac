// The users API through http::handle(), without a server: status codes,
// headers and problem documents a client sees.

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "config/config.hpp"
#include "http/http.hpp"
#include "service/service.hpp"
#include "test_support.hpp"
#include "user-mgmt/routes.hpp"

using namespace roombook;
using roombook::user_mgmt::test::MigratedDb;

namespace {

/// A configuration of defaults only, for the services as the registry lists them.
config::Config default_config() {
  config::LoadOptions options;
  options.read_env_file = false;
  options.services = {{"user-mgmt", 8081, "USER_MGMT"}, {"rooms", 8082, "ROOMS"}};
  return config::Config::load(options);
}

struct Api {
  MigratedDb db;
  config::Config config = default_config();
  http::Router router;
  std::unique_ptr<service::Mounted> mounted = user_mgmt::mount(router, {db.pool(), config});

  http::Response call(http::Method method, const std::string& path, const std::string& body = {},
                      http::Fields query = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.query = std::move(query);
    return http::handle(router, req, 1024 * 1024);
  }
};

std::string header_of(const http::Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

nlohmann::json problem(const http::Response& r, int status) {
  INFO("body: " << r.body);
  CHECK(r.status == status);
  CHECK(r.content_type == "application/problem+json");
  return nlohmann::json::parse(r.body);
}

const std::string kAda = R"({"username": "ada", "firstname": "Ada", "lastname": "Lovelace"})";

}  // namespace

TEST_CASE("user_mgmt routes: POST /users creates, with Location, GET reads it back",
          "[user-mgmt][routes]") {
  Api api;
  const auto created = api.call(http::Method::post, "/users", kAda);
  REQUIRE(created.status == 201);
  const auto user = nlohmann::json::parse(created.body);
  const auto id = user.at("id").get<std::int64_t>();
  CHECK(header_of(created, "Location") == "/users/" + std::to_string(id));

  const auto got = api.call(http::Method::get, "/users/" + std::to_string(id));
  CHECK(got.status == 200);
  CHECK(nlohmann::json::parse(got.body) == user);
  // The singular alias of the first clients.
  CHECK(api.call(http::Method::get, "/user/" + std::to_string(id)).status == 200);
}

TEST_CASE("user_mgmt routes: errors are problem documents naming the field",
          "[user-mgmt][routes]") {
  Api api;
  auto doc = problem(api.call(http::Method::post, "/users", R"({"username": "ada"})"), 400);
  CHECK(doc.at("field") == "firstname");
  doc = problem(api.call(http::Method::get, "/users/abc"), 400);
  CHECK(doc.at("field") == "id");
  doc = problem(api.call(http::Method::get, "/users", "", {{"limit", "ten"}}), 400);
  CHECK(doc.at("field") == "limit");
  doc = problem(api.call(http::Method::get, "/users", "", {{"limit", "0"}}), 400);
  CHECK(doc.at("field") == "limit");
  problem(api.call(http::Method::get, "/users/999"), 404);
  problem(api.call(http::Method::post, "/users", "{nope"), 400);

  REQUIRE(api.call(http::Method::post, "/users", kAda).status == 201);
  doc = problem(api.call(http::Method::post, "/users", kAda), 409);
  CHECK(doc.at("detail") == "username \"ada\" is already taken");
}

TEST_CASE("user_mgmt routes: GET /users pages with a Link to the next page",
          "[user-mgmt][routes]") {
  Api api;
  for (const char* name : {"u1", "u2", "u3"}) {
    REQUIRE(
        api.call(http::Method::post, "/users",
                 nlohmann::json{{"username", name}, {"firstname", "F"}, {"lastname", "L"}}.dump())
            .status == 201);
  }
  const auto first = api.call(http::Method::get, "/users", "", {{"limit", "2"}});
  REQUIRE(first.status == 200);
  const auto users = nlohmann::json::parse(first.body);
  REQUIRE(users.size() == 2);
  const auto second_id = users.at(1).at("id").get<std::int64_t>();
  CHECK(header_of(first, "Link") ==
        "</users?limit=2&after_id=" + std::to_string(second_id) + ">; rel=\"next\"");

  const auto last = api.call(http::Method::get, "/users", "",
                             {{"limit", "2"}, {"after_id", std::to_string(second_id)}});
  REQUIRE(last.status == 200);
  CHECK(nlohmann::json::parse(last.body).size() == 1);
  CHECK(header_of(last, "Link").empty());
}

TEST_CASE("user_mgmt routes: PATCH, PUT and DELETE", "[user-mgmt][routes]") {
  Api api;
  const auto id = nlohmann::json::parse(api.call(http::Method::post, "/users", kAda).body)
                      .at("id")
                      .get<std::int64_t>();
  const auto path = "/users/" + std::to_string(id);
  auto r = api.call(http::Method::patch, path, R"({"lastname": "King"})");
  REQUIRE(r.status == 200);
  CHECK(nlohmann::json::parse(r.body).at("lastname") == "King");
  CHECK(nlohmann::json::parse(r.body).at("firstname") == "Ada");

  r = api.call(http::Method::put, path, R"({"username": "countess", "firstname": "A"})");
  CHECK(problem(r, 400).at("field") == "lastname");

  r = api.call(http::Method::del, path);
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  problem(api.call(http::Method::del, path), 404);
  problem(api.call(http::Method::patch, path, R"({"lastname": "X"})"), 404);
}
