// Authentication of the rooms service, end to end: every rooms route asks for
// a bearer token when AUTH=required, a token is good only for the services it
// was made for, and rooms calls user-mgmt (AUTH=required there) with
// USER_MGMT_TOKEN, answering a booking 503 when user-mgmt refuses that call.
// All traffic stays on 127.0.0.1.

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "auth_support.hpp"
#include "support.hpp"

using namespace roombook::e2e;
using namespace roombook::e2e::auth;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kFrom = "2031-04-07T09:00:00Z";
const std::string kTo = "2031-04-07T10:00:00Z";

std::string booking_body(std::int64_t user_id, const std::string& from = kFrom,
                         const std::string& to = kTo) {
  return json{{"user_id", user_id}, {"starts_at", from}, {"ends_at", to}, {"title", "Planning"}}
      .dump();
}

std::string room_body(const std::string& name, int capacity = 8) {
  return json{{"name", name}, {"capacity", capacity}}.dump();
}

const std::vector<Route> kRoomRoutes{
    {"GET", "/rooms"},
    {"GET", "/rooms?min_capacity=2&limit=10"},
    {"GET", "/rooms?available_from=2031-04-07T09:00:00Z&available_to=2031-04-07T10:00:00Z"},
    {"HEAD", "/rooms"},
    {"POST", "/rooms", room_body("Babbage")},
    {"GET", "/rooms/1"},
    {"HEAD", "/rooms/1"},
    {"PUT", "/rooms/1", room_body("Lovelace", 4)},
    {"PATCH", "/rooms/1", R"({"capacity":12})"},
    {"DELETE", "/rooms/1"},
    {"DELETE", "/rooms/1?force=true"},
    {"POST", "/rooms/1/bookings", booking_body(1)},
    {"GET", "/rooms/1/bookings"},
    {"GET", "/bookings"},
    {"GET", "/bookings?user_id=1"},
    {"HEAD", "/bookings"},
    {"GET", "/bookings/1"},
    {"DELETE", "/bookings/1"},
};

Response expect(Client& client, const Route& route, const std::vector<std::string>& headers,
                long status) {
  auto r = send(client, route, headers);
  INFO(label(route) << " -> " << explain(r));
  CHECK(r.status == status);
  return r;
}

std::int64_t id_of(const Response& r) {
  const auto doc = json::parse(r.body, nullptr, false);
  INFO(explain(r));
  REQUIRE((doc.is_object() && doc.contains("id")));
  return doc["id"].get<std::int64_t>();
}

/// `roombook room add NAME` (an admin command); returns its id.
std::int64_t add_room(const Workspace& ws, const std::string& name) {
  const auto room = run_json(ws, {"room", "add", name, "--capacity", "8", "--format", "json"});
  REQUIRE(room.contains("id"));
  return room["id"].get<std::int64_t>();
}

/// `serve rooms` asking user-mgmt at `user_mgmt_url`, with `env` on top of ws.env.
std::unique_ptr<Server> serve_rooms(const Workspace& ws, const std::string& user_mgmt_url,
                                    Env env = {}) {
  env["USER_MGMT_URL"] = user_mgmt_url;
  return serve(ws, "rooms", env);
}

}  // namespace

TEST_CASE(
    "e2e auth: rooms refuses every route without a valid token (401) and a read token on "
    "a write route (403)",
    "[e2e][auth][rooms]") {
  Workspace ws;
  require_auth(ws);
  // No request that is refused gets as far as asking user-mgmt: port 9
  // (discard) on loopback is nobody.
  auto rooms = serve_rooms(ws, "http://127.0.0.1:9");
  Client client(rooms->url());
  check_every_refusal(client, kRoomRoutes, refusal_credentials(ws, client, {"GET", "/rooms"}));

  rooms->stop();
  Database db(ws.database_url());
  CHECK(db.scalar("SELECT COUNT(*) FROM rooms") == 0);
  CHECK(db.scalar("SELECT COUNT(*) FROM bookings") == 0);
}

TEST_CASE("e2e auth: rooms answers every route as before with a write or admin token",
          "[e2e][auth][rooms]") {
  const std::string scope = GENERATE(as<std::string>{}, "write", "admin");
  INFO("scope " << scope);
  Workspace ws;
  require_auth(ws);
  const auto token = create_token(ws, "ci-" + scope, scope);
  const auto caller = create_token(ws, "rooms-caller", "read", {"--service", "user-mgmt"});
  const auto alice = add_user(ws, "alice");
  auto user_mgmt = serve(ws, "user-mgmt");
  auto rooms = serve_rooms(ws, user_mgmt->url(), {{"USER_MGMT_TOKEN", caller.secret}});
  Client c(rooms->url());
  const std::vector<std::string> h{bearer(token.secret)};

  expect(c, {"GET", "/rooms"}, h, 200);
  const auto room = id_of(expect(c, {"POST", "/rooms", room_body("Babbage")}, h, 201));
  const auto path = "/rooms/" + std::to_string(room);
  expect(c, {"GET", "/rooms?min_capacity=2&limit=10"}, h, 200);
  expect(c, {"GET", path}, h, 200);
  expect(c, {"HEAD", "/rooms"}, h, 200);
  expect(c, {"HEAD", path}, h, 200);
  expect(c, {"PUT", path, room_body("Babbage", 10)}, h, 200);
  expect(c, {"PATCH", path, R"({"capacity":12})"}, h, 200);
  const auto booking = id_of(expect(c, {"POST", path + "/bookings", booking_body(alice)}, h, 201));
  const auto booking_path = "/bookings/" + std::to_string(booking);
  CHECK(expect(c, {"GET", path + "/bookings"}, h, 200).json().size() == 1);
  CHECK(expect(c, {"GET", "/bookings?user_id=" + std::to_string(alice)}, h, 200).json().size() ==
        1);
  expect(c, {"GET", "/bookings"}, h, 200);
  expect(c, {"HEAD", "/bookings"}, h, 200);
  expect(c, {"GET", booking_path}, h, 200);
  expect(c, {"DELETE", booking_path}, h, 204);
  check_problem(expect(c, {"GET", booking_path}, h, 404), 404);
  check_problem(expect(c, {"DELETE", booking_path}, h, 404), 404);
  expect(c, {"DELETE", path}, h, 204);
  check_problem(expect(c, {"GET", path}, h, 404), 404);
  check_problem(expect(c, {"PUT", path, room_body("Babbage")}, h, 404), 404);
  check_problem(expect(c, {"PATCH", path, R"({"capacity":3})"}, h, 404), 404);
  check_problem(expect(c, {"DELETE", path}, h, 404), 404);
  check_problem(expect(c, {"POST", path + "/bookings", booking_body(alice)}, h, 404), 404);
}

TEST_CASE("e2e auth: a read token gets rooms' normal answer on every GET and HEAD route",
          "[e2e][auth][rooms]") {
  Workspace ws;
  require_auth(ws);
  const auto token = create_token(ws, "reader", "read");
  const auto room = add_room(ws, "Babbage");
  auto rooms = serve_rooms(ws, "http://127.0.0.1:9");
  Client c(rooms->url());
  const std::vector<std::string> h{bearer(token.secret)};
  const auto path = "/rooms/" + std::to_string(room);

  CHECK(expect(c, {"GET", "/rooms"}, h, 200).json().size() == 1);
  expect(c, {"GET", "/rooms?min_capacity=2&limit=10"}, h, 200);
  expect(c, {"GET", path}, h, 200);
  expect(c, {"HEAD", "/rooms"}, h, 200);
  expect(c, {"HEAD", path}, h, 200);
  expect(c, {"GET", path + "/bookings"}, h, 200);
  expect(c, {"GET", "/bookings"}, h, 200);
  expect(c, {"GET", "/bookings?user_id=1"}, h, 200);
  check_problem(expect(c, {"GET", "/rooms/999999"}, h, 404), 404);
  check_problem(expect(c, {"GET", "/bookings/999999"}, h, 404), 404);
}

TEST_CASE(
    "e2e auth: with AUTH_PUBLIC_READS=true rooms' GET and HEAD need no token, writes still "
    "do",
    "[e2e][auth][rooms]") {
  Workspace ws;
  require_auth(ws);
  ws.env["AUTH_PUBLIC_READS"] = "true";
  const auto writer = create_token(ws, "writer", "write");
  const auto reader = create_token(ws, "reader", "read");
  const auto room = add_room(ws, "Babbage");
  auto rooms = serve_rooms(ws, "http://127.0.0.1:9");
  Client c(rooms->url());
  const auto path = "/rooms/" + std::to_string(room);

  expect(c, {"GET", "/rooms"}, {}, 200);
  expect(c, {"GET", path}, {}, 200);
  expect(c, {"HEAD", "/rooms"}, {}, 200);
  expect(c, {"GET", path + "/bookings"}, {}, 200);
  expect(c, {"GET", "/bookings"}, {}, 200);
  check_problem(expect(c, {"GET", "/bookings/999999"}, {}, 404), 404);

  for (const auto& route : kRoomRoutes) {
    if (is_read(route)) continue;
    INFO(label(route) << " without a token");
    check_unauthorized(send(c, route), route.method);
    INFO(label(route) << " with a read token");
    check_forbidden(send(c, route, {bearer(reader.secret)}));
  }
  expect(c, {"PATCH", path, R"({"capacity":12})"}, {bearer(writer.secret)}, 200);
  expect(c, {"POST", "/rooms", room_body("Lovelace")}, {bearer(writer.secret)}, 201);
}

TEST_CASE(
    "e2e auth: a token made for user-mgmt only is refused by rooms (401), one for rooms "
    "only by user-mgmt",
    "[e2e][auth][rooms]") {
  Workspace ws;
  require_auth(ws);
  const auto um_only = create_token(ws, "um-only", "admin", {"--service", "user-mgmt"});
  const auto rooms_only = create_token(ws, "rooms-only", "admin", {"--service", "rooms"});
  const auto everywhere = create_token(ws, "everywhere", "write");
  auto user_mgmt = serve(ws, "user-mgmt");
  auto rooms = serve_rooms(ws, user_mgmt->url());
  Client users(user_mgmt->url());
  Client rms(rooms->url());

  expect(users, {"GET", "/users"}, {bearer(um_only.secret)}, 200);
  expect(users, {"POST", "/users", user_json("alice").dump()}, {bearer(um_only.secret)}, 201);
  check_unauthorized(send(rms, {"GET", "/rooms"}, {bearer(um_only.secret)}), "GET");
  check_unauthorized(send(rms, {"POST", "/rooms", room_body("Babbage")}, {bearer(um_only.secret)}),
                     "POST");

  expect(rms, {"GET", "/rooms"}, {bearer(rooms_only.secret)}, 200);
  expect(rms, {"POST", "/rooms", room_body("Babbage")}, {bearer(rooms_only.secret)}, 201);
  check_unauthorized(send(users, {"GET", "/users"}, {bearer(rooms_only.secret)}), "GET");
  check_unauthorized(
      send(users, {"POST", "/users", user_json("bob").dump()}, {bearer(rooms_only.secret)}),
      "POST");

  // Made without --service, it is good for both.
  expect(users, {"GET", "/users"}, {bearer(everywhere.secret)}, 200);
  expect(rms, {"GET", "/rooms"}, {bearer(everywhere.secret)}, 200);
}

// ---------------------------------------------------------------------------
// rooms -> user-mgmt. user-mgmt has AUTH=required throughout; rooms has
// AUTH=off here (so that its clients need no token and only its own call to
// user-mgmt is at stake), and AUTH=required as well in the last case.

TEST_CASE(
    "e2e auth: when user-mgmt refuses rooms' USER_MGMT_TOKEN, a booking gets 503 and rooms "
    "logs an error naming USER_MGMT_TOKEN",
    "[e2e][auth][rooms]") {
  Workspace ws;
  require_auth(ws);
  const auto alice = add_user(ws, "alice");
  const auto room = add_room(ws, "Babbage");
  auto user_mgmt = serve(ws, "user-mgmt");
  Env env{{"AUTH", "off"}};
  std::string secret;  // what rooms sends, if anything
  SECTION("no USER_MGMT_TOKEN") {}
  SECTION("a wrong (never created) USER_MGMT_TOKEN") { secret = never_created_token(); }
  SECTION("a revoked USER_MGMT_TOKEN") {
    secret = create_token(ws, "rooms-caller", "read", {"--service", "user-mgmt"}).secret;
    revoke_token(ws, "rooms-caller");
  }
  SECTION("a USER_MGMT_TOKEN made for rooms only") {
    secret = create_token(ws, "rooms-caller", "read", {"--service", "rooms"}).secret;
  }
  if (!secret.empty()) env["USER_MGMT_TOKEN"] = secret;
  auto rooms = serve_rooms(ws, user_mgmt->url(), env);
  Client c(rooms->url());
  const auto path = "/rooms/" + std::to_string(room) + "/bookings";

  const auto r = send(c, {"POST", path, booking_body(alice)});
  INFO(explain(r));
  // Not the 401/403 user-mgmt gave rooms, nor a 404 or 422 about the user.
  check_problem(r, 503);
  CHECK(expect(c, {"GET", path}, {}, 200).json() == json::array());
  const auto error_line = [&] {
    for (const auto& line : lines_of(rooms->log())) {
      if (line.find("USER_MGMT_TOKEN") != std::string::npos && contains_nocase(line, "error")) {
        return true;
      }
    }
    return false;
  };
  INFO("rooms' log:\n" << rooms->log());
  CHECK(soon(error_line, 5s));
  // user-mgmt was asked, and refused.
  CHECK(soon([&] { return line_with(user_mgmt->log(), {"/users/", " 401 "}).has_value(); }, 5s));
  if (!secret.empty()) {
    check_not_shown(rooms->log(), secret, "rooms' log");
    check_not_shown(user_mgmt->log(), secret, "user-mgmt's log");
  }
}

TEST_CASE("e2e auth: with a read token for user-mgmt in USER_MGMT_TOKEN, rooms books (201)",
          "[e2e][auth][rooms]") {
  const std::string rooms_auth = GENERATE(as<std::string>{}, "off", "required");
  INFO("rooms with AUTH=" << rooms_auth);
  Workspace ws;
  require_auth(ws);
  const auto alice = add_user(ws, "alice");
  const auto room = add_room(ws, "Babbage");
  const auto caller = create_token(ws, "rooms-caller", "read", {"--service", "user-mgmt"});
  const auto client_token = create_token(ws, "front-desk", "write", {"--service", "rooms"});
  auto user_mgmt = serve(ws, "user-mgmt");
  auto rooms =
      serve_rooms(ws, user_mgmt->url(), {{"AUTH", rooms_auth}, {"USER_MGMT_TOKEN", caller.secret}});
  Client c(rooms->url());
  std::vector<std::string> h;
  if (rooms_auth == "required") h.push_back(bearer(client_token.secret));
  const auto path = "/rooms/" + std::to_string(room) + "/bookings";

  const auto booked = expect(c, {"POST", path, booking_body(alice)}, h, 201);
  CHECK(expect(c, {"GET", path}, h, 200).json().size() == 1);
  // An unknown user is still the 422 it was: user-mgmt answered 404.
  const auto unknown = send(
      c, {"POST", path, booking_body(999999, "2031-04-07T11:00:00Z", "2031-04-07T12:00:00Z")}, h);
  check_problem(unknown, 422);

  // user-mgmt saw rooms' token as its caller.
  INFO("user-mgmt's log:\n" << user_mgmt->log());
  CHECK(soon(
      [&] {
        return line_with(user_mgmt->log(),
                         {"/users/" + std::to_string(alice), "caller=rooms-caller"})
            .has_value();
      },
      5s));
  if (rooms_auth == "required") {
    const auto id = booked.header("X-Request-Id").value_or("(no request id)");
    CHECK(soon([&] { return line_with(rooms->log(), {id, "caller=front-desk"}).has_value(); }, 5s));
  }
  REQUIRE(rooms->stop() == 0);
  REQUIRE(user_mgmt->stop() == 0);
  for (const auto& secret : {caller.secret, client_token.secret}) {
    check_not_shown(rooms->log(), secret, "rooms' log");
    check_not_shown(user_mgmt->log(), secret, "user-mgmt's log");
  }
}
