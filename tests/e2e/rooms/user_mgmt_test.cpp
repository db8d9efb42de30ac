// Booking asks user-mgmt whether the user exists: a real user-mgmt that knows
// the user or not, one that has stopped, and fakes that answer 500 or hang.

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "rooms_support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

const std::string kFrom = "2031-04-07T09:00:00Z";
const std::string kTo = "2031-04-07T10:00:00Z";

std::string detail_of(const Response& r) { return r.json().value("detail", std::string()); }

/// Whether one line of `log` contains every one of `parts`.
bool has_line_with(const std::string& log, const std::vector<std::string>& parts) {
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    bool all = true;
    for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

/// A booking refused because user-mgmt could not answer: 503, Retry-After, a
/// detail that does not reveal where user-mgmt lives, and nothing stored.
void check_unavailable(Client& api, std::int64_t room, std::int64_t user) {
  const auto path = "/rooms/" + std::to_string(room) + "/bookings";
  const auto r = api.post(path, booking_json(user, kFrom, kTo));
  INFO(describe(r));
  REQUIRE(is_problem(r, 503));
  CHECK(r.header("Retry-After"));
  CHECK_THAT(detail_of(r),
             Catch::Contains("user " + std::to_string(user)) && !Catch::Contains("127.0.0.1"));
  const auto stored = api.get(path);
  REQUIRE(stored.status == 200);
  CHECK(stored.json() == json::array());
  CHECK(api.get("/bookings").json() == json::array());
}

}  // namespace

TEST_CASE("e2e rooms user-mgmt: a user it knows books (201), one it does not gets 422",
          "[e2e][rooms][user-mgmt]") {
  RoomsStack s;
  const auto room = create_room(s.api, "Babbage", 4);
  const auto path = "/rooms/" + std::to_string(room) + "/bookings";

  const auto known = s.api.post(path, booking_json(s.alice, kFrom, kTo));
  INFO(describe(known));
  CHECK(known.status == 201);

  const auto unknown =
      s.api.post(path, booking_json(s.alice + 41, "2031-04-08T09:00:00Z", "2031-04-08T10:00:00Z"));
  INFO(describe(unknown));
  REQUIRE(is_problem(unknown, 422));
  CHECK(detail_of(unknown) == "user " + std::to_string(s.alice + 41) + " does not exist");
  CHECK(unknown.json().value("field", "") == "user_id");

  // A user deleted from user-mgmt can no longer book.
  Client users(s.user_mgmt->url());
  REQUIRE(users.request("DELETE", "/users/" + std::to_string(s.alice)).status == 204);
  const auto deleted =
      s.api.post(path, booking_json(s.alice, "2031-04-09T09:00:00Z", "2031-04-09T10:00:00Z"));
  CHECK(is_problem(deleted, 422));

  const auto stored = s.api.get(path).json();
  REQUIRE(stored.size() == 1);
  CHECK(stored[0]["id"] == known.json()["id"]);
}

TEST_CASE("e2e rooms user-mgmt: with user-mgmt stopped a booking gets 503, Retry-After, no write",
          "[e2e][rooms][user-mgmt]") {
  RoomsStack s;
  const auto room = create_room(s.api, "Babbage", 4);

  const auto where = s.user_mgmt->url();
  REQUIRE(s.user_mgmt->stop(SIGTERM) == 0);
  check_unavailable(s.api, room, s.alice);
  // Where user-mgmt was sought is for the operator's log, not the client.
  CHECK(eventually([&] { return s.rooms->log().find(where) != std::string::npos; }));

  // What does not need user-mgmt is still answered as before.
  const auto no_room = s.api.post("/rooms/999/bookings", booking_json(s.alice, kFrom, kTo));
  CHECK(is_problem(no_room, 404));
  const auto invalid =
      s.api.post("/rooms/" + std::to_string(room) + "/bookings", booking_json(s.alice, kTo, kFrom));
  CHECK(is_problem(invalid, 400));
  CHECK(s.api.get("/rooms/" + std::to_string(room)).status == 200);
}

TEST_CASE("e2e rooms user-mgmt: a user-mgmt answering 500 gets the booking a 503, no write",
          "[e2e][rooms][user-mgmt]") {
  Workspace ws;
  FakeUserMgmt broken(
      std::string("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/problem+json\r\n"
                  "Content-Length: 2\r\nConnection: close\r\n\r\n{}"));
  auto rooms = start_rooms(ws, broken.url());
  Client api(rooms->url());
  const auto room = create_room(api, "Babbage", 4);

  check_unavailable(api, room, 7);
  // The 503 came from asking the fake about that user.
  const auto lines = broken.request_lines();
  REQUIRE_FALSE(lines.empty());
  CHECK_THAT(lines.front(), Catch::StartsWith("GET /users/7 "));
}

TEST_CASE("e2e rooms user-mgmt: a user-mgmt that never answers gets the booking a 503, no write",
          "[e2e][rooms][user-mgmt]") {
  Workspace ws;
  FakeUserMgmt hung(std::nullopt);
  // The test's client waits 20 s at most, so a server that hangs too fails
  // the test instead of hanging it.
  auto rooms = start_rooms(ws, hung.url(), {{"USER_MGMT_TIMEOUT_MS", "500"}});
  Client api(rooms->url());
  const auto room = create_room(api, "Babbage", 4);

  check_unavailable(api, room, 7);
  CHECK(hung.connections() >= 1);
  // The worker is free again: the server still answers.
  CHECK(api.get("/rooms").status == 200);
}

TEST_CASE("e2e rooms user-mgmt: the X-Request-Id of a booking reaches user-mgmt's access log",
          "[e2e][rooms][user-mgmt]") {
  RoomsStack s;
  const auto room = create_room(s.api, "Babbage", 4);
  const auto path = "/rooms/" + std::to_string(room) + "/bookings";

  SECTION("an id the client sent") {
    const std::string id = "trace-7f3a-booking";
    const auto r = s.api.request("POST", path, booking_json(s.alice, kFrom, kTo).dump(),
                                 {"X-Request-Id: " + id});
    INFO(describe(r));
    CHECK(r.status == 201);
    CHECK(r.header("X-Request-Id") == id);
    // user-mgmt logs after it answered: give the line a moment to appear.
    const bool logged = eventually([&] {
      return has_line_with(s.user_mgmt->log(),
                           {"GET /users/" + std::to_string(s.alice) + " 200", "id=" + id});
    });
    INFO(s.user_mgmt->log());
    CHECK(logged);
  }
  SECTION("an id rooms made up, when the client sent none") {
    const auto r = s.api.post(path, booking_json(s.alice, kFrom, kTo));
    INFO(describe(r));
    CHECK(r.status == 201);
    const auto id = r.header("X-Request-Id").value_or("");
    REQUIRE_FALSE(id.empty());
    const bool logged = eventually([&] {
      return has_line_with(s.user_mgmt->log(),
                           {"GET /users/" + std::to_string(s.alice), "id=" + id});
    });
    INFO(s.user_mgmt->log());
    CHECK(logged);
  }
}

TEST_CASE("e2e rooms user-mgmt: SIGTERM while a booking waits on user-mgmt answers it, exits 0",
          "[e2e][rooms][user-mgmt]") {
  Workspace ws;
  FakeUserMgmt hung(std::nullopt);
  auto rooms = start_rooms(ws, hung.url(), {{"USER_MGMT_TIMEOUT_MS", "1000"}});
  Client api(rooms->url());
  const auto room = create_room(api, "Babbage", 4);

  Response answer;
  std::thread booking([&] {
    Client client(rooms->url());
    answer =
        client.post("/rooms/" + std::to_string(room) + "/bookings", booking_json(7, kFrom, kTo));
  });
  // Once the fake has the connection, the booking is in flight.
  const bool asked = eventually([&] { return hung.connections() >= 1; });
  if (asked) CHECK(rooms->stop(SIGTERM) == 0);
  booking.join();
  REQUIRE(asked);
  INFO(describe(answer));
  // The answer of the booking itself, not of a server shutting down.
  CHECK(is_problem(answer, 503));
  if (answer.ok) CHECK_THAT(detail_of(answer), Catch::Contains("user 7"));
}
