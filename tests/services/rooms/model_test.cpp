// What a client may send: rooms (POST/PUT), merge patches (PATCH) and
// bookings, validated by the model before anything reaches the database.

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "rooms/model.hpp"
#include "test_support.hpp"

using namespace roombook;
using namespace roombook::rooms;
using nlohmann::json;
using roombook::rooms::test::at;
using roombook::rooms::test::error_of;
using roombook::rooms::test::mentions;

namespace {

/// `n` copies of `s`.
std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

/// The field an invalid room body is refused for.
std::string room_refusal(const json& body) {
  const auto e = error_of([&] { room_from_json(body); });
  CHECK(e.kind() == core::ErrorKind::invalid);
  return e.field();
}

std::string booking_refusal(const json& body) {
  const auto e = error_of([&] { booking_from_json(body); });
  CHECK(e.kind() == core::ErrorKind::invalid);
  return e.field();
}

json booking_body() {
  return {{"user_id", 7},
          {"title", "Planning"},
          {"starts_at", "2026-03-01T09:00:00Z"},
          {"ends_at", "2026-03-01T10:00:00Z"}};
}

json with(json body, const std::string& key, const json& value) {
  body[key] = value;
  return body;
}

json without(json body, const std::string& key) {
  body.erase(key);
  return body;
}

}  // namespace

TEST_CASE("rooms room_from_json: a complete room", "[rooms][model]") {
  const auto f = room_from_json({{"name", "Ada"}, {"capacity", 8}, {"location", "2nd floor"}});
  CHECK(f.name == "Ada");
  CHECK(f.capacity == 8);
  CHECK(f.location == std::optional<std::string>("2nd floor"));
}

TEST_CASE("rooms room_from_json: name is 1 to 100 characters, multi-byte ones counted once",
          "[rooms][model]") {
  CHECK(room_from_json({{"name", "A"}, {"capacity", 1}}).name == "A");
  CHECK(room_from_json({{"name", repeat("x", 100)}, {"capacity", 1}}).name.size() == 100);
  // 100 characters of two bytes each: 200 bytes, still 100 characters.
  CHECK(room_from_json({{"name", repeat("é", 100)}, {"capacity", 1}}).name == repeat("é", 100));
  CHECK(room_from_json({{"name", "会議室 Ω"}, {"capacity", 1}}).name == "会議室 Ω");

  CHECK(room_refusal({{"name", ""}, {"capacity", 1}}) == "name");
  CHECK(room_refusal({{"name", repeat("x", 101)}, {"capacity", 1}}) == "name");
  CHECK(room_refusal({{"name", repeat("é", 101)}, {"capacity", 1}}) == "name");
  CHECK(room_refusal({{"name", "tab\there"}, {"capacity", 1}}) == "name");
  CHECK(room_refusal({{"name", std::string("bad \xff utf-8")}, {"capacity", 1}}) == "name");
  CHECK(room_refusal({{"capacity", 1}}) == "name");
  CHECK(room_refusal({{"name", nullptr}, {"capacity", 1}}) == "name");
  CHECK(room_refusal({{"name", 42}, {"capacity", 1}}) == "name");
}

TEST_CASE("rooms room_from_json: capacity is an integer from 1 to 10000", "[rooms][model]") {
  CHECK(room_from_json({{"name", "A"}, {"capacity", 1}}).capacity == 1);
  CHECK(room_from_json({{"name", "A"}, {"capacity", 10000}}).capacity == 10000);

  CHECK(room_refusal({{"name", "A"}, {"capacity", 0}}) == "capacity");
  CHECK(room_refusal({{"name", "A"}, {"capacity", -1}}) == "capacity");
  CHECK(room_refusal({{"name", "A"}, {"capacity", 10001}}) == "capacity");
  CHECK(room_refusal({{"name", "A"}, {"capacity", 2.5}}) == "capacity");
  CHECK(room_refusal({{"name", "A"}, {"capacity", "8"}}) == "capacity");
  CHECK(room_refusal({{"name", "A"}, {"capacity", true}}) == "capacity");
  CHECK(room_refusal({{"name", "A"}}) == "capacity");
  // Too large for an int64: must not wrap into range.
  CHECK(room_refusal(json::parse(R"({"name": "A", "capacity": 18446744073709551615})")) ==
        "capacity");

  const auto e = error_of([] { room_from_json({{"name", "A"}, {"capacity", 10001}}); });
  CHECK_THAT(std::string(e.what()), mentions("10000"));
}

TEST_CASE("rooms room_from_json: location is optional, null or at most 200 characters",
          "[rooms][model]") {
  CHECK_FALSE(room_from_json({{"name", "A"}, {"capacity", 1}}).location);
  CHECK_FALSE(room_from_json({{"name", "A"}, {"capacity", 1}, {"location", nullptr}}).location);
  CHECK(room_from_json({{"name", "A"}, {"capacity", 1}, {"location", repeat("l", 200)}})
            .location->size() == 200);
  CHECK(room_from_json({{"name", "A"}, {"capacity", 1}, {"location", repeat("ü", 200)}}).location ==
        repeat("ü", 200));

  CHECK(room_refusal({{"name", "A"}, {"capacity", 1}, {"location", repeat("l", 201)}}) ==
        "location");
  CHECK(room_refusal({{"name", "A"}, {"capacity", 1}, {"location", 3}}) == "location");
  CHECK(room_refusal({{"name", "A"}, {"capacity", 1}, {"location", "line\nbreak"}}) == "location");
}

TEST_CASE("rooms room_from_json: unknown fields are named, read-only ones refused",
          "[rooms][model]") {
  const auto unknown = error_of([] {
    room_from_json({{"name", "A"}, {"capacity", 1}, {"colour", "blue"}});
  });
  CHECK(unknown.kind() == core::ErrorKind::invalid);
  CHECK(unknown.field() == "colour");
  CHECK_THAT(std::string(unknown.what()), mentions("colour"));

  for (const std::string key : {"id", "created_at", "updated_at"}) {
    CAPTURE(key);
    const auto e = error_of([&] { room_from_json({{"name", "A"}, {"capacity", 1}, {key, 1}}); });
    CHECK(e.kind() == core::ErrorKind::invalid);
    CHECK(e.field() == key);
    CHECK_THAT(std::string(e.what()), mentions("read-only"));
  }

  CHECK(room_refusal(json::array({1, 2})).empty());
  CHECK(room_refusal("a room").empty());
}

TEST_CASE("rooms apply_merge_patch: changes only what the patch names", "[rooms][model]") {
  const RoomFields current{"Ada", 8, "2nd floor"};

  const auto same = apply_merge_patch(current, json::object());
  CHECK(same.name == "Ada");
  CHECK(same.capacity == 8);
  CHECK(same.location == std::optional<std::string>("2nd floor"));

  const auto bigger = apply_merge_patch(current, {{"capacity", 12}});
  CHECK(bigger.name == "Ada");
  CHECK(bigger.capacity == 12);
  CHECK(bigger.location == std::optional<std::string>("2nd floor"));

  const auto renamed = apply_merge_patch(current, {{"name", "Grace"}, {"location", "roof"}});
  CHECK(renamed.name == "Grace");
  CHECK(renamed.location == std::optional<std::string>("roof"));
}

TEST_CASE("rooms apply_merge_patch: null removes the location, and cannot remove the name",
          "[rooms][model]") {
  const RoomFields current{"Ada", 8, "2nd floor"};
  const auto moved = apply_merge_patch(current, {{"location", nullptr}});
  CHECK_FALSE(moved.location);
  CHECK(moved.name == "Ada");

  const auto no_name = error_of([&] { apply_merge_patch(current, {{"name", nullptr}}); });
  CHECK(no_name.kind() == core::ErrorKind::invalid);
  CHECK(no_name.field() == "name");
  const auto no_capacity = error_of([&] { apply_merge_patch(current, {{"capacity", nullptr}}); });
  CHECK(no_capacity.field() == "capacity");
}

TEST_CASE("rooms apply_merge_patch: the result is validated, unknown fields named",
          "[rooms][model]") {
  const RoomFields current{"Ada", 8, std::nullopt};
  CHECK(error_of([&] { apply_merge_patch(current, {{"capacity", 0}}); }).field() == "capacity");
  CHECK(error_of([&] { apply_merge_patch(current, {{"name", ""}}); }).field() == "name");
  CHECK(error_of([&] { apply_merge_patch(current, {{"floor", 2}}); }).field() == "floor");
  CHECK(error_of([&] { apply_merge_patch(current, {{"id", 2}}); }).field() == "id");
  CHECK(error_of([&] { apply_merge_patch(current, json::array()); }).kind() ==
        core::ErrorKind::invalid);
}

TEST_CASE("rooms booking_from_json: a complete booking, times in UTC", "[rooms][model]") {
  auto body = booking_body();
  body["starts_at"] = "2026-03-01T10:00:00+01:00";
  const auto r = booking_from_json(body);
  CHECK(r.user_id == 7);
  CHECK(r.title == "Planning");
  CHECK(r.interval.starts_at == at("2026-03-01T09:00:00Z"));
  CHECK(r.interval.ends_at == at("2026-03-01T10:00:00Z"));
}

TEST_CASE("rooms booking_from_json: user_id is a required positive integer", "[rooms][model]") {
  CHECK(booking_refusal(without(booking_body(), "user_id")) == "user_id");
  CHECK(booking_refusal(with(booking_body(), "user_id", nullptr)) == "user_id");
  CHECK(booking_refusal(with(booking_body(), "user_id", 0)) == "user_id");
  CHECK(booking_refusal(with(booking_body(), "user_id", -3)) == "user_id");
  CHECK(booking_refusal(with(booking_body(), "user_id", 1.5)) == "user_id");
  CHECK(booking_refusal(with(booking_body(), "user_id", "7")) == "user_id");
  CHECK(booking_from_json(with(booking_body(), "user_id", 1)).user_id == 1);
}

TEST_CASE("rooms booking_from_json: title is optional, at most 200 characters", "[rooms][model]") {
  CHECK(booking_from_json(without(booking_body(), "title")).title.empty());
  CHECK(booking_from_json(with(booking_body(), "title", nullptr)).title.empty());
  CHECK(booking_from_json(with(booking_body(), "title", repeat("t", 200))).title.size() == 200);
  CHECK(booking_from_json(with(booking_body(), "title", repeat("ß", 200))).title ==
        repeat("ß", 200));
  CHECK(booking_refusal(with(booking_body(), "title", repeat("t", 201))) == "title");
  CHECK(booking_refusal(with(booking_body(), "title", 5)) == "title");
}

TEST_CASE("rooms booking_from_json: ends_at after starts_at, at most 24 hours later",
          "[rooms][model]") {
  auto body = booking_body();
  body["starts_at"] = "2026-03-01T09:00:00Z";

  body["ends_at"] = "2026-03-01T09:00:00Z";  // equal
  CHECK(booking_refusal(body) == "ends_at");
  body["ends_at"] = "2026-03-01T08:59:59Z";  // before
  CHECK(booking_refusal(body) == "ends_at");
  body["ends_at"] = "2026-03-01T09:00:01Z";  // one second
  CHECK(booking_from_json(body).interval.ends_at == at("2026-03-01T09:00:01Z"));

  body["ends_at"] = "2026-03-02T09:00:00Z";  // exactly 24 h
  CHECK(booking_from_json(body).interval.ends_at == at("2026-03-02T09:00:00Z"));
  body["ends_at"] = "2026-03-02T09:00:01Z";  // 24 h and a second
  CHECK(booking_refusal(body) == "ends_at");

  // The same instant written with an offset is still "equal".
  body["ends_at"] = "2026-03-01T10:00:00+01:00";
  CHECK(booking_refusal(body) == "ends_at");
}

TEST_CASE("rooms booking_from_json: times are required and must parse", "[rooms][model]") {
  CHECK(booking_refusal(without(booking_body(), "starts_at")) == "starts_at");
  CHECK(booking_refusal(without(booking_body(), "ends_at")) == "ends_at");
  CHECK(booking_refusal(with(booking_body(), "starts_at", "2026-02-30T09:00:00Z")) == "starts_at");
  CHECK(booking_refusal(with(booking_body(), "ends_at", "2026-03-01T10:00:00")) == "ends_at");
  CHECK(booking_refusal(with(booking_body(), "starts_at", 1772355600)) == "starts_at");
}

TEST_CASE("rooms booking_from_json: times outside 0001-9999 UTC or too long are refused",
          "[rooms][model]") {
  auto body = booking_body();
  body["starts_at"] = "9999-12-31T20:00:00-05:00";
  body["ends_at"] = "9999-12-31T21:00:00-05:00";
  CHECK(booking_refusal(body) == "starts_at");
  body["starts_at"] = "9999-12-31T22:00:00Z";
  CHECK(booking_refusal(body) == "ends_at");
  body["ends_at"] = "9999-12-31T23:59:59Z";
  CHECK(booking_from_json(body).interval.ends_at == at("9999-12-31T23:59:59Z"));

  CHECK(booking_refusal(with(booking_body(), "starts_at", "0000-01-01T00:00:00Z")) == "starts_at");
  CHECK(booking_refusal(with(booking_body(), "ends_at",
                             "2026-03-01T10:00:00." + repeat("0", 30000) + "Z")) == "ends_at");
}

TEST_CASE("rooms booking_from_json: unknown fields are named, read-only ones refused",
          "[rooms][model]") {
  const auto unknown = error_of([] { booking_from_json(with(booking_body(), "room", 3)); });
  CHECK(unknown.kind() == core::ErrorKind::invalid);
  CHECK(unknown.field() == "room");
  CHECK_THAT(std::string(unknown.what()), mentions("room"));

  for (const std::string key : {"id", "room_id", "created_at"}) {
    CAPTURE(key);
    const auto e = error_of([&] { booking_from_json(with(booking_body(), key, 1)); });
    CHECK(e.field() == key);
    CHECK_THAT(std::string(e.what()), mentions("read-only"));
  }
  CHECK(booking_refusal(json::array()).empty());
}

TEST_CASE("rooms to_json: a room and a booking as clients see them", "[rooms][model]") {
  const Room room{
      3, "Ada", 8, std::nullopt, at("2026-03-01T09:00:00Z"), at("2026-03-01T09:05:00Z")};
  CHECK(core::json_of(room) ==
        R"({"id":3,"name":"Ada","capacity":8,"location":null,)"
        R"("created_at":"2026-03-01T09:00:00Z","updated_at":"2026-03-01T09:05:00Z"})");
  const auto r = to_json(room);
  CHECK(r.at("id") == 3);
  CHECK(r.at("name") == "Ada");
  CHECK(r.at("location").is_null());
  CHECK(r.at("updated_at") == "2026-03-01T09:05:00Z");

  const Booking b{5,
                  3,
                  7,
                  "Planning",
                  at("2026-03-01T09:00:00Z"),
                  at("2026-03-01T10:00:00Z"),
                  at("2026-02-01T00:00:00Z")};
  CHECK(core::json_of(b) ==
        R"({"id":5,"room_id":3,"user_id":7,"title":"Planning","starts_at":"2026-03-01T09:00:00Z",)"
        R"("ends_at":"2026-03-01T10:00:00Z","created_at":"2026-02-01T00:00:00Z"})");
  const auto j = to_json(b);
  CHECK(j.at("room_id") == 3);
  CHECK(j.at("user_id") == 7);
  CHECK(j.at("starts_at") == "2026-03-01T09:00:00Z");
  CHECK(j.at("ends_at") == "2026-03-01T10:00:00Z");
}
