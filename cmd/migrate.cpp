#include "cmd/migrate.hpp"

#include <iomanip>
#include <ostream>

#include <CLI/CLI.hpp>

#include "migrate/migrate.hpp"

namespace roombook::cmd {

namespace {

const char* to_string(migrate::State s) {
  switch (s) {
    case migrate::State::applied:
      return "applied";
    case migrate::State::pending:
      return "pending";
    case migrate::State::modified:
      return "MODIFIED";
    case migrate::State::unknown:
      return "UNKNOWN";
  }
  return "?";
}

/// The services to act on: the one asked for, or every one with migrations.
std::vector<std::string> selected(const MigrateOptions& o,
                                  const std::vector<migrate::Migration>& all) {
  if (o.service) {
    for (const auto& m : all) {
      if (m.service == *o.service) return {*o.service};
    }
    std::string known;
    for (const auto& m : all) {
      if (known.find(m.service) == std::string::npos)
        known += (known.empty() ? "" : ", ") + m.service;
    }
    throw std::invalid_argument("no migrations for service \"" + *o.service +
                                "\" (known: " + known + ")");
  }
  std::vector<std::string> names;
  for (const auto& m : all) {
    if (names.empty() || names.back() != m.service) names.push_back(m.service);
  }
  return names;
}

void print_steps(Context& ctx, const std::vector<migrate::Step>& steps, bool dry_run,
                 const std::string& service) {
  if (steps.empty()) {
    ctx.out << service << ": nothing to do\n";
    return;
  }
  for (const auto& s : steps) {
    ctx.out << s.service << ": " << (dry_run ? "would " : "")
            << (s.up ? (dry_run ? "apply " : "applied ") : (dry_run ? "revert " : "reverted "))
            << migrate::stem(s.version, s.name) << "\n";
  }
}

}  // namespace

int run_migrate(Context& ctx, const MigrateOptions& o) {
  if (o.action == "create") {
    const auto dir = o.migrations_dir.value_or("migrations");
    if (o.dry_run) {
      throw UsageError("create writes two new files and nothing else; it has no --dry-run");
    }
    for (const auto& path : migrate::create(dir, o.create_service, o.create_name)) {
      ctx.out << path << "\n";
    }
    return kExitOk;
  }

  const auto files = o.migrations_dir ? migrate::read_dir(*o.migrations_dir) : migrate::embedded();
  bool pending = false;
  bool header = false;
  // Each service may live in a database of its own.
  for (const auto& service : selected(o, migrate::assemble(files, db::Dialect::sqlite))) {
    auto pool = db::open(ctx.config.database_url(service));
    migrate::Engine engine(*pool, migrate::assemble(files, pool->dialect()));
    if (o.action == "status") {
      if (!header) {
        ctx.out << std::left << std::setw(12) << "SERVICE" << std::setw(32) << "MIGRATION"
                << std::setw(10) << "STATE"
                << "APPLIED AT\n";
        header = true;
      }
      for (const auto& row : engine.status(service)) {
        pending = pending || row.state != migrate::State::applied;
        ctx.out << std::left << std::setw(12) << row.service << std::setw(32)
                << migrate::stem(row.version, row.name) << std::setw(10) << to_string(row.state)
                << row.applied_at << "\n";
      }
    } else if (o.action == "up") {
      print_steps(ctx, engine.up(service, o.to, o.dry_run), o.dry_run, service);
    } else if (o.action == "down") {
      print_steps(ctx, engine.down(service, o.count, o.to, o.dry_run), o.dry_run, service);
    } else if (o.action == "redo") {
      print_steps(ctx, engine.redo(service, o.dry_run), o.dry_run, service);
    }
  }
  return (o.exit_code && pending) ? kExitPending : kExitOk;
}

Runner setup_migrate(CLI::App& app, ConfigFlags& flags) {
  auto o = std::make_shared<MigrateOptions>();
  app.add_option("--service", o->service, "Only the migrations of this service");
  app.add_flag("--dry-run", o->dry_run, "Print the plan and change nothing");
  app.add_option("--migrations-dir", o->migrations_dir,
                 "Read migrations from DIR/<service>/ instead of those built in "
                 "(create: where to write; default ./migrations)");
  flags.bind(app, "--database-url", "DATABASE_URL", "Database URL (DATABASE_URL)");
  app.require_subcommand(0, 1);
  app.footer("Without an action, `migrate` runs `up`.");

  auto* up = app.add_subcommand("up", "Apply pending migrations (the default)");
  up->add_option("--to", o->to, "Stop after this version");
  auto* down = app.add_subcommand("down", "Revert the newest applied migrations");
  down->add_option("count", o->count, "How many to revert, per service (default 1)")
      ->check(CLI::Range(1, 1000000).description("a count of at least 1"));
  down->add_option("--to", o->to, "Revert every migration newer than this version");
  app.add_subcommand("redo", "Revert the newest migration and apply it again");
  auto* status = app.add_subcommand("status", "List migrations and whether they are applied");
  status->add_flag("--exit-code", o->exit_code,
                   "Exit with 3 when a migration is pending, modified or unknown");
  auto* create = app.add_subcommand("create", "Write the next numbered .up.sql/.down.sql pair");
  create->add_option("service", o->create_service, "The service")->required();
  create->add_option("name", o->create_name, "What it does, in [a-z0-9_]")->required();
  for (auto* sub : app.get_subcommands({})) {
    sub->fallthrough();
    const std::string name = sub->get_name();
    sub->callback([o, name] { o->action = name; });
  }
  return [o](Context& ctx) { return run_migrate(ctx, *o); };
}

}  // namespace roombook::cmd
