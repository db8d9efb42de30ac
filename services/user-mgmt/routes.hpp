#pragma once

#include <memory>

#include "http/http.hpp"
#include "service/service.hpp"

namespace roombook::user_mgmt {

/// Adds the users API to `router`:
///   GET /users, POST /users, GET|PUT|PATCH|DELETE /users/{id}
/// and the singular aliases of the first clients: GET /user/{id}, POST /user,
/// DELETE /user/{id}. Returns what the handlers use; it must outlive the
/// router, and deps.pool must outlive it.
std::unique_ptr<service::Mounted> mount(http::Router& router, const service::ServiceDeps& deps);

}  // namespace roombook::user_mgmt
