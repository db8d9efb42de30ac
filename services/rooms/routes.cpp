#include "rooms/routes.hpp"

#include "core/error.hpp"
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

template <typename T>
Response list_response(const std::vector<T>& items) {
  return Response::json_text(200, core::json_array_of(items));
}

[[noreturn]] void no_such(const char* what, std::int64_t id) {
  throw core::not_found(std::string(what) + " " + std::to_string(id) + " does not exist");
}

/// The rooms and bookings API: parse the request, call the service, answer
/// JSON. Errors are the service's, worded by the HTTP layer.
class Routes final : public service::Mounted {
 public:
  Routes(db::Pool& pool, std::unique_ptr<UserDirectory> users)
      : service_(pool), users_(std::move(users)) {}

  Response list_rooms(const Request& req) {
    RoomQuery q;
    q.page = req.page();
    q.min_capacity = req.query_integer("min_capacity").value_or(0);
    const auto from = query_time(req, "available_from");
    const auto to = query_time(req, "available_to");
    if (from.has_value() != to.has_value()) {
      throw core::invalid(from ? "available_to" : "available_from",
                          "available_from and available_to go together");
    }
    if (from) q.available = Interval{*from, *to};
    const auto page = service_.list(q);
    auto response = list_response(page.items);
    if (page.next_after_id) {
      // The next page repeats every filter of this one.
      std::vector<std::pair<std::string, std::string>> filters;
      if (q.min_capacity) filters.emplace_back("min_capacity", std::to_string(q.min_capacity));
      if (from) {
        filters.emplace_back("available_from", core::format_rfc3339(*from));
        filters.emplace_back("available_to", core::format_rfc3339(*to));
      }
      http::add_next_link(response, "/rooms", q.page, *page.next_after_id, filters);
    }
    return response;
  }

  Response create_room(const Request& req) {
    const auto room = service_.create(room_from_json(req.json()));
    return Response::json_text(201, core::json_of(room))
        .header("Location", "/rooms/" + std::to_string(room.id));
  }

  Response get_room(const Request& req) {
    const auto id = req.id_param("id", "room");
    auto room = service_.get(id);
    if (!room) no_such("room", id);
    return Response::json_text(200, core::json_of(*room));
  }

  Response replace_room(const Request& req) {
    const auto id = req.id_param("id", "room");
    auto room = service_.replace(id, room_from_json(req.json()));
    if (!room) no_such("room", id);
    return Response::json_text(200, core::json_of(*room));
  }

  Response patch_room(const Request& req) {
    const auto id = req.id_param("id", "room");
    auto room = service_.patch(id, req.json());
    if (!room) no_such("room", id);
    return Response::json_text(200, core::json_of(*room));
  }

  Response delete_room(const Request& req) {
    const auto id = req.id_param("id", "room");
    const auto force = req.query_param("force");
    if (force && *force != "true" && *force != "false") {
      throw core::invalid("force", "force must be true or false");
    }
    if (!service_.remove(id, force == "true")) no_such("room", id);
    return Response::no_content();
  }

  Response book(const Request& req) {
    const auto room_id = req.id_param("id", "room");
    const auto booking =
        service_.book(room_id, booking_from_json(req.json()), users_.get(), req.context.request_id);
    return Response::json_text(201, core::json_of(booking))
        .header("Location", "/bookings/" + std::to_string(booking.id));
  }

  Response room_bookings(const Request& req) {
    BookingQuery q;
    q.room_id = req.id_param("id", "room");
    q.from = query_time(req, "from");
    q.to = query_time(req, "to");
    return list_response(service_.bookings(q));
  }

  Response bookings(const Request& req) {
    BookingQuery q;
    q.user_id = req.query_integer("user_id");
    q.from = query_time(req, "from");
    q.to = query_time(req, "to");
    return list_response(service_.bookings(q));
  }

  Response get_booking(const Request& req) {
    const auto id = req.id_param("id", "booking");
    auto booking = service_.booking(id);
    if (!booking) no_such("booking", id);
    return Response::json_text(200, core::json_of(*booking));
  }

  Response cancel_booking(const Request& req) {
    const auto id = req.id_param("id", "booking");
    if (!service_.cancel(id)) no_such("booking", id);
    return Response::no_content();
  }

 private:
  RoomService service_;
  std::unique_ptr<UserDirectory> users_;
};

}  // namespace

std::unique_ptr<service::Mounted> mount(http::Router& router, db::Pool& pool,
                                        std::unique_ptr<UserDirectory> users) {
  auto routes = std::make_unique<Routes>(pool, std::move(users));
  http::add_routes(
      router, *routes,
      {
          {Method::get, "/rooms", &Routes::list_rooms},
          {Method::post, "/rooms", &Routes::create_room},
          {Method::get, "/rooms/{id}", &Routes::get_room},
          {Method::put, "/rooms/{id}", &Routes::replace_room},
          {Method::patch, "/rooms/{id}", &Routes::patch_room},
          {Method::del, "/rooms/{id}", &Routes::delete_room},
          // It waits on user-mgmt: off the worker, so that a slow
          // user-mgmt holds up none of the worker's other connections.
          {Method::post, "/rooms/{id}/bookings", &Routes::book, http::Dispatch::offload},
          {Method::get, "/rooms/{id}/bookings", &Routes::room_bookings},
          {Method::get, "/bookings", &Routes::bookings},
          {Method::get, "/bookings/{id}", &Routes::get_booking},
          {Method::del, "/bookings/{id}", &Routes::cancel_booking},
      });
  return routes;
}

std::unique_ptr<service::Mounted> mount(http::Router& router, const service::ServiceDeps& deps) {
  return mount(router, deps.pool, std::make_unique<UserClient>(deps.config.user_mgmt()));
}

}  // namespace roombook::rooms
