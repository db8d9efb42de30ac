#include <csignal>

#include <CLI/CLI.hpp>

#include "auth/store.hpp"
#include "cmd/commands.hpp"
#include "cmd/serve.hpp"
#include "core/url.hpp"
#include "http/http.hpp"
#include "log/log.hpp"
#include "services/registry.hpp"

namespace roombook::cmd {

namespace {

/// The services named, with "all" expanded, each once, in registry order.
std::vector<const service::ServiceInfo*> expand(const std::vector<std::string>& names) {
  std::vector<const service::ServiceInfo*> out;
  for (const auto& entry : services::registry()) {
    for (const auto& name : names) {
      if (name == "all" || name == entry.name) {
        out.push_back(&entry);
        break;
      }
    }
  }
  return out;
}

/// Refuses to serve openly where other hosts can reach the services, unless
/// told that this is meant.
void check_exposure(const Context& ctx, const ServeOptions& options) {
  const auto& host = ctx.config.host();
  if (ctx.config.auth() == config::AuthMode::required || core::is_loopback_host(host)) return;
  if (!options.insecure) {
    throw UsageError("refusing to serve on " + host +
                     " with AUTH=off: anyone who reaches it could change every record. Set "
                     "AUTH=required and make tokens with `roombook token create`, or pass "
                     "--insecure if an open service is meant");
  }
  log::get("serve")->warn(
      "serving on {} WITHOUT AUTHENTICATION (AUTH=off, --insecure): anyone who reaches it can "
      "change every record",
      host);
}

}  // namespace

int run_serve(Context& ctx, const ServeOptions& options) {
  // Before any thread exists, so that every thread inherits the mask and the
  // signals reach wait_for_stop_signal() alone.
  http::block_stop_signals();
  auto log = log::get("serve");

  struct Running {
    std::unique_ptr<db::Pool> pool;
    std::shared_ptr<http::Router> router;
    std::unique_ptr<service::Mounted> service;  ///< the handlers point into it
    std::unique_ptr<auth::TokenStore> tokens;   ///< with AUTH=required
    std::unique_ptr<auth::Verifier> verifier;
    std::unique_ptr<http::Server> server;
  };
  std::vector<Running> running;
  const auto entries = expand(options.services);
  if (entries.size() > 1 && ctx.config.port_is_flag()) {
    throw UsageError(
        "--port names one port; with several services set USER_MGMT_PORT and "
        "ROOMS_PORT instead");
  }
  check_exposure(ctx, options);
  const bool auth = ctx.config.auth() == config::AuthMode::required;
  for (const auto* entry : entries) {
    const std::string name(entry->name);
    const int threads = ctx.config.threads();
    http::ServerOptions server_options;
    OpenOptions open;
    open.migrations_dir = options.migrations_dir;
    open.migrate = options.migrate;
    // DB_POOL_SIZE, or one connection per thread that runs handlers (the
    // workers and the offload pool), so that no handler waits for another's.
    open.max_connections = ctx.config.db_pool_size().value_or(
        static_cast<std::size_t>(threads + server_options.offload_threads));
    Running r;
    r.pool = open_service_db(ctx, name, open);
    r.router = std::make_shared<http::Router>();
    r.service = entry->mount(*r.router, service::ServiceDeps{*r.pool, ctx.config});

    server_options.host = ctx.config.host();
    server_options.port = ctx.config.port(name, entries.size() == 1);
    server_options.threads = threads;
    server_options.max_body_bytes = ctx.config.max_body_bytes();
    server_options.name = name;
    if (auth) {
      r.tokens = std::make_unique<auth::TokenStore>(*r.pool, name);
      r.verifier = std::make_unique<auth::Verifier>(*r.tokens);
      server_options.middleware = http::standard_middleware(
          name, [v = r.verifier.get()](std::string_view token) { return v->check(token); },
          ctx.config.auth_public_reads());
      if (r.tokens->list().empty()) {
        log->warn(
            "{} has no tokens: every request{} will get 401; make one with `roombook token "
            "create NAME --scope write --service {}`",
            name, ctx.config.auth_public_reads() ? " but reads" : "", name);
      }
    } else {
      server_options.middleware = http::standard_middleware(name);
    }
    r.server = std::make_unique<http::Server>(server_options, r.router);
    r.server->start();
    log->info("{} listening on http://{}:{} ({} threads, database {}, auth {})", name,
              server_options.host, r.server->port(), threads,
              core::mask_url(ctx.config.database_url(name)),
              !auth                            ? "off"
              : ctx.config.auth_public_reads() ? "required for writes"
                                               : "required");
    running.push_back(std::move(r));
  }

  const int sig = http::wait_for_stop_signal();
  log->info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // Servers first: their handlers use the pools. Last started first: rooms
  // calls user-mgmt, which must still answer the bookings rooms finishes.
  for (auto it = running.rbegin(); it != running.rend(); ++it) it->server->stop();
  running.clear();
  log->info("stopped");
  return kExitOk;
}

Runner setup_serve(CLI::App& app, ConfigFlags& flags) {
  auto options = std::make_shared<ServeOptions>();
  std::vector<std::string> names;
  std::string listed;
  for (const auto& entry : services::registry()) {
    names.emplace_back(entry.name);
    listed += std::string(entry.name) + ", ";
  }
  names.emplace_back("all");
  app.add_option("service", options->services,
                 "The service(s) to serve, each on its own port: " + listed + "or all")
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
  app.add_flag("--insecure", options->insecure,
               "Allow AUTH=off on an address other hosts can reach (logs a warning)");
  return [options](Context& ctx) { return run_serve(ctx, *options); };
}

}  // namespace roombook::cmd
