// Fuzzes the JSON request bodies of both services: the bytes are read as the
// server reads them (http::Request::json(), nlohmann underneath, then the
// member-locating second pass on a failure), and the document goes to every
// model that reads a body: user_mgmt::fields_from_json and apply_merge_patch
// (services/user-mgmt/model.hpp), rooms::room_from_json, apply_merge_patch
// and booking_from_json (services/rooms/model.hpp).
//
// The refusals a client can cause are http::Error (malformed JSON, 400) and
// core::Error (a bad field, 400 or 422); anything else escapes and crashes
// the harness, as it would be a 500 in the server. Checked beside the
// sanitizers, for a body that is accepted:
// - its fields keep the model's rules (validate() accepts them again);
// - written back as a JSON object, they read back as the same fields;
// - a booking ends after it starts, at most 24 hours later.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "http/http.hpp"
#include "rooms/model.hpp"
#include "user-mgmt/model.hpp"

namespace {

namespace rooms = roombook::rooms;
namespace user_mgmt = roombook::user_mgmt;
using nlohmann::json;

/// Runs `read`; false when it refused the input the way a client may cause.
template <class Read>
bool accepted(Read read) {
  try {
    read();
    return true;
  } catch (const roombook::core::Error&) {
    return false;
  } catch (const roombook::http::Error&) {
    return false;
  }
}

bool same(const user_mgmt::UserFields& a, const user_mgmt::UserFields& b) {
  return a.username == b.username && a.firstname == b.firstname && a.lastname == b.lastname;
}

bool same(const rooms::RoomFields& a, const rooms::RoomFields& b) {
  return a.name == b.name && a.capacity == b.capacity && a.location == b.location;
}

void check_user(const user_mgmt::UserFields& f) {
  if (!accepted([&] { user_mgmt::validate(f); })) __builtin_trap();
  const json written{
      {"username", f.username}, {"firstname", f.firstname}, {"lastname", f.lastname}};
  if (!same(user_mgmt::fields_from_json(json::parse(written.dump())), f)) __builtin_trap();
}

void check_room(const rooms::RoomFields& f) {
  if (!accepted([&] { rooms::validate(f); })) __builtin_trap();
  json written{{"name", f.name}, {"capacity", f.capacity}};
  written["location"] = f.location ? json(*f.location) : json(nullptr);
  if (!same(rooms::room_from_json(json::parse(written.dump())), f)) __builtin_trap();
}

void check_booking(const rooms::BookingRequest& r) {
  if (!accepted([&] { rooms::validate(r); })) __builtin_trap();
  if (r.interval.ends_at <= r.interval.starts_at ||
      r.interval.ends_at - r.interval.starts_at > rooms::kMaxBookingLength) {
    __builtin_trap();
  }
  const json written{{"user_id", r.user_id},
                     {"title", r.title},
                     {"starts_at", roombook::core::format_rfc3339(r.interval.starts_at)},
                     {"ends_at", roombook::core::format_rfc3339(r.interval.ends_at)}};
  const auto again = rooms::booking_from_json(json::parse(written.dump()));
  if (again.user_id != r.user_id || again.title != r.title ||
      again.interval.starts_at != r.interval.starts_at ||
      again.interval.ends_at != r.interval.ends_at) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  roombook::http::Request request;
  request.method = roombook::http::Method::post;
  request.body.assign(reinterpret_cast<const char*>(data), size);
  json body;
  if (!accepted([&] { body = request.json(); })) return 0;

  user_mgmt::UserFields user;
  if (accepted([&] { user = user_mgmt::fields_from_json(body); })) check_user(user);
  const user_mgmt::UserFields current_user{"ada", "Ada", "Lovelace"};
  if (accepted([&] { user = user_mgmt::apply_merge_patch(current_user, body); })) {
    check_user(user);
  }

  rooms::RoomFields room;
  if (accepted([&] { room = rooms::room_from_json(body); })) check_room(room);
  const rooms::RoomFields current_room{"Babbage", 8, "2nd floor"};
  if (accepted([&] { room = rooms::apply_merge_patch(current_room, body); })) check_room(room);

  rooms::BookingRequest booking;
  if (accepted([&] { booking = rooms::booking_from_json(body); })) check_booking(booking);
  return 0;
}
