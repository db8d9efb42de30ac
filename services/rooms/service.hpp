#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "db/db.hpp"
#include "rooms/model.hpp"
#include "rooms/user_client.hpp"

namespace roombook::rooms {

struct RoomPage {
  std::vector<Room> rooms;
  std::optional<std::int64_t> next_after_id;
};

struct RoomQuery {
  std::int64_t limit = 100;
  std::int64_t after_id = 0;
  std::int64_t min_capacity = 0;
  std::optional<Interval> available;  ///< only rooms free for all of it
};

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;

/// The booking would overlap `existing`: 409, naming it.
class BookingConflict : public core::Error {
 public:
  explicit BookingConflict(Booking existing);
  const Booking& existing() const { return existing_; }

 private:
  Booking existing_;
};

/// The rules of rooms and bookings, shared by the REST routes and the
/// `room` and `booking` commands. Errors are core::Error.
class RoomService {
 public:
  explicit RoomService(db::Pool& pool) : pool_(pool) {}

  Room create(const RoomFields& fields);
  std::optional<Room> get(std::int64_t id);
  /// An id or a name. Digits that are the id of one room and the name of
  /// another are refused as ambiguous (core::Error invalid).
  std::optional<Room> find(const std::string& id_or_name);
  RoomPage list(const RoomQuery& query);
  std::optional<Room> replace(std::int64_t id, const RoomFields& fields);
  std::optional<Room> patch(std::int64_t id, const nlohmann::json& merge_patch);
  /// Changes the fields given (the CLI's `room update`); `clear_location`
  /// removes the location.
  std::optional<Room> update(std::int64_t id, const std::optional<std::string>& name,
                             const std::optional<std::int64_t>& capacity,
                             const std::optional<std::string>& location, bool clear_location);
  /// Deletes a room. With bookings that have not ended it refuses (conflict,
  /// naming how many) unless `force`, which deletes them with it. Returns
  /// false when there is no such room.
  bool remove(std::int64_t id, bool force);

  /// Books a room. `users` confirms the user first (nullptr: not checked, the
  /// CLI's --no-verify-user); a missing user is unprocessable, an unreachable
  /// user-mgmt unavailable, and in both cases nothing is written. An overlap
  /// throws BookingConflict.
  Booking book(std::int64_t room_id, const BookingRequest& request, UserDirectory* users,
               const std::string& request_id);
  std::optional<Booking> booking(std::int64_t id);
  /// Bookings of a room overlapping [from, to) (either end open), by start.
  /// Not found: nullopt.
  std::optional<std::vector<Booking>> room_bookings(std::int64_t room_id,
                                                    const std::optional<core::SysSeconds>& from,
                                                    const std::optional<core::SysSeconds>& to);
  std::vector<Booking> bookings(const std::optional<std::int64_t>& user_id,
                                const std::optional<core::SysSeconds>& from,
                                const std::optional<core::SysSeconds>& to);
  bool cancel(std::int64_t booking_id);

 private:
  template <typename Change>
  std::optional<Room> modify(std::int64_t id, Change change);

  db::Pool& pool_;
};

}  // namespace roombook::rooms
