#include "rooms/model.hpp"

#include <set>

#include "core/error.hpp"
#include "core/fields.hpp"
#include "core/text.hpp"

namespace roombook::rooms {

namespace {

using core::fields::optional_string;
using core::fields::required_integer;
using core::fields::required_string;

const std::set<std::string> kRoomMembers{"name", "capacity", "location"};
const std::set<std::string> kBookingMembers{"user_id", "title", "starts_at", "ends_at"};
const std::set<std::string> kReadOnly{"id", "room_id", "created_at", "updated_at"};

}  // namespace

void write_json(core::JsonWriter& out, const Room& room) {
  out.begin_object().member("id", room.id).member("name", room.name);
  out.member("capacity", room.capacity).key("location");
  if (room.location) {
    out.value(*room.location);
  } else {
    out.null();
  }
  out.key("created_at").time(room.created_at).key("updated_at").time(room.updated_at).end_object();
}

void write_json(core::JsonWriter& out, const Booking& b) {
  out.begin_object()
      .member("id", b.id)
      .member("room_id", b.room_id)
      .member("user_id", b.user_id)
      .member("title", b.title)
      .key("starts_at")
      .time(b.starts_at)
      .key("ends_at")
      .time(b.ends_at)
      .key("created_at")
      .time(b.created_at)
      .end_object();
}

nlohmann::ordered_json to_json(const Room& room) {
  return nlohmann::ordered_json::parse(core::json_of(room));
}

nlohmann::ordered_json to_json(const Booking& booking) {
  return nlohmann::ordered_json::parse(core::json_of(booking));
}

void validate(const RoomFields& f) {
  core::check_text("name", f.name, 1, 100);
  if (f.capacity < 1 || f.capacity > kMaxCapacity) {
    throw core::invalid("capacity",
                        "capacity must be an integer from 1 to " + std::to_string(kMaxCapacity));
  }
  if (f.location) core::check_text("location", *f.location, 0, 200);
}

void validate(const BookingRequest& r) {
  if (r.user_id < 1) throw core::invalid("user_id", "user_id must be a positive integer");
  core::check_text("title", r.title, 0, 200);
  if (r.interval.ends_at <= r.interval.starts_at) {
    throw core::invalid("ends_at", "ends_at must be after starts_at");
  }
  if (r.interval.ends_at - r.interval.starts_at > kMaxBookingLength) {
    throw core::invalid("ends_at", "a booking lasts at most 24 hours");
  }
}

core::SysSeconds parse_time(const char* field, const std::string& text) {
  std::string error;
  auto t = core::parse_rfc3339(text, error);
  if (!t) {
    throw core::invalid(field, std::string(field) + " \"" + core::excerpt(text) + "\" " + error);
  }
  return *t;
}

RoomFields room_from_json(const nlohmann::json& body) {
  core::fields::require_object(body);
  core::fields::check_members(body, kRoomMembers, kReadOnly,
                              "a room has name, capacity and location");
  RoomFields f{required_string(body, "name"), required_integer(body, "capacity"),
               optional_string(body, "location")};
  validate(f);
  return f;
}

RoomFields apply_merge_patch(const RoomFields& current, const nlohmann::json& patch) {
  core::fields::require_object(patch);
  core::fields::check_members(patch, kRoomMembers, kReadOnly,
                              "a room has name, capacity and location");
  RoomFields f = current;
  if (patch.contains("name")) f.name = required_string(patch, "name");
  if (patch.contains("capacity")) f.capacity = required_integer(patch, "capacity");
  if (patch.contains("location")) f.location = optional_string(patch, "location");
  validate(f);
  return f;
}

BookingRequest booking_from_json(const nlohmann::json& body) {
  core::fields::require_object(body);
  core::fields::check_members(body, kBookingMembers, kReadOnly,
                              "a booking has user_id, title, starts_at and ends_at");
  BookingRequest r;
  r.user_id = required_integer(body, "user_id");
  r.title = optional_string(body, "title").value_or("");
  r.interval.starts_at = parse_time("starts_at", required_string(body, "starts_at"));
  r.interval.ends_at = parse_time("ends_at", required_string(body, "ends_at"));
  validate(r);
  return r;
}

}  // namespace roombook::rooms
