#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/db.hpp"
#include "rooms/model.hpp"

namespace roombook::rooms {

/// The SQL of rooms and bookings. Times are passed and returned as RFC 3339
/// UTC text; returns domain structs, knows no HTTP.
class RoomRepository {
 public:
  explicit RoomRepository(db::Connection& conn) : conn_(conn) {}

  Room insert(const RoomFields& fields, const std::string& now);
  std::optional<Room> by_id(std::int64_t id);
  std::optional<Room> by_name(const std::string& name);
  /// Rooms with id > after_id and capacity >= min_capacity, in id order, at
  /// most `limit`; with `free` only those without a booking overlapping it.
  std::vector<Room> list(std::int64_t after_id, std::int64_t limit, std::int64_t min_capacity,
                         const std::optional<std::pair<std::string, std::string>>& free);
  bool update(std::int64_t id, const RoomFields& fields, const std::string& now);
  /// Deletes the room; its bookings go with it (ON DELETE CASCADE).
  bool remove(std::int64_t id);

  Booking insert_booking(std::int64_t room_id, const BookingRequest& request,
                         const std::string& starts_at, const std::string& ends_at,
                         const std::string& now);
  std::optional<Booking> booking(std::int64_t id);
  /// The first booking of the room overlapping [starts_at, ends_at), if any.
  std::optional<Booking> first_overlap(std::int64_t room_id, const std::string& starts_at,
                                       const std::string& ends_at);
  /// Bookings overlapping [from, to), of one room and of one user when
  /// given, by start.
  std::vector<Booking> bookings(const std::optional<std::int64_t>& room_id,
                                const std::optional<std::int64_t>& user_id, const std::string& from,
                                const std::string& to);
  std::int64_t count_bookings_ending_after(std::int64_t room_id, const std::string& time);
  bool remove_booking(std::int64_t id);

 private:
  db::Connection& conn_;
};

}  // namespace roombook::rooms
