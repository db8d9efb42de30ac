#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_writer.hpp"
#include "core/time.hpp"

namespace roombook::rooms {

struct Room {
  std::int64_t id = 0;
  std::string name;
  std::int64_t capacity = 0;
  std::optional<std::string> location;
  core::SysSeconds created_at;
  core::SysSeconds updated_at;
};

/// The fields of a room a client sets.
struct RoomFields {
  std::string name;
  std::int64_t capacity = 0;
  std::optional<std::string> location;
};

/// A half-open interval [starts_at, ends_at) in UTC.
struct Interval {
  core::SysSeconds starts_at;
  core::SysSeconds ends_at;
};

/// Whether two half-open intervals share an instant: 10:00-11:00 and
/// 11:00-12:00 do not.
inline bool overlaps(const Interval& a, const Interval& b) {
  return a.starts_at < b.ends_at && b.starts_at < a.ends_at;
}

struct Booking {
  std::int64_t id = 0;
  std::int64_t room_id = 0;
  std::int64_t user_id = 0;
  std::string title;
  core::SysSeconds starts_at;
  core::SysSeconds ends_at;
  core::SysSeconds created_at;
};

/// What a client asks to book.
struct BookingRequest {
  std::int64_t user_id = 0;
  std::string title;
  Interval interval;
};

constexpr std::int64_t kMaxCapacity = 10000;
constexpr auto kMaxBookingLength = std::chrono::hours(24);

/// {"id", "name", "capacity", "location", "created_at", "updated_at"}
void write_json(core::JsonWriter& out, const Room& room);
/// {"id", "room_id", "user_id", "title", "starts_at", "ends_at", "created_at"}
void write_json(core::JsonWriter& out, const Booking& booking);
/// The same as documents, for the command line's listings.
nlohmann::ordered_json to_json(const Room& room);
nlohmann::ordered_json to_json(const Booking& booking);

/// Throw core::Error(invalid) naming the field: name 1-100 characters,
/// capacity 1-10000, location at most 200 characters (text without control
/// characters throughout).
void validate(const RoomFields& fields);
/// user_id > 0; title at most 200 characters; ends_at after starts_at and
/// at most 24 hours later.
void validate(const BookingRequest& request);

/// Parses an RFC 3339 time for `field`, converting any offset to UTC; throws
/// core::Error(invalid) naming the field.
core::SysSeconds parse_time(const char* field, const std::string& text);

/// A complete room (POST, PUT): name and capacity required, location
/// optional; unknown and read-only fields rejected by name.
RoomFields room_from_json(const nlohmann::json& body);
/// A JSON merge patch (RFC 7396) applied to a room; null removes location.
RoomFields apply_merge_patch(const RoomFields& current, const nlohmann::json& patch);
/// {"user_id", "title", "starts_at", "ends_at"}; title optional.
BookingRequest booking_from_json(const nlohmann::json& body);

}  // namespace roombook::rooms
