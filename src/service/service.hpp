#pragma once

// What every service gives `roombook serve`, and what it gets from it. A
// service is a folder of services/ with a mount() of this shape, and a row
// in the registry (services/CMakeLists.txt); `serve` knows nothing else of
// it.

#include <cstdint>
#include <memory>
#include <string_view>

#include "config/config.hpp"
#include "db/db.hpp"
#include "http/http.hpp"

namespace roombook::service {

/// What a service is given to run: its database (a pool that outlives the
/// service) and the configuration.
struct ServiceDeps {
  db::Pool& pool;
  const config::Config& config;
};

/// What a mounted service holds while it is served: its logic and its
/// clients of other services. The router's handlers point into it, so it
/// lives as long as the server does.
class Mounted {
 public:
  virtual ~Mounted() = default;
};

/// Adds the service's routes to `router`.
using Mount = std::unique_ptr<Mounted> (*)(http::Router& router, const ServiceDeps& deps);

/// A row of the registry.
struct ServiceInfo {
  std::string_view name;  ///< "user-mgmt": `serve user-mgmt`, the multi-call link
  std::uint16_t default_port;
  std::string_view env_prefix;  ///< "USER_MGMT": USER_MGMT_PORT, USER_MGMT_DATABASE_URL
  Mount mount;
};

}  // namespace roombook::service
