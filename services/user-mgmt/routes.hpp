#pragma once

#include "db/db.hpp"
#include "http/http.hpp"

namespace roombook::user_mgmt {

/// Adds the users API to `router`:
///   GET /users, POST /users, GET|PUT|PATCH|DELETE /users/{id}
/// and the singular aliases of the first clients: GET /user/{id}, POST /user,
/// DELETE /user/{id}. The handlers use `pool`, which must outlive the router.
void mount(http::Router& router, db::Pool& pool);

}  // namespace roombook::user_mgmt
