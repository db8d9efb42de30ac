#pragma once

#include <memory>

#include "http/http.hpp"
#include "rooms/user_client.hpp"
#include "service/service.hpp"

namespace roombook::rooms {

/// Adds the rooms and bookings API to `router`:
///   GET|POST /rooms, GET|PUT|PATCH|DELETE /rooms/{id},
///   GET|POST /rooms/{id}/bookings, GET /bookings, GET|DELETE /bookings/{id}.
/// Bookings ask user-mgmt (deps.config.user_mgmt()) whether the user
/// exists. Returns what the handlers use; it must outlive the router, and
/// deps.pool must outlive it.
std::unique_ptr<service::Mounted> mount(http::Router& router, const service::ServiceDeps& deps);

/// The same with another directory of users (tests: a stand-in user-mgmt).
std::unique_ptr<service::Mounted> mount(http::Router& router, db::Pool& pool,
                                        std::unique_ptr<UserDirectory> users);

}  // namespace roombook::rooms
