#include "rooms/repository.hpp"

namespace roombook::rooms {

namespace {

#define ROOM_COLUMNS "id, name, capacity, location, created_at, updated_at"
#define BOOKING_COLUMNS "id, room_id, user_id, title, starts_at, ends_at, created_at"

const db::Query kInsertRoom{"rooms.insert",
                            "INSERT INTO rooms (name, capacity, location, created_at, updated_at)"
                            " VALUES ($1, $2, $3, $4, $4) RETURNING " ROOM_COLUMNS};
const db::Query kRoomById{"rooms.by_id", "SELECT " ROOM_COLUMNS " FROM rooms WHERE id = $1"};
const db::Query kRoomByIdLocked{"rooms.by_id_locked", kRoomById.sql, true};
const db::Query kRoomByName{"rooms.by_name", "SELECT " ROOM_COLUMNS " FROM rooms WHERE name = $1"};
const db::Query kListRooms{"rooms.list", "SELECT " ROOM_COLUMNS
                                         " FROM rooms WHERE id > $1 AND capacity >= $2"
                                         " ORDER BY id LIMIT $3"};
// Overlap of half-open intervals: a booking [s, e) meets [from, to) when
// s < to and e > from. A room's bookings never overlap each other, so of
// those that start before `to` the last to start also ends last: the room
// is free when that one (one step down the index on room and start, not a
// scan of every earlier booking) has ended by `from`.
const db::Query kListFreeRooms{"rooms.list_free",
                               "SELECT " ROOM_COLUMNS
                               " FROM rooms r WHERE r.id > $1 AND r.capacity >= $2"
                               " AND COALESCE((SELECT b.ends_at FROM bookings b"
                               " WHERE b.room_id = r.id AND b.starts_at < $5"
                               " ORDER BY b.starts_at DESC LIMIT 1) <= $4, TRUE)"
                               " ORDER BY r.id LIMIT $3"};
const db::Query kUpdateRoom{"rooms.update",
                            "UPDATE rooms SET name = $2, capacity = $3, location = $4,"
                            " updated_at = $5 WHERE id = $1"};
const db::Query kDeleteRoom{"rooms.delete", "DELETE FROM rooms WHERE id = $1"};

const db::Query kInsertBooking{
    "bookings.insert",
    "INSERT INTO bookings (room_id, user_id, title, starts_at, ends_at, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6) RETURNING " BOOKING_COLUMNS};
const db::Query kBookingById{"bookings.by_id",
                             "SELECT " BOOKING_COLUMNS " FROM bookings WHERE id = $1"};
const db::Query kFirstOverlap{"bookings.first_overlap",
                              "SELECT " BOOKING_COLUMNS
                              " FROM bookings WHERE room_id = $1"
                              " AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at LIMIT 1"};
// A window's open end is NULL. The comparison comes first: PostgreSQL takes
// the parameter's type from it, and could not from "IS NULL" alone.
#define IN_WINDOW(from, to) \
  " AND (starts_at < " to " OR " to " IS NULL) AND (ends_at > " from " OR " from " IS NULL)"
const db::Query kRoomBookings{
    "bookings.of_room", "SELECT " BOOKING_COLUMNS " FROM bookings WHERE room_id = $1" IN_WINDOW(
                            "$2", "$3") " ORDER BY starts_at, id"};
const db::Query kUserBookings{
    "bookings.of_user", "SELECT " BOOKING_COLUMNS " FROM bookings WHERE user_id = $1" IN_WINDOW(
                            "$2", "$3") " ORDER BY starts_at, id"};
const db::Query kRoomUserBookings{"bookings.of_room_and_user",
                                  "SELECT " BOOKING_COLUMNS
                                  " FROM bookings WHERE room_id = $1 AND user_id = $2" IN_WINDOW(
                                      "$3", "$4") " ORDER BY starts_at, id"};
const db::Query kAllBookings{
    "bookings.all", "SELECT " BOOKING_COLUMNS
                    " FROM bookings WHERE TRUE" IN_WINDOW("$1", "$2") " ORDER BY starts_at, id"};
const db::Query kCountEndingAfter{
    "bookings.count_ending_after",
    "SELECT COUNT(*) FROM bookings WHERE room_id = $1 AND ends_at > $2"};
const db::Query kDeleteBooking{"bookings.delete", "DELETE FROM bookings WHERE id = $1"};

#undef IN_WINDOW
#undef ROOM_COLUMNS
#undef BOOKING_COLUMNS

Room room_from_row(const db::RowView& r) {
  return Room{r.integer(0), std::string(r.text(1)), r.integer(2), r.optional_text(3), r.time(4),
              r.time(5)};
}

Booking booking_from_row(const db::RowView& r) {
  return Booking{r.integer(0), r.integer(1), r.integer(2), std::string(r.text(3)),
                 r.time(4),    r.time(5),    r.time(6)};
}

template <class T>
T returned(std::optional<T> row) {
  if (!row) throw db::Error(db::ErrorCode::other, "INSERT ... RETURNING returned no row");
  return std::move(*row);
}

db::Value optional_value(const std::optional<std::string>& s) {
  return s ? db::Value(*s) : db::Value(nullptr);
}

db::Value at(core::SysSeconds t) { return db::Time{t}; }

}  // namespace

Room RoomRepository::insert(const RoomFields& f, Time now) {
  return returned(db::query_one(conn_, kInsertRoom,
                                {f.name, f.capacity, optional_value(f.location), at(now)},
                                room_from_row));
}

std::optional<Room> RoomRepository::by_id(std::int64_t id) {
  return db::query_one(conn_, kRoomById, {id}, room_from_row);
}

std::optional<Room> RoomRepository::by_id_locked(std::int64_t id) {
  return db::query_one(conn_, kRoomByIdLocked, {id}, room_from_row);
}

std::optional<Room> RoomRepository::by_name(const std::string& name) {
  return db::query_one(conn_, kRoomByName, {name}, room_from_row);
}

std::vector<Room> RoomRepository::list(std::int64_t after_id, std::int64_t limit,
                                       std::int64_t min_capacity,
                                       const std::optional<Interval>& free) {
  return free ? db::query_all(
                    conn_, kListFreeRooms,
                    {after_id, min_capacity, limit, at(free->starts_at), at(free->ends_at)},
                    room_from_row)
              : db::query_all(conn_, kListRooms, {after_id, min_capacity, limit}, room_from_row);
}

bool RoomRepository::update(std::int64_t id, const RoomFields& f, Time now) {
  return conn_.execute(kUpdateRoom, {id, f.name, f.capacity, optional_value(f.location), at(now)}) >
         0;
}

bool RoomRepository::remove(std::int64_t id) { return conn_.execute(kDeleteRoom, {id}) > 0; }

Booking RoomRepository::insert_booking(std::int64_t room_id, const BookingRequest& r, Time now) {
  return returned(db::query_one(
      conn_, kInsertBooking,
      {room_id, r.user_id, r.title, at(r.interval.starts_at), at(r.interval.ends_at), at(now)},
      booking_from_row));
}

std::optional<Booking> RoomRepository::booking(std::int64_t id) {
  return db::query_one(conn_, kBookingById, {id}, booking_from_row);
}

std::optional<Booking> RoomRepository::first_overlap(std::int64_t room_id,
                                                     const Interval& interval) {
  return db::query_one(conn_, kFirstOverlap,
                       {room_id, at(interval.starts_at), at(interval.ends_at)}, booking_from_row);
}

std::vector<Booking> RoomRepository::bookings(const std::optional<std::int64_t>& room_id,
                                              const std::optional<std::int64_t>& user_id,
                                              const std::optional<Time>& from,
                                              const std::optional<Time>& to) {
  // One statement per combination of filters, so that each uses its index.
  const auto f = db::optional_time(from);
  const auto t = db::optional_time(to);
  if (room_id && user_id) {
    return db::query_all(conn_, kRoomUserBookings, {*room_id, *user_id, f, t}, booking_from_row);
  }
  if (room_id) return db::query_all(conn_, kRoomBookings, {*room_id, f, t}, booking_from_row);
  if (user_id) return db::query_all(conn_, kUserBookings, {*user_id, f, t}, booking_from_row);
  return db::query_all(conn_, kAllBookings, {f, t}, booking_from_row);
}

std::int64_t RoomRepository::count_bookings_ending_after(std::int64_t room_id, Time time) {
  return conn_.query(kCountEndingAfter, {room_id, at(time)}).at(0).integer(0);
}

bool RoomRepository::remove_booking(std::int64_t id) {
  return conn_.execute(kDeleteBooking, {id}) > 0;
}

}  // namespace roombook::rooms
