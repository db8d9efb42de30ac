#include <csignal>

#include <CLI/CLI.hpp>

#include "cmd/commands.hpp"
#include "cmd/serve.hpp"
#include "core/url.hpp"
#include "http/http.hpp"
#include "log/log.hpp"
#include "rooms/routes.hpp"
#include "user-mgmt/routes.hpp"

namespace roombook::cmd {

namespace {

/// Puts a service's routes on a router; returns what its handlers use
/// besides the pool, which must live as long as the server.
using Mount = std::shared_ptr<void> (*)(http::Router&, db::Pool&, const config::Config&);

std::shared_ptr<void> mount_user_mgmt(http::Router& router, db::Pool& pool, const config::Config&) {
  user_mgmt::mount(router, pool);
  return nullptr;
}

std::shared_ptr<void> mount_rooms(http::Router& router, db::Pool& pool,
                                  const config::Config& config) {
  auto users = std::make_shared<rooms::UserClient>(
      config.user_mgmt_url(), config.user_mgmt_connect_timeout(), config.user_mgmt_timeout(),
      rooms::BreakerOptions{config.user_mgmt_breaker_failures(),
                            config.user_mgmt_breaker_cooldown()});
  rooms::mount(router, pool, *users);
  return users;
}

/// What `serve` needs of each service.
struct ServiceEntry {
  const char* name;
  Mount mount;
};

const std::vector<ServiceEntry>& services() {
  static const std::vector<ServiceEntry> table{
      {"user-mgmt", mount_user_mgmt},
      {"rooms", mount_rooms},
  };
  return table;
}

/// The services named, with "all" expanded, each once, in table order.
std::vector<std::string> expand(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& entry : services()) {
    for (const auto& name : names) {
      if (name == "all" || name == entry.name) {
        out.emplace_back(entry.name);
        break;
      }
    }
  }
  return out;
}

const ServiceEntry& service_entry(const std::string& name) {
  for (const auto& entry : services()) {
    if (name == entry.name) return entry;
  }
  throw std::invalid_argument("unknown service " + name);
}

}  // namespace

int run_serve(Context& ctx, const ServeOptions& options) {
  // Before any thread exists, so that every thread inherits the mask and the
  // signals reach wait_for_stop_signal() alone.
  http::block_stop_signals();
  auto log = log::get("serve");

  struct Running {
    std::unique_ptr<db::Pool> pool;
    std::shared_ptr<void> resources;
    std::unique_ptr<http::Server> server;
  };
  std::vector<Running> running;
  const auto names = expand(options.services);
  if (names.size() > 1 && ctx.config.setting("PORT").source == config::Source::flag) {
    throw UsageError(
        "--port names one port; with several services set USER_MGMT_PORT and "
        "ROOMS_PORT instead");
  }
  for (const auto& name : names) {
    const auto& entry = service_entry(name);
    const int threads = ctx.config.threads();
    OpenOptions open;
    open.migrations_dir = options.migrations_dir;
    open.migrate = options.migrate;
    // One connection per thread that runs handlers (the workers and the
    // offload pool), so no handler waits for another's.
    open.max_connections =
        static_cast<std::size_t>(threads + http::ServerOptions{}.offload_threads) + 1;
    auto pool = open_service_db(ctx, name, open);

    auto router = std::make_shared<http::Router>();
    auto resources = entry.mount(*router, *pool, ctx.config);

    http::ServerOptions server_options;
    server_options.host = ctx.config.host();
    server_options.port = ctx.config.port(name, names.size() == 1);
    server_options.threads = threads;
    server_options.max_body_bytes = ctx.config.max_body_bytes();
    server_options.name = name;
    auto server = std::make_unique<http::Server>(server_options, router);
    server->start();
    log->info("{} listening on http://{}:{} ({} threads, database {})", name, server_options.host,
              server->port(), threads, core::mask_url(ctx.config.database_url(name)));
    running.push_back({std::move(pool), std::move(resources), std::move(server)});
  }

  const int sig = http::wait_for_stop_signal();
  log->info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // Servers first: their handlers use the pools.
  for (auto& r : running) r.server->stop();
  running.clear();
  log->info("stopped");
  return kExitOk;
}

Runner setup_serve(CLI::App& app, ConfigFlags& flags) {
  auto options = std::make_shared<ServeOptions>();
  std::vector<std::string> names;
  for (const auto& entry : services()) names.emplace_back(entry.name);
  names.emplace_back("all");
  app.add_option("service", options->services,
                 "The service(s) to serve, each on its own port: user-mgmt, rooms, or all")
      ->required()
      ->check(CLI::IsMember(names));
  flags.bind(app, "--host", "HOST", "Address to listen on (HOST)");
  flags.bind(app, "--port", "PORT",
             "Port to listen on when serving one service (PORT; 0 picks a free one)");
  flags.bind(app, "--threads", "ROOMBOOK_THREADS", "HTTP worker threads (ROOMBOOK_THREADS)");
  flags.bind(app, "--database-url", "DATABASE_URL", "Database URL (DATABASE_URL)");
  flags.bind(app, "--max-body-bytes", "MAX_BODY_BYTES",
             "Largest request body accepted (MAX_BODY_BYTES)");
  app.add_flag("--migrate", options->migrate, "Apply pending migrations before serving");
  app.add_option("--migrations-dir", options->migrations_dir,
                 "Read migrations from this directory instead of those built in");
  return [options](Context& ctx) { return run_serve(ctx, *options); };
}

}  // namespace roombook::cmd
