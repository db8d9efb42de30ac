#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cmd/commands.hpp"

namespace roombook::cmd {

struct ServeOptions {
  std::vector<std::string> services;
  bool migrate = false;
  std::optional<std::string> migrations_dir;
  /// Serve without authentication on an address other hosts reach.
  bool insecure = false;
};

/// Serves each service on its own port until SIGINT or SIGTERM; returns 0
/// after a clean stop.
int run_serve(Context& ctx, const ServeOptions& options);

}  // namespace roombook::cmd
