#pragma once

#include "db/db.hpp"
#include "http/http.hpp"
#include "rooms/user_client.hpp"

namespace roombook::rooms {

/// Adds the rooms and bookings API to `router`:
///   GET|POST /rooms, GET|PUT|PATCH|DELETE /rooms/{id},
///   GET|POST /rooms/{id}/bookings, GET /bookings, GET|DELETE /bookings/{id}.
/// `pool` and `users` must outlive the router.
void mount(http::Router& router, db::Pool& pool, UserDirectory& users);

}  // namespace roombook::rooms
