#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "core/paging.hpp"
#include "db/db.hpp"
#include "rooms/model.hpp"
#include "rooms/user_client.hpp"

namespace roombook::rooms {

using RoomPage = core::Page<Room>;

struct RoomQuery {
  core::PageRequest page;
  std::int64_t min_capacity = 0;
  std::optional<Interval> available;  ///< only rooms free for all of it
};

/// Which bookings to list: those overlapping [from, to) (either end open),
/// of one room and of one user, when given.
struct BookingQuery {
  std::optional<std::int64_t> room_id;
  std::optional<std::int64_t> user_id;
  std::optional<core::SysSeconds> from;
  std::optional<core::SysSeconds> to;
};

/// The booking would overlap `existing`: a conflict naming it, with the
/// booking as data for the client ("conflicting_booking").
class BookingConflict : public core::Error {
 public:
  explicit BookingConflict(Booking existing);
  const Booking& existing() const { return existing_; }

 private:
  Booking existing_;
};

/// The room still has bookings that have not ended: a conflict, whose
/// remedy is to cancel them or to delete them with it (force).
class RoomHasBookings : public core::Error {
 public:
  RoomHasBookings(std::int64_t room_id, std::int64_t count);
  std::int64_t room_id() const { return room_id_; }
  std::int64_t count() const { return count_; }

 private:
  std::int64_t room_id_;
  std::int64_t count_;
};

/// user-mgmt could not say whether the user exists: unavailable, nothing
/// booked. How it failed is the cause, for the log and the operator; on the
/// command line the remedy is not to ask (--no-verify-user).
class UserCheckFailed : public core::Error {
 public:
  UserCheckFailed(std::int64_t user_id, const core::Error& failure);
  std::int64_t user_id() const { return user_id_; }

 private:
  std::int64_t user_id_;
};

/// The rules of rooms and bookings, shared by the REST routes and the
/// `room` and `booking` commands. Errors are core::Error and the typed
/// errors above.
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
  /// Deletes a room. With bookings that have not ended it refuses
  /// (RoomHasBookings) unless `force`, which deletes them with it. Returns
  /// false when there is no such room.
  bool remove(std::int64_t id, bool force);

  /// Books a room. `users` confirms the user first (nullptr: not checked, the
  /// CLI's --no-verify-user); a missing user is unprocessable, a user-mgmt
  /// that cannot tell is UserCheckFailed, and in both cases nothing is
  /// written. An overlap throws BookingConflict.
  Booking book(std::int64_t room_id, const BookingRequest& request, UserDirectory* users,
               const std::string& request_id);
  std::optional<Booking> booking(std::int64_t id);
  /// The bookings a query asks for, by start. A room that does not exist is
  /// not_found; an empty window (to not after from) invalid.
  std::vector<Booking> bookings(const BookingQuery& query);
  bool cancel(std::int64_t booking_id);

 private:
  /// Changes a room's fields in one transaction; not found: nullopt.
  template <typename Change>
  std::optional<Room> modify(std::int64_t id, Change change);

  db::Pool& pool_;
};

}  // namespace roombook::rooms
