#include "rooms/routes.hpp"

#include <memory>

#include "core/error.hpp"
#include "log/log.hpp"
#include "rooms/service.hpp"

namespace roombook::rooms {

namespace {

using http::Method;
using http::Request;
using http::Response;

std::optional<core::SysSeconds> query_time(const Request& req, const char* name) {
  auto text = req.query_param(name);
  if (!text) return std::nullopt;
  return parse_time(name, *text);
}

template <typename T, typename F>
nlohmann::ordered_json array_of(const std::vector<T>& items, F convert) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& item : items) out.push_back(convert(item));
  return out;
}

[[noreturn]] void no_such(const char* what, std::int64_t id) {
  throw core::not_found(std::string(what) + " " + std::to_string(id) + " does not exist");
}

Response room_response(int status, const Room& room) {
  return Response::json(status, to_json(room));
}

}  // namespace

void mount(http::Router& router, db::Pool& pool, UserDirectory& users) {
  auto service = std::make_shared<RoomService>(pool);
  auto* directory = &users;

  router.add(Method::get, "/rooms", [service](const Request& req) {
    RoomQuery q;
    q.limit = req.query_integer("limit").value_or(kDefaultLimit);
    q.after_id = req.query_integer("after_id").value_or(0);
    q.min_capacity = req.query_integer("min_capacity").value_or(0);
    auto from = query_time(req, "available_from");
    auto to = query_time(req, "available_to");
    if (from.has_value() != to.has_value()) {
      throw core::invalid(from ? "available_to" : "available_from",
                          "available_from and available_to go together");
    }
    if (from) q.available = Interval{*from, *to};
    auto page = service->list(q);
    auto response =
        Response::json(200, array_of(page.rooms, [](const Room& r) { return to_json(r); }));
    if (page.next_after_id) {
      // The next page repeats every filter of this one.
      std::string next = "/rooms?limit=" + std::to_string(q.limit) +
                         "&after_id=" + std::to_string(*page.next_after_id);
      if (q.min_capacity) next += "&min_capacity=" + std::to_string(q.min_capacity);
      if (from) {
        next += "&available_from=" + core::format_rfc3339(*from) +
                "&available_to=" + core::format_rfc3339(*to);
      }
      response.header("Link", "<" + next + ">; rel=\"next\"");
    }
    return response;
  });
  router.add(Method::post, "/rooms", [service](const Request& req) {
    auto room = service->create(room_from_json(req.json()));
    return room_response(201, room).header("Location", "/rooms/" + std::to_string(room.id));
  });
  router.add(Method::get, "/rooms/{id}", [service](const Request& req) {
    const auto id = req.id_param("id", "room");
    auto room = service->get(id);
    if (!room) no_such("room", id);
    return room_response(200, *room);
  });
  router.add(Method::put, "/rooms/{id}", [service](const Request& req) {
    const auto id = req.id_param("id", "room");
    auto room = service->replace(id, room_from_json(req.json()));
    if (!room) no_such("room", id);
    return room_response(200, *room);
  });
  router.add(Method::patch, "/rooms/{id}", [service](const Request& req) {
    const auto id = req.id_param("id", "room");
    auto room = service->patch(id, req.json());
    if (!room) no_such("room", id);
    return room_response(200, *room);
  });
  router.add(Method::del, "/rooms/{id}", [service](const Request& req) {
    const auto id = req.id_param("id", "room");
    const auto force = req.query_param("force");
    if (force && *force != "true" && *force != "false") {
      throw core::invalid("force", "force must be true or false");
    }
    try {
      if (!service->remove(id, force == "true")) no_such("room", id);
    } catch (const core::Error& e) {
      if (e.kind() != core::ErrorKind::conflict) throw;
      throw core::conflict(std::string(e.what()) +
                           "; cancel them, or add ?force=true to delete them with the room");
    }
    return Response::no_content();
  });

  router.add(
      Method::post, "/rooms/{id}/bookings",
      [service, directory](const Request& req) {
        const auto room_id = req.id_param("id", "room");
        auto request = booking_from_json(req.json());
        try {
          auto booking =
              service->book(room_id, request, directory, req.header("x-request-id").value_or(""));
          return Response::json(201, to_json(booking))
              .header("Location", "/bookings/" + std::to_string(booking.id));
        } catch (const BookingConflict& e) {
          const auto& b = e.existing();
          nlohmann::ordered_json conflicting{
              {"id", b.id}, {"starts_at", b.starts_at}, {"ends_at", b.ends_at}};
          throw http::Error(409, e.what(), {{"conflicting_booking", conflicting}});
        } catch (const core::Error& e) {
          if (e.kind() != core::ErrorKind::unavailable) throw;
          // Where user-mgmt lives and how it failed is for the log, not the client.
          log::get("rooms")->warn("booking refused, user-mgmt unavailable: {}", e.what());
          core::Error refused(
              core::ErrorKind::unavailable,
              "cannot confirm user " + std::to_string(request.user_id) +
                  ": the user service is unavailable; nothing was booked, retry later");
          if (e.retry_after()) refused.with_retry_after(*e.retry_after());
          throw refused;
        }
      },
      // It waits on user-mgmt: off the worker, so that a slow user-mgmt
      // holds up none of the worker's other connections.
      http::Dispatch::offload);
  router.add(Method::get, "/rooms/{id}/bookings", [service](const Request& req) {
    const auto room_id = req.id_param("id", "room");
    auto list = service->room_bookings(room_id, query_time(req, "from"), query_time(req, "to"));
    if (!list) no_such("room", room_id);
    return Response::json(200, array_of(*list, [](const Booking& b) { return to_json(b); }));
  });
  router.add(Method::get, "/bookings", [service](const Request& req) {
    auto user_id = req.query_integer("user_id");
    auto list = service->bookings(user_id, query_time(req, "from"), query_time(req, "to"));
    return Response::json(200, array_of(list, [](const Booking& b) { return to_json(b); }));
  });
  router.add(Method::get, "/bookings/{id}", [service](const Request& req) {
    const auto id = req.id_param("id", "booking");
    auto booking = service->booking(id);
    if (!booking) no_such("booking", id);
    return Response::json(200, to_json(*booking));
  });
  router.add(Method::del, "/bookings/{id}", [service](const Request& req) {
    const auto id = req.id_param("id", "booking");
    if (!service->cancel(id)) no_such("booking", id);
    return Response::no_content();
  });
}

}  // namespace roombook::rooms
