#pragma once

// The migration engine. Each service owns its migrations, numbered
// NNNN_name.up.sql / NNNN_name.down.sql (a NNNN_name.up.postgres.sql beside
// them wins on PostgreSQL). The state lives in the table schema_migrations
// (service, version, name, checksum, applied_at).

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "db/db.hpp"

namespace roombook::migrate {

/// A migration that failed (and was rolled back), or migration files that
/// cannot be read or written. The message names the file.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One file as found on disk or embedded in the binary. `path` is relative to
/// the migrations root: "user-mgmt/0001_create_users.up.sql".
struct SourceFile {
  std::string path;
  std::string contents;
};

/// One migration of one service, assembled from its files.
struct Migration {
  std::string service;
  std::int64_t version = 0;
  std::string name;
  std::string up_path;
  std::string up_sql;
  std::string down_path;  ///< empty when there is no down file
  std::string down_sql;
  std::string checksum;  ///< 16 hex digits, FNV-1a 64 of up_sql: detects edits
};

/// A version as files, messages and `migrate status` write it: "0001".
std::string padded_version(std::int64_t version);
/// A migration's file stem: "0001_create_users".
std::string stem(std::int64_t version, const std::string& name);

/// Throws std::invalid_argument unless `service` has a migration numbered
/// `version` among `migrations`; the message lists the versions it has. The
/// engine checks every `--to` with it; callers acting on several services can
/// check them all before acting on any.
void check_version(const std::vector<Migration>& migrations, const std::string& service,
                   std::int64_t version);

/// Groups files into migrations, sorted by (service, version). Throws
/// std::invalid_argument naming the file for a bad name, a duplicate version
/// or an .up.sql without its .down.sql. `dialect` picks .postgres.sql variants.
std::vector<Migration> assemble(const std::vector<SourceFile>& files, db::Dialect dialect);

/// Reads every *.sql below `dir` (one folder per service). Throws Error for a
/// file it cannot read or one over 16 MiB, naming it.
std::vector<SourceFile> read_dir(const std::string& dir);

/// The files compiled into the binary from migrations/.
const std::vector<SourceFile>& embedded();

struct Applied {
  std::string service;
  std::int64_t version = 0;
  std::string name;
  std::string checksum;
  std::string applied_at;
};

enum class State {
  applied,   ///< applied, checksum matches
  pending,   ///< known, not applied
  modified,  ///< applied, but the file changed since
  unknown,   ///< applied in the database, no such file in this binary
};

struct StatusRow {
  std::string service;
  std::int64_t version = 0;
  std::string name;
  State state = State::pending;
  std::string applied_at;  ///< empty when pending
};

/// What an `up` or `down` did or (dry run) would do.
struct Step {
  std::string service;
  std::int64_t version = 0;
  std::string name;
  bool up = true;

  bool operator==(const Step&) const = default;
};

class Engine {
 public:
  /// How long a migrator waits for another to finish (--lock-timeout).
  static constexpr std::chrono::milliseconds kDefaultLockTimeout{60000};

  /// `migrations` as returned by assemble(). Does not touch the database.
  /// Two migrators of one database wait for each other, at most
  /// `lock_timeout`: PostgreSQL by an advisory lock, SQLite by its write
  /// lock (whose wait is the pool's busy timeout; open it with this one).
  Engine(db::Pool& pool, std::vector<Migration> migrations,
         std::chrono::milliseconds lock_timeout = kDefaultLockTimeout);

  /// Every known and every applied migration, optionally of one service.
  std::vector<StatusRow> status(const std::optional<std::string>& service = std::nullopt);

  /// Applies pending migrations in version order, each in its own
  /// transaction, up to and including `to` if given (a version of every
  /// selected service, else std::invalid_argument). Throws core::Error
  /// before applying anything when an applied migration was modified or is
  /// unknown to this binary. A failing migration is rolled back and the
  /// error names its file and statement. Safe to run from two processes at
  /// once: each migration is applied exactly once.
  std::vector<Step> up(const std::optional<std::string>& service, std::optional<std::int64_t> to,
                       bool dry_run);

  /// Reverts the `count` most recent migrations (per service), or down to
  /// (not including) version `to`, newest first. `to` is 0 (revert all) or a
  /// version of every selected service, else std::invalid_argument.
  std::vector<Step> down(const std::optional<std::string>& service, int count,
                         std::optional<std::int64_t> to, bool dry_run);

  /// Reverts and re-applies the newest applied migration of each service.
  std::vector<Step> redo(const std::optional<std::string>& service, bool dry_run);

  /// Whether a selected service has pending migrations (or modified / unknown
  /// ones). Used by `serve` to refuse to start.
  bool has_pending(const std::optional<std::string>& service);

 private:
  db::Pool& pool_;
  std::vector<Migration> migrations_;
  std::chrono::milliseconds lock_timeout_;
};

/// Writes the next numbered NNNN_name.up.sql / .down.sql pair for `service`
/// under `dir` and returns their paths. Refuses a name outside [a-z0-9_].
std::vector<std::string> create(const std::string& dir, const std::string& service,
                                const std::string& name);

}  // namespace roombook::migrate
