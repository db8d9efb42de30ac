// The migration engine: compares the known migrations with the rows of
// schema_migrations and applies or reverts them, one transaction each.

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>

#include "core/error.hpp"
#include "core/time.hpp"
#include "migrate/migrate.hpp"

namespace roombook::migrate {
namespace {

const db::Query kCreateTable{"schema_migrations.create",
                             "CREATE TABLE IF NOT EXISTS schema_migrations ("
                             "service TEXT NOT NULL, "
                             "version BIGINT NOT NULL, "
                             "name TEXT NOT NULL, "
                             "checksum TEXT NOT NULL, "
                             "applied_at TEXT NOT NULL, "
                             "PRIMARY KEY (service, version))"};

// Whether the table exists, without creating it (status and dry runs change
// nothing). The catalogs differ, so one query per dialect.
const db::Query kTableExistsSqlite{
    "schema_migrations.exists",
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"};
const db::Query kTableExistsPostgres{
    "schema_migrations.exists",
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"};

// On PostgreSQL a transaction does not serialize two migrators by itself; this
// lock, released at commit or rollback, does (SQLite's BEGIN IMMEDIATE already
// takes the write lock). The key is an arbitrary constant shared by all
// roombook processes. It obeys lock_timeout, set for the transaction first.
constexpr const char* kLockKey = "7277364109563174912";
const db::Query kLockTimeout{"schema_migrations.lock_timeout",
                             "SELECT set_config('lock_timeout', $1, true)"};
const db::Query kAdvisoryLock{"schema_migrations.lock",
                              "SELECT 1 FROM (SELECT pg_advisory_xact_lock(7277364109563174912)) "
                              "AS l"};

const db::Query kSelectApplied{"schema_migrations.list",
                               "SELECT service, version, name, checksum, applied_at "
                               "FROM schema_migrations ORDER BY service, version"};
const db::Query kSelectOne{"schema_migrations.get",
                           "SELECT version FROM schema_migrations "
                           "WHERE service = $1 AND version = $2"};
const db::Query kInsert{"schema_migrations.insert",
                        "INSERT INTO schema_migrations "
                        "(service, version, name, checksum, applied_at) "
                        "VALUES ($1, $2, $3, $4, $5)"};
const db::Query kDelete{"schema_migrations.delete",
                        "DELETE FROM schema_migrations WHERE service = $1 AND version = $2"};

// "user-mgmt 0001_create_users"
std::string label(const std::string& service, std::int64_t version, const std::string& name) {
  return service + " " + stem(version, name);
}

/// A transaction holding the migration lock, waited for `timeout` at most;
/// past it, an error that names the lock and what to look for.
db::Transaction begin_locked(db::Connection& conn, std::chrono::milliseconds timeout) {
  const bool postgres = conn.dialect() == db::Dialect::postgres;
  try {
    auto tx = conn.begin();
    if (postgres) {
      conn.query(kLockTimeout, {std::to_string(timeout.count()) + "ms"});
      conn.query(kAdvisoryLock);
    }
    return tx;
  } catch (const db::Error& e) {
    if (e.code() != db::ErrorCode::busy) throw;
    const auto waited = std::to_string(timeout.count()) + " ms (--lock-timeout)";
    if (postgres) {
      throw Error(std::string("another process holds the migration lock of this database "
                              "(PostgreSQL advisory lock ") +
                  kLockKey + ") and did not release it within " + waited +
                  ": check for a roombook migrate still running (SELECT pid, query FROM "
                  "pg_stat_activity JOIN pg_locks USING (pid) WHERE locktype = 'advisory' AND "
                  "granted)");
    }
    throw Error(
        "another process holds the write lock of this SQLite database and did not "
        "release it within " +
        waited + ": check for a roombook migrate still running, or a long write");
  }
}

void create_table(db::Connection& conn, std::chrono::milliseconds lock_timeout) {
  auto tx = begin_locked(conn, lock_timeout);
  conn.execute(kCreateTable);
  tx.commit();
}

bool table_exists(db::Connection& conn) {
  const db::Query& q =
      conn.dialect() == db::Dialect::postgres ? kTableExistsPostgres : kTableExistsSqlite;
  return !conn.query(q).empty();
}

std::vector<Applied> read_applied(db::Connection& conn) {
  std::vector<Applied> out;
  if (!table_exists(conn)) return out;
  for (const db::Row& row : conn.query(kSelectApplied)) {
    out.push_back({row.text(0), row.integer(1), row.text(2), row.text(3), row.text(4)});
  }
  return out;
}

bool is_applied(db::Connection& conn, const std::string& service, std::int64_t version) {
  return !conn.query(kSelectOne, {service, version}).empty();
}

bool selected(const std::optional<std::string>& filter, const std::string& service) {
  return !filter || *filter == service;
}

// One selected migration and its row, if applied.
struct Entry {
  const Migration* migration = nullptr;  // null: unknown to this binary
  std::optional<Applied> applied;

  State state() const {
    if (!applied) return State::pending;
    if (!migration) return State::unknown;
    return applied->checksum == migration->checksum ? State::applied : State::modified;
  }
};

// Known and applied migrations of the selected service(s), keyed by
// (service, version), so in the order status reports and up applies them.
using Plan = std::map<std::pair<std::string, std::int64_t>, Entry>;

Plan make_plan(const std::vector<Migration>& known, const std::vector<Applied>& applied,
               const std::optional<std::string>& service) {
  Plan plan;
  for (const Migration& m : known) {
    if (selected(service, m.service)) plan[{m.service, m.version}].migration = &m;
  }
  for (const Applied& a : applied) {
    if (selected(service, a.service)) plan[{a.service, a.version}].applied = a;
  }
  return plan;
}

// Why `e` stops up, or empty.
std::string problem(const Entry& e) {
  switch (e.state()) {
    case State::modified:
      return "migration " + label(e.migration->service, e.migration->version, e.migration->name) +
             " was changed after it was applied (checksum " + e.applied->checksum +
             " in the database, " + e.migration->checksum + " for " + e.migration->up_path +
             "); restore the file or write a new migration";
    case State::unknown:
      return "migration " + label(e.applied->service, e.applied->version, e.applied->name) +
             " is applied but this binary has no file for it: the database is newer than this "
             "binary; use a newer roombook (or --migrations-dir with the newer files)";
    default:
      return {};
  }
}

using Key = Plan::key_type;

// Throws core::Error listing every modified or unknown migration of `plan`,
// except those in `skip` (redo re-applies those anyway).
void check_clean(const Plan& plan, const std::set<Key>& skip = {}) {
  std::string message;
  for (const auto& [key, entry] : plan) {
    if (skip.count(key)) continue;
    const std::string p = problem(entry);
    if (p.empty()) continue;
    if (!message.empty()) message += "\n";
    message += p;
  }
  if (!message.empty()) throw core::Error(core::ErrorKind::conflict, message);
}

// The newest applied version of each service in `plan`.
std::map<std::string, std::int64_t> current_versions(const Plan& plan) {
  std::map<std::string, std::int64_t> out;
  for (const auto& [key, entry] : plan) {
    if (entry.applied) out[key.first] = key.second;
  }
  return out;
}

std::string where_left(const std::string& service, std::optional<std::int64_t> version) {
  return version ? service + " stays at version " + padded_version(*version)
                 : service + " has no migration applied";
}

// Refuses a service filter that names no service of this binary.
void check_service(const std::vector<Migration>& known, const std::optional<std::string>& service) {
  if (!service) return;
  std::set<std::string> names;
  for (const Migration& m : known) names.insert(m.service);
  if (names.count(*service)) return;
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown service '" + *service +
                              "'; services with migrations: " + (list.empty() ? "(none)" : list));
}

// Checks `to` against every selected service: a version that does not exist
// would otherwise be "nothing to do" (or a quiet stop at another version).
void check_to(const std::vector<Migration>& known, const std::optional<std::string>& service,
              std::int64_t to) {
  std::set<std::string> names;
  for (const Migration& m : known) {
    if (selected(service, m.service)) names.insert(m.service);
  }
  for (const std::string& name : names) check_version(known, name, to);
}

// Applies `m` unless another process did meanwhile. False when skipped.
bool apply_up(db::Connection& conn, const Migration& m, std::optional<std::int64_t> previous,
              std::chrono::milliseconds lock_timeout) {
  auto tx = begin_locked(conn, lock_timeout);
  if (is_applied(conn, m.service, m.version)) return false;
  try {
    conn.execute_script(m.up_sql);
    conn.execute(kInsert,
                 {m.service, m.version, m.name, m.checksum, core::format_rfc3339(core::now())});
  } catch (const db::Error& e) {
    throw Error("migration " + m.up_path + " failed and was rolled back (" +
                where_left(m.service, previous) + "): " + e.what());
  }
  tx.commit();
  return true;
}

// Reverts `m` unless another process did meanwhile. False when skipped.
bool apply_down(db::Connection& conn, const Migration& m, std::chrono::milliseconds lock_timeout) {
  auto tx = begin_locked(conn, lock_timeout);
  if (!is_applied(conn, m.service, m.version)) return false;
  try {
    conn.execute_script(m.down_sql);
    conn.execute(kDelete, {m.service, m.version});
  } catch (const db::Error& e) {
    throw Error("migration " + m.down_path + " failed and was rolled back (" +
                where_left(m.service, m.version) + "): " + e.what());
  }
  tx.commit();
  return true;
}

// The file to revert `entry` with, or an error saying why there is none.
const Migration& revertible(const Entry& entry) {
  if (!entry.migration) {
    throw Error(
        "cannot revert migration " +
        label(entry.applied->service, entry.applied->version, entry.applied->name) +
        ": this binary has no file for it (the database is newer than this binary); use a newer "
        "roombook (or --migrations-dir with the newer files)");
  }
  if (entry.migration->down_path.empty()) {
    throw Error("cannot revert migration " + entry.migration->up_path + ": it has no .down.sql");
  }
  return *entry.migration;
}

}  // namespace

void check_version(const std::vector<Migration>& migrations, const std::string& service,
                   std::int64_t version) {
  std::string versions;
  for (const Migration& m : migrations) {
    if (m.service != service) continue;
    if (m.version == version) return;
    versions += (versions.empty() ? "" : ", ") + std::to_string(m.version);
  }
  throw std::invalid_argument(
      "no migration " + std::to_string(version) + " for " + service +
      (versions.empty() ? "; it has no migrations" : "; its versions are " + versions));
}

Engine::Engine(db::Pool& pool, std::vector<Migration> migrations,
               std::chrono::milliseconds lock_timeout)
    : pool_(pool), migrations_(std::move(migrations)), lock_timeout_(lock_timeout) {
  std::sort(migrations_.begin(), migrations_.end(), [](const Migration& a, const Migration& b) {
    return std::tie(a.service, a.version) < std::tie(b.service, b.version);
  });
}

std::vector<StatusRow> Engine::status(const std::optional<std::string>& service) {
  check_service(migrations_, service);
  auto conn = pool_.acquire();
  const Plan plan = make_plan(migrations_, read_applied(*conn), service);
  std::vector<StatusRow> out;
  for (const auto& [key, entry] : plan) {
    StatusRow row;
    row.service = key.first;
    row.version = key.second;
    row.name = entry.migration ? entry.migration->name : entry.applied->name;
    row.state = entry.state();
    if (entry.applied) row.applied_at = entry.applied->applied_at;
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<Step> Engine::up(const std::optional<std::string>& service,
                             std::optional<std::int64_t> to, bool dry_run) {
  check_service(migrations_, service);
  if (to) check_to(migrations_, service, *to);
  auto conn = pool_.acquire();
  if (!dry_run) create_table(*conn, lock_timeout_);
  const Plan plan = make_plan(migrations_, read_applied(*conn), service);
  check_clean(plan);

  auto current = current_versions(plan);
  std::vector<Step> steps;
  for (const auto& [key, entry] : plan) {
    if (entry.state() != State::pending || (to && key.second > *to)) continue;
    const Migration& m = *entry.migration;
    std::optional<std::int64_t> previous;
    if (auto it = current.find(m.service); it != current.end()) previous = it->second;
    if (dry_run || apply_up(*conn, m, previous, lock_timeout_)) {
      steps.push_back({m.service, m.version, m.name, true});
    }
    current[m.service] = std::max(previous.value_or(m.version), m.version);
  }
  return steps;
}

std::vector<Step> Engine::down(const std::optional<std::string>& service, int count,
                               std::optional<std::int64_t> to, bool dry_run) {
  check_service(migrations_, service);
  if (count < 0) throw std::invalid_argument("down: count must not be negative");
  if (to && *to != 0) check_to(migrations_, service, *to);  // 0: revert them all
  auto conn = pool_.acquire();
  const Plan plan = make_plan(migrations_, read_applied(*conn), service);

  // Newest first within each service; services in name order.
  std::vector<const Migration*> todo;
  std::map<std::string, int> taken;
  for (auto it = plan.rbegin(); it != plan.rend(); ++it) {
    const auto& [key, entry] = *it;
    if (!entry.applied) continue;
    if (to ? key.second <= *to : taken[key.first] >= count) continue;
    ++taken[key.first];
    todo.push_back(&revertible(entry));  // check every one before reverting any
  }
  std::stable_sort(todo.begin(), todo.end(),
                   [](const Migration* a, const Migration* b) { return a->service < b->service; });

  std::vector<Step> steps;
  for (const Migration* m : todo) {
    if (dry_run || apply_down(*conn, *m, lock_timeout_)) {
      steps.push_back({m->service, m->version, m->name, false});
    }
  }
  return steps;
}

std::vector<Step> Engine::redo(const std::optional<std::string>& service, bool dry_run) {
  check_service(migrations_, service);
  auto conn = pool_.acquire();
  const Plan plan = make_plan(migrations_, read_applied(*conn), service);

  // The newest applied migration of each service; it may be modified (that
  // is what redo is for while writing a migration), the others may not.
  std::map<std::string, Key> newest;
  for (const auto& [key, entry] : plan) {
    if (entry.applied) newest[key.first] = key;
  }
  std::set<Key> redone;
  for (const auto& [svc, key] : newest) redone.insert(key);
  check_clean(plan, redone);
  std::vector<const Migration*> todo;
  for (const Key& key : redone) todo.push_back(&revertible(plan.at(key)));

  std::vector<Step> steps;
  for (const Migration* m : todo) {
    if (!dry_run) {
      apply_down(*conn, *m, lock_timeout_);
      std::optional<std::int64_t> previous;
      for (const auto& [k, e] : plan) {
        if (k.first == m->service && k.second < m->version && e.applied) previous = k.second;
      }
      apply_up(*conn, *m, previous, lock_timeout_);
    }
    steps.push_back({m->service, m->version, m->name, false});
    steps.push_back({m->service, m->version, m->name, true});
  }
  return steps;
}

bool Engine::has_pending(const std::optional<std::string>& service) {
  const auto rows = status(service);
  return std::any_of(rows.begin(), rows.end(),
                     [](const StatusRow& r) { return r.state != State::applied; });
}

}  // namespace roombook::migrate
