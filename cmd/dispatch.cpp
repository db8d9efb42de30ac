#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

#include "cmd/commands.hpp"
#include "core/error.hpp"
#include "core/url.hpp"
#include "log/log.hpp"
#include "migrate/migrate.hpp"
#include "services/registry.hpp"

namespace roombook::cmd {

void ConfigFlags::bind(CLI::App& app, const std::string& flag, const std::string& variable,
                       const std::string& help) {
  auto values = values_;
  app.add_option_function<std::string>(
         flag, [values, variable](const std::string& v) { (*values)[variable] = v; }, help)
      ->type_name(variable);
  flag_names_[variable] = flag.substr(0, flag.find(','));
}

config::LoadOptions ConfigFlags::load_options() const {
  config::LoadOptions options;
  options.environment = config::Config::process_environment();
  options.flags = *values_;
  options.flag_names = flag_names_;
  options.services = service_specs();
  return options;
}

std::vector<config::ServiceSpec> service_specs() {
  std::vector<config::ServiceSpec> specs;
  for (const auto& s : services::registry()) {
    specs.push_back({std::string(s.name), s.default_port, std::string(s.env_prefix)});
  }
  return specs;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> table{
      {"serve", "Serve one or more services over HTTP", setup_serve, true},
      {"migrate", "Apply, revert or inspect schema migrations", setup_migrate, true},
      {"user", "Administer users: add, list, show, update, delete", setup_user, true},
      {"room", "Administer rooms: add, list, show, update, delete", setup_room, true},
      {"booking", "Administer bookings: add, list, cancel", setup_booking, true},
      {"token", "Administer bearer tokens: create, list, revoke", setup_token, true},
      {"config", "Print the effective configuration and where each value came from", setup_config,
       true},
      {"version", "Print the version and the git revision it was built from", setup_version, false},
  };
  return table;
}

std::unique_ptr<db::Pool> open_service_db(const Context& ctx, const std::string& service,
                                          const OpenOptions& options) {
  const auto& url = ctx.config.database_url(service);
  db::PoolOptions pool_options;
  pool_options.max_connections = options.max_connections;
  pool_options.acquire_timeout = ctx.config.db_acquire_timeout();
  auto pool = db::open(url, pool_options);
  const auto files =
      options.migrations_dir ? migrate::read_dir(*options.migrations_dir) : migrate::embedded();
  migrate::Engine engine(*pool, migrate::assemble(files, pool->dialect()));
  if (options.migrate) {
    for (const auto& step : engine.up(service, std::nullopt, false)) {
      log::get("migrate")->info("applied {} {}", step.service,
                                migrate::stem(step.version, step.name));
    }
  } else if (engine.has_pending(service)) {
    // Say which of the three it is: only a pending migration is fixed by
    // `migrate up`, which refuses the other two.
    std::map<migrate::State, std::string> names;
    for (const auto& row : engine.status(service)) {
      auto& list = names[row.state];
      list += (list.empty() ? "" : ", ") + migrate::stem(row.version, row.name);
    }
    const auto& unknown = names[migrate::State::unknown];
    const auto& changed = names[migrate::State::modified];
    const auto& pending = names[migrate::State::pending];
    const auto where = "the database " + core::mask_url(url) + " of " + service;
    if (!unknown.empty()) {
      throw core::Error(core::ErrorKind::unavailable,
                        where + " has migrations this binary does not know (" + unknown +
                            "): it is newer than this binary; use a newer roombook");
    }
    if (!changed.empty()) {
      throw core::Error(core::ErrorKind::unavailable,
                        where + " has migrations whose files changed after they were applied (" +
                            changed + "); see `roombook migrate status`");
    }
    throw core::Error(core::ErrorKind::unavailable, where + " has pending migrations (" + pending +
                                                        "): run `roombook migrate up` first");
  }
  return pool;
}

void note(const Context& ctx, const std::string& text) { ctx.err << "roombook: " << text << "\n"; }

namespace {

/// "; cancel them, or add --force to delete them with the room".
std::string cli_remedy(const std::optional<core::Remedy>& remedy) {
  if (!remedy) return {};
  return "; " + (remedy->alternative.empty() ? std::string() : remedy->alternative + ", or ") +
         "add --" + remedy->option + " " + remedy->effect;
}

/// Multi-call: a link named after a service serves it.
std::vector<std::string> rewrite_args(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  const auto name = std::filesystem::path(args.empty() ? "" : args[0]).filename().string();
  for (const auto& service : services::registry()) {
    if (service.name == name) {
      args.insert(args.begin() + 1, {"serve", name});
      break;
    }
  }
  return args;
}

}  // namespace

int dispatch(int argc, char** argv, std::ostream& out, std::ostream& err) {
  const auto args = rewrite_args(argc, argv);

  CLI::App app{
      "roombook: meeting-room booking microservices, and the commands to administer their data.\n"
      "Configuration comes from flags, the environment and a .env file; see `roombook config`.",
      "roombook"};
  app.require_subcommand(0, 1);
  app.set_help_all_flag("--help-all", "Print help for every command");
  std::string env_file;
  auto* env_file_opt = app.add_option("--env-file", env_file,
                                      "Read variables from this file instead of ./.env "
                                      "(the environment still wins)");

  ConfigFlags flags;
  std::vector<std::pair<CLI::App*, Runner>> runners;
  for (const auto& command : commands()) {
    auto* sub = app.add_subcommand(command.name, command.help);
    // Let global options like --env-file come after the command name too.
    sub->fallthrough();
    runners.emplace_back(sub, command.setup(*sub, flags));
  }

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0 that print to out.
    const int code = app.exit(e, out, err);
    return code == 0 ? kExitOk : kExitUsage;
  }

  for (std::size_t i = 0; i < runners.size(); ++i) {
    auto* sub = runners[i].first;
    if (!sub->parsed()) continue;
    const auto& command = commands()[i];
    try {
      auto load = flags.load_options();
      if (*env_file_opt) load.env_file = env_file;
      // Commands without config get the defaults: a broken .env must not
      // stop `roombook version`.
      config::LoadOptions defaults;
      defaults.read_env_file = false;
      defaults.services = service_specs();
      Context ctx{config::Config::load(command.needs_config ? load : defaults),
                  out,
                  err,
                  static_cast<bool>(isatty(STDOUT_FILENO)),
                  &std::cin,
                  static_cast<bool>(isatty(STDIN_FILENO))};
      if (command.needs_config) log::init(ctx.config.log_levels(), ctx.config.log_format());
      return runners[i].second(ctx);
    } catch (const UsageError& e) {
      err << "roombook: " << e.what() << "\n";
      return kExitUsage;
    } catch (const core::Error& e) {
      // The one place that words errors for the command line: the detail,
      // what went wrong underneath (an operator may see it), and the remedy
      // as a flag.
      err << "roombook: " << e.what() << (e.cause().empty() ? "" : ": " + e.cause())
          << cli_remedy(e.remedy()) << "\n";
      return kExitFailure;
    } catch (const std::exception& e) {
      err << "roombook: " << e.what() << "\n";
      return kExitFailure;
    }
  }
  err << "roombook: name a command (see roombook --help)\n";
  return kExitUsage;
}

}  // namespace roombook::cmd
