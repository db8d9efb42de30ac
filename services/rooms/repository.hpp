#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "db/db.hpp"
#include "rooms/model.hpp"

namespace roombook::rooms {

/// The SQL of rooms and bookings. Times are db::Time, stored natively by
/// each backend; returns domain structs, knows no HTTP.
class RoomRepository {
 public:
  using Time = core::SysSeconds;

  explicit RoomRepository(db::Connection& conn) : conn_(conn) {}

  Room insert(const RoomFields& fields, Time now);
  std::optional<Room> by_id(std::int64_t id);
  /// by_id, and the row locked against other writers until the transaction
  /// ends: the read of a read-modify-write, and what queues the bookings of
  /// one room.
  std::optional<Room> by_id_locked(std::int64_t id);
  std::optional<Room> by_name(const std::string& name);
  /// Rooms with id > after_id and capacity >= min_capacity, in id order, at
  /// most `limit`; with `free` only those without a booking overlapping it.
  std::vector<Room> list(std::int64_t after_id, std::int64_t limit, std::int64_t min_capacity,
                         const std::optional<Interval>& free);
  bool update(std::int64_t id, const RoomFields& fields, Time now);
  /// Deletes the room; its bookings go with it (ON DELETE CASCADE).
  bool remove(std::int64_t id);

  Booking insert_booking(std::int64_t room_id, const BookingRequest& request, Time now);
  std::optional<Booking> booking(std::int64_t id);
  /// The first booking of the room overlapping `interval`, if any.
  std::optional<Booking> first_overlap(std::int64_t room_id, const Interval& interval);
  /// Bookings overlapping [from, to) (an end not given is open), of one room
  /// and of one user when given, by start.
  std::vector<Booking> bookings(const std::optional<std::int64_t>& room_id,
                                const std::optional<std::int64_t>& user_id,
                                const std::optional<Time>& from, const std::optional<Time>& to);
  std::int64_t count_bookings_ending_after(std::int64_t room_id, Time time);
  bool remove_booking(std::int64_t id);

 private:
  db::Connection& conn_;
};

}  // namespace roombook::rooms
