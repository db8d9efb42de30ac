#include "rooms/service.hpp"

#include "core/lookup.hpp"
#include "core/time.hpp"
#include "rooms/repository.hpp"

namespace roombook::rooms {

namespace {

// Open ends of a time window, as text that sorts before and after any time.
const std::string kBeginningOfTime = "0000-01-01T00:00:00Z";
const std::string kEndOfTime = "9999-12-31T23:59:59Z";

std::string now_text() { return core::format_rfc3339(core::now()); }

[[noreturn]] void rethrow_taken(const db::Error& e, const std::string& name) {
  if (e.code() == db::ErrorCode::constraint) {
    throw core::conflict("a room named \"" + name + "\" already exists");
  }
  throw e;
}

std::string window_end(const std::optional<core::SysSeconds>& t, const std::string& open) {
  return t ? core::format_rfc3339(*t) : open;
}

}  // namespace

BookingConflict::BookingConflict(Booking existing)
    : core::Error(core::ErrorKind::conflict, "room " + std::to_string(existing.room_id) +
                                                 " is already booked from " + existing.starts_at +
                                                 " to " + existing.ends_at + " (booking " +
                                                 std::to_string(existing.id) + ")"),
      existing_(std::move(existing)) {
  with_data({{"conflicting_booking",
              {{"id", existing_.id},
               {"starts_at", existing_.starts_at},
               {"ends_at", existing_.ends_at}}}});
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
  auto conn = pool_.acquire();
  try {
    return RoomRepository(*conn).insert(fields, now_text());
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
  std::optional<std::pair<std::string, std::string>> free;
  if (q.available) {
    if (q.available->ends_at <= q.available->starts_at) {
      throw core::invalid("available_to", "available_to must be after available_from");
    }
    free.emplace(core::format_rfc3339(q.available->starts_at),
                 core::format_rfc3339(q.available->ends_at));
  }
  auto conn = pool_.acquire();
  return core::make_page(
      RoomRepository(*conn).list(q.page.after_id, core::rows_to_read(q.page), q.min_capacity, free),
      q.page);
}

template <typename Change>
std::optional<Room> RoomService::modify(std::int64_t id, Change change) {
  return db::read_modify_write(
      pool_, [&](db::Connection& conn) { return RoomRepository(conn).by_id(id); },
      [&](const Room& current) {
        RoomFields fields = change(RoomFields{current.name, current.capacity, current.location});
        validate(fields);
        return fields;
      },
      [&](db::Connection& conn, const RoomFields& fields) {
        try {
          RoomRepository(conn).update(id, fields, now_text());
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
    if (!repo.by_id(id)) return false;
    if (!force) {
      const auto pending = repo.count_bookings_ending_after(id, now_text());
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
  const auto starts_at = core::format_rfc3339(request.interval.starts_at);
  const auto ends_at = core::format_rfc3339(request.interval.ends_at);

  // No double booking: the overlap check and the insert run in one write
  // transaction. On SQLite it begins with BEGIN IMMEDIATE, which takes the
  // database's single write lock before the check, so no other writer - a
  // thread, another server process or the CLI on the same file - can insert
  // between the check and the insert; they queue on the busy timeout. On
  // PostgreSQL the same transaction must lock the room row first (SELECT ...
  // FOR UPDATE), and an exclusion constraint over (room_id, tstzrange) is the
  // backstop.
  return db::transact(pool_, [&](db::Connection& conn) {
    RoomRepository repo(conn);
    if (!repo.by_id(room_id)) {
      throw core::not_found("room " + std::to_string(room_id) + " does not exist");
    }
    if (auto existing = repo.first_overlap(room_id, starts_at, ends_at)) {
      throw BookingConflict(*existing);
    }
    return repo.insert_booking(room_id, request, starts_at, ends_at, now_text());
  });
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
  return repo.bookings(q.room_id, q.user_id, window_end(q.from, kBeginningOfTime),
                       window_end(q.to, kEndOfTime));
}

bool RoomService::cancel(std::int64_t booking_id) {
  auto conn = pool_.acquire();
  return RoomRepository(*conn).remove_booking(booking_id);
}

}  // namespace roombook::rooms
