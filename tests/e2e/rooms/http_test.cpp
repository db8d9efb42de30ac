// The rooms REST API as a client sees it: roombook serve rooms, checking
// users against a real roombook serve user-mgmt.

#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "rooms_support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

/// The running services, with shorthands for alice's bookings.
struct Stack : RoomsStack {
  Response book(std::int64_t room, const std::string& from, const std::string& to,
                const std::string& title = "") {
    return api.post("/rooms/" + std::to_string(room) + "/bookings",
                    booking_json(alice, from, to, title));
  }
  std::int64_t booked(std::int64_t room, const std::string& from, const std::string& to) {
    const auto r = book(room, from, to);
    INFO(describe(r));
    REQUIRE(r.status == 201);
    return r.json()["id"].get<std::int64_t>();
  }
  json bookings_of(std::int64_t room, const std::string& query = "") {
    const auto r = api.get("/rooms/" + std::to_string(room) + "/bookings" + query);
    INFO(describe(r));
    REQUIRE(r.status == 200);
    return r.json();
  }
};

/// 2031-03-03 at HH:MM UTC, far enough ahead to stay in the future.
std::string at(const std::string& hhmm) { return "2031-03-03T" + hhmm + ":00Z"; }

std::string field_of(const Response& r) { return r.json().value("field", std::string()); }

std::string detail_of(const Response& r) { return r.json().value("detail", std::string()); }

std::set<std::string> allow_of(const Response& r) {
  const auto list = split_list(r.header("Allow").value_or(""));
  return {list.begin(), list.end()};
}

}  // namespace

TEST_CASE("e2e rooms http: POST /rooms answers 201 with Location and GET /rooms/{id} returns it",
          "[e2e][rooms][http]") {
  Stack s;
  const auto created = s.api.post("/rooms", {{"name", "Babbage"}, {"capacity", 8}});
  INFO(describe(created));
  REQUIRE(created.status == 201);
  const auto room = created.json();
  const auto id = room["id"].get<std::int64_t>();
  CHECK(created.header("Location") == "/rooms/" + std::to_string(id));
  CHECK(created.header("Content-Type") == "application/json");
  CHECK(room["name"] == "Babbage");
  CHECK(room["capacity"] == 8);
  CHECK(room["location"].is_null());

  const auto got = s.api.get("/rooms/" + std::to_string(id));
  REQUIRE(got.status == 200);
  CHECK(got.json() == room);

  const auto list = s.api.get("/rooms");
  REQUIRE(list.status == 200);
  CHECK(list.json() == json::array({room}));
}

TEST_CASE("e2e rooms http: GET /rooms pages by limit and after_id with a Link to the next page",
          "[e2e][rooms][http]") {
  Stack s;
  std::vector<std::int64_t> all;
  for (int i = 1; i <= 5; ++i) all.push_back(create_room(s.api, "Room " + std::to_string(i), i));

  // Following rel="next" from the first page visits every room once, in id order.
  std::vector<std::int64_t> seen;
  std::string next = "/rooms?limit=2";
  int pages = 0;
  while (!next.empty()) {
    REQUIRE(++pages <= 5);
    const auto page = s.api.get(next);
    INFO(next << " -> " << describe(page));
    REQUIRE(page.status == 200);
    REQUIRE(page.json().is_array());
    CHECK(page.json().size() <= 2);
    for (auto id : ids_of(page.json())) seen.push_back(id);
    next.clear();
    if (const auto link = page.header("Link")) {
      const auto open = link->find('<');
      const auto close = link->find('>');
      REQUIRE(open != std::string::npos);
      REQUIRE(close != std::string::npos);
      CHECK(link->find("rel=\"next\"") != std::string::npos);
      next = link->substr(open + 1, close - open - 1);
    }
  }
  CHECK(seen == all);
  CHECK(pages == 3);

  // after_id starts after the given id; the last page has no Link.
  const auto tail = s.api.get("/rooms?limit=2&after_id=" + std::to_string(all[2]));
  REQUIRE(tail.status == 200);
  CHECK(ids_of(tail.json()) == std::vector<std::int64_t>{all[3], all[4]});
  CHECK_FALSE(tail.header("Link"));

  // The next page keeps the filter of this one.
  const auto big = s.api.get("/rooms?limit=1&min_capacity=4");
  REQUIRE(big.status == 200);
  CHECK(ids_of(big.json()) == std::vector<std::int64_t>{all[3]});
  const auto link = big.header("Link").value_or("");
  CHECK(link.find("min_capacity=4") != std::string::npos);

  SECTION("a bad limit or after_id gets a 400 problem naming it") {
    for (const std::string query : {"limit=0", "limit=1001", "limit=x", "after_id=-1"}) {
      const auto r = s.api.get("/rooms?" + query);
      INFO(query << " -> " << describe(r));
      CHECK(is_problem(r, 400));
      CHECK(field_of(r) == query.substr(0, query.find('=')));
    }
  }
}

TEST_CASE("e2e rooms http: GET /rooms?min_capacity= returns only rooms with that many seats",
          "[e2e][rooms][http]") {
  Stack s;
  const auto small = create_room(s.api, "Small", 2);
  const auto mid = create_room(s.api, "Mid", 6);
  const auto large = create_room(s.api, "Large", 12);

  CHECK(ids_of(s.api.get("/rooms?min_capacity=6").json()) == std::vector<std::int64_t>{mid, large});
  CHECK(ids_of(s.api.get("/rooms?min_capacity=7").json()) == std::vector<std::int64_t>{large});
  CHECK(ids_of(s.api.get("/rooms?min_capacity=1").json()) ==
        std::vector<std::int64_t>{small, mid, large});
  CHECK(s.api.get("/rooms?min_capacity=13").json() == json::array());

  const auto bad = s.api.get("/rooms?min_capacity=many");
  CHECK(is_problem(bad, 400));
  CHECK(field_of(bad) == "min_capacity");
}

TEST_CASE("e2e rooms http: GET /rooms?available_from=&available_to= returns only free rooms",
          "[e2e][rooms][http]") {
  Stack s;
  const auto a = create_room(s.api, "A", 4);
  const auto b = create_room(s.api, "B", 4);
  const auto c = create_room(s.api, "C", 4);
  s.booked(a, at("10:00"), at("11:00"));
  s.booked(b, at("11:30"), at("12:00"));

  auto free_rooms = [&](const std::string& from, const std::string& to) {
    const auto r = s.api.get("/rooms?available_from=" + from + "&available_to=" + to);
    INFO(describe(r));
    REQUIRE(r.status == 200);
    return ids_of(r.json());
  };
  // A overlaps 10:30-11:30; B starts as the window ends (half-open: free).
  CHECK(free_rooms(at("10:30"), at("11:30")) == std::vector<std::int64_t>{b, c});
  // A ends as the window starts: free; B overlaps.
  CHECK(free_rooms(at("11:00"), at("11:45")) == std::vector<std::int64_t>{a, c});
  CHECK(free_rooms(at("09:00"), at("13:00")) == std::vector<std::int64_t>{c});
  CHECK(free_rooms(at("13:00"), at("14:00")) == std::vector<std::int64_t>{a, b, c});
  // Combined with min_capacity and paging.
  const auto page =
      s.api.get("/rooms?limit=1&available_from=" + at("10:30") + "&available_to=" + at("11:30"));
  REQUIRE(page.status == 200);
  CHECK(ids_of(page.json()) == std::vector<std::int64_t>{b});
  CHECK(page.header("Link").value_or("").find("available_from=") != std::string::npos);

  SECTION("one end alone, or an empty window, is a 400 problem") {
    const auto alone = s.api.get("/rooms?available_from=" + at("10:00"));
    CHECK(is_problem(alone, 400));
    CHECK(field_of(alone) == "available_to");
    const auto empty =
        s.api.get("/rooms?available_from=" + at("11:00") + "&available_to=" + at("11:00"));
    CHECK(is_problem(empty, 400));
    CHECK(field_of(empty) == "available_to");
  }
}

TEST_CASE("e2e rooms http: PUT replaces a room, PATCH merges, a null location removes it",
          "[e2e][rooms][http]") {
  Stack s;
  const auto id = create_room(s.api, "Lovelace", 6, "1st floor");
  const auto path = "/rooms/" + std::to_string(id);

  SECTION("PUT replaces every field: a location left out is gone") {
    const auto r = s.api.request("PUT", path, json{{"name", "Hopper"}, {"capacity", 10}}.dump());
    INFO(describe(r));
    REQUIRE(r.status == 200);
    CHECK(r.json()["name"] == "Hopper");
    CHECK(r.json()["capacity"] == 10);
    CHECK(r.json()["location"].is_null());
    CHECK(s.api.get(path).json() == r.json());
  }
  SECTION("PUT may keep the room's own name") {
    const auto r = s.api.request("PUT", path, json{{"name", "Lovelace"}, {"capacity", 7}}.dump());
    INFO(describe(r));
    CHECK(r.status == 200);
    CHECK(s.api.get(path).json()["capacity"] == 7);
  }
  SECTION("PATCH changes only the members given") {
    const auto r = s.api.request("PATCH", path, R"({"capacity":12})",
                                 {"Content-Type: application/merge-patch+json"});
    INFO(describe(r));
    REQUIRE(r.status == 200);
    CHECK(r.json()["name"] == "Lovelace");
    CHECK(r.json()["capacity"] == 12);
    CHECK(r.json()["location"] == "1st floor");
    CHECK(s.api.get(path).json() == r.json());
  }
  SECTION("PATCH with a null location removes it") {
    const auto r = s.api.request("PATCH", path, R"({"location":null})");
    INFO(describe(r));
    REQUIRE(r.status == 200);
    CHECK(r.json()["location"].is_null());
    CHECK(r.json()["capacity"] == 6);
    CHECK(s.api.get(path).json()["location"].is_null());
  }
  SECTION("PATCH with an invalid value changes nothing") {
    const auto before = s.api.get(path).json();
    const auto r = s.api.request("PATCH", path, R"({"name":"Other","capacity":0})");
    CHECK(is_problem(r, 400));
    CHECK(field_of(r) == "capacity");
    CHECK(s.api.get(path).json() == before);
  }
}

TEST_CASE("e2e rooms http: DELETE /rooms/{id} with future bookings is 409 naming how many",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Busy", 4);
  const auto first = s.booked(room, at("09:00"), at("10:00"));
  const auto second = s.booked(room, at("10:00"), at("11:00"));
  const auto path = "/rooms/" + std::to_string(room);

  const auto refused = s.api.request("DELETE", path);
  INFO(describe(refused));
  REQUIRE(is_problem(refused, 409));
  CHECK_THAT(detail_of(refused), Catch::Contains("2 booking"));
  // Nothing was deleted.
  CHECK(s.api.get(path).status == 200);
  CHECK(s.bookings_of(room).size() == 2);

  const auto bad = s.api.request("DELETE", path + "?force=yes");
  CHECK(is_problem(bad, 400));
  CHECK(field_of(bad) == "force");

  const auto forced = s.api.request("DELETE", path + "?force=true");
  INFO(describe(forced));
  CHECK(forced.status == 204);
  CHECK(forced.body.empty());
  CHECK(is_problem(s.api.get(path), 404));
  CHECK(is_problem(s.api.get("/bookings/" + std::to_string(first)), 404));
  CHECK(is_problem(s.api.get("/bookings/" + std::to_string(second)), 404));
  CHECK(is_problem(s.api.request("DELETE", path), 404));
}

TEST_CASE("e2e rooms http: DELETE /rooms/{id} of a room without bookings to come answers 204",
          "[e2e][rooms][http]") {
  Stack s;
  const auto empty = create_room(s.api, "Empty", 4);
  const auto past = create_room(s.api, "Past", 4);
  // Bookings that have ended do not hold a room back.
  s.booked(past, "2020-01-06T09:00:00Z", "2020-01-06T10:00:00Z");

  for (auto id : {empty, past}) {
    const auto path = "/rooms/" + std::to_string(id);
    const auto r = s.api.request("DELETE", path);
    INFO(path << " -> " << describe(r));
    CHECK(r.status == 204);
    CHECK(is_problem(s.api.get(path), 404));
  }
  CHECK(s.api.get("/rooms").json() == json::array());
}

TEST_CASE("e2e rooms http: POST /rooms/{id}/bookings answers 201 with Location /bookings/{id}",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Turing", 4);
  const auto r = s.book(room, at("09:00"), at("10:30"), "Planning");
  INFO(describe(r));
  REQUIRE(r.status == 201);
  const auto booking = r.json();
  const auto id = booking["id"].get<std::int64_t>();
  CHECK(r.header("Location") == "/bookings/" + std::to_string(id));
  CHECK(booking["room_id"] == room);
  CHECK(booking["user_id"] == s.alice);
  CHECK(booking["title"] == "Planning");
  CHECK(booking["starts_at"] == at("09:00"));
  CHECK(booking["ends_at"] == at("10:30"));

  const auto got = s.api.get("/bookings/" + std::to_string(id));
  REQUIRE(got.status == 200);
  CHECK(got.json() == booking);
  CHECK(s.bookings_of(room) == json::array({booking}));
}

TEST_CASE("e2e rooms http: an overlapping booking gets 409 naming the conflicting booking",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Hopper", 4);
  const auto existing = s.booked(room, at("10:00"), at("11:00"));
  const auto other_room = create_room(s.api, "Elsewhere", 4);

  const std::vector<std::pair<std::string, std::string>> overlapping{
      {at("10:00"), at("11:00")},  // the same slot
      {at("10:15"), at("10:45")},  // inside
      {at("09:00"), at("12:00")},  // around
      {at("09:30"), at("10:30")},  // over the start
      {at("10:59"), at("11:30")},  // over the end
  };
  for (const auto& [from, to] : overlapping) {
    const auto r = s.book(room, from, to);
    INFO(from << " - " << to << " -> " << describe(r));
    REQUIRE(is_problem(r, 409));
    const auto doc = r.json();
    CHECK(doc["conflicting_booking"] ==
          json({{"id", existing}, {"starts_at", at("10:00")}, {"ends_at", at("11:00")}}));
    CHECK_THAT(doc["detail"].get<std::string>(),
               Catch::Contains("booking " + std::to_string(existing)) &&
                   Catch::Contains(at("10:00")) && Catch::Contains(at("11:00")));
  }
  CHECK(s.bookings_of(room).size() == 1);
  // The same slot in another room is free.
  CHECK(s.book(other_room, at("10:00"), at("11:00")).status == 201);
}

TEST_CASE("e2e rooms http: touching bookings 10-11 and 11-12 are both accepted",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Noether", 4);
  const auto first = s.book(room, at("10:00"), at("11:00"));
  const auto second = s.book(room, at("11:00"), at("12:00"));
  const auto before = s.book(room, at("09:00"), at("10:00"));
  CHECK(first.status == 201);
  CHECK(second.status == 201);
  CHECK(before.status == 201);
  CHECK(s.bookings_of(room).size() == 3);
}

TEST_CASE("e2e rooms http: GET /rooms/{id}/bookings?from=&to= lists overlaps ordered by start",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Curie", 4);
  const auto other = create_room(s.api, "Other", 4);
  // Created out of order.
  const auto late = s.booked(room, at("15:00"), at("16:00"));
  const auto early = s.booked(room, at("08:00"), at("09:00"));
  const auto mid = s.booked(room, at("11:00"), at("12:00"));
  s.booked(other, at("11:00"), at("12:00"));

  CHECK(ids_of(s.bookings_of(room)) == std::vector<std::int64_t>{early, mid, late});
  // Half-open window: a booking ending at `from` or starting at `to` is out.
  CHECK(ids_of(s.bookings_of(room, "?from=" + at("09:00") + "&to=" + at("15:00"))) ==
        std::vector<std::int64_t>{mid});
  CHECK(ids_of(s.bookings_of(room, "?from=" + at("08:30") + "&to=" + at("15:01"))) ==
        std::vector<std::int64_t>{early, mid, late});
  CHECK(ids_of(s.bookings_of(room, "?from=" + at("11:30"))) ==
        std::vector<std::int64_t>{mid, late});
  CHECK(ids_of(s.bookings_of(room, "?to=" + at("11:00"))) == std::vector<std::int64_t>{early});
  CHECK(s.bookings_of(room, "?from=" + at("12:00") + "&to=" + at("15:00")) == json::array());

  CHECK(is_problem(s.api.get("/rooms/999/bookings"), 404));
  const auto reversed = s.api.get("/rooms/" + std::to_string(room) +
                                  "/bookings?from=" + at("12:00") + "&to=" + at("11:00"));
  CHECK(is_problem(reversed, 400));
  CHECK(field_of(reversed) == "to");
  const auto bad = s.api.get("/rooms/" + std::to_string(room) + "/bookings?from=tomorrow");
  CHECK(is_problem(bad, 400));
  CHECK(field_of(bad) == "from");
}

TEST_CASE("e2e rooms http: GET /bookings filters by user_id, from and to", "[e2e][rooms][http]") {
  Stack s;
  const auto bob = create_user(s.user_mgmt->url(), "bob");
  const auto r1 = create_room(s.api, "R1", 4);
  const auto r2 = create_room(s.api, "R2", 4);
  const auto a1 = s.booked(r1, at("09:00"), at("10:00"));
  const auto a2 = s.booked(r2, at("13:00"), at("14:00"));
  const auto bob_booking = s.api.post("/rooms/" + std::to_string(r2) + "/bookings",
                                      booking_json(bob, at("10:00"), at("11:00")));
  REQUIRE(bob_booking.status == 201);
  const auto b1 = bob_booking.json()["id"].get<std::int64_t>();

  auto list = [&](const std::string& query) {
    const auto r = s.api.get("/bookings" + query);
    INFO(query << " -> " << describe(r));
    REQUIRE(r.status == 200);
    return ids_of(r.json());
  };
  CHECK(list("") == std::vector<std::int64_t>{a1, b1, a2});
  CHECK(list("?user_id=" + std::to_string(s.alice)) == std::vector<std::int64_t>{a1, a2});
  CHECK(list("?user_id=" + std::to_string(bob)) == std::vector<std::int64_t>{b1});
  CHECK(list("?user_id=" + std::to_string(s.alice) + "&from=" + at("10:00") +
             "&to=" + at("13:30")) == std::vector<std::int64_t>{a2});
  CHECK(list("?from=" + at("09:30") + "&to=" + at("10:30")) == std::vector<std::int64_t>{a1, b1});
  CHECK(list("?user_id=424242").empty());

  const auto bad = s.api.get("/bookings?user_id=bob");
  CHECK(is_problem(bad, 400));
  CHECK(field_of(bad) == "user_id");
}

TEST_CASE("e2e rooms http: DELETE /bookings/{id} answers 204, then 404, and frees the slot",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Ride", 4);
  const auto id = s.booked(room, at("10:00"), at("11:00"));
  const auto path = "/bookings/" + std::to_string(id);

  const auto deleted = s.api.request("DELETE", path);
  INFO(describe(deleted));
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());
  CHECK(is_problem(s.api.get(path), 404));
  CHECK(is_problem(s.api.request("DELETE", path), 404));
  CHECK(s.bookings_of(room) == json::array());
  CHECK(s.book(room, at("10:00"), at("11:00")).status == 201);
}

TEST_CASE("e2e rooms http: a booking sent with an offset comes back in UTC", "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Zulu", 4);
  const auto r =
      s.book(room, "2031-03-03T10:00:00+02:00", "2031-03-03T11:30:00+02:00", "from Paris");
  INFO(describe(r));
  REQUIRE(r.status == 201);
  CHECK(r.json()["starts_at"] == "2031-03-03T08:00:00Z");
  CHECK(r.json()["ends_at"] == "2031-03-03T09:30:00Z");

  const auto west = s.book(room, "2031-03-03T05:00:00-05:30", "2031-03-03T06:00:00-05:30");
  INFO(describe(west));
  REQUIRE(west.status == 201);
  CHECK(west.json()["starts_at"] == "2031-03-03T10:30:00Z");
  CHECK(west.json()["ends_at"] == "2031-03-03T11:30:00Z");

  // Stored in UTC: the same instant written in UTC conflicts.
  const auto same = s.book(room, "2031-03-03T08:30:00Z", "2031-03-03T08:45:00Z");
  CHECK(is_problem(same, 409));
  for (const auto& b : s.bookings_of(room)) {
    CHECK_THAT(b["starts_at"].get<std::string>(), Catch::EndsWith("Z"));
    CHECK_THAT(b["ends_at"].get<std::string>(), Catch::EndsWith("Z"));
  }
}

TEST_CASE("e2e rooms http: an invalid booking gets a 400 problem naming the field",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Strict", 4);
  const auto path = "/rooms/" + std::to_string(room) + "/bookings";
  struct Case {
    const char* what;
    json body;
    const char* field;
  };
  const std::vector<Case> cases{
      {"a date that does not exist", booking_json(s.alice, "2031-02-30T10:00:00Z", at("11:00")),
       "starts_at"},
      {"no offset", booking_json(s.alice, at("10:00"), "2031-03-03T11:00:00"), "ends_at"},
      {"end equal to start", booking_json(s.alice, at("10:00"), at("10:00")), "ends_at"},
      {"end before start", booking_json(s.alice, at("10:00"), at("09:00")), "ends_at"},
      {"more than 24 hours", booking_json(s.alice, "2031-03-03T10:00:00Z", "2031-03-04T10:00:01Z"),
       "ends_at"},
      {"an unknown field",
       json{{"user_id", s.alice},
            {"starts_at", at("10:00")},
            {"ends_at", at("11:00")},
            {"colour", "red"}},
       "colour"},
      {"no user_id", json{{"starts_at", at("10:00")}, {"ends_at", at("11:00")}}, "user_id"},
      {"user_id 0", booking_json(0, at("10:00"), at("11:00")), "user_id"},
      {"a starts_at that is not a string",
       json{{"user_id", s.alice}, {"starts_at", 1}, {"ends_at", at("11:00")}}, "starts_at"},
  };
  for (const auto& c : cases) {
    const auto r = s.api.post(path, c.body);
    INFO(c.what << ": " << c.body.dump() << " -> " << describe(r));
    CHECK(is_problem(r, 400));
    if (r.ok && r.status == 400) CHECK(field_of(r) == c.field);
  }
  // Exactly 24 hours is allowed.
  CHECK(s.book(room, "2031-03-05T10:00:00Z", "2031-03-06T10:00:00Z").status == 201);
  CHECK(s.bookings_of(room).size() == 1);

  const auto malformed = s.api.request("POST", path, "{\"user_id\": 1,");
  CHECK(is_problem(malformed, 400));
}

TEST_CASE("e2e rooms http: an invalid room gets 400 naming the field, a taken name 409",
          "[e2e][rooms][http]") {
  Stack s;
  struct Case {
    json body;
    const char* field;
  };
  const std::vector<Case> cases{
      {{{"name", "Zero"}, {"capacity", 0}}, "capacity"},
      {{{"name", "Huge"}, {"capacity", 10001}}, "capacity"},
      {{{"name", "Text"}, {"capacity", "4"}}, "capacity"},
      {{{"capacity", 4}}, "name"},
      {{{"name", ""}, {"capacity", 4}}, "name"},
      {{{"name", "Floor"}, {"capacity", 4}, {"floor", 3}}, "floor"},
      {{{"id", 7}, {"name", "Seven"}, {"capacity", 4}}, "id"},
  };
  for (const auto& c : cases) {
    const auto r = s.api.post("/rooms", c.body);
    INFO(c.body.dump() << " -> " << describe(r));
    CHECK(is_problem(r, 400));
    if (r.ok && r.status == 400) CHECK(field_of(r) == c.field);
  }
  CHECK(s.api.get("/rooms").json() == json::array());

  const auto first = create_room(s.api, "Babbage", 4);
  const auto second = create_room(s.api, "Lovelace", 4);
  const auto again = s.api.post("/rooms", {{"name", "Babbage"}, {"capacity", 8}});
  INFO(describe(again));
  CHECK(is_problem(again, 409));
  CHECK_THAT(detail_of(again), Catch::Contains("Babbage"));
  const auto put = s.api.request("PUT", "/rooms/" + std::to_string(second),
                                 json{{"name", "Babbage"}, {"capacity", 4}}.dump());
  CHECK(is_problem(put, 409));
  const auto patch =
      s.api.request("PATCH", "/rooms/" + std::to_string(second), R"({"name":"Babbage"})");
  CHECK(is_problem(patch, 409));
  CHECK(s.api.get("/rooms/" + std::to_string(second)).json()["name"] == "Lovelace");
  CHECK(s.api.get("/rooms/" + std::to_string(first)).json()["capacity"] == 4);
}

TEST_CASE("e2e rooms http: an unknown room or booking gets 404, a non-numeric id 400",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = json{{"name", "Ghost"}, {"capacity", 2}}.dump();
  const auto booking = booking_json(s.alice, at("10:00"), at("11:00")).dump();
  const std::vector<std::pair<std::string, std::string>> missing{
      {"GET", "/rooms/999"},    {"PUT", "/rooms/999"},          {"PATCH", "/rooms/999"},
      {"DELETE", "/rooms/999"}, {"GET", "/rooms/999/bookings"}, {"POST", "/rooms/999/bookings"},
      {"GET", "/bookings/999"}, {"DELETE", "/bookings/999"},
  };
  for (const auto& [method, path] : missing) {
    const auto body = method == "POST" ? booking : method == "PATCH" ? "{}" : room;
    const auto r = s.api.request(method, path, method == "GET" || method == "DELETE" ? "" : body);
    INFO(method << " " << path << " -> " << describe(r));
    CHECK(is_problem(r, 404));
  }
  for (const std::string path : {"/rooms/abc", "/rooms/0", "/rooms/-1", "/rooms/1.5",
                                 "/rooms/abc/bookings", "/bookings/abc"}) {
    const auto r = s.api.get(path);
    INFO(path << " -> " << describe(r));
    CHECK(is_problem(r, 400));
    CHECK(field_of(r) == "id");
  }
  CHECK(is_problem(s.api.get("/nowhere"), 404));
}

TEST_CASE("e2e rooms http: a wrong method gets 405 with Allow", "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Methods", 2);
  const auto id = std::to_string(room);
  struct Case {
    const char* method;
    std::string path;
    std::set<std::string> allowed;
  };
  const std::vector<Case> cases{
      {"DELETE", "/rooms", {"GET", "HEAD", "POST"}},
      {"POST", "/rooms/" + id, {"GET", "HEAD", "PUT", "PATCH", "DELETE"}},
      {"PATCH", "/rooms/" + id + "/bookings", {"GET", "HEAD", "POST"}},
      {"POST", "/bookings", {"GET", "HEAD"}},
      {"PUT", "/bookings/1", {"GET", "HEAD", "DELETE"}},
  };
  for (const auto& c : cases) {
    const auto r = s.api.request(c.method, c.path, "{}");
    INFO(c.method << " " << c.path << " -> " << describe(r));
    CHECK(is_problem(r, 405));
    CHECK(allow_of(r) == c.allowed);
  }
}

// Clients encode query values: "+" in an offset is "%2B" (a bare "+" means a
// space in a query string), and URLSearchParams also encodes ":" as "%3A".
TEST_CASE("e2e rooms http: percent-encoded times in the query are decoded", "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Encoded", 4);
  const auto id = s.booked(room, at("10:00"), at("11:00"));
  const auto path = "/rooms/" + std::to_string(room) + "/bookings";

  // 12:30+02:00 to 13:30+02:00 is 10:30Z to 11:30Z: it overlaps the booking.
  const auto plus =
      s.api.get(path + "?from=2031-03-03T12:30:00%2B02:00&to=2031-03-03T13:30:00%2B02:00");
  INFO(describe(plus));
  CHECK(plus.status == 200);
  if (plus.status == 200) CHECK(ids_of(plus.json()) == std::vector<std::int64_t>{id});

  const auto colons =
      s.api.get("/bookings?from=2031-03-03T10%3A30%3A00Z&to=2031-03-03T11%3A30%3A00Z");
  INFO(describe(colons));
  CHECK(colons.status == 200);
  if (colons.status == 200) CHECK(ids_of(colons.json()) == std::vector<std::int64_t>{id});

  const auto free = s.api.get(
      "/rooms?available_from=2031-03-03T12%3A30%3A00%2B02%3A00"
      "&available_to=2031-03-03T13%3A30%3A00%2B02%3A00");
  INFO(describe(free));
  CHECK(free.status == 200);
  if (free.status == 200) CHECK(free.json() == json::array());
}

// Times outside 1678-2262 once overflowed a nanosecond clock and were stored
// as other dates (2300-01-01T10:00:00Z came back as 1715-06-13T10:25:27Z).
TEST_CASE("e2e rooms http: a booking far in the past or future is stored as sent or refused",
          "[e2e][rooms][http]") {
  Stack s;
  const auto room = create_room(s.api, "Future", 4);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"2300-01-01T10:00:00Z", "2300-01-01T11:00:00Z"},
           {"1600-01-01T10:00:00Z", "1600-01-01T11:00:00Z"}}) {
    const auto r = s.book(room, from, to);
    INFO(from << " - " << to << " -> " << describe(r));
    if (r.ok && r.status == 201) {
      CHECK(r.json()["starts_at"] == from);
      CHECK(r.json()["ends_at"] == to);
    } else {
      CHECK(is_problem(r, 400));
    }
  }
  // Across the 2262-04-11T23:47:16Z limit of a nanosecond clock.
  const auto across = s.book(room, "2262-04-11T23:00:00Z", "2262-04-12T01:00:00Z");
  INFO(describe(across));
  CHECK((across.status == 201 || is_problem(across, 400)));
}
