// http::handle(): every outcome of a request as a Response, without a server.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "db/db.hpp"
#include "http/http.hpp"
#include "test_support.hpp"

using namespace roombook;
using namespace roombook::http;
using roombook::http::test::check_problem;
using roombook::http::test::lower;
using roombook::http::test::split_list;

namespace {

constexpr std::size_t kMaxBody = 1024;

std::optional<std::string> header_of(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (lower(n) == lower(name)) return v;
  }
  return std::nullopt;
}

nlohmann::json problem(const Response& r, int status) {
  CHECK(r.status == status);
  return check_problem(r.content_type, r.body, status);
}

Request request(Method method, std::string path, std::string body = {}) {
  Request req;
  req.method = method;
  req.path = std::move(path);
  req.body = std::move(body);
  return req;
}

Response call(const Router& router, Method method, const std::string& path, std::string body = {},
              std::size_t max_body = kMaxBody) {
  auto req = request(method, path, std::move(body));
  return handle(router, req, max_body);
}

/// A router whose single route runs `handler` on GET /x.
Router throwing(Handler handler) {
  Router r;
  r.add(Method::get, "/x", std::move(handler));
  return r;
}

Router items_router() {
  Router r;
  r.add(Method::get, "/items", [](const Request&) { return Response::json(200, {1, 2}); });
  r.add(Method::post, "/items", [](const Request& req) {
    return Response::json(201, {{"size", req.body.size()}});
  });
  r.add(Method::get, "/items/{id}", [](const Request& req) {
    return Response::json(200, {{"id", req.params.at("id")}, {"method", to_string(req.method)}});
  });
  r.add(Method::del, "/items/{id}", [](const Request&) { return Response::no_content(); });
  r.add(Method::put, "/uploads/{id}", [](const Request&) { return Response::no_content(); });
  r.add(Method::post, "/uploads/{id}", [](const Request&) { return Response::no_content(); });
  return r;
}

}  // namespace

TEST_CASE("http handle: a routed request gets its handler's response and path params",
          "[http][handle]") {
  const auto r = items_router();
  const auto resp = call(r, Method::get, "/items/42");
  CHECK(resp.status == 200);
  CHECK(resp.content_type == "application/json");
  const auto body = nlohmann::json::parse(resp.body);
  CHECK(body.at("id") == "42");
  CHECK(body.at("method") == "GET");
}

TEST_CASE("http handle: an unknown path is a 404 problem document", "[http][handle]") {
  const auto r = items_router();
  for (auto method : {Method::get, Method::post, Method::head, Method::options}) {
    const auto resp = call(r, method, "/rooms/1");
    const auto doc = problem(resp, 404);
    CHECK(doc.at("title") == "Not Found");
    CHECK_THAT(doc.at("detail").get<std::string>(), Catch::Contains("/rooms/1"));
    CHECK_FALSE(header_of(resp, "Allow"));
  }
}

TEST_CASE("http handle: a wrong method is a 405 problem with Allow, HEAD included when GET is",
          "[http][handle]") {
  const auto r = items_router();
  auto resp = call(r, Method::patch, "/items/7");
  auto doc = problem(resp, 405);
  CHECK(doc.at("title") == "Method Not Allowed");
  CHECK_THAT(doc.at("detail").get<std::string>(), Catch::Contains("PATCH"));
  REQUIRE(header_of(resp, "Allow"));
  CHECK_THAT(split_list(*header_of(resp, "Allow")),
             Catch::UnorderedEquals(std::vector<std::string>{"GET", "HEAD", "DELETE"}));

  resp = call(r, Method::del, "/items");
  problem(resp, 405);
  REQUIRE(header_of(resp, "Allow"));
  CHECK_THAT(split_list(*header_of(resp, "Allow")),
             Catch::UnorderedEquals(std::vector<std::string>{"GET", "HEAD", "POST"}));

  // No GET: no HEAD either.
  resp = call(r, Method::get, "/uploads/1");
  problem(resp, 405);
  REQUIRE(header_of(resp, "Allow"));
  CHECK_THAT(split_list(*header_of(resp, "Allow")),
             Catch::UnorderedEquals(std::vector<std::string>{"PUT", "POST"}));
}

TEST_CASE("http handle: OPTIONS on a path without an OPTIONS route is a 405 with Allow",
          "[http][handle]") {
  const auto r = items_router();
  const auto resp = call(r, Method::options, "/items/7");
  problem(resp, 405);
  REQUIRE(header_of(resp, "Allow"));
  CHECK_THAT(split_list(*header_of(resp, "Allow")),
             Catch::UnorderedEquals(std::vector<std::string>{"GET", "HEAD", "DELETE"}));
}

TEST_CASE("http handle: HEAD is routed as GET", "[http][handle]") {
  const auto r = items_router();
  const auto resp = call(r, Method::head, "/items/9");
  CHECK(resp.status == 200);
  const auto body = nlohmann::json::parse(resp.body);
  CHECK(body.at("id") == "9");
  // The handler still sees the method the client sent.
  CHECK(body.at("method") == "HEAD");

  // HEAD where only PUT and POST exist: 405, and the detail names HEAD.
  const auto refused = call(r, Method::head, "/uploads/1");
  const auto doc = problem(refused, 405);
  CHECK_THAT(doc.at("detail").get<std::string>(), Catch::Contains("HEAD"));
}

TEST_CASE("http handle: Allow lists HEAD once when a HEAD route is registered next to GET",
          "[http][handle]") {
  Router r;
  r.add(Method::get, "/files/{id}", [](const Request&) { return Response::json(200, 1); });
  r.add(Method::head, "/files/{id}", [](const Request&) { return Response::json(200, 1); });
  const auto resp = call(r, Method::post, "/files/1");
  problem(resp, 405);
  REQUIRE(header_of(resp, "Allow"));
  const auto allowed = split_list(*header_of(resp, "Allow"));
  CHECK(std::count(allowed.begin(), allowed.end(), "HEAD") == 1);
  CHECK(std::count(allowed.begin(), allowed.end(), "GET") == 1);
}

TEST_CASE("http handle: a HEAD-only route answers HEAD", "[http][handle]") {
  Router r;
  r.add(Method::head, "/ping", [](const Request&) { return Response::no_content(); });
  const auto resp = call(r, Method::head, "/ping");
  CHECK(resp.status == 204);
}

TEST_CASE("http handle: a body over max_body_bytes is a 413 problem, exactly max is accepted",
          "[http][handle]") {
  const auto r = items_router();
  const auto at_limit = call(r, Method::post, "/items", std::string(kMaxBody, 'x'));
  CHECK(at_limit.status == 201);
  CHECK(nlohmann::json::parse(at_limit.body).at("size") == kMaxBody);

  const auto over = call(r, Method::post, "/items", std::string(kMaxBody + 1, 'x'));
  const auto doc = problem(over, 413);
  CHECK_THAT(doc.at("detail").get<std::string>(), Catch::Contains(std::to_string(kMaxBody)));

  // The limit applies before routing, so an unknown path gets 413 too.
  problem(call(r, Method::post, "/nowhere", std::string(kMaxBody + 1, 'x')), 413);
}

TEST_CASE("http handle: http::Error becomes its status with its extra members", "[http][handle]") {
  const auto r = throwing([](const Request&) -> Response {
    throw Error(422, "the room is too small", {{"field", "capacity"}, {"minimum", 4}});
  });
  const auto resp = call(r, Method::get, "/x");
  const auto doc = problem(resp, 422);
  CHECK(doc.at("detail") == "the room is too small");
  CHECK(doc.at("field") == "capacity");
  CHECK(doc.at("minimum") == 4);
}

TEST_CASE("http handle: core::Error kinds map to 400, 404, 409 and 503", "[http][handle]") {
  SECTION("invalid: 400 naming the field") {
    const auto r = throwing([](const Request&) -> Response {
      throw core::invalid("username", "username is required");
    });
    const auto doc = problem(call(r, Method::get, "/x"), 400);
    CHECK(doc.at("title") == "Bad Request");
    CHECK(doc.at("detail") == "username is required");
    CHECK(doc.at("field") == "username");
  }
  SECTION("invalid without a field: no field member") {
    const auto r = throwing([](const Request&) -> Response {
      throw core::invalid("", "the request body must be a JSON object");
    });
    const auto doc = problem(call(r, Method::get, "/x"), 400);
    CHECK_FALSE(doc.contains("field"));
  }
  SECTION("not_found: 404") {
    const auto r = throwing(
        [](const Request&) -> Response { throw core::not_found("user 7 does not exist"); });
    const auto doc = problem(call(r, Method::get, "/x"), 404);
    CHECK(doc.at("detail") == "user 7 does not exist");
    CHECK_FALSE(doc.contains("field"));
  }
  SECTION("conflict: 409") {
    const auto r = throwing(
        [](const Request&) -> Response { throw core::conflict("username \"a\" is taken"); });
    const auto doc = problem(call(r, Method::get, "/x"), 409);
    CHECK(doc.at("title") == "Conflict");
    CHECK(doc.at("detail") == "username \"a\" is taken");
  }
  SECTION("unavailable: 503 with Retry-After") {
    const auto r = throwing([](const Request&) -> Response {
      throw core::Error(core::ErrorKind::unavailable, "the database is not migrated");
    });
    const auto resp = call(r, Method::get, "/x");
    const auto doc = problem(resp, 503);
    CHECK(doc.at("detail") == "the database is not migrated");
    CHECK(header_of(resp, "Retry-After") == std::optional<std::string>("1"));
  }
  SECTION("unprocessable: 422") {
    const auto r = throwing([](const Request&) -> Response {
      throw core::Error(core::ErrorKind::unprocessable, "room 9 does not exist", "room_id");
    });
    const auto doc = problem(call(r, Method::get, "/x"), 422);
    CHECK(doc.at("title") == "Unprocessable Content");
    CHECK(doc.at("detail") == "room 9 does not exist");
    CHECK(doc.at("field") == "room_id");
  }
}

TEST_CASE(
    "http handle: db::Error maps to 409, 503 or 507 with Retry-After, or 500, never showing SQL",
    "[http][handle]") {
  const std::string engine_text = "UNIQUE constraint failed: users.username in INSERT INTO users";
  auto throwing_db = [&](db::ErrorCode code) {
    return throwing(
        [code, engine_text](const Request&) -> Response { throw db::Error(code, engine_text); });
  };
  SECTION("constraint: 409") {
    const auto resp = call(throwing_db(db::ErrorCode::constraint), Method::get, "/x");
    problem(resp, 409);
    CHECK_THAT(resp.body, !Catch::Contains("users.username"));
    CHECK_FALSE(header_of(resp, "Retry-After"));
  }
  SECTION("busy: 503 with Retry-After") {
    const auto resp = call(throwing_db(db::ErrorCode::busy), Method::get, "/x");
    problem(resp, 503);
    CHECK(header_of(resp, "Retry-After") == std::optional<std::string>("1"));
    CHECK_THAT(resp.body, !Catch::Contains("users.username"));
  }
  SECTION("connection (lost, or its file gone): 503 with Retry-After") {
    const auto resp = call(throwing_db(db::ErrorCode::connection), Method::get, "/x");
    problem(resp, 503);
    CHECK(header_of(resp, "Retry-After") == std::optional<std::string>("1"));
    CHECK_THAT(resp.body, !Catch::Contains("users.username"));
  }
  SECTION("storage full: 507 with Retry-After") {
    const auto resp = call(throwing_db(db::ErrorCode::full), Method::get, "/x");
    problem(resp, 507);
    CHECK(header_of(resp, "Retry-After"));
    CHECK_THAT(resp.body, !Catch::Contains("users.username"));
  }
  SECTION("other: 500") {
    const auto resp = call(throwing_db(db::ErrorCode::other), Method::get, "/x");
    problem(resp, 500);
    CHECK_THAT(resp.body, !Catch::Contains("users.username"));
  }
}

TEST_CASE("http handle: any other exception is a 500 that does not show its text",
          "[http][handle]") {
  SECTION("std::runtime_error") {
    const auto r =
        throwing([](const Request&) -> Response { throw std::runtime_error("secret internals"); });
    const auto resp = call(r, Method::get, "/x");
    const auto doc = problem(resp, 500);
    CHECK(doc.at("title") == "Internal Server Error");
    CHECK_THAT(resp.body, !Catch::Contains("secret internals"));
  }
  SECTION("std::out_of_range from a missing path parameter") {
    const auto r = throwing([](const Request& req) -> Response {
      return Response::json(200, req.params.at("secret internals"));
    });
    const auto resp = call(r, Method::get, "/x");
    problem(resp, 500);
    CHECK_THAT(resp.body, !Catch::Contains("secret internals"));
  }
  SECTION("a nlohmann::json type error") {
    const auto r = throwing([](const Request&) -> Response {
      nlohmann::json j = "secret internals";
      return Response::json(200, j.get<int>());
    });
    const auto resp = call(r, Method::get, "/x");
    problem(resp, 500);
    CHECK_THAT(resp.body, !Catch::Contains("secret internals"));
  }
}

TEST_CASE("http handle: malformed or missing JSON is a 400 problem", "[http][handle]") {
  Router r;
  r.add(Method::post, "/json", [](const Request& req) {
    return Response::json(200, {{"got", req.json()}});
  });

  const auto ok = call(r, Method::post, "/json", R"({"a": [1, 2]})");
  CHECK(ok.status == 200);
  CHECK(nlohmann::json::parse(ok.body).at("got").at("a") == nlohmann::json{1, 2});

  for (const std::string body : {"{\"a\": ", "{x}", "not json", "{\"a\": 1} trailing"}) {
    INFO("body: " << body);
    const auto doc = problem(call(r, Method::post, "/json", body), 400);
    CHECK_THAT(doc.at("detail").get<std::string>(), Catch::StartsWith("malformed JSON"));
    // nlohmann's internal exception tag is not for clients.
    CHECK_THAT(doc.at("detail").get<std::string>(), !Catch::Contains("json.exception"));
  }
  const auto empty = problem(call(r, Method::post, "/json", ""), 400);
  CHECK_THAT(empty.at("detail").get<std::string>(), Catch::Contains("empty"));
}

TEST_CASE("http handle: invalid UTF-8 in a JSON string is a 400 naming that member",
          "[http][handle]") {
  Router r;
  r.add(Method::post, "/json", [](const Request& req) {
    return Response::json(200, {{"got", req.json()}});
  });
  const std::string bad = "\xC0\xAF";
  auto doc = problem(call(r, Method::post, "/json",
                          R"({"username": "ada", "firstname": ")" + bad + R"(", "x": 1})"),
                     400);
  CHECK(doc.at("field") == "firstname");
  CHECK(doc.at("detail") == "firstname is not valid UTF-8");

  // Nowhere near a member: the body as a whole.
  doc = problem(call(r, Method::post, "/json", "[\"" + bad + "\"]"), 400);
  CHECK_FALSE(doc.contains("field"));
  CHECK_THAT(doc.at("detail").get<std::string>(), Catch::Contains("UTF-8"));
}

TEST_CASE("http handle: a JSON number out of range is a 400 naming its member", "[http][handle]") {
  Router r;
  r.add(Method::post, "/json", [](const Request& req) {
    return Response::json(200, {{"got", req.json()}});
  });
  // nlohmann throws out_of_range for these, which used to escape as a 500.
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"lastname":1e400})", "lastname"},
           {R"({"name": "Blue", "capacity":-1e999})", "capacity"},
           {R"({"capacity": 4, "location": {"floor": 2, "x": 1e400}, "name": "Blue"})", "x"},
           {R"({"a": {"b": {"c": [1, 2, {"d": 1}, -1e999]}}})", "c"},
           {R"({"tags": [[1e400]]})", "tags"},
           {R"({"a": {"b": 1}, "c": 1e400})", "c"},
           {"{\"big\": 1" + std::string(400, '0') + "}", "big"}}) {
    INFO("body: " << body);
    const auto doc = problem(call(r, Method::post, "/json", body), 400);
    CHECK(doc.at("field") == field);
    CHECK(doc.at("detail") == field + " is a number out of range");
  }
  // Outside any member: the document as a whole.
  for (const std::string body : {"1e400", "[1, -1e999]"}) {
    INFO("body: " << body);
    const auto doc = problem(call(r, Method::post, "/json", body), 400);
    CHECK_FALSE(doc.contains("field"));
    CHECK(doc.at("detail") == "malformed JSON: a number is out of range");
  }
  // Small enough to round to zero is a number like any other.
  const auto tiny = call(r, Method::post, "/json", R"({"x": 1e-400})");
  CHECK(tiny.status == 200);
}

TEST_CASE("http handle: invalid UTF-8 inside an array is blamed on the member holding it",
          "[http][handle]") {
  Router r;
  r.add(Method::post, "/json", [](const Request& req) {
    return Response::json(200, {{"got", req.json()}});
  });
  const std::string bad = "\xC0\xAF";
  auto doc = problem(
      call(r, Method::post, "/json", R"({"a": {"x": 1}, "tags": ["ok", ")" + bad + R"("]})"), 400);
  CHECK(doc.at("field") == "tags");
  CHECK(doc.at("detail") == "tags is not valid UTF-8");
  doc = problem(call(r, Method::post, "/json", R"({"a": {"b": 1, ")" + bad + R"(": 2}})"), 400);
  CHECK_FALSE(doc.contains("field"));
  CHECK(doc.at("detail") == "malformed JSON: a member name is not valid UTF-8");
}

TEST_CASE("http handle: invalid UTF-8 in a member name does not blame the member before it",
          "[http][handle]") {
  Router r;
  r.add(Method::post, "/json", [](const Request& req) {
    return Response::json(200, {{"got", req.json()}});
  });
  const auto resp = call(r, Method::post, "/json", "{\"username\": \"ada\", \"\xC0\xAF\": 1}");
  const auto doc = problem(resp, 400);
  INFO("body: " << resp.body);
  CHECK(doc.value("field", "") != "username");
  CHECK_THAT(doc.at("detail").get<std::string>(), !Catch::Contains("username"));
}

TEST_CASE("http Request::json throws http::Error 400 naming the parse problem", "[http][request]") {
  Request req;
  req.body = "[1, 2";
  try {
    req.json();
    FAIL("no exception");
  } catch (const Error& e) {
    CHECK(e.status() == 400);
    CHECK_THAT(std::string(e.what()), Catch::Contains("parse error"));
  }
}

TEST_CASE("http Request::header finds a header whatever the case of the name", "[http][request]") {
  // The server stores names lower-cased.
  Request req;
  req.headers = {{"content-type", "application/json"}, {"x-request-id", "abc"}};
  CHECK(req.header("Content-Type") == std::optional<std::string>("application/json"));
  CHECK(req.header("CONTENT-TYPE") == std::optional<std::string>("application/json"));
  CHECK(req.header("content-type") == std::optional<std::string>("application/json"));
  CHECK(req.header("X-Request-ID") == std::optional<std::string>("abc"));
  CHECK_FALSE(req.header("Authorization"));
}

TEST_CASE("http Request::query_param returns the first value of a repeated parameter",
          "[http][request]") {
  Request req;
  req.query.emplace("limit", "10");
  req.query.emplace("after_id", "3");
  req.query.emplace("limit", "20");
  req.query.emplace("limit", "30");
  CHECK(req.query_param("limit") == std::optional<std::string>("10"));
  CHECK(req.query_param("after_id") == std::optional<std::string>("3"));
  CHECK_FALSE(req.query_param("username"));
  req.query.emplace("empty", "");
  CHECK(req.query_param("empty") == std::optional<std::string>(""));
}

TEST_CASE("http Request::query_integer: absent, an integer, or a 400 naming the parameter",
          "[http][request]") {
  Request req;
  CHECK_FALSE(req.query_integer("limit"));
  req.query = {{"limit", "25"}, {"after_id", "-3"}};
  CHECK(req.query_integer("limit") == std::optional<std::int64_t>(25));
  CHECK(req.query_integer("after_id") == std::optional<std::int64_t>(-3));
  for (const std::string bad : {"", "ten", "1.5", "12abc", " 1", "99999999999999999999"}) {
    INFO("limit=" << bad);
    req.query = {{"limit", bad}};
    try {
      req.query_integer("limit");
      FAIL("no exception");
    } catch (const core::Error& e) {
      CHECK(e.kind() == core::ErrorKind::invalid);
      CHECK(e.field() == "limit");
    }
  }
}

TEST_CASE("http Request::query_integer: one way to write each integer", "[http][request]") {
  Request req;
  for (const auto& [text, value] :
       std::vector<std::pair<std::string, std::int64_t>>{{"0", 0},
                                                         {"-3", -3},
                                                         {"1000", 1000},
                                                         {"9223372036854775807", INT64_MAX},
                                                         {"-9223372036854775808", INT64_MIN}}) {
    INFO("after_id=" << text);
    req.query = {{"after_id", text}};
    CHECK(req.query_integer("after_id") == std::optional<std::int64_t>(value));
  }
  // from_chars took the first three as 7, 0 and 0.
  for (const std::string bad : {"007", "-0", "00", "+1", "-", "1 ", "9223372036854775808",
                                "-9223372036854775809", "18446744073709551615"}) {
    INFO("after_id=" << bad);
    req.query = {{"after_id", bad}};
    try {
      req.query_integer("after_id");
      FAIL("no exception");
    } catch (const core::Error& e) {
      CHECK(e.kind() == core::ErrorKind::invalid);
      CHECK(e.field() == "after_id");
      CHECK(std::string(e.what()) ==
            "after_id must be an integer (decimal digits, an optional '-', no leading zeros, "
            "within 64 bits), not \"" +
                bad + "\"");
    }
  }
}

TEST_CASE("http Request::id_param: canonical numbers 1 to INT64_MAX, else a 400 naming the id",
          "[http][request]") {
  const std::string what_an_id_is =
      "the user id in the path must be a positive integer: decimal digits from 1 to "
      "9223372036854775807, without a sign or leading zeros";
  Request req;
  req.params = {{"id", "42"}};
  CHECK(req.id_param("id", "user") == 42);
  req.params = {{"id", "9223372036854775807"}};
  CHECK(req.id_param("id", "user") == 9223372036854775807);
  std::vector<std::string> not_ids{
      "0", "-1", "+1", "01", "007", "abc", "4x", "", " 1", "1 ", std::string(100000, '1')};
  // Past INT64_MAX, or 20 digits long.
  not_ids.insert(not_ids.end(),
                 {"9223372036854775808", "9999999999999999999", "12345678901234567890"});
  for (const std::string& bad : not_ids) {
    INFO("id=" << bad);
    req.params = {{"id", bad}};
    try {
      req.id_param("id", "user");
      FAIL("no exception");
    } catch (const core::Error& e) {
      CHECK(e.kind() == core::ErrorKind::invalid);
      CHECK(e.field() == "id");
      CHECK(std::string(e.what()) == what_an_id_is);
    }
  }
  // Through handle(): a problem document a client can act on.
  Router r;
  r.add(Method::get, "/rooms/{id}", [](const Request& q) {
    return Response::json(200, {{"id", q.id_param("id", "room")}});
  });
  for (const std::string bad : {"abc", "01", "9223372036854775808"}) {
    INFO("/rooms/" << bad);
    const auto doc = problem(call(r, Method::get, "/rooms/" + bad), 400);
    CHECK(doc.at("field") == "id");
    CHECK(doc.at("detail") ==
          "the room id in the path must be a positive integer: decimal digits from 1 to "
          "9223372036854775807, without a sign or leading zeros");
  }
  CHECK(call(r, Method::get, "/rooms/7").status == 200);
  const auto largest = call(r, Method::get, "/rooms/9223372036854775807");
  CHECK(largest.status == 200);
  CHECK(nlohmann::json::parse(largest.body).at("id") == 9223372036854775807);
}

TEST_CASE("http Response helpers: json, no_content, problem, header", "[http][response]") {
  const auto j = Response::json(201, {{"id", 1}});
  CHECK(j.status == 201);
  CHECK(j.content_type == "application/json");
  CHECK(nlohmann::json::parse(j.body) == nlohmann::json{{"id", 1}});

  const auto none = Response::no_content();
  CHECK(none.status == 204);
  CHECK(none.body.empty());
  CHECK(none.content_type.empty());

  auto p = Response::problem(409, "taken", {{"field", "username"}});
  const auto doc = check_problem(p.content_type, p.body, 409);
  CHECK(doc.at("field") == "username");
  p.header("Retry-After", "1").header("X-A", "b");
  CHECK(p.headers ==
        std::vector<std::pair<std::string, std::string>>{{"Retry-After", "1"}, {"X-A", "b"}});
}
