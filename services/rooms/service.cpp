#include "rooms/service.hpp"

#include "core/lookup.hpp"
#include "core/time.hpp"
#include "rooms/repository.hpp"

namespace roombook::rooms {

namespace {

[[noreturn]] void rethrow_taken(const db::Error& e, const std::string& name) {
  if (e.code() == db::ErrorCode::constraint) {
    throw core::conflict("a room named \"" + name + "\" already exists");
  }
  throw e;
}

}  // namespace

BookingConflict::BookingConflict(Booking existing)
    : core::Error(core::ErrorKind::conflict, "room " + std::to_string(existing.room_id) +
                                                 " is already booked from " +
                                                 core::format_rfc3339(existing.starts_at) + " to " +
                                                 core::format_rfc3339(existing.ends_at) +
                                                 " (booking " + std::to_string(existing.id) + ")"),
      existing_(std::move(existing)) {
  with_data({{"conflicting_booking",
              {{"id", existing_.id},
               {"starts_at", core::format_rfc3339(existing_.starts_at)},
               {"ends_at", core::format_rfc3339(existing_.ends_at)}}}});
}

RoomHasBookings::RoomHasBookings(std::int64_t room_id, std::int64_t count)
    : core::Error(core::ErrorKind::conflict, "room " + std::to_string(room_id) + " has " +
                                                 std::to_string(count) +
                                                 " booking(s) that have not ended"),
      room_id_(room_id),
      count_(count) {
  with_remedy({"force", "to delete them with the room", "cancel them", true});
}

UserCheckFailed::UserCheckFailed(std::int64_t user_id, const core::Error& failure)
    : core::Error(core::ErrorKind::unavailable,
                  "cannot confirm user " + std::to_string(user_id) +
                      ": the user service is unavailable; nothing was booked"),
      user_id_(user_id) {
  with_cause(failure.what());
  with_remedy({"no-verify-user", "to book anyway", "", false});
  if (failure.retry_after()) with_retry_after(*failure.retry_after());
}

Room RoomService::create(const RoomFields& fields) {
  validate(fields);
  try {
    return db::transact(pool_, [&](db::Connection& conn) {
      return RoomRepository(conn).insert(fields, core::now());
    });
  } catch (const db::Error& e) {
    rethrow_taken(e, fields.name);
  }
}

std::optional<Room> RoomService::get(std::int64_t id) {
  auto conn = pool_.acquire();
  return RoomRepository(*conn).by_id(id);
}

std::optional<Room> RoomService::find(const std::string& id_or_name) {
  auto conn = pool_.acquire();
  RoomRepository repo(*conn);
  return core::find_by_id_or_name(
      id_or_name, [&](std::int64_t id) { return repo.by_id(id); },
      [&](const std::string& name) { return repo.by_name(name); },
      [](const Room& r) { return r.name; }, {"room", "name"});
}

RoomPage RoomService::list(const RoomQuery& q) {
  core::check(q.page);
  if (q.min_capacity < 0) {
    throw core::invalid("min_capacity", "min_capacity must be an integer >= 0");
  }
  if (q.available && q.available->ends_at <= q.available->starts_at) {
    throw core::invalid("available_to", "available_to must be after available_from");
  }
  auto conn = pool_.acquire();
  return core::make_page(RoomRepository(*conn).list(q.page.after_id, core::rows_to_read(q.page),
                                                    q.min_capacity, q.available),
                         q.page);
}

template <typename Change>
std::optional<Room> RoomService::modify(std::int64_t id, Change change) {
  return db::read_modify_write(
      pool_, [&](db::Connection& conn) { return RoomRepository(conn).by_id_locked(id); },
      [&](const Room& current) {
        RoomFields fields = change(RoomFields{current.name, current.capacity, current.location});
        validate(fields);
        return fields;
      },
      [&](db::Connection& conn, const RoomFields& fields) {
        try {
          RoomRepository(conn).update(id, fields, core::now());
        } catch (const db::Error& e) {
          rethrow_taken(e, fields.name);
        }
      });
}

std::optional<Room> RoomService::replace(std::int64_t id, const RoomFields& fields) {
  return modify(id, [&](const RoomFields&) { return fields; });
}

std::optional<Room> RoomService::patch(std::int64_t id, const nlohmann::json& merge_patch) {
  return modify(id,
                [&](const RoomFields& current) { return apply_merge_patch(current, merge_patch); });
}

std::optional<Room> RoomService::update(std::int64_t id, const std::optional<std::string>& name,
                                        const std::optional<std::int64_t>& capacity,
                                        const std::optional<std::string>& location,
                                        bool clear_location) {
  return modify(id, [&](RoomFields f) {
    if (name) f.name = *name;
    if (capacity) f.capacity = *capacity;
    if (location) f.location = *location;
    if (clear_location) f.location.reset();
    return f;
  });
}

bool RoomService::remove(std::int64_t id, bool force) {
  return db::transact(pool_, [&](db::Connection& conn) {
    RoomRepository repo(conn);
    if (!repo.by_id_locked(id)) return false;
    if (!force) {
      const auto pending = repo.count_bookings_ending_after(id, core::now());
      if (pending > 0) throw RoomHasBookings(id, pending);
    }
    repo.remove(id);
    return true;
  });
}

Booking RoomService::book(std::int64_t room_id, const BookingRequest& request, UserDirectory* users,
                          const std::string& request_id) {
  validate(request);
  if (!get(room_id)) throw core::not_found("room " + std::to_string(room_id) + " does not exist");
  // Ask user-mgmt before taking the write lock: a slow answer must not hold
  // up every other booking. A user deleted between this check and the insert
  // is a race a foreign key could close only inside one database.
  if (users) {
    bool exists = false;
    try {
      exists = users->exists(request.user_id, request_id);
    } catch (const core::Error& e) {
      if (e.kind() != core::ErrorKind::unavailable) throw;
      throw UserCheckFailed(request.user_id, e);
    }
    if (!exists) {
      throw core::Error(core::ErrorKind::unprocessable,
                        "user " + std::to_string(request.user_id) + " does not exist", "user_id");
    }
  }

  // No double booking, whatever process or machine writes:
  // - SQLite: the overlap check and the insert run in one write transaction,
  //   which begins with BEGIN IMMEDIATE and so takes the database's single
  //   write lock before the check. No other writer - a thread, another server
  //   process or the CLI on the same file - can insert between the two; they
  //   queue on the busy timeout.
  // - PostgreSQL: transactions run side by side. Each first locks the room's
  //   row (by_id_locked: FOR UPDATE), so bookings of one room queue as on
  //   SQLite and the check, a statement after the lock, sees every booking
  //   committed before. The guarantee is the exclusion constraint over
  //   (room_id, tstzrange(starts_at, ends_at, '[)')) of
  //   migrations/rooms/0001_create_rooms.up.postgres.sql: an overlapping
  //   insert fails (23P01), whoever writes it, lock or not. Without the lock,
  //   two overlapping inserts in flight each wait for the other inside that
  //   constraint until the deadlock detector aborts one, a second later.
  try {
    return db::transact(pool_, [&](db::Connection& conn) {
      RoomRepository repo(conn);
      if (!repo.by_id_locked(room_id)) {
        throw core::not_found("room " + std::to_string(room_id) + " does not exist");
      }
      if (auto existing = repo.first_overlap(room_id, request.interval)) {
        throw BookingConflict(*existing);
      }
      return repo.insert_booking(room_id, request, core::now());
    });
  } catch (const db::Error& e) {
    if (e.code() != db::ErrorCode::constraint) throw;
    // Refused by the constraint: name the booking that won, as the check
    // would have, in a transaction of its own (the failed one is over).
    auto conn = pool_.acquire();
    if (auto existing = RoomRepository(*conn).first_overlap(room_id, request.interval)) {
      throw BookingConflict(*existing);
    }
    throw;
  }
}

std::optional<Booking> RoomService::booking(std::int64_t id) {
  auto conn = pool_.acquire();
  return RoomRepository(*conn).booking(id);
}

std::vector<Booking> RoomService::bookings(const BookingQuery& q) {
  if (q.from && q.to && *q.to <= *q.from) throw core::invalid("to", "to must be after from");
  auto conn = pool_.acquire();
  RoomRepository repo(*conn);
  if (q.room_id && !repo.by_id(*q.room_id)) {
    throw core::not_found("room " + std::to_string(*q.room_id) + " does not exist");
  }
  return repo.bookings(q.room_id, q.user_id, q.from, q.to);
}

bool RoomService::cancel(std::int64_t booking_id) {
  return db::transact(
      pool_, [&](db::Connection& conn) { return RoomRepository(conn).remove_booking(booking_id); });
}

}  // namespace roombook::rooms
