#include <csignal>

#include <CLI/CLI.hpp>

#include "cmd/commands.hpp"
#include "cmd/serve.hpp"
#include "http/http.hpp"
#include "log/log.hpp"
#include "user-mgmt/routes.hpp"

namespace roombook::cmd {

namespace {

/// What `serve` needs of each service: how to put its routes on a router.
struct ServiceEntry {
  const char* name;
  void (*mount)(http::Router&, db::Pool&);
};

const std::vector<ServiceEntry>& services() {
  static const std::vector<ServiceEntry> table{
      {"user-mgmt", user_mgmt::mount},
  };
  return table;
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
    std::unique_ptr<http::Server> server;
  };
  std::vector<Running> running;
  for (const auto& name : options.services) {
    const auto& entry = service_entry(name);
    const int threads = ctx.config.threads();
    OpenOptions open;
    open.migrations_dir = options.migrations_dir;
    open.migrate = options.migrate;
    // One connection per worker thread, so no handler waits for another's.
    open.max_connections = static_cast<std::size_t>(threads) + 1;
    auto pool = open_service_db(ctx, name, open);

    auto router = std::make_shared<http::Router>();
    entry.mount(*router, *pool);

    http::ServerOptions server_options;
    server_options.host = ctx.config.host();
    server_options.port = ctx.config.port(name);
    server_options.threads = threads;
    server_options.max_body_bytes = ctx.config.max_body_bytes();
    server_options.name = name;
    auto server = std::make_unique<http::Server>(server_options, router);
    server->start();
    log->info("{} listening on http://{}:{} ({} threads, database {})", name,
              server_options.host, server->port(), threads,
              db::mask_url(ctx.config.database_url(name)));
    running.push_back({std::move(pool), std::move(server)});
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
  app.add_option("service", options->services, "The service(s) to serve")
      ->required()
      ->check(CLI::IsMember(names));
  flags.bind(app, "--host", "HOST", "Address to listen on (HOST)");
  flags.bind(app, "--port", "PORT", "Port to listen on (PORT; 0 picks a free one)");
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
