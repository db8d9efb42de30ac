// The rooms service when user-mgmt misbehaves: hanging calls stay off the
// workers, and a circuit breaker fails fast while user-mgmt keeps failing.

#include <signal.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "rooms_support.hpp"

using namespace roombook::e2e;

namespace {

const std::string kFrom = "2031-05-07T09:00:00Z";
const std::string kTo = "2031-05-07T10:00:00Z";

std::string bookings_of(std::int64_t room) {
  return "/rooms/" + std::to_string(room) + "/bookings";
}

/// A booking for another hour of the same day each time, so none overlaps.
nlohmann::json booking(std::int64_t user, int hour) {
  const auto at = [](int h) {
    return "2031-05-07T" + std::string(h < 10 ? "0" : "") + std::to_string(h) + ":00:00Z";
  };
  return booking_json(user, at(hour), at(hour + 1));
}

}  // namespace

TEST_CASE("e2e rooms resilience: with user-mgmt hanging, other routes are answered first",
          "[e2e][rooms][resilience]") {
  Workspace ws;
  auto hung = std::make_unique<FakeUserMgmt>(std::nullopt);
  // Bookings wait on user-mgmt for as long as the fake holds them; two
  // workers, and twice as many bookings in flight.
  auto rooms =
      start_rooms(ws, hung->url(), {{"ROOMBOOK_THREADS", "2"}, {"USER_MGMT_TIMEOUT_MS", "60000"}});
  Client api(rooms->url());
  const auto room = create_room(api, "Babbage", 4);

  std::vector<std::future<Response>> bookings;
  for (int i = 0; i < 4; ++i) {
    bookings.push_back(std::async(std::launch::async, [&, i] {
      Client own(rooms->url());
      return own.post(bookings_of(room), booking(7, i));
    }));
  }
  REQUIRE(eventually([&] { return hung->connections() >= 4; }));

  const auto list = api.get("/rooms");
  CHECK(list.status == 200);
  CHECK(api.get("/rooms/" + std::to_string(room)).status == 200);
  // Answered while every booking still waits on user-mgmt.
  for (auto& b : bookings)
    CHECK(b.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);

  hung.reset();  // user-mgmt drops the connections: each booking gets 503
  for (auto& b : bookings) {
    const auto r = b.get();
    INFO(describe(r));
    CHECK(is_problem(r, 503));
  }
  CHECK(api.get(bookings_of(room)).json() == nlohmann::json::array());
}

TEST_CASE("e2e rooms resilience: the circuit opens after failures and fails fast, then probes",
          "[e2e][rooms][resilience]") {
  Workspace ws;
  FakeUserMgmt broken(
      std::string("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}"));
  auto rooms =
      start_rooms(ws, broken.url(),
                  {{"USER_MGMT_BREAKER_FAILURES", "3"}, {"USER_MGMT_BREAKER_COOLDOWN_MS", "2000"}});
  Client api(rooms->url());
  const auto room = create_room(api, "Babbage", 4);

  for (int i = 0; i < 3; ++i) {
    const auto r = api.post(bookings_of(room), booking(7, i));
    CHECK(is_problem(r, 503));
    CHECK(r.header("Retry-After") == std::optional<std::string>("1"));
  }
  REQUIRE(broken.request_lines().size() == 3);
  CHECK(eventually(
      [&] { return rooms->log().find("circuit open after 3 failures") != std::string::npos; }));

  // Open: refused at once, without asking user-mgmt, and told when to retry.
  const auto fast = api.post(bookings_of(room), booking(7, 5));
  INFO(describe(fast));
  CHECK(is_problem(fast, 503));
  const auto retry = fast.header("Retry-After");
  REQUIRE(retry);
  CHECK(std::stoi(*retry) >= 1);
  CHECK(std::stoi(*retry) <= 2);
  CHECK(broken.request_lines().size() == 3);

  // After the cool-down one booking is let through to probe; it fails too.
  CHECK(eventually(
      [&] {
        api.post(bookings_of(room), booking(7, 6));
        return broken.request_lines().size() == 4;
      },
      std::chrono::seconds(10)));
  CHECK(eventually([&] { return rooms->log().find("circuit open again") != std::string::npos; }));
  CHECK(api.get(bookings_of(room)).json() == nlohmann::json::array());
}

TEST_CASE("e2e rooms resilience: the circuit closes once user-mgmt answers again",
          "[e2e][rooms][resilience]") {
  Workspace ws;
  auto user_mgmt = start_user_mgmt(ws);
  const auto alice = create_user(user_mgmt->url(), "alice");
  auto rooms = start_rooms(ws, user_mgmt->url(),
                           {{"USER_MGMT_TIMEOUT_MS", "300"},
                            {"USER_MGMT_BREAKER_FAILURES", "2"},
                            {"USER_MGMT_BREAKER_COOLDOWN_MS", "500"}});
  Client api(rooms->url());
  const auto room = create_room(api, "Babbage", 4);

  // A user-mgmt that stops answering: its calls time out.
  REQUIRE(::kill(user_mgmt->pid(), SIGSTOP) == 0);
  for (int i = 0; i < 2; ++i)
    CHECK(is_problem(api.post(bookings_of(room), booking(alice, i)), 503));
  CHECK(eventually([&] { return rooms->log().find("circuit open") != std::string::npos; }));
  REQUIRE(::kill(user_mgmt->pid(), SIGCONT) == 0);

  // Once the cool-down is over, a probe succeeds and bookings go through.
  Response booked;
  CHECK(eventually(
      [&] {
        booked = api.post(bookings_of(room), booking(alice, 10));
        return booked.status == 201;
      },
      std::chrono::seconds(10)));
  CHECK(eventually([&] { return rooms->log().find("circuit closed") != std::string::npos; }));
  CHECK(api.post(bookings_of(room), booking(alice, 12)).status == 201);
}

TEST_CASE("e2e rooms resilience: the password of USER_MGMT_URL never reaches the log",
          "[e2e][rooms][resilience]") {
  Workspace ws;
  ClosedPort nobody;
  const auto url = "http://admin:hunter2@" + nobody.url().substr(std::string("http://").size());
  auto rooms = start_rooms(ws, url);
  Client api(rooms->url());
  const auto room = create_room(api, "Babbage", 4);
  CHECK(is_problem(api.post(bookings_of(room), booking(7, 1)), 503));
  CHECK(eventually([&] { return rooms->log().find("admin:***@") != std::string::npos; }));
  CHECK(rooms->log().find("hunter2") == std::string::npos);

  ws.env["USER_MGMT_URL"] = url;
  const auto config = ws.run({"config"});
  CHECK(config.exit_code == 0);
  CHECK(config.out.find("hunter2") == std::string::npos);
  CHECK(config.out.find("admin:***@") != std::string::npos);
}
