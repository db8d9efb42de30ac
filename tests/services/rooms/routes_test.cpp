// The rooms and bookings API through http::handle(), without a server:
// status codes, headers and problem documents a client sees, with a
// stand-in user-mgmt.

#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "http/http.hpp"
#include "rooms/routes.hpp"
#include "test_support.hpp"

using namespace roombook;
using roombook::rooms::test::FakeUsers;
using roombook::rooms::test::MigratedDb;

namespace {

/// Lends the routes a FakeUsers the test keeps looking at.
struct LentUsers : rooms::UserDirectory {
  explicit LentUsers(std::shared_ptr<FakeUsers> f) : fake(std::move(f)) {}
  bool exists(std::int64_t user_id, const std::string& request_id) override {
    return fake->exists(user_id, request_id);
  }
  std::shared_ptr<FakeUsers> fake;
};

struct Api {
  MigratedDb db;
  std::shared_ptr<FakeUsers> users = std::make_shared<FakeUsers>(std::vector<std::int64_t>{7});
  http::Router router;
  std::unique_ptr<service::Mounted> mounted =
      rooms::mount(router, db.pool(), std::make_unique<LentUsers>(users));

  http::Response call(http::Method method, const std::string& path, const std::string& body = {},
                      http::Fields query = {}, const std::string& request_id = {}) {
    http::Request req;
    req.method = method;
    req.path = path;
    req.body = body;
    req.query = std::move(query);
    req.context.request_id = request_id;
    return http::handle(router, req, 1024 * 1024);
  }

  std::int64_t room(const std::string& name, int capacity = 4) {
    const auto r =
        call(http::Method::post, "/rooms",
             R"({"name":")" + name + R"(","capacity":)" + std::to_string(capacity) + "}");
    REQUIRE(r.status == 201);
    return nlohmann::json::parse(r.body).at("id").get<std::int64_t>();
  }

  http::Response book(std::int64_t room, const std::string& from, const std::string& to,
                      std::int64_t user = 7) {
    return call(http::Method::post, "/rooms/" + std::to_string(room) + "/bookings",
                R"({"user_id":)" + std::to_string(user) + R"(,"starts_at":")" + from +
                    R"(","ends_at":")" + to + R"("})");
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

}  // namespace

TEST_CASE("rooms routes: POST /rooms creates with Location, GET, PUT and PATCH read and change it",
          "[rooms][routes]") {
  Api api;
  const auto created =
      api.call(http::Method::post, "/rooms", R"({"name":"Babbage","capacity":8,"location":"2nd"})");
  REQUIRE(created.status == 201);
  const auto id = nlohmann::json::parse(created.body).at("id").get<std::int64_t>();
  const auto path = "/rooms/" + std::to_string(id);
  CHECK(header_of(created, "Location") == path);

  const auto got = nlohmann::json::parse(api.call(http::Method::get, path).body);
  CHECK(got.at("name") == "Babbage");
  CHECK(got.at("location") == "2nd");

  const auto replaced = api.call(http::Method::put, path, R"({"name":"Lovelace","capacity":4})");
  REQUIRE(replaced.status == 200);
  CHECK(nlohmann::json::parse(replaced.body).at("location").is_null());

  const auto patched = api.call(http::Method::patch, path, R"({"capacity":6})");
  REQUIRE(patched.status == 200);
  const auto doc = nlohmann::json::parse(patched.body);
  CHECK(doc.at("name") == "Lovelace");
  CHECK(doc.at("capacity") == 6);
}

TEST_CASE("rooms routes: bad rooms are 400 naming the field, a taken name 409, none 404",
          "[rooms][routes]") {
  Api api;
  api.room("Babbage");
  CHECK(problem(api.call(http::Method::post, "/rooms", R"({"name":"X","capacity":0})"), 400)
            .at("field") == "capacity");
  CHECK(problem(api.call(http::Method::post, "/rooms", R"({"name":"Babbage","capacity":2})"), 409)
            .at("detail") == "a room named \"Babbage\" already exists");
  problem(api.call(http::Method::get, "/rooms/99"), 404);
  problem(api.call(http::Method::put, "/rooms/99", R"({"name":"Y","capacity":2})"), 404);
  problem(api.call(http::Method::get, "/rooms/01"), 400);
}

TEST_CASE("rooms routes: a list's Link to the next page repeats its filters", "[rooms][routes]") {
  Api api;
  for (const auto* name : {"A", "B", "C"}) api.room(name, 10);
  const auto page = api.call(http::Method::get, "/rooms", {},
                             {{"limit", "2"},
                              {"min_capacity", "5"},
                              {"available_from", "2030-01-01T10:00:00Z"},
                              {"available_to", "2030-01-01T12:00:00+01:00"}});
  REQUIRE(page.status == 200);
  CHECK(nlohmann::json::parse(page.body).size() == 2);
  CHECK(header_of(page, "Link") ==
        "</rooms?limit=2&after_id=2&min_capacity=5&available_from=2030-01-01T10:00:00Z"
        "&available_to=2030-01-01T11:00:00Z>; rel=\"next\"");
  const auto last = api.call(http::Method::get, "/rooms", {}, {{"limit", "2"}, {"after_id", "2"}});
  CHECK(nlohmann::json::parse(last.body).size() == 1);
  CHECK(header_of(last, "Link").empty());
  problem(api.call(http::Method::get, "/rooms", {}, {{"available_from", "2030-01-01T10:00:00Z"}}),
          400);
  problem(api.call(http::Method::get, "/rooms", {}, {{"limit", "1001"}}), 400);
}

TEST_CASE(
    "rooms routes: a booking is 201 with Location, an overlap 409 naming the booking in the way",
    "[rooms][routes]") {
  Api api;
  const auto room = api.room("Babbage");
  const auto first = api.book(room, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z");
  REQUIRE(first.status == 201);
  const auto id = nlohmann::json::parse(first.body).at("id").get<std::int64_t>();
  CHECK(header_of(first, "Location") == "/bookings/" + std::to_string(id));

  const auto clash = problem(api.book(room, "2030-03-01T10:30:00Z", "2030-03-01T11:30:00Z"), 409);
  CHECK(clash.at("detail") == "room " + std::to_string(room) +
                                  " is already booked from 2030-03-01T10:00:00Z to "
                                  "2030-03-01T11:00:00Z (booking " +
                                  std::to_string(id) + ")");
  CHECK(clash.at("conflicting_booking") == nlohmann::json{{"id", id},
                                                          {"starts_at", "2030-03-01T10:00:00Z"},
                                                          {"ends_at", "2030-03-01T11:00:00Z"}});
  // Touching is not overlapping.
  CHECK(api.book(room, "2030-03-01T11:00:00Z", "2030-03-01T12:00:00Z").status == 201);
  problem(api.book(99, "2030-03-02T10:00:00Z", "2030-03-02T11:00:00Z"), 404);
}

TEST_CASE("rooms routes: the user is asked with the request id, unknown 422, user-mgmt down 503",
          "[rooms][routes]") {
  Api api;
  const auto room = api.room("Babbage");
  const auto ok = api.call(http::Method::post, "/rooms/" + std::to_string(room) + "/bookings",
                           R"({"user_id":7,"starts_at":"2030-03-01T10:00:00Z",)"
                           R"("ends_at":"2030-03-01T11:00:00Z"})",
                           {}, "req-42");
  REQUIRE(ok.status == 201);
  REQUIRE(api.users->calls().size() == 1);
  CHECK(api.users->calls()[0].request_id == "req-42");

  const auto unknown =
      problem(api.book(room, "2030-03-02T10:00:00Z", "2030-03-02T11:00:00Z", 8), 422);
  CHECK(unknown.at("field") == "user_id");

  api.users->down = true;
  const auto down = api.book(room, "2030-03-03T10:00:00Z", "2030-03-03T11:00:00Z");
  const auto doc = problem(down, 503);
  CHECK(header_of(down, "Retry-After") == "1");
  // What failed underneath is for the log: the client learns only that it
  // cannot be confirmed, and there is no option of the API to offer.
  CHECK(doc.at("detail") ==
        "cannot confirm user 7: the user service is unavailable; nothing was booked");
  CHECK(api.call(http::Method::get, "/bookings").body.find("2030-03-03") == std::string::npos);
}

TEST_CASE("rooms routes: a room with bookings ahead is kept unless ?force=true",
          "[rooms][routes]") {
  Api api;
  const auto room = api.room("Babbage");
  REQUIRE(api.book(room, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z").status == 201);
  const auto path = "/rooms/" + std::to_string(room);
  CHECK(problem(api.call(http::Method::del, path), 409).at("detail") ==
        "room " + std::to_string(room) +
            " has 1 booking(s) that have not ended; cancel them, or add ?force=true to delete "
            "them with the room");
  problem(api.call(http::Method::del, path, {}, {{"force", "maybe"}}), 400);
  CHECK(api.call(http::Method::del, path, {}, {{"force", "true"}}).status == 204);
  problem(api.call(http::Method::get, path), 404);
  CHECK(nlohmann::json::parse(api.call(http::Method::get, "/bookings").body).empty());
}

TEST_CASE("rooms routes: bookings listed by room, by user and in a window, read and cancelled",
          "[rooms][routes]") {
  Api api;
  const auto a = api.room("A");
  const auto b = api.room("B");
  REQUIRE(api.book(a, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z").status == 201);
  const auto second = api.book(b, "2030-03-02T10:00:00Z", "2030-03-02T11:00:00Z");
  REQUIRE(second.status == 201);
  const auto id = nlohmann::json::parse(second.body).at("id").get<std::int64_t>();

  CHECK(nlohmann::json::parse(
            api.call(http::Method::get, "/rooms/" + std::to_string(a) + "/bookings").body)
            .size() == 1);
  problem(api.call(http::Method::get, "/rooms/99/bookings"), 404);
  CHECK(nlohmann::json::parse(api.call(http::Method::get, "/bookings", {}, {{"user_id", "7"}}).body)
            .size() == 2);
  CHECK(nlohmann::json::parse(api.call(http::Method::get, "/bookings", {}, {{"user_id", "8"}}).body)
            .empty());
  const auto window = nlohmann::json::parse(
      api.call(http::Method::get, "/bookings", {}, {{"from", "2030-03-02T00:00:00Z"}}).body);
  REQUIRE(window.size() == 1);
  CHECK(window[0].at("id") == id);
  problem(api.call(http::Method::get, "/bookings", {},
                   {{"from", "2030-03-02T00:00:00Z"}, {"to", "2030-03-01T00:00:00Z"}}),
          400);

  const auto path = "/bookings/" + std::to_string(id);
  CHECK(api.call(http::Method::get, path).status == 200);
  CHECK(api.call(http::Method::del, path).status == 204);
  problem(api.call(http::Method::get, path), 404);
  problem(api.call(http::Method::del, path), 404);
}

TEST_CASE("rooms routes: only the booking route runs off the worker", "[rooms][routes]") {
  Api api;
  CHECK(api.router.match(http::Method::post, "/rooms/1/bookings").dispatch ==
        http::Dispatch::offload);
  for (const auto& [method, path] :
       std::vector<std::pair<http::Method, std::string>>{{http::Method::get, "/rooms"},
                                                         {http::Method::post, "/rooms"},
                                                         {http::Method::get, "/rooms/1/bookings"},
                                                         {http::Method::del, "/bookings/1"}}) {
    INFO(path);
    CHECK(api.router.match(method, path).dispatch == http::Dispatch::worker);
  }
}
