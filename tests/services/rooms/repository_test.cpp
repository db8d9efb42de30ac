// RoomRepository: the SQL of rooms and bookings against the real schema.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "rooms/repository.hpp"
#include "test_support.hpp"

using namespace roombook;
using roombook::rooms::RoomFields;
using roombook::rooms::RoomRepository;
using roombook::rooms::test::at;
using roombook::rooms::test::between;
using roombook::rooms::test::booking_request;
using roombook::rooms::test::MigratedDb;

namespace {

const std::string kNow = "2026-12-01T12:00:00Z";

std::vector<std::int64_t> ids(const std::vector<rooms::Room>& rooms) {
  std::vector<std::int64_t> out;
  for (const auto& r : rooms) out.push_back(r.id);
  return out;
}

std::vector<std::int64_t> ids(const std::vector<rooms::Booking>& bookings) {
  std::vector<std::int64_t> out;
  for (const auto& b : bookings) out.push_back(b.id);
  return out;
}

struct Repo {
  MigratedDb db;
  db::Pool::Lease conn = db.pool().acquire();
  RoomRepository repo{*conn};

  std::int64_t booking(std::int64_t room, std::int64_t user, const std::string& from,
                       const std::string& to) {
    return repo.insert_booking(room, booking_request(user, from, to), at(kNow)).id;
  }
};

}  // namespace

TEST_CASE("rooms repository: insert returns the stored room, by_id and by_name find it",
          "[rooms][repository]") {
  Repo r;
  const auto room = r.repo.insert(RoomFields{"Babbage", 8, "2nd floor"}, at(kNow));
  CHECK(room.id > 0);
  CHECK(room.name == "Babbage");
  CHECK(room.location == std::optional<std::string>("2nd floor"));
  CHECK(core::format_rfc3339(room.created_at) == kNow);
  CHECK(core::format_rfc3339(room.updated_at) == kNow);
  CHECK(r.repo.by_id(room.id)->name == "Babbage");
  CHECK(r.repo.by_name("Babbage")->id == room.id);
  CHECK_FALSE(r.repo.by_name("babbage"));  // names compare exactly
  CHECK_FALSE(r.repo.by_id(room.id + 1));
  // A taken name is the database's constraint.
  CHECK(roombook::test::thrown<db::Error>([&] {
          r.repo.insert(RoomFields{"Babbage", 2, {}}, at(kNow));
        }).code() == db::ErrorCode::constraint);
}

TEST_CASE("rooms repository: list pages by id, filters by capacity and by free time",
          "[rooms][repository]") {
  Repo r;
  const auto small = r.repo.insert(RoomFields{"Small", 2, {}}, at(kNow)).id;
  const auto big = r.repo.insert(RoomFields{"Big", 20, {}}, at(kNow)).id;
  const auto mid = r.repo.insert(RoomFields{"Mid", 8, {}}, at(kNow)).id;
  CHECK(ids(r.repo.list(0, 10, 0, std::nullopt)) == std::vector<std::int64_t>{small, big, mid});
  CHECK(ids(r.repo.list(small, 1, 0, std::nullopt)) == std::vector<std::int64_t>{big});
  CHECK(ids(r.repo.list(0, 10, 8, std::nullopt)) == std::vector<std::int64_t>{big, mid});

  r.booking(big, 1, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z");
  const auto free = [&](const char* from, const char* to) {
    return ids(r.repo.list(0, 10, 0, between(from, to)));
  };
  CHECK(free("2030-03-01T10:30:00Z", "2030-03-01T10:45:00Z") ==
        std::vector<std::int64_t>{small, mid});
  // [s, e): a window ending as the booking starts, or starting as it ends, is free.
  CHECK(free("2030-03-01T09:00:00Z", "2030-03-01T10:00:00Z") ==
        std::vector<std::int64_t>{small, big, mid});
  CHECK(free("2030-03-01T11:00:00Z", "2030-03-01T12:00:00Z") ==
        std::vector<std::int64_t>{small, big, mid});
}

TEST_CASE("rooms repository: update changes the fields and updated_at, remove cascades",
          "[rooms][repository]") {
  Repo r;
  const auto id = r.repo.insert(RoomFields{"Babbage", 8, "2nd"}, at(kNow)).id;
  CHECK(r.repo.update(id, RoomFields{"Lovelace", 4, {}}, at("2026-12-02T00:00:00Z")));
  const auto room = *r.repo.by_id(id);
  CHECK(room.name == "Lovelace");
  CHECK_FALSE(room.location);
  CHECK(core::format_rfc3339(room.created_at) == kNow);
  CHECK(core::format_rfc3339(room.updated_at) == "2026-12-02T00:00:00Z");
  CHECK_FALSE(r.repo.update(id + 1, RoomFields{"X", 1, {}}, at(kNow)));

  const auto booking = r.booking(id, 1, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z");
  CHECK(r.repo.remove(id));
  CHECK_FALSE(r.repo.by_id(id));
  CHECK_FALSE(r.repo.booking(booking));
  CHECK_FALSE(r.repo.remove(id));
}

TEST_CASE("rooms repository: first_overlap finds the earliest booking in the way, half-open",
          "[rooms][repository]") {
  Repo r;
  const auto room = r.repo.insert(RoomFields{"Babbage", 8, {}}, at(kNow)).id;
  const auto other = r.repo.insert(RoomFields{"Other", 8, {}}, at(kNow)).id;
  const auto late = r.booking(room, 1, "2030-03-01T12:00:00Z", "2030-03-01T13:00:00Z");
  const auto early = r.booking(room, 1, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z");
  r.booking(other, 1, "2030-03-01T09:00:00Z", "2030-03-01T14:00:00Z");

  const auto first_overlap = [&](const char* from, const char* to) {
    return r.repo.first_overlap(room, between(from, to));
  };
  CHECK(first_overlap("2030-03-01T10:30:00Z", "2030-03-01T12:30:00Z")->id == early);
  CHECK(first_overlap("2030-03-01T11:30:00Z", "2030-03-01T12:30:00Z")->id == late);
  CHECK_FALSE(first_overlap("2030-03-01T11:00:00Z", "2030-03-01T12:00:00Z"));
  CHECK_FALSE(first_overlap("2030-03-01T13:00:00Z", "2030-03-01T14:00:00Z"));
}

TEST_CASE("rooms repository: bookings by room, user, both or neither, in a window, by start",
          "[rooms][repository]") {
  Repo r;
  const auto a = r.repo.insert(RoomFields{"A", 8, {}}, at(kNow)).id;
  const auto b = r.repo.insert(RoomFields{"B", 8, {}}, at(kNow)).id;
  const auto a1 = r.booking(a, 1, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z");
  const auto b2 = r.booking(b, 2, "2030-03-01T09:00:00Z", "2030-03-01T10:00:00Z");
  const auto a2 = r.booking(a, 2, "2030-03-02T10:00:00Z", "2030-03-02T11:00:00Z");
  using Ids = std::vector<std::int64_t>;
  // A window with open ends, or with the widest ends there are.
  const std::vector<std::pair<std::optional<core::SysSeconds>, std::optional<core::SysSeconds>>>
      everything{{std::nullopt, std::nullopt},
                 {at("0001-01-01T00:00:00Z"), at("9999-12-31T23:59:59Z")}};
  for (const auto& [from, to] : everything) {
    INFO((from ? core::format_rfc3339(*from) : "open")
         << " to " << (to ? core::format_rfc3339(*to) : "open"));
    CHECK(ids(r.repo.bookings(std::nullopt, std::nullopt, from, to)) == Ids{b2, a1, a2});
    CHECK(ids(r.repo.bookings(a, std::nullopt, from, to)) == Ids{a1, a2});
    CHECK(ids(r.repo.bookings(std::nullopt, 2, from, to)) == Ids{b2, a2});
    CHECK(ids(r.repo.bookings(a, 2, from, to)) == Ids{a2});
  }
  CHECK(ids(r.repo.bookings(std::nullopt, std::nullopt, at("2030-03-01T10:00:00Z"),
                            at("2030-03-02T00:00:00Z"))) == Ids{a1});
  // One end open.
  CHECK(ids(r.repo.bookings(std::nullopt, std::nullopt, at("2030-03-01T10:00:00Z"),
                            std::nullopt)) == Ids{a1, a2});
  CHECK(ids(r.repo.bookings(std::nullopt, std::nullopt, std::nullopt,
                            at("2030-03-01T10:00:00Z"))) == Ids{b2});
}

TEST_CASE("rooms repository: bookings that have not ended are counted, a booking is removed",
          "[rooms][repository]") {
  Repo r;
  const auto room = r.repo.insert(RoomFields{"Babbage", 8, {}}, at(kNow)).id;
  const auto past = r.booking(room, 1, "2020-03-01T10:00:00Z", "2020-03-01T11:00:00Z");
  r.booking(room, 1, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z");
  CHECK(r.repo.count_bookings_ending_after(room, at(kNow)) == 1);
  CHECK(r.repo.count_bookings_ending_after(room, at("2000-01-01T00:00:00Z")) == 2);
  CHECK(r.repo.remove_booking(past));
  CHECK_FALSE(r.repo.remove_booking(past));
  CHECK(r.repo.count_bookings_ending_after(room, at("2000-01-01T00:00:00Z")) == 1);
}

TEST_CASE(
    "rooms repository: a booking of a room that does not exist is refused by the foreign "
    "key, a constraint error on either backend",
    "[rooms][repository]") {
  Repo r;
  const auto e = [&] {
    try {
      r.booking(999, 1, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z");
    } catch (const db::Error& e) {
      return e;
    }
    FAIL("the booking was stored");
    throw std::logic_error("unreachable");
  }();
  // A constraint error is what the HTTP layer answers with 409, on both.
  CHECK(e.code() == db::ErrorCode::constraint);
  CHECK(r.repo.bookings(std::nullopt, std::nullopt, std::nullopt, std::nullopt).empty());
}

TEST_CASE("rooms repository: by_id_locked reads what by_id reads, inside a transaction",
          "[rooms][repository]") {
  Repo r;
  const auto room = r.repo.insert(RoomFields{"Babbage", 8, {}}, at(kNow)).id;
  auto tx = r.conn->begin();
  CHECK(r.repo.by_id_locked(room)->name == "Babbage");
  CHECK_FALSE(r.repo.by_id_locked(room + 1));
  tx.commit();
}
