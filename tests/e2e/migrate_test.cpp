// `roombook migrate`, end to end: the embedded migrations and a
// --migrations-dir on disk, against a fresh database per test.

#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace roombook::e2e;
namespace fs = std::filesystem;

namespace {

/// "user-mgmt/MIGRATION" -> STATE from `migrate status` (columns: SERVICE MIGRATION STATE
/// APPLIED AT). Other services' rows are left out: they come and go with the tree.
std::map<std::string, std::string> states(const Workspace& ws,
                                          const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"migrate", "status"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = ws.run(args);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.out);
  std::string header;
  std::getline(in, header);
  REQUIRE(header.rfind("SERVICE", 0) == 0);
  std::map<std::string, std::string> result;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string service, migration, state;
    if (fields >> service >> migration >> state && service == "user-mgmt") {
      result[service + "/" + migration] = state;
    }
  }
  return result;
}

const std::string k0001 = "user-mgmt/0001_create_users";
const std::string k0002 = "user-mgmt/0002_add_email";

/// Copies the source tree's migrations to DIR, for --migrations-dir.
void copy_migrations(const Workspace& ws, const std::string& dir) {
  fs::create_directories(ws.path(dir));
  fs::copy(source_migrations_dir() + "/user-mgmt", ws.path(dir) / "user-mgmt",
           fs::copy_options::recursive);
  REQUIRE(fs::exists(ws.path(dir) / "user-mgmt" / "0001_create_users.up.sql"));
}

/// DIR with 0001 and a 0002 that adds a column, applied to the database.
void apply_newer_migrations(const Workspace& ws, const std::string& dir) {
  copy_migrations(ws, dir);
  const auto created =
      ws.run({"migrate", "create", "user-mgmt", "add_email", "--migrations-dir", dir});
  REQUIRE(created.exit_code == 0);
  ws.write(dir + "/user-mgmt/0002_add_email.up.sql", "ALTER TABLE users ADD COLUMN email TEXT;\n");
  ws.write(dir + "/user-mgmt/0002_add_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n");
  const auto up = ws.run({"migrate", "up", "--migrations-dir", dir});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
}

/// DIR with user-mgmt's migrations and a rooms migration of its own (not the
/// tree's, which may change), both applied: two services to revert.
void apply_two_services(const Workspace& ws, const std::string& dir) {
  copy_migrations(ws, dir);
  fs::create_directories(ws.path(dir) / "rooms");
  ws.write(dir + "/rooms/0001_test_rooms.up.sql", "CREATE TABLE test_rooms (id INTEGER);\n");
  ws.write(dir + "/rooms/0001_test_rooms.down.sql", "DROP TABLE test_rooms;\n");
  const auto up = ws.run({"migrate", "up", "--migrations-dir", dir});
  INFO(up.out << up.err);
  REQUIRE(up.exit_code == 0);
}

}  // namespace

TEST_CASE("e2e migrate: status lists pending then applied, --exit-code says 3 then 0",
          "[e2e][migrate]") {
  Workspace ws;
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "pending"}});
  CHECK(ws.run({"migrate", "status", "--exit-code"}).exit_code == 3);

  const auto up = ws.run({"migrate", "up"});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  CHECK(up.out.find("applied 0001_create_users") != std::string::npos);

  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "applied"}});
  CHECK(ws.run({"migrate", "status", "--exit-code"}).exit_code == 0);

  // Again: nothing to do. And `migrate` alone means `up`.
  const auto again = ws.run({"migrate", "up"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing to do") != std::string::npos);
  CHECK(ws.run({"migrate"}).exit_code == 0);
}

TEST_CASE("e2e migrate: two `migrate up` at once both succeed and apply each migration once",
          "[e2e][migrate]") {
  Workspace ws;
  RunResult a, b;
  std::thread other([&] { b = ws.run({"migrate", "up", "--service", "user-mgmt"}); });
  a = ws.run({"migrate", "up", "--service", "user-mgmt"});
  other.join();
  INFO(a.out << a.err << b.out << b.err);
  CHECK(a.exit_code == 0);
  CHECK(b.exit_code == 0);
  const auto applied = [](const std::string& out) {
    return out.find("applied 0001_create_users") != std::string::npos;
  };
  CHECK(applied(a.out) != applied(b.out));  // exactly one of them applied it
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "applied"}});
}

TEST_CASE("e2e migrate: a migrator that waits past --lock-timeout exits 1 saying what holds it",
          "[e2e][migrate]") {
  Workspace ws;
  REQUIRE(ws.run({"migrate", "up", "--service", "rooms"}).exit_code == 0);
  {
    // Another migrator mid-migration: the lock every migration takes.
    WriteLock other(ws.database_url(), "SELECT pg_advisory_xact_lock(7277364109563174912)");
    const auto start = std::chrono::steady_clock::now();
    const auto r = ws.run({"migrate", "up", "--lock-timeout", "300ms"});
    const auto waited = std::chrono::steady_clock::now() - start;
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("did not release it within 300 ms (--lock-timeout)") != std::string::npos);
    CHECK(r.err.find(on_postgres()
                         ? "PostgreSQL advisory lock 7277364109563174912"
                         : "the write lock of this SQLite database") != std::string::npos);
    CHECK(waited >= std::chrono::milliseconds(300));
    CHECK(waited < std::chrono::seconds(30));
  }
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "pending"}});
  // Once the lock is free, the same command goes through.
  CHECK(ws.run({"migrate", "up", "--lock-timeout", "300ms"}).exit_code == 0);
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "applied"}});
}

TEST_CASE("e2e migrate: --lock-timeout takes a duration with its unit", "[e2e][migrate]") {
  Workspace ws;
  for (const std::string bad : {"60", "0s", "-1s", "1h", "soon", ""}) {
    INFO(bad);
    const auto r = ws.run({"migrate", "up", "--lock-timeout", bad});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--lock-timeout") != std::string::npos);
  }
  CHECK(ws.run({"migrate", "status", "--lock-timeout", "2m"}).exit_code == 0);
}

TEST_CASE("e2e migrate: up --dry-run prints the plan and changes nothing", "[e2e][migrate]") {
  Workspace ws;
  const auto dry = ws.run({"migrate", "up", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("0001_create_users") != std::string::npos);
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "pending"}});
  CHECK(ws.run({"user", "list"}).exit_code == 1);
}

TEST_CASE("e2e migrate: down reverts the newest migration and redo applies it again",
          "[e2e][migrate]") {
  Workspace ws;
  REQUIRE(ws.run({"migrate", "up"}).exit_code == 0);
  REQUIRE(ws.run({"user", "add", "alice", "--firstname", "A", "--lastname", "L"}).exit_code == 0);

  const auto down = ws.run({"migrate", "down", "--service", "user-mgmt", "--yes"});
  INFO(down.out << down.err);
  CHECK(down.exit_code == 0);
  CHECK(down.out.find("reverted 0001_create_users") != std::string::npos);
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "pending"}});
  CHECK(ws.run({"user", "list"}).exit_code == 1);

  REQUIRE(ws.run({"migrate", "up"}).exit_code == 0);
  // Like down, redo acts on one service: both have applied migrations.
  CHECK(ws.run({"migrate", "redo", "--yes"}).exit_code == 2);
  const auto redo = ws.run({"migrate", "redo", "--service", "user-mgmt", "--yes"});
  INFO(redo.out << redo.err);
  CHECK(redo.exit_code == 0);
  CHECK(redo.out.find("reverted 0001_create_users") != std::string::npos);
  CHECK(redo.out.find("applied 0001_create_users") != std::string::npos);
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "applied"}});
  const auto list = ws.run({"user", "list", "--format", "json"});
  CHECK(list.exit_code == 0);
  CHECK(nlohmann::json::parse(list.out) == nlohmann::json::array());
}

TEST_CASE("e2e migrate: --service selects a service, an unknown one exits 1", "[e2e][migrate]") {
  Workspace ws;
  const auto up = ws.run({"migrate", "up", "--service", "user-mgmt"});
  CHECK(up.exit_code == 0);
  CHECK(states(ws, {"--service", "user-mgmt"}) ==
        std::map<std::string, std::string>{{k0001, "applied"}});

  for (const auto& args :
       std::vector<std::vector<std::string>>{{"migrate", "up", "--service", "nosuch"},
                                             {"migrate", "status", "--service", "nosuch"},
                                             {"migrate", "--service", "nosuch", "down"}}) {
    const auto r = ws.run(args);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("nosuch") != std::string::npos);
  }
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "applied"}});
}

TEST_CASE("e2e migrate: create writes the next numbered .up.sql/.down.sql pair", "[e2e][migrate]") {
  Workspace ws;
  copy_migrations(ws, "m");
  const auto files = [&] {
    return std::distance(fs::directory_iterator(ws.path("m") / "user-mgmt"),
                         fs::directory_iterator());
  };
  const auto before = files();
  const auto r = ws.run({"migrate", "create", "user-mgmt", "add_email", "--migrations-dir", "m"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  for (const char* file : {"0002_add_email.up.sql", "0002_add_email.down.sql"}) {
    INFO(file);
    CHECK(fs::exists(ws.path("m") / "user-mgmt" / file));
    CHECK(r.out.find(file) != std::string::npos);
  }

  const auto bad = ws.run({"migrate", "create", "user-mgmt", "Add-Phone", "--migrations-dir", "m"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("Add-Phone") != std::string::npos);
  CHECK(files() == before + 2);  // the new pair, and nothing for the bad name

  // The new pair is picked up from the directory (comments only: a no-op).
  const auto up = ws.run({"migrate", "up", "--migrations-dir", "m"});
  INFO(up.out << up.err);
  CHECK(up.exit_code == 0);
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "applied"}, {k0002, "applied"}});
}

TEST_CASE("e2e migrate: a migration edited after it was applied stops `up` with a checksum error",
          "[e2e][migrate]") {
  Workspace ws;
  copy_migrations(ws, "m");
  REQUIRE(ws.run({"migrate", "up", "--migrations-dir", "m"}).exit_code == 0);
  // The file this backend applied: PostgreSQL has a variant of its own.
  const std::string file = on_postgres() ? "m/user-mgmt/0001_create_users.up.postgres.sql"
                                         : "m/user-mgmt/0001_create_users.up.sql";
  ws.write(file, ws.read(file) + "\n-- edited afterwards\n");

  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "MODIFIED"}});
  CHECK(ws.run({"migrate", "status", "--exit-code", "--migrations-dir", "m"}).exit_code == 3);
  const auto up = ws.run({"migrate", "up", "--migrations-dir", "m"});
  INFO(up.err);
  CHECK(up.exit_code == 1);
  CHECK(contains_nocase(up.err, "checksum"));
  CHECK(up.err.find("0001_create_users") != std::string::npos);
}

TEST_CASE("e2e migrate: an applied migration this binary does not know is reported, up refuses",
          "[e2e][migrate]") {
  Workspace ws;
  apply_newer_migrations(ws, "m");

  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "applied"}, {k0002, "UNKNOWN"}});
  CHECK(ws.run({"migrate", "status", "--exit-code"}).exit_code == 3);

  const auto up = ws.run({"migrate", "up"});
  INFO(up.err);
  CHECK(up.exit_code == 1);
  CHECK(up.err.find("0002_add_email") != std::string::npos);

  const auto serve = ws.run({"serve", "user-mgmt", "--port", "0"});
  CHECK(serve.exit_code == 1);
}

// When the database is newer than the binary, `migrate up` refuses (above), so
// telling the user to run it leads nowhere: the message must say what is wrong.
TEST_CASE("e2e migrate: a database newer than the binary is not reported as pending migrations",
          "[e2e][migrate]") {
  Workspace ws;
  apply_newer_migrations(ws, "m");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"user", "list"}, {"serve", "user-mgmt", "--port", "0"}}) {
    const auto r = ws.run(args);
    INFO(args[0] << " stderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("run `roombook migrate up`") == std::string::npos);
    CHECK(r.err.find("0002_add_email") != std::string::npos);
  }
}

TEST_CASE("e2e migrate: down refuses without --service when several services could be undone",
          "[e2e][migrate]") {
  Workspace ws;
  apply_two_services(ws, "m");
  const auto status = ws.run({"migrate", "status", "--migrations-dir", "m"});
  REQUIRE(status.exit_code == 0);

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"migrate", "down", "--yes", "--migrations-dir", "m"},
           {"migrate", "down", "2", "--yes", "--migrations-dir", "m"},
           {"migrate", "down", "--to", "0", "--yes", "--migrations-dir", "m"},
           {"migrate", "down", "--dry-run", "--migrations-dir", "m"}}) {
    const auto r = ws.run(args);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("rooms, user-mgmt") != std::string::npos);
    CHECK(r.err.find("--service") != std::string::npos);
    CHECK(r.out.empty());
  }
  // Nothing was reverted, in either service.
  CHECK(ws.run({"migrate", "status", "--migrations-dir", "m"}).out == status.out);

  const auto rooms =
      ws.run({"migrate", "down", "--service", "rooms", "--yes", "--migrations-dir", "m"});
  INFO(rooms.out << rooms.err);
  CHECK(rooms.exit_code == 0);
  CHECK(rooms.out ==
        "rooms: will revert 0001_test_rooms\n"
        "rooms: reverted 0001_test_rooms\n");
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "applied"}});

  // Now only user-mgmt has something to revert: --service may be left out.
  const auto last = ws.run({"migrate", "down", "--yes", "--migrations-dir", "m"});
  INFO(last.out << last.err);
  CHECK(last.exit_code == 0);
  CHECK(last.out ==
        "user-mgmt: will revert 0001_create_users\n"
        "user-mgmt: reverted 0001_create_users\n");
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "pending"}});
}

TEST_CASE("e2e migrate: down reverts one migration by default, N or --to V more",
          "[e2e][migrate]") {
  Workspace ws;
  apply_newer_migrations(ws, "m");

  const auto one = ws.run({"migrate", "down", "--yes", "--migrations-dir", "m"});
  INFO(one.out << one.err);
  CHECK(one.exit_code == 0);
  CHECK(one.out ==
        "user-mgmt: will revert 0002_add_email\n"
        "user-mgmt: reverted 0002_add_email\n");
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "applied"}, {k0002, "pending"}});

  REQUIRE(ws.run({"migrate", "up", "--migrations-dir", "m"}).exit_code == 0);
  const auto two = ws.run({"migrate", "down", "2", "--yes", "--migrations-dir", "m"});
  INFO(two.out << two.err);
  CHECK(two.exit_code == 0);
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "pending"}, {k0002, "pending"}});

  REQUIRE(ws.run({"migrate", "up", "--migrations-dir", "m"}).exit_code == 0);
  const auto to = ws.run({"migrate", "down", "--to", "1", "--yes", "--migrations-dir", "m"});
  INFO(to.out << to.err);
  CHECK(to.exit_code == 0);
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "applied"}, {k0002, "pending"}});
}

TEST_CASE("e2e migrate: off a terminal down and redo print the plan and refuse without --yes",
          "[e2e][migrate]") {
  Workspace ws;
  REQUIRE(ws.run({"migrate", "up"}).exit_code == 0);
  REQUIRE(ws.run({"user", "add", "alice", "--firstname", "A", "--lastname", "L"}).exit_code == 0);

  for (const auto& args :
       std::vector<std::vector<std::string>>{{"migrate", "down", "--service", "user-mgmt"},
                                             {"migrate", "--service", "user-mgmt", "redo"}}) {
    // Not even a "y" on stdin counts: it is not a terminal.
    const auto r = ws.run(args, std::string("y\n"));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("user-mgmt: will revert 0001_create_users") != std::string::npos);
    CHECK(r.out.find("reverted") == std::string::npos);
    CHECK(r.err.find("--yes") != std::string::npos);
    CHECK(r.err.find("terminal") != std::string::npos);
  }
  // alice is still there: nothing was reverted.
  const auto list = ws.run({"user", "list", "--format", "json"});
  REQUIRE(list.exit_code == 0);
  CHECK(nlohmann::json::parse(list.out).size() == 1);

  const auto dry = ws.run({"migrate", "down", "--service", "user-mgmt", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out == "user-mgmt: would revert 0001_create_users\n");
  CHECK(states(ws) == std::map<std::string, std::string>{{k0001, "applied"}});
}

TEST_CASE(
    "e2e migrate: up --to and down --to a version that does not exist exit 1, listing those "
    "that do",
    "[e2e][migrate]") {
  Workspace ws;
  copy_migrations(ws, "m");
  REQUIRE(
      ws.run({"migrate", "create", "user-mgmt", "add_email", "--migrations-dir", "m"}).exit_code ==
      0);

  const auto up =
      ws.run({"migrate", "up", "--service", "user-mgmt", "--to", "7", "--migrations-dir", "m"});
  INFO(up.out << up.err);
  CHECK(up.exit_code == 1);
  CHECK(up.err == "roombook: no migration 7 for user-mgmt; its versions are 1, 2\n");
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "pending"}, {k0002, "pending"}});

  REQUIRE(ws.run({"migrate", "up", "--migrations-dir", "m"}).exit_code == 0);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"migrate", "down", "--to", "7", "--yes", "--migrations-dir", "m"},
           {"migrate", "down", "--to", "7", "--dry-run", "--migrations-dir", "m"}}) {
    const auto down = ws.run(args);
    INFO(down.out << down.err);
    CHECK(down.exit_code == 1);
    CHECK(down.err == "roombook: no migration 7 for user-mgmt; its versions are 1, 2\n");
  }
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        std::map<std::string, std::string>{{k0001, "applied"}, {k0002, "applied"}});
}
