// RoomService: the rules of rooms and bookings over a migrated database file.

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "rooms/service.hpp"
#include "test_support.hpp"

using namespace roombook;
using namespace roombook::rooms;
using namespace std::chrono_literals;
using roombook::rooms::test::at;
using roombook::rooms::test::booking_request;
using roombook::rooms::test::error_of;
using roombook::rooms::test::FakeUsers;
using roombook::rooms::test::mentions;
using roombook::rooms::test::MigratedDb;

namespace {

const std::regex kRfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");

std::vector<std::int64_t> ids_of(const std::vector<Room>& rooms) {
  std::vector<std::int64_t> ids;
  for (const auto& r : rooms) ids.push_back(r.id);
  return ids;
}

std::vector<std::int64_t> ids_of(const std::vector<Booking>& bookings) {
  std::vector<std::int64_t> ids;
  for (const auto& b : bookings) ids.push_back(b.id);
  return ids;
}

/// Creates rooms r1..rn with capacity 10 * i and returns their ids.
std::vector<std::int64_t> create_rooms(RoomService& service, int n) {
  std::vector<std::int64_t> ids;
  for (int i = 1; i <= n; ++i) {
    ids.push_back(service.create({"r" + std::to_string(i), 10 * i, std::nullopt}).id);
  }
  return ids;
}

/// Books without asking a user directory.
Booking book(RoomService& service, std::int64_t room, const std::string& from,
             const std::string& to, std::int64_t user = 1) {
  return service.book(room, booking_request(user, from, to), nullptr, "");
}

using Window = std::optional<core::SysSeconds>;

/// The bookings of a room and of a user, when given, that overlap [from, to).
std::vector<Booking> bookings_of(RoomService& service, std::optional<std::int64_t> room,
                                 std::optional<std::int64_t> user, Window from = std::nullopt,
                                 Window to = std::nullopt) {
  BookingQuery q;
  q.room_id = room;
  q.user_id = user;
  q.from = from;
  q.to = to;
  return service.bookings(q);
}

/// A room's bookings that overlap [from, to).
std::vector<Booking> room_bookings(RoomService& service, std::int64_t room, Window from,
                                   Window to) {
  return bookings_of(service, room, std::nullopt, from, to);
}

/// A user's bookings (everyone's without a user) that overlap [from, to).
std::vector<Booking> user_bookings(RoomService& service, std::optional<std::int64_t> user,
                                   Window from, Window to) {
  return bookings_of(service, std::nullopt, user, from, to);
}

BookingRequest around_now(std::chrono::seconds from, std::chrono::seconds to) {
  const auto now = core::now();
  return BookingRequest{1, "", {now + from, now + to}};
}

}  // namespace

TEST_CASE("rooms service: create, then get and find by id or name", "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto ada = service.create({"Ada", 8, "2nd floor"});
  CHECK(ada.id > 0);
  CHECK(ada.name == "Ada");
  CHECK(ada.capacity == 8);
  CHECK(ada.location == std::optional<std::string>("2nd floor"));
  CHECK(std::regex_match(core::format_rfc3339(ada.created_at), kRfc3339));
  CHECK(ada.updated_at == ada.created_at);

  const auto got = service.get(ada.id);
  REQUIRE(got);
  CHECK(got->name == "Ada");
  CHECK(got->location == std::optional<std::string>("2nd floor"));
  CHECK(got->created_at == ada.created_at);

  const auto by_id = service.find(std::to_string(ada.id));
  REQUIRE(by_id);
  CHECK(by_id->id == ada.id);
  const auto by_name = service.find("Ada");
  REQUIRE(by_name);
  CHECK(by_name->id == ada.id);

  CHECK_FALSE(service.get(ada.id + 1));
  CHECK_FALSE(service.find("Grace"));
  CHECK_FALSE(service.find(std::to_string(ada.id + 1)));
}

TEST_CASE("rooms service: create validates the room and writes nothing when invalid",
          "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  CHECK(error_of([&] { service.create({"", 8, std::nullopt}); }).field() == "name");
  CHECK(error_of([&] { service.create({"A", 0, std::nullopt}); }).field() == "capacity");
  CHECK(error_of([&] { service.create({"A", 10001, std::nullopt}); }).field() == "capacity");
  CHECK(service.list({}).items.empty());
}

TEST_CASE("rooms service: a second room with the same name is a conflict", "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto first = service.create({"Ada", 8, std::nullopt});
  const auto e = error_of([&] { service.create({"Ada", 20, "elsewhere"}); });
  CHECK(e.kind() == core::ErrorKind::conflict);
  CHECK_THAT(std::string(e.what()), mentions("Ada"));
  // The first one is untouched and alone.
  const auto page = service.list({});
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].id == first.id);
  CHECK(page.items[0].capacity == 8);
}

TEST_CASE("rooms service: list pages by id, next_after_id only while more remain",
          "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto ids = create_rooms(service, 5);

  RoomQuery q;
  q.page.limit = 2;
  const auto p1 = service.list(q);
  CHECK(ids_of(p1.items) == std::vector<std::int64_t>{ids[0], ids[1]});
  REQUIRE(p1.next_after_id);
  CHECK(*p1.next_after_id == ids[1]);

  q.page.after_id = *p1.next_after_id;
  const auto p2 = service.list(q);
  CHECK(ids_of(p2.items) == std::vector<std::int64_t>{ids[2], ids[3]});
  REQUIRE(p2.next_after_id);
  CHECK(*p2.next_after_id == ids[3]);

  q.page.after_id = *p2.next_after_id;
  const auto p3 = service.list(q);
  CHECK(ids_of(p3.items) == std::vector<std::int64_t>{ids[4]});
  CHECK_FALSE(p3.next_after_id);

  SECTION("a page that ends exactly at the last room has no next") {
    RoomQuery exact;
    exact.page.limit = 5;
    const auto all = service.list(exact);
    CHECK(all.items.size() == 5);
    CHECK_FALSE(all.next_after_id);
    exact.page.limit = 4;
    CHECK(service.list(exact).next_after_id == std::optional<std::int64_t>(ids[3]));
  }
  SECTION("after the last id: empty, no next") {
    RoomQuery past;
    past.page.after_id = ids[4];
    const auto none = service.list(past);
    CHECK(none.items.empty());
    CHECK_FALSE(none.next_after_id);
  }
  SECTION("limit from 1 to 1000, after_id not negative") {
    RoomQuery bad;
    bad.page.limit = 0;
    CHECK(error_of([&] { service.list(bad); }).field() == "limit");
    bad.page.limit = 1001;
    CHECK(error_of([&] { service.list(bad); }).field() == "limit");
    bad.page.limit = 1000;
    CHECK(service.list(bad).items.size() == 5);
    bad.page.after_id = -1;
    CHECK(error_of([&] { service.list(bad); }).field() == "after_id");
  }
}

TEST_CASE("rooms service: list with min_capacity", "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto ids = create_rooms(service, 5);  // capacities 10..50
  RoomQuery q;
  q.min_capacity = 30;
  CHECK(ids_of(service.list(q).items) == std::vector<std::int64_t>{ids[2], ids[3], ids[4]});
  q.min_capacity = 31;
  CHECK(ids_of(service.list(q).items) == std::vector<std::int64_t>{ids[3], ids[4]});
  q.min_capacity = 51;
  CHECK(service.list(q).items.empty());
  // Paging counts only the rooms that qualify.
  q.min_capacity = 20;
  q.page.limit = 3;
  const auto page = service.list(q);
  CHECK(ids_of(page.items) == std::vector<std::int64_t>{ids[1], ids[2], ids[3]});
  CHECK(page.next_after_id == std::optional<std::int64_t>(ids[3]));
}

TEST_CASE("rooms service: list available excludes rooms booked in the window, not touching ones",
          "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto ids = create_rooms(service, 4);
  // Window 10:00-11:00.
  book(service, ids[0], "2026-03-01T10:30:00Z", "2026-03-01T10:45:00Z");  // inside
  book(service, ids[1], "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z");  // ends at start
  book(service, ids[1], "2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z");  // starts at end
  book(service, ids[2], "2026-03-01T10:59:59Z", "2026-03-01T12:00:00Z");  // one second in
  // ids[3] has no booking.

  RoomQuery q;
  q.available = Interval{at("2026-03-01T10:00:00Z"), at("2026-03-01T11:00:00Z")};
  CHECK(ids_of(service.list(q).items) == std::vector<std::int64_t>{ids[1], ids[3]});

  // The window written with an offset is the same instants.
  q.available = Interval{at("2026-03-01T12:00:00+02:00"), at("2026-03-01T13:00:00+02:00")};
  CHECK(ids_of(service.list(q).items) == std::vector<std::int64_t>{ids[1], ids[3]});

  // A room whose booking covers the whole window is busy too.
  q.available = Interval{at("2026-03-01T10:35:00Z"), at("2026-03-01T10:40:00Z")};
  CHECK(ids_of(service.list(q).items) == std::vector<std::int64_t>{ids[1], ids[2], ids[3]});

  q.available = Interval{at("2026-03-01T11:00:00Z"), at("2026-03-01T11:00:00Z")};
  CHECK(error_of([&] { service.list(q); }).field() == "available_to");
}

TEST_CASE("rooms service: replace sets every field, keeps id and created_at", "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto ada = service.create({"Ada", 8, "2nd floor"});
  service.create({"Grace", 4, std::nullopt});

  const auto replaced = service.replace(ada.id, {"Ada Lovelace", 12, std::nullopt});
  REQUIRE(replaced);
  CHECK(replaced->id == ada.id);
  CHECK(replaced->name == "Ada Lovelace");
  CHECK(replaced->capacity == 12);
  CHECK_FALSE(replaced->location);
  CHECK(replaced->created_at == ada.created_at);
  CHECK(std::regex_match(core::format_rfc3339(replaced->updated_at), kRfc3339));
  CHECK(service.get(ada.id)->name == "Ada Lovelace");
  CHECK(service.find("Ada Lovelace"));
  CHECK_FALSE(service.find("Ada"));

  CHECK_FALSE(service.replace(ada.id + 100, {"X", 1, std::nullopt}));

  const auto taken = error_of([&] { service.replace(ada.id, {"Grace", 1, std::nullopt}); });
  CHECK(taken.kind() == core::ErrorKind::conflict);
  const auto invalid = error_of([&] { service.replace(ada.id, {"Ada", 0, std::nullopt}); });
  CHECK(invalid.field() == "capacity");
  // Neither refusal changed the room.
  CHECK(service.get(ada.id)->name == "Ada Lovelace");
  CHECK(service.get(ada.id)->capacity == 12);
}

TEST_CASE("rooms service: patch applies a merge patch", "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto ada = service.create({"Ada", 8, "2nd floor"});

  const auto bigger = service.patch(ada.id, {{"capacity", 20}});
  REQUIRE(bigger);
  CHECK(bigger->capacity == 20);
  CHECK(bigger->name == "Ada");
  CHECK(bigger->location == std::optional<std::string>("2nd floor"));

  const auto moved = service.patch(ada.id, {{"location", nullptr}});
  REQUIRE(moved);
  CHECK_FALSE(moved->location);
  CHECK_FALSE(service.get(ada.id)->location);

  CHECK(error_of([&] { service.patch(ada.id, {{"name", nullptr}}); }).field() == "name");
  CHECK(error_of([&] { service.patch(ada.id, {{"seats", 3}}); }).field() == "seats");
  CHECK(service.get(ada.id)->name == "Ada");

  CHECK_FALSE(service.patch(ada.id + 100, {{"capacity", 3}}));
}

TEST_CASE("rooms service: update changes the fields given", "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto ada = service.create({"Ada", 8, "2nd floor"});

  auto u = service.update(ada.id, std::string("Ada L."), std::nullopt, std::nullopt, false);
  REQUIRE(u);
  CHECK(u->name == "Ada L.");
  CHECK(u->capacity == 8);
  CHECK(u->location == std::optional<std::string>("2nd floor"));

  u = service.update(ada.id, std::nullopt, 30, std::string("roof"), false);
  REQUIRE(u);
  CHECK(u->capacity == 30);
  CHECK(u->location == std::optional<std::string>("roof"));

  u = service.update(ada.id, std::nullopt, std::nullopt, std::nullopt, true);
  REQUIRE(u);
  CHECK_FALSE(u->location);
  CHECK(u->name == "Ada L.");

  CHECK(error_of([&] { service.update(ada.id, std::nullopt, 0, std::nullopt, false); }).field() ==
        "capacity");
  CHECK(service.get(ada.id)->capacity == 30);
  CHECK_FALSE(service.update(ada.id + 100, std::string("X"), std::nullopt, std::nullopt, false));
}

TEST_CASE("rooms service: remove refuses while a booking has not ended, naming how many",
          "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto ongoing = service.book(room, around_now(-1h, 1h), nullptr, "");
  const auto future = service.book(room, around_now(24h, 25h), nullptr, "");
  service.book(room, around_now(-3h, -2h), nullptr, "");  // past

  const auto e = roombook::test::thrown<RoomHasBookings>([&] { service.remove(room, false); });
  CHECK(e.kind() == core::ErrorKind::conflict);
  CHECK_THAT(std::string(e.what()), mentions("2 booking"));
  CHECK(e.room_id() == room);
  CHECK(e.count() == 2);
  // The way out: force deletes them with the room, or cancel them first.
  REQUIRE(e.remedy());
  CHECK(e.remedy()->option == "force");
  CHECK(e.remedy()->alternative == "cancel them");
  CHECK(e.remedy()->in_api);
  // Nothing was deleted.
  CHECK(service.get(room));
  CHECK(service.booking(ongoing.id));
  CHECK(service.booking(future.id));
  CHECK(db.booking_count() == 3);
}

TEST_CASE("rooms service: remove with force deletes the room and its bookings",
          "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto other = service.create({"Grace", 8, std::nullopt}).id;
  const auto future = service.book(room, around_now(24h, 25h), nullptr, "");
  const auto kept = service.book(other, around_now(24h, 25h), nullptr, "");

  CHECK(service.remove(room, true));
  CHECK_FALSE(service.get(room));
  CHECK_FALSE(service.booking(future.id));
  CHECK(service.booking(kept.id));
  CHECK(db.booking_count() == 1);
  // The name is free again.
  CHECK(service.create({"Ada", 8, std::nullopt}).id != room);
}

TEST_CASE("rooms service: remove is not blocked by bookings that have ended", "[rooms][service]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto past = service.book(room, around_now(-48h, -47h), nullptr, "");
  CHECK(service.remove(room, false));
  CHECK_FALSE(service.get(room));
  CHECK_FALSE(service.booking(past.id));
  CHECK_FALSE(service.remove(room, false));
  CHECK_FALSE(service.remove(room, true));
}

TEST_CASE("rooms service: book stores the booking in UTC and asks the directory first",
          "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  FakeUsers users({7});
  const auto room = service.create({"Ada", 8, std::nullopt}).id;

  const auto b = service.book(
      room, booking_request(7, "2026-03-01T10:00:00+01:00", "2026-03-01T11:30:00+01:00", "Plan"),
      &users, "req-42");
  CHECK(b.id > 0);
  CHECK(b.room_id == room);
  CHECK(b.user_id == 7);
  CHECK(b.title == "Plan");
  CHECK(core::format_rfc3339(b.starts_at) == "2026-03-01T09:00:00Z");
  CHECK(core::format_rfc3339(b.ends_at) == "2026-03-01T10:30:00Z");
  CHECK(std::regex_match(core::format_rfc3339(b.created_at), kRfc3339));

  const auto calls = users.calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].user_id == 7);
  CHECK(calls[0].request_id == "req-42");

  const auto stored = service.booking(b.id);
  REQUIRE(stored);
  CHECK(stored->starts_at == b.starts_at);
  CHECK(stored->ends_at == b.ends_at);
  CHECK(stored->title == "Plan");
}

TEST_CASE("rooms service: book for a user the directory does not know is unprocessable",
          "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  FakeUsers users({7});
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto e = error_of([&] {
    service.book(room, booking_request(8, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"), &users,
                 "r");
  });
  CHECK(e.kind() == core::ErrorKind::unprocessable);
  CHECK(e.field() == "user_id");
  CHECK_THAT(std::string(e.what()), mentions("8"));
  CHECK(db.booking_count() == 0);
}

TEST_CASE("rooms service: book when the directory is unavailable propagates it, writes nothing",
          "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  FakeUsers users({7});
  users.down = true;
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto e = roombook::test::thrown<UserCheckFailed>([&] {
    service.book(room, booking_request(7, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"), &users,
                 "r");
  });
  CHECK(e.kind() == core::ErrorKind::unavailable);
  CHECK(users.calls().size() == 1);
  CHECK(db.booking_count() == 0);
  // What the directory said is the cause; the remedy is the CLI's alone.
  CHECK(e.user_id() == 7);
  CHECK(std::string(e.what()) ==
        "cannot confirm user 7: the user service is unavailable; nothing was booked");
  CHECK(e.cause() == "user-mgmt is down");
  REQUIRE(e.remedy());
  CHECK(e.remedy()->option == "no-verify-user");
  CHECK_FALSE(e.remedy()->in_api);
}

TEST_CASE("rooms service: book without a directory does not check the user",
          "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto b = service.book(
      room, booking_request(12345, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"), nullptr, "");
  CHECK(b.user_id == 12345);
  CHECK(db.booking_count() == 1);
}

TEST_CASE("rooms service: an overlapping booking is a BookingConflict naming the existing one",
          "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto other_room = service.create({"Grace", 8, std::nullopt}).id;
  const auto first = book(service, room, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z");

  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"},
           {"2026-03-01T09:30:00Z", "2026-03-01T10:30:00Z"},
           {"2026-03-01T08:00:00Z", "2026-03-01T09:00:01Z"},
           {"2026-03-01T08:00:00Z", "2026-03-01T11:00:00Z"},
           {"2026-03-01T09:10:00Z", "2026-03-01T09:20:00Z"},
           {"2026-03-01T10:30:00+01:00", "2026-03-01T11:30:00+01:00"}}) {
    CAPTURE(from, to);
    try {
      book(service, room, from, to, 2);
      FAIL("expected a BookingConflict");
    } catch (const BookingConflict& conflict) {
      CHECK(conflict.kind() == core::ErrorKind::conflict);
      CHECK(conflict.existing().id == first.id);
      CHECK(conflict.existing().room_id == room);
      CHECK(conflict.existing().user_id == first.user_id);
      CHECK(core::format_rfc3339(conflict.existing().starts_at) == "2026-03-01T09:00:00Z");
      CHECK(core::format_rfc3339(conflict.existing().ends_at) == "2026-03-01T10:00:00Z");
      CHECK_THAT(std::string(conflict.what()), mentions(std::to_string(first.id)));
      const auto& data = conflict.data().at("conflicting_booking");
      CHECK(data.at("id") == first.id);
      CHECK(data.at("starts_at") == "2026-03-01T09:00:00Z");
      CHECK(data.at("ends_at") == "2026-03-01T10:00:00Z");
    }
  }
  CHECK(db.booking_count() == 1);
  // Another room is free at the same time.
  CHECK(book(service, other_room, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z").id > 0);
}

TEST_CASE("rooms service: the conflict names the earliest overlapping booking",
          "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto late = book(service, room, "2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z");
  const auto early = book(service, room, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z");
  try {
    book(service, room, "2026-03-01T09:30:00Z", "2026-03-01T11:30:00Z");
    FAIL("expected a BookingConflict");
  } catch (const BookingConflict& conflict) {
    CHECK(conflict.existing().id == early.id);
  }
  CHECK(late.id != early.id);
}

TEST_CASE("rooms service: back-to-back bookings both succeed", "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto a = book(service, room, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z");
  const auto b = book(service, room, "2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z");
  const auto c = book(service, room, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z");
  // An end written with an offset: 14:00+01:00 is 13:00Z.
  const auto d = book(service, room, "2026-03-01T12:00:00Z", "2026-03-01T14:00:00+01:00");
  CHECK(db.booking_count() == 4);
  CHECK(ids_of(room_bookings(service, room, std::nullopt, std::nullopt)) ==
        std::vector<std::int64_t>{c.id, a.id, b.id, d.id});
}

TEST_CASE("rooms service: book a room that does not exist is not found", "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  FakeUsers users({7});
  const auto e = error_of([&] {
    service.book(99, booking_request(7, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"), &users,
                 "r");
  });
  CHECK(e.kind() == core::ErrorKind::not_found);
  CHECK_THAT(std::string(e.what()), mentions("99"));
  CHECK(db.booking_count() == 0);
}

TEST_CASE("rooms service: book validates the request before anything else",
          "[rooms][service][book]") {
  MigratedDb db;
  RoomService service(db.pool());
  FakeUsers users({7});
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  CHECK(error_of([&] {
          service.book(room, booking_request(7, "2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z"),
                       &users, "r");
        }).field() == "ends_at");
  CHECK(error_of([&] {
          service.book(room, booking_request(0, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"),
                       &users, "r");
        }).field() == "user_id");
  CHECK(users.calls().empty());
  CHECK(db.booking_count() == 0);
}

// A booking is stored as the instants the client named. Years after 2262 parse,
// but format_rfc3339 overflows there (see time_test.cpp), so the booking is
// written at another date.
TEST_CASE("rooms service: a booking after 2262 is stored at the time asked for",
          "[rooms][service][book][bug]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto b = book(service, room, "2300-01-01T09:00:00Z", "2300-01-01T10:00:00Z");
  CHECK(core::format_rfc3339(b.starts_at) == "2300-01-01T09:00:00Z");
  CHECK(core::format_rfc3339(b.ends_at) == "2300-01-01T10:00:00Z");
}

TEST_CASE("rooms service: room_bookings filters by window and orders by start",
          "[rooms][service][bookings]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto other = service.create({"Grace", 8, std::nullopt}).id;
  // Created out of order.
  const auto noon = book(service, room, "2026-03-01T12:00:00Z", "2026-03-01T13:00:00Z");
  const auto nine = book(service, room, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z");
  const auto next_day = book(service, room, "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z");
  const auto ten = book(service, room, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z");
  book(service, other, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z");

  CHECK(ids_of(room_bookings(service, room, std::nullopt, std::nullopt)) ==
        std::vector<std::int64_t>{nine.id, ten.id, noon.id, next_day.id});
  // [10:00, 12:00): nine ends at the window's start, noon starts at its end.
  CHECK(ids_of(room_bookings(service, room, at("2026-03-01T10:00:00Z"),
                             at("2026-03-01T12:00:00Z"))) == std::vector<std::int64_t>{ten.id});
  // [09:59:59, 12:00:01): one second of nine and of noon.
  CHECK(ids_of(
            room_bookings(service, room, at("2026-03-01T09:59:59Z"), at("2026-03-01T12:00:01Z"))) ==
        std::vector<std::int64_t>{nine.id, ten.id, noon.id});
  // Open ends.
  CHECK(ids_of(room_bookings(service, room, at("2026-03-01T12:30:00Z"), std::nullopt)) ==
        std::vector<std::int64_t>{noon.id, next_day.id});
  CHECK(ids_of(room_bookings(service, room, std::nullopt, at("2026-03-01T10:00:00Z"))) ==
        std::vector<std::int64_t>{nine.id});
  // A window given with an offset: 11:00+01:00 is 10:00Z.
  CHECK(ids_of(room_bookings(service, room, at("2026-03-01T11:00:00+01:00"),
                             at("2026-03-01T12:00:00+01:00"))) ==
        std::vector<std::int64_t>{ten.id});

  const auto missing =
      error_of([&] { room_bookings(service, other + 100, std::nullopt, std::nullopt); });
  CHECK(missing.kind() == core::ErrorKind::not_found);
  CHECK_THAT(std::string(missing.what()), mentions(std::to_string(other + 100)));
  CHECK(error_of([&] {
          room_bookings(service, room, at("2026-03-01T10:00:00Z"), at("2026-03-01T10:00:00Z"));
        }).field() == "to");
}

TEST_CASE("rooms service: bookings by user and window", "[rooms][service][bookings]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto ada = service.create({"Ada", 8, std::nullopt}).id;
  const auto grace = service.create({"Grace", 8, std::nullopt}).id;
  const auto a1 = book(service, ada, "2026-03-01T14:00:00Z", "2026-03-01T15:00:00Z", 1);
  const auto g1 = book(service, grace, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z", 1);
  const auto a2 = book(service, ada, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z", 2);
  const auto g2 = book(service, grace, "2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z", 1);

  CHECK(ids_of(user_bookings(service, 1, std::nullopt, std::nullopt)) ==
        std::vector<std::int64_t>{g1.id, a1.id, g2.id});
  CHECK(ids_of(user_bookings(service, 2, std::nullopt, std::nullopt)) ==
        std::vector<std::int64_t>{a2.id});
  CHECK(user_bookings(service, 3, std::nullopt, std::nullopt).empty());
  CHECK(ids_of(user_bookings(service, 1, at("2026-03-01T10:00:00Z"), at("2026-03-02T09:00:00Z"))) ==
        std::vector<std::int64_t>{a1.id});
  // Everyone's, in a window.
  const auto morning =
      user_bookings(service, std::nullopt, at("2026-03-01T09:00:00Z"), at("2026-03-01T10:00:00Z"));
  CHECK(morning.size() == 2);
  for (const auto& b : morning) CHECK(core::format_rfc3339(b.starts_at) == "2026-03-01T09:00:00Z");
  CHECK(user_bookings(service, std::nullopt, std::nullopt, std::nullopt).size() == 4);
  // One user's in one room.
  CHECK(ids_of(bookings_of(service, ada, 1)) == std::vector<std::int64_t>{a1.id});
  CHECK(ids_of(bookings_of(service, grace, 1)) == std::vector<std::int64_t>{g1.id, g2.id});
  CHECK(error_of([&] {
          user_bookings(service, 1, at("2026-03-02T00:00:00Z"), at("2026-03-01T00:00:00Z"));
        }).field() == "to");
}

TEST_CASE("rooms service: cancel removes the booking and frees the slot",
          "[rooms][service][bookings]") {
  MigratedDb db;
  RoomService service(db.pool());
  const auto room = service.create({"Ada", 8, std::nullopt}).id;
  const auto b = book(service, room, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z");
  const auto kept = book(service, room, "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z");
  CHECK(service.cancel(b.id));
  CHECK_FALSE(service.booking(b.id));
  CHECK_FALSE(service.cancel(b.id));
  CHECK(service.booking(kept.id));
  const auto again = book(service, room, "2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z", 2);
  CHECK(again.user_id == 2);
}
