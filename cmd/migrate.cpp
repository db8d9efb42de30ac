#include "cmd/migrate.hpp"

#include <algorithm>
#include <cctype>
#include <iomanip>
#include <istream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/time.hpp"
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

/// How print_steps words a step: done, `--dry-run`, or a plan about to run.
enum class Tense { past, would, will };

void print_steps(Context& ctx, const std::vector<migrate::Step>& steps, Tense tense,
                 const std::string& service) {
  if (steps.empty()) {
    ctx.out << service << ": nothing to do\n";
    return;
  }
  for (const auto& s : steps) {
    const char* verb = tense == Tense::past ? (s.up ? "applied " : "reverted ")
                       : s.up               ? "apply "
                                            : "revert ";
    ctx.out << s.service << ": " << (tense == Tense::would ? "would " : "")
            << (tense == Tense::will ? "will " : "") << verb << migrate::stem(s.version, s.name)
            << "\n";
  }
}

/// One selected service with its database open.
struct Target {
  std::string service;
  std::unique_ptr<db::Pool> pool;
  std::unique_ptr<migrate::Engine> engine;
};

Target open_target(Context& ctx, const MigrateOptions& o,
                   const std::vector<migrate::SourceFile>& files, const std::string& service) {
  db::PoolOptions pool_options;
  // On SQLite, another migrator's write lock is waited for by the busy timeout.
  pool_options.busy_timeout_ms = static_cast<int>(o.lock_timeout.count());
  auto pool = db::open(ctx.config.database_url(service), pool_options);
  auto engine = std::make_unique<migrate::Engine>(*pool, migrate::assemble(files, pool->dialect()),
                                                  o.lock_timeout);
  return {service, std::move(pool), std::move(engine)};
}

bool has_applied(migrate::Engine& engine, const std::string& service) {
  const auto rows = engine.status(service);
  return std::any_of(rows.begin(), rows.end(), [](const migrate::StatusRow& r) {
    return r.state != migrate::State::pending;
  });
}

/// Reverting drops tables and their rows: a person confirms it on a terminal,
/// a script says --yes. Throws unless one of them did.
void confirm_revert(Context& ctx, const MigrateOptions& o) {
  if (o.yes) return;
  if (!ctx.in || !ctx.in_is_terminal || !ctx.out_is_terminal) {
    throw UsageError(
        "reverting a migration drops what it created, data included; nothing was changed: add "
        "--yes to revert (or run it on a terminal to be asked)");
  }
  ctx.out << "Revert these migrations? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(*ctx.in, answer)) ctx.out << "\n";  // end of input: no
  const auto first = answer.find_first_not_of(" \t\r");
  std::string word = first == std::string::npos
                         ? ""
                         : answer.substr(first, answer.find_last_not_of(" \t\r") + 1 - first);
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (word != "y" && word != "yes") throw std::runtime_error("not confirmed; nothing was changed");
}

/// `down` and `redo`: plan, confirm, check the plan still holds, run it.
int run_revert(Context& ctx, const MigrateOptions& o, const std::vector<migrate::SourceFile>& files,
               const std::vector<std::string>& services) {
  std::vector<Target> targets;
  for (const auto& service : services) targets.push_back(open_target(ctx, o, files, service));

  // One service at a time, so that a bare `down` or `redo` cannot empty
  // every database.
  std::vector<Target> undoable;
  for (auto& t : targets) {
    if (has_applied(*t.engine, t.service)) undoable.push_back(std::move(t));
  }
  if (undoable.size() > 1) {
    std::string names;
    for (const auto& t : undoable) names += (names.empty() ? "" : ", ") + t.service;
    throw UsageError("several services have migrations to revert (" + names + "); " + o.action +
                     " reverts one at a time: add --service SERVICE");
  }
  // With none, every service says "nothing to do" once the engine checked --to.
  if (!undoable.empty()) targets = std::move(undoable);

  const auto plan_of = [&o](Target& t, bool dry_run) {
    return o.action == "down" ? t.engine->down(t.service, o.count, o.to, dry_run)
                              : t.engine->redo(t.service, dry_run);
  };
  std::vector<std::vector<migrate::Step>> plans;
  bool any = false;
  for (auto& t : targets) {
    plans.push_back(plan_of(t, true));
    any = any || !plans.back().empty();
  }
  if (o.dry_run || !any) {
    for (std::size_t i = 0; i < targets.size(); ++i) {
      print_steps(ctx, plans[i], Tense::would, targets[i].service);
    }
    return kExitOk;
  }

  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!plans[i].empty()) print_steps(ctx, plans[i], Tense::will, targets[i].service);
  }
  confirm_revert(ctx, o);
  // The answer may come much later: revert what was shown, or nothing.
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (plan_of(targets[i], true) != plans[i]) {
      throw std::runtime_error("the migrations of " + targets[i].service +
                               " changed while waiting for the answer; nothing was changed; run "
                               "it again to see the new plan");
    }
  }
  for (auto& t : targets) print_steps(ctx, plan_of(t, false), Tense::past, t.service);
  return kExitOk;
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
  const auto known = migrate::assemble(files, db::Dialect::sqlite);
  const auto services = selected(o, known);
  if (o.action == "down" || o.action == "redo") return run_revert(ctx, o, files, services);
  if (o.action == "up" && o.to) {
    // Before the first service is migrated, not when reaching the one without it.
    for (const auto& service : services) migrate::check_version(known, service, *o.to);
  }

  bool pending = false;
  bool header = false;
  // Each service may live in a database of its own.
  for (const auto& service : services) {
    auto t = open_target(ctx, o, files, service);
    if (o.action == "status") {
      if (!header) {
        ctx.out << std::left << std::setw(12) << "SERVICE" << std::setw(32) << "MIGRATION"
                << std::setw(10) << "STATE"
                << "APPLIED AT\n";
        header = true;
      }
      for (const auto& row : t.engine->status(service)) {
        pending = pending || row.state != migrate::State::applied;
        ctx.out << std::left << std::setw(12) << row.service << std::setw(32)
                << migrate::stem(row.version, row.name) << std::setw(10) << to_string(row.state)
                << row.applied_at << "\n";
      }
    } else if (o.action == "up") {
      print_steps(ctx, t.engine->up(service, o.to, o.dry_run),
                  o.dry_run ? Tense::would : Tense::past, service);
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
  app.add_option_function<std::string>(
         "--lock-timeout",
         [o](const std::string& text) {
           const auto d = core::parse_duration(text);
           if (!d || *d < std::chrono::milliseconds(1) || *d > std::chrono::hours(24)) {
             throw CLI::ValidationError("--lock-timeout",
                                        "must be a duration with its unit, from 1ms to 24h "
                                        "(500ms, 60s, 5m), not \"" +
                                            text + "\"");
           }
           o->lock_timeout = *d;
         },
         "How long to wait for another migrator of the same database (default 60s)")
      ->type_name("DURATION");
  flags.bind(app, "--database-url", "DATABASE_URL", "Database URL (DATABASE_URL)");
  app.require_subcommand(0, 1);
  app.footer("Without an action, `migrate` runs `up`.");

  auto* up = app.add_subcommand("up", "Apply pending migrations (the default)");
  up->add_option("--to", o->to, "Stop after this version");
  auto* down = app.add_subcommand("down", "Revert the newest applied migrations of one service");
  down->add_option("count", o->count, "How many to revert (default 1)")
      ->check(CLI::Range(1, 1000000).description("a count of at least 1"));
  down->add_option("--to", o->to, "Revert every migration newer than this version");
  auto* redo =
      app.add_subcommand("redo", "Revert the newest migration of one service and apply it again");
  for (auto* sub : {down, redo}) {
    sub->add_flag("--yes", o->yes,
                  "Revert without asking (required when stdin or stdout is not a terminal)");
  }
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
