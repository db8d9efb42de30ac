#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "cmd/commands.hpp"
#include "migrate/migrate.hpp"

namespace roombook::cmd {

struct MigrateOptions {
  std::string action = "up";  ///< up, down, redo, status, create
  std::optional<std::string> service;
  std::optional<std::string> migrations_dir;
  bool dry_run = false;
  std::optional<std::int64_t> to;
  int count = 1;           ///< down N
  bool yes = false;        ///< down, redo --yes: revert without asking
  bool exit_code = false;  ///< status --exit-code
  std::string create_service;
  std::string create_name;
  /// --lock-timeout: how long to wait for another migrator.
  std::chrono::milliseconds lock_timeout = migrate::Engine::kDefaultLockTimeout;
};

/// Exit code of `migrate status --exit-code` when something needs doing.
constexpr int kExitPending = 3;

/// Runs one `migrate` action. `down` acts on one service (`--service`, or the
/// only one with applied migrations); `down` and `redo` print their plan, then
/// ask on a terminal (ctx.in) or need `yes`.
int run_migrate(Context& ctx, const MigrateOptions& options);

}  // namespace roombook::cmd
