#include "rooms/service.hpp"

#include "core/text.hpp"
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
      existing_(std::move(existing)) {}

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
  auto named = repo.by_name(id_or_name);
  // Names may be all digits too ("101"). Digits that are both an id and
  // another room's name are ambiguous: refuse rather than pick one.
  auto id = core::parse_id(id_or_name);
  auto by_id = id ? repo.by_id(*id) : std::nullopt;
  if (by_id && named && by_id->id != named->id) {
    throw core::invalid("", "\"" + id_or_name + "\" is the id of room " +
                                std::to_string(by_id->id) + " (" + by_id->name +
                                ") and the name of room " + std::to_string(named->id) +
                                "; give the id of the one you mean");
  }
  return by_id ? by_id : named;
}

RoomPage RoomService::list(const RoomQuery& q) {
  if (q.limit < 1 || q.limit > kMaxLimit) {
    throw core::invalid("limit", "limit must be an integer from 1 to " + std::to_string(kMaxLimit));
  }
  if (q.after_id < 0) throw core::invalid("after_id", "after_id must be an integer >= 0");
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
  // One row more than asked tells whether another page follows.
  auto rooms = RoomRepository(*conn).list(q.after_id, q.limit + 1, q.min_capacity, free);
  RoomPage page;
  if (static_cast<std::int64_t>(rooms.size()) > q.limit) {
    rooms.resize(static_cast<std::size_t>(q.limit));
    page.next_after_id = rooms.back().id;
  }
  page.rooms = std::move(rooms);
  return page;
}

template <typename Change>
std::optional<Room> RoomService::modify(std::int64_t id, Change change) {
  auto conn = pool_.acquire();
  auto tx = conn->begin();
  RoomRepository repo(*conn);
  auto current = repo.by_id(id);
  if (!current) return std::nullopt;
  RoomFields fields = change(RoomFields{current->name, current->capacity, current->location});
  validate(fields);
  try {
    repo.update(id, fields, now_text());
  } catch (const db::Error& e) {
    rethrow_taken(e, fields.name);
  }
  auto updated = repo.by_id(id);
  tx.commit();
  return updated;
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
  auto conn = pool_.acquire();
  auto tx = conn->begin();
  RoomRepository repo(*conn);
  if (!repo.by_id(id)) return false;
  if (!force) {
    const auto pending = repo.count_bookings_ending_after(id, now_text());
    if (pending > 0) {
      throw core::conflict("room " + std::to_string(id) + " has " + std::to_string(pending) +
                           " booking(s) that have not ended");
    }
  }
  repo.remove(id);
  tx.commit();
  return true;
}

Booking RoomService::book(std::int64_t room_id, const BookingRequest& request, UserDirectory* users,
                          const std::string& request_id) {
  validate(request);
  if (!get(room_id)) throw core::not_found("room " + std::to_string(room_id) + " does not exist");
  // Ask user-mgmt before taking the write lock: a slow answer must not hold
  // up every other booking. A user deleted between this check and the insert
  // is a race a foreign key could close only inside one database.
  if (users && !users->exists(request.user_id, request_id)) {
    throw core::Error(core::ErrorKind::unprocessable,
                      "user " + std::to_string(request.user_id) + " does not exist", "user_id");
  }
  const auto starts_at = core::format_rfc3339(request.interval.starts_at);
  const auto ends_at = core::format_rfc3339(request.interval.ends_at);

  // No double booking: the overlap check and the insert run in one write
  // transaction. On SQLite, begin() is BEGIN IMMEDIATE, which takes the
  // database's single write lock before the check, so no other writer - a
  // thread, another server process or the CLI on the same file - can insert
  // between the check and the insert; they queue on the busy timeout. On
  // PostgreSQL the same transaction must lock the room row first (SELECT ...
  // FOR UPDATE), and an exclusion constraint over (room_id, tstzrange) is the
  // backstop.
  auto conn = pool_.acquire();
  auto tx = conn->begin();
  RoomRepository repo(*conn);
  if (!repo.by_id(room_id)) {
    throw core::not_found("room " + std::to_string(room_id) + " does not exist");
  }
  if (auto existing = repo.first_overlap(room_id, starts_at, ends_at)) {
    throw BookingConflict(*existing);
  }
  auto booking = repo.insert_booking(room_id, request, starts_at, ends_at, now_text());
  tx.commit();
  return booking;
}

std::optional<Booking> RoomService::booking(std::int64_t id) {
  auto conn = pool_.acquire();
  return RoomRepository(*conn).booking(id);
}

std::optional<std::vector<Booking>> RoomService::room_bookings(
    std::int64_t room_id, const std::optional<core::SysSeconds>& from,
    const std::optional<core::SysSeconds>& to) {
  if (from && to && *to <= *from) throw core::invalid("to", "to must be after from");
  auto conn = pool_.acquire();
  RoomRepository repo(*conn);
  if (!repo.by_id(room_id)) return std::nullopt;
  return repo.room_bookings(room_id, window_end(from, kBeginningOfTime),
                            window_end(to, kEndOfTime));
}

std::vector<Booking> RoomService::bookings(const std::optional<std::int64_t>& user_id,
                                           const std::optional<core::SysSeconds>& from,
                                           const std::optional<core::SysSeconds>& to) {
  if (from && to && *to <= *from) throw core::invalid("to", "to must be after from");
  auto conn = pool_.acquire();
  return RoomRepository(*conn).bookings(user_id, window_end(from, kBeginningOfTime),
                                        window_end(to, kEndOfTime));
}

bool RoomService::cancel(std::int64_t booking_id) {
  auto conn = pool_.acquire();
  return RoomRepository(*conn).remove_booking(booking_id);
}

}  // namespace roombook::rooms
