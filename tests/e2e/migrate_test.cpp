// `roombook migrate`, end to end: the embedded migrations and a
// --migrations-dir on disk, against a fresh database per test.

#include <chrono>
#include <cstdint>
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

using States = std::map<std::string, std::string>;

/// "SERVICE/MIGRATION" -> STATE from `migrate status` (columns: SERVICE MIGRATION STATE
/// APPLIED AT), for every service it lists.
States states(const Workspace& ws, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"migrate", "status"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = ws.run(args);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.out);
  std::string header;
  std::getline(in, header);
  REQUIRE(header.rfind("SERVICE", 0) == 0);
  States result;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string service, migration, state;
    if (fields >> service >> migration >> state) result[service + "/" + migration] = state;
  }
  return result;
}

// The migrations of the tree, built into the binary: two for each service.
const std::string k0001 = "user-mgmt/0001_create_users";
const std::string k0002 = "user-mgmt/0002_create_tokens";
const std::string kRooms0001 = "rooms/0001_create_rooms";
const std::string kRooms0002 = "rooms/0002_create_tokens";
// The one the tests add after user-mgmt's (apply_newer_migrations, create).
const std::string k0003 = "user-mgmt/0003_add_email";

/// The tree's four migrations: user-mgmt's two in the states given, rooms' both in `rooms`.
States tree_states(const std::string& user_mgmt_0001, const std::string& user_mgmt_0002,
                   const std::string& rooms) {
  return {
      {k0001, user_mgmt_0001}, {k0002, user_mgmt_0002}, {kRooms0001, rooms}, {kRooms0002, rooms}};
}

/// Whether the workspace's database has this table.
bool has_table(const Workspace& ws, const std::string& name) {
  return Database(ws.database_url()).has_table(name);
}

/// `roombook token create NAME --scope read --service user-mgmt`: a row in
/// user_mgmt_tokens, which user-mgmt's 0002_create_tokens created.
void create_user_mgmt_token(const Workspace& ws, const std::string& name) {
  const auto r = ws.run({"token", "create", name, "--scope", "read", "--service", "user-mgmt"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

/// How many rows user_mgmt_tokens holds.
std::int64_t user_mgmt_tokens(const Workspace& ws) {
  return Database(ws.database_url()).scalar("SELECT COUNT(*) FROM user_mgmt_tokens");
}

/// Copies the source tree's migrations to DIR, for --migrations-dir.
void copy_migrations(const Workspace& ws, const std::string& dir) {
  fs::create_directories(ws.path(dir));
  fs::copy(source_migrations_dir() + "/user-mgmt", ws.path(dir) / "user-mgmt",
           fs::copy_options::recursive);
  REQUIRE(fs::exists(ws.path(dir) / "user-mgmt" / "0001_create_users.up.sql"));
  REQUIRE(fs::exists(ws.path(dir) / "user-mgmt" / "0002_create_tokens.up.sql"));
}

/// DIR with user-mgmt's 0001 and 0002 and a 0003 that adds a column, all
/// applied to the database.
void apply_newer_migrations(const Workspace& ws, const std::string& dir) {
  copy_migrations(ws, dir);
  const auto created =
      ws.run({"migrate", "create", "user-mgmt", "add_email", "--migrations-dir", dir});
  REQUIRE(created.exit_code == 0);
  ws.write(dir + "/user-mgmt/0003_add_email.up.sql", "ALTER TABLE users ADD COLUMN email TEXT;\n");
  ws.write(dir + "/user-mgmt/0003_add_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n");
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
  CHECK(states(ws) == tree_states("pending", "pending", "pending"));
  CHECK(ws.run({"migrate", "status", "--exit-code"}).exit_code == 3);

  const auto up = ws.run({"migrate", "up"});
  INFO(up.err);
  REQUIRE(up.exit_code == 0);
  // Each service in version order.
  CHECK(up.out ==
        "rooms: applied 0001_create_rooms\n"
        "rooms: applied 0002_create_tokens\n"
        "user-mgmt: applied 0001_create_users\n"
        "user-mgmt: applied 0002_create_tokens\n");

  CHECK(states(ws) == tree_states("applied", "applied", "applied"));
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
  // Each migration takes the lock by itself: either may have applied it.
  for (const std::string migration : {"0001_create_users", "0002_create_tokens"}) {
    INFO(migration);
    const auto applied = [&](const std::string& out) {
      return out.find("applied " + migration) != std::string::npos;
    };
    CHECK(applied(a.out) != applied(b.out));  // exactly one of them applied it
  }
  CHECK(states(ws) == tree_states("applied", "applied", "pending"));
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
  CHECK(states(ws) == tree_states("pending", "pending", "applied"));
  // Once the lock is free, the same command goes through.
  CHECK(ws.run({"migrate", "up", "--lock-timeout", "300ms"}).exit_code == 0);
  CHECK(states(ws) == tree_states("applied", "applied", "applied"));
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
  CHECK(dry.out ==
        "rooms: would apply 0001_create_rooms\n"
        "rooms: would apply 0002_create_tokens\n"
        "user-mgmt: would apply 0001_create_users\n"
        "user-mgmt: would apply 0002_create_tokens\n");
  CHECK(states(ws) == tree_states("pending", "pending", "pending"));
  CHECK(ws.run({"user", "list"}).exit_code == 1);
  CHECK_FALSE(has_table(ws, "users"));
}

TEST_CASE("e2e migrate: down reverts the newest migration and redo applies it again",
          "[e2e][migrate]") {
  Workspace ws;
  REQUIRE(ws.run({"migrate", "up"}).exit_code == 0);
  REQUIRE(ws.run({"user", "add", "alice", "--firstname", "A", "--lastname", "L"}).exit_code == 0);
  create_user_mgmt_token(ws, "ci");

  // The newest of user-mgmt is 0002_create_tokens: only it is reverted.
  const auto down = ws.run({"migrate", "down", "--service", "user-mgmt", "--yes"});
  INFO(down.out << down.err);
  CHECK(down.exit_code == 0);
  CHECK(down.out ==
        "user-mgmt: will revert 0002_create_tokens\n"
        "user-mgmt: reverted 0002_create_tokens\n");
  CHECK(states(ws) == tree_states("applied", "pending", "applied"));
  // Its table is gone, with its rows; 0001's users table and alice stay.
  CHECK_FALSE(has_table(ws, "user_mgmt_tokens"));
  CHECK(Database(ws.database_url()).rows("SELECT username FROM users") ==
        std::vector<std::vector<std::string>>{{"alice"}});
  // user-mgmt's database is behind the binary again: commands refuse.
  const auto behind = ws.run({"user", "list"});
  CHECK(behind.exit_code == 1);
  CHECK(behind.err.find("0002_create_tokens") != std::string::npos);

  REQUIRE(ws.run({"migrate", "up"}).exit_code == 0);
  REQUIRE(has_table(ws, "user_mgmt_tokens"));
  create_user_mgmt_token(ws, "ci");  // a row that redo's revert drops
  // Like down, redo acts on one service: both have applied migrations.
  CHECK(ws.run({"migrate", "redo", "--yes"}).exit_code == 2);
  CHECK(user_mgmt_tokens(ws) == 1);
  const auto redo = ws.run({"migrate", "redo", "--service", "user-mgmt", "--yes"});
  INFO(redo.out << redo.err);
  CHECK(redo.exit_code == 0);
  CHECK(redo.out ==
        "user-mgmt: will revert 0002_create_tokens\n"
        "user-mgmt: will apply 0002_create_tokens\n"
        "user-mgmt: reverted 0002_create_tokens\n"
        "user-mgmt: applied 0002_create_tokens\n");
  CHECK(states(ws) == tree_states("applied", "applied", "applied"));
  // user_mgmt_tokens was dropped and created again, empty; users was not touched.
  CHECK(user_mgmt_tokens(ws) == 0);
  const auto list = ws.run({"user", "list", "--format", "json"});
  REQUIRE(list.exit_code == 0);
  const auto users = nlohmann::json::parse(list.out);
  REQUIRE(users.size() == 1);
  CHECK(users[0]["username"] == "alice");
}

TEST_CASE("e2e migrate: --service selects a service, an unknown one exits 1", "[e2e][migrate]") {
  Workspace ws;
  const auto up = ws.run({"migrate", "up", "--service", "user-mgmt"});
  CHECK(up.exit_code == 0);
  CHECK(states(ws, {"--service", "user-mgmt"}) == States{{k0001, "applied"}, {k0002, "applied"}});

  for (const auto& args :
       std::vector<std::vector<std::string>>{{"migrate", "up", "--service", "nosuch"},
                                             {"migrate", "status", "--service", "nosuch"},
                                             {"migrate", "--service", "nosuch", "down"}}) {
    const auto r = ws.run(args);
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("nosuch") != std::string::npos);
  }
  CHECK(states(ws) == tree_states("applied", "applied", "pending"));
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
  // user-mgmt has 0001 and 0002: the next is 0003.
  for (const char* file : {"0003_add_email.up.sql", "0003_add_email.down.sql"}) {
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
        States{{k0001, "applied"}, {k0002, "applied"}, {k0003, "applied"}});
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

  CHECK(states(ws, {"--migrations-dir", "m"}) == States{{k0001, "MODIFIED"}, {k0002, "applied"}});
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
  // rooms up to date too: the unknown migration is all that is wrong.
  REQUIRE(ws.run({"migrate", "up", "--service", "rooms"}).exit_code == 0);

  auto expected = tree_states("applied", "applied", "applied");
  expected[k0003] = "UNKNOWN";
  CHECK(states(ws) == expected);
  CHECK(ws.run({"migrate", "status", "--exit-code"}).exit_code == 3);

  const auto up = ws.run({"migrate", "up"});
  INFO(up.err);
  CHECK(up.exit_code == 1);
  CHECK(up.err.find("0003_add_email") != std::string::npos);

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
    CHECK(r.err.find("0003_add_email") != std::string::npos);
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
        States{{"rooms/0001_test_rooms", "pending"}, {k0001, "applied"}, {k0002, "applied"}});

  // Now only user-mgmt has something to revert: --service may be left out,
  // down after down, until user-mgmt has nothing applied either.
  const auto newest = ws.run({"migrate", "down", "--yes", "--migrations-dir", "m"});
  INFO(newest.out << newest.err);
  CHECK(newest.exit_code == 0);
  CHECK(newest.out ==
        "user-mgmt: will revert 0002_create_tokens\n"
        "user-mgmt: reverted 0002_create_tokens\n");
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        States{{"rooms/0001_test_rooms", "pending"}, {k0001, "applied"}, {k0002, "pending"}});

  const auto last = ws.run({"migrate", "down", "--yes", "--migrations-dir", "m"});
  INFO(last.out << last.err);
  CHECK(last.exit_code == 0);
  CHECK(last.out ==
        "user-mgmt: will revert 0001_create_users\n"
        "user-mgmt: reverted 0001_create_users\n");
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        States{{"rooms/0001_test_rooms", "pending"}, {k0001, "pending"}, {k0002, "pending"}});
}

TEST_CASE("e2e migrate: down reverts one migration by default, N or --to V more",
          "[e2e][migrate]") {
  Workspace ws;
  apply_newer_migrations(ws, "m");

  const auto one = ws.run({"migrate", "down", "--yes", "--migrations-dir", "m"});
  INFO(one.out << one.err);
  CHECK(one.exit_code == 0);
  CHECK(one.out ==
        "user-mgmt: will revert 0003_add_email\n"
        "user-mgmt: reverted 0003_add_email\n");
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        States{{k0001, "applied"}, {k0002, "applied"}, {k0003, "pending"}});

  // Newest first, and no more than asked: 0001 stays.
  const std::string two_newest =
      "user-mgmt: will revert 0003_add_email\n"
      "user-mgmt: will revert 0002_create_tokens\n"
      "user-mgmt: reverted 0003_add_email\n"
      "user-mgmt: reverted 0002_create_tokens\n";
  REQUIRE(ws.run({"migrate", "up", "--migrations-dir", "m"}).exit_code == 0);
  const auto two = ws.run({"migrate", "down", "2", "--yes", "--migrations-dir", "m"});
  INFO(two.out << two.err);
  CHECK(two.exit_code == 0);
  CHECK(two.out == two_newest);
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        States{{k0001, "applied"}, {k0002, "pending"}, {k0003, "pending"}});

  REQUIRE(ws.run({"migrate", "up", "--migrations-dir", "m"}).exit_code == 0);
  const auto to = ws.run({"migrate", "down", "--to", "1", "--yes", "--migrations-dir", "m"});
  INFO(to.out << to.err);
  CHECK(to.exit_code == 0);
  CHECK(to.out == two_newest);
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        States{{k0001, "applied"}, {k0002, "pending"}, {k0003, "pending"}});
}

TEST_CASE("e2e migrate: off a terminal down and redo print the plan and refuse without --yes",
          "[e2e][migrate]") {
  Workspace ws;
  REQUIRE(ws.run({"migrate", "up"}).exit_code == 0);
  REQUIRE(ws.run({"user", "add", "alice", "--firstname", "A", "--lastname", "L"}).exit_code == 0);
  create_user_mgmt_token(ws, "ci");  // in the table the plan would drop

  for (const auto& args :
       std::vector<std::vector<std::string>>{{"migrate", "down", "--service", "user-mgmt"},
                                             {"migrate", "--service", "user-mgmt", "redo"}}) {
    // Not even a "y" on stdin counts: it is not a terminal.
    const auto r = ws.run(args, std::string("y\n"));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("user-mgmt: will revert 0002_create_tokens") != std::string::npos);
    CHECK(r.out.find("0001_create_users") == std::string::npos);  // only the newest
    CHECK(r.out.find("reverted") == std::string::npos);
    CHECK(r.err.find("--yes") != std::string::npos);
    CHECK(r.err.find("terminal") != std::string::npos);
  }
  // The token and alice are still there: nothing was reverted.
  CHECK(user_mgmt_tokens(ws) == 1);
  const auto list = ws.run({"user", "list", "--format", "json"});
  REQUIRE(list.exit_code == 0);
  CHECK(nlohmann::json::parse(list.out).size() == 1);

  const auto dry = ws.run({"migrate", "down", "--service", "user-mgmt", "--dry-run"});
  INFO(dry.out << dry.err);
  CHECK(dry.exit_code == 0);
  CHECK(dry.out == "user-mgmt: would revert 0002_create_tokens\n");
  CHECK(states(ws) == tree_states("applied", "applied", "applied"));
  CHECK(user_mgmt_tokens(ws) == 1);
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
  CHECK(up.err == "roombook: no migration 7 for user-mgmt; its versions are 1, 2, 3\n");
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        States{{k0001, "pending"}, {k0002, "pending"}, {k0003, "pending"}});

  REQUIRE(ws.run({"migrate", "up", "--migrations-dir", "m"}).exit_code == 0);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"migrate", "down", "--to", "7", "--yes", "--migrations-dir", "m"},
           {"migrate", "down", "--to", "7", "--dry-run", "--migrations-dir", "m"}}) {
    const auto down = ws.run(args);
    INFO(down.out << down.err);
    CHECK(down.exit_code == 1);
    CHECK(down.err == "roombook: no migration 7 for user-mgmt; its versions are 1, 2, 3\n");
  }
  CHECK(states(ws, {"--migrations-dir", "m"}) ==
        States{{k0001, "applied"}, {k0002, "applied"}, {k0003, "applied"}});
}
