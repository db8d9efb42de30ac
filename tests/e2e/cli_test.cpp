// The command line, end to end: help, version, config and the user commands,
// checked by exit code, stdout and stderr of the real binary.

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

std::string joined(const std::vector<std::string>& args) {
  std::string s = "roombook";
  for (const auto& a : args) s += " " + a;
  return s;
}

/// A workspace whose database is migrated.
struct Migrated {
  Migrated() {
    const auto r = ws.run({"migrate", "up"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  Workspace ws;
};

/// Runs a command that must succeed and print JSON.
json run_json(const Workspace& ws, const std::vector<std::string>& args) {
  const auto r = ws.run(args);
  INFO(joined(args) << "\nstderr: " << r.err << "\nstdout: " << r.out);
  REQUIRE(r.exit_code == 0);
  json value;
  REQUIRE_NOTHROW(value = json::parse(r.out));
  return value;
}

struct ConfigRow {
  std::string value;
  std::string source;
};

/// `roombook config` as a map, cut at the columns of its header line (a value
/// may be empty, so splitting on blanks would not do).
std::map<std::string, ConfigRow> parse_config(const std::string& out) {
  std::istringstream in(out);
  std::string header;
  std::getline(in, header);
  const auto value_at = header.find("VALUE");
  const auto source_at = header.find("SOURCE");
  REQUIRE(header.rfind("NAME", 0) == 0);
  REQUIRE(value_at != std::string::npos);
  REQUIRE(source_at != std::string::npos);
  std::map<std::string, ConfigRow> rows;
  const auto trim = [](std::string s) {
    s.erase(s.find_last_not_of(' ') + 1);
    return s;
  };
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    rows[trim(line.substr(0, value_at))] = {trim(line.substr(value_at, source_at - value_at)),
                                            line.substr(source_at)};
  }
  return rows;
}

}  // namespace

TEST_CASE("e2e cli: --help of roombook and of every subcommand prints usage on stdout",
          "[e2e][cli]") {
  Workspace ws;
  const std::vector<std::vector<std::string>> commands{
      {},
      {"serve"},
      {"migrate"},
      {"migrate", "up"},
      {"migrate", "down"},
      {"migrate", "redo"},
      {"migrate", "status"},
      {"migrate", "create"},
      {"user"},
      {"user", "add"},
      {"user", "list"},
      {"user", "show"},
      {"user", "update"},
      {"user", "delete"},
      {"config"},
      {"version"},
  };
  for (auto args : commands) {
    args.push_back("--help");
    const auto r = ws.run(args);
    INFO(joined(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Usage:") != std::string::npos);
    CHECK(r.err.empty());
  }
  // The top-level help lists every command.
  const auto top = ws.run({"--help"});
  for (const char* name : {"serve", "migrate", "user", "config", "version"}) {
    CHECK(top.out.find(name) != std::string::npos);
  }
  CHECK(ws.run({"user", "add", "--help"}).out.find("--firstname") != std::string::npos);
}

TEST_CASE("e2e cli: an unknown subcommand or option exits 2 with a message on stderr only",
          "[e2e][cli]") {
  Workspace ws;
  const std::vector<std::vector<std::string>> commands{
      {"nosuch"},
      {"--bogus", "version"},
      {"version", "--bogus"},
      {"user", "nosuch"},
      {"user", "--bogus"},
      {"user", "list", "--bogus"},
      {"user", "list", "--format", "xml"},
      {"user", "show"},
      {"migrate", "frob"},
      {"serve", "nosuch-service"},
      {},
  };
  for (const auto& args : commands) {
    const auto r = ws.run(args);
    INFO(joined(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_FALSE(r.err.empty());
  }
}

// A user who mistypes a command must be told which word was wrong; "A
// subcommand is required" after `roombook usr list` points elsewhere.
TEST_CASE("e2e cli: the error for an unknown subcommand or option names it", "[e2e][cli]") {
  Workspace ws;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"nosuch"}, "nosuch"},
      {{"usr", "list"}, "usr"},
      {{"user", "nosuch"}, "nosuch"},
      {{"user", "--bogus"}, "--bogus"},
      {{"user", "list", "--bogus"}, "--bogus"},
  };
  for (const auto& [args, word] : cases) {
    const auto r = ws.run(args);
    INFO(joined(args) << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(word) != std::string::npos);
  }
}

TEST_CASE("e2e cli: version prints `roombook X.Y.Z (git REV)`", "[e2e][cli]") {
  Workspace ws;
  const auto r = ws.run({"version"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  INFO(r.out);
  CHECK(std::regex_match(r.out, std::regex(R"(roombook \d+\.\d+\.\d+ \(git [^\s()]+\)\n)")));
  // It needs no configuration: a broken .env does not stop it.
  ws.write(".env", "this is not a dotenv file\n");
  CHECK(ws.run({"version"}).exit_code == 0);
}

TEST_CASE("e2e cli: config shows every setting with its value and source", "[e2e][cli]") {
  Workspace ws;
  // `config` opens no database: the defaults are shown whichever one the
  // suite runs on.
  ws.env.erase("DATABASE_URL");

  SECTION("defaults") {
    const auto r = ws.run({"config"});
    REQUIRE(r.exit_code == 0);
    const auto rows = parse_config(r.out);
    for (const char* name :
         {"DATABASE_URL", "USER_MGMT_DATABASE_URL", "HOST", "PORT", "USER_MGMT_PORT",
          "ROOMBOOK_THREADS", "ROOMBOOK_LOG", "ROOMBOOK_LOG_FORMAT", "MAX_BODY_BYTES"}) {
      INFO(name);
      REQUIRE(rows.count(name) == 1);
      CHECK(rows.at(name).source == "default");
    }
    CHECK(rows.at("DATABASE_URL").value == "sqlite:roombook.db");
    CHECK(rows.at("HOST").value == "127.0.0.1");
  }

  SECTION("the environment, ./.env with its line, and the environment winning over .env") {
    ws.write(".env", "# settings\nHOST=10.0.0.1\n\nROOMBOOK_THREADS=3\n");
    ws.env["ROOMBOOK_THREADS"] = "5";
    ws.env["ROOMBOOK_LOG"] = "warn";
    const auto r = ws.run({"config"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto rows = parse_config(r.out);
    CHECK(rows.at("HOST").value == "10.0.0.1");
    CHECK(rows.at("HOST").source == ".env:2");
    CHECK(rows.at("ROOMBOOK_THREADS").value == "5");
    CHECK(rows.at("ROOMBOOK_THREADS").source == "environment");
    CHECK(rows.at("ROOMBOOK_LOG").value == "warn");
    CHECK(rows.at("ROOMBOOK_LOG").source == "environment");
    CHECK(rows.at("PORT").source == "default");
  }

  SECTION("--env-file reads that file instead of ./.env") {
    ws.write(".env", "HOST=10.0.0.1\n");
    ws.write("custom.env", "# mine\nMAX_BODY_BYTES=4096\n");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--env-file", "custom.env", "config"}, {"config", "--env-file", "custom.env"}}) {
      const auto r = ws.run(args);
      INFO(joined(args) << "\n" << r.out << r.err);
      REQUIRE(r.exit_code == 0);
      const auto rows = parse_config(r.out);
      CHECK(rows.at("MAX_BODY_BYTES").value == "4096");
      CHECK(rows.at("MAX_BODY_BYTES").source == "custom.env:2");
      CHECK(rows.at("HOST").value == "127.0.0.1");
      CHECK(rows.at("HOST").source == "default");
    }
  }

  SECTION("a password in a database URL is masked") {
    ws.env["DATABASE_URL"] = "postgres://bob:secret@db.example.com/rooms";
    const auto r = ws.run({"config"});
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("secret") == std::string::npos);
    const auto rows = parse_config(r.out);
    CHECK(rows.at("DATABASE_URL").value.find("bob") != std::string::npos);
    CHECK(rows.at("DATABASE_URL").value.find("db.example.com/rooms") != std::string::npos);
    CHECK(rows.at("DATABASE_URL").source == "environment");
  }
}

TEST_CASE("e2e cli: a bad configuration value stops start-up naming the variable and value",
          "[e2e][cli]") {
  Migrated m;
  const Env base = m.ws.env;  // the database, on PostgreSQL

  SECTION("from the environment") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"PORT", "70000"},         {"DATABASE_URL", "mysql://x"}, {"ROOMBOOK_LOG", "loud"},
        {"ROOMBOOK_THREADS", "0"}, {"MAX_BODY_BYTES", "12k"},     {"ROOMBOOK_LOG_FORMAT", "xml"},
    };
    for (const auto& [name, value] : cases) {
      m.ws.env = base;
      m.ws.env[name] = value;
      for (const auto& args : std::vector<std::vector<std::string>>{
               {"user", "list"}, {"migrate", "status"}, {"config"}}) {
        const auto r = m.ws.run(args);
        INFO(name << "=" << value << " " << joined(args) << "\nstderr: " << r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.out.empty());
        CHECK(r.err.find(name) != std::string::npos);
        CHECK(r.err.find(value) != std::string::npos);
      }
    }
  }

  SECTION("a bad value in .env names the file and line") {
    m.ws.env = base;
    m.ws.write(".env", "# comment\nPORT=abc\n");
    const auto r = m.ws.run({"user", "list"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("PORT") != std::string::npos);
    CHECK(r.err.find("abc") != std::string::npos);
    CHECK(r.err.find(".env:2") != std::string::npos);
  }

  SECTION("a missing --env-file is named") {
    m.ws.env = base;
    const auto r = m.ws.run({"--env-file", "missing.env", "user", "list"});
    INFO(r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("missing.env") != std::string::npos);
  }
}

TEST_CASE("e2e cli: user add prints the user, show finds it by id and by username", "[e2e][cli]") {
  Migrated m;
  const auto added =
      run_json(m.ws, {"user", "add", "alice", "--firstname", "Alice", "--lastname", "Liddell"});
  REQUIRE(added.is_object());
  CHECK(added["username"] == "alice");
  CHECK(added["firstname"] == "Alice");
  CHECK(added["lastname"] == "Liddell");
  CHECK(added["id"].is_number_integer());
  CHECK(std::regex_match(added["created_at"].get<std::string>(),
                         std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)")));

  const auto id = std::to_string(added["id"].get<long>());
  CHECK(run_json(m.ws, {"user", "show", id}) == added);
  CHECK(run_json(m.ws, {"user", "show", "alice"}) == added);
  CHECK(run_json(m.ws, {"user", "show", "alice", "--format", "json"}) == added);
}

TEST_CASE("e2e cli: user list in json, csv and table, a page at a time", "[e2e][cli]") {
  Migrated m;
  run_json(m.ws, {"user", "add", "alice", "--firstname", "Alice", "--lastname", "Liddell"});
  run_json(m.ws, {"user", "add", "bob", "--firstname", "Bob", "--lastname", "O'Brien, \"Jr\""});
  run_json(m.ws, {"user", "add", "carol", "--firstname", "Carol", "--lastname", "Ann"});

  SECTION("json") {
    const auto users = run_json(m.ws, {"user", "list", "--format", "json"});
    REQUIRE(users.size() == 3);
    CHECK(users[1]["lastname"] == "O'Brien, \"Jr\"");
    CHECK(run_json(m.ws, {"user", "list"}) == users);  // JSON when stdout is not a terminal
    const auto bob = run_json(m.ws, {"user", "list", "--username", "bob"});
    REQUIRE(bob.size() == 1);
    CHECK(bob[0] == users[1]);
  }

  SECTION("csv") {
    const auto r = m.ws.run({"user", "list", "--format", "csv"});
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> lines;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      CHECK(line.back() == '\r');  // RFC 4180 line ends
      lines.push_back(line.substr(0, line.size() - 1));
    }
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "id,username,firstname,lastname,created_at,updated_at");
    CHECK(lines[1].rfind("1,alice,Alice,Liddell,", 0) == 0);
    CHECK(lines[2].rfind("2,bob,Bob,\"O'Brien, \"\"Jr\"\"\",", 0) == 0);
  }

  SECTION("table") {
    const auto r = m.ws.run({"user", "list", "--format", "table"});
    REQUIRE(r.exit_code == 0);
    INFO(r.out);
    std::istringstream in(r.out);
    std::string header;
    std::getline(in, header);
    CHECK(std::regex_search(header, std::regex(R"(^ID +USERNAME +FIRSTNAME +LASTNAME)")));
    int rows = 0;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) ++rows;
    }
    CHECK(rows == 3);
    CHECK(r.out.find("carol") != std::string::npos);
  }

  SECTION("--limit and --after-id") {
    const auto r = m.ws.run({"user", "list", "--limit", "2", "--format", "json"});
    REQUIRE(r.exit_code == 0);
    const auto first = json::parse(r.out);
    REQUIRE(first.size() == 2);
    CHECK(first[0]["username"] == "alice");
    // Where the next page starts, beside the output.
    CHECK(r.err.find("--after-id 2") != std::string::npos);

    const auto rest = m.ws.run({"user", "list", "--limit", "2", "--after-id", "2"});
    REQUIRE(rest.exit_code == 0);
    const auto second = json::parse(rest.out);
    REQUIRE(second.size() == 1);
    CHECK(second[0]["username"] == "carol");
    CHECK(rest.err.empty());

    const auto bad = m.ws.run({"user", "list", "--limit", "0"});
    CHECK(bad.exit_code != 0);
    CHECK(bad.err.find("limit") != std::string::npos);
  }
}

TEST_CASE("e2e cli: user list --format table aligns columns by characters, not bytes",
          "[e2e][cli]") {
  Migrated m;
  run_json(m.ws, {"user", "add", "elodie", "--firstname", "\xc3\x89l\xc3\xa9onore-Am\xc3\xa9lie",
                  "--lastname", "Dupr\xc3\xa9"});
  run_json(m.ws, {"user", "add", "al", "--firstname", "Al", "--lastname", "Capone"});
  const auto r = m.ws.run({"user", "list", "--format", "table"});
  REQUIRE(r.exit_code == 0);
  INFO(r.out);
  // Where each line's LASTNAME column starts, counted in code points.
  const auto column_of = [](const std::string& line, const std::string& cell) {
    const auto bytes = line.find(cell);
    REQUIRE(bytes != std::string::npos);
    return std::count_if(line.begin(), line.begin() + static_cast<long>(bytes),
                         [](char c) { return (c & 0xC0) != 0x80; });
  };
  std::istringstream in(r.out);
  std::string header, first, second;
  std::getline(in, header);
  std::getline(in, first);
  std::getline(in, second);
  const auto at = column_of(header, "LASTNAME");
  CHECK(column_of(first, "Dupr\xc3\xa9") == at);
  CHECK(column_of(second, "Capone") == at);
}

TEST_CASE("e2e cli: user update changes only what it is given, without a change it exits 2",
          "[e2e][cli]") {
  Migrated m;
  const auto alice =
      run_json(m.ws, {"user", "add", "alice", "--firstname", "Alice", "--lastname", "Liddell"});

  const auto updated = run_json(m.ws, {"user", "update", "alice", "--lastname", "X"});
  CHECK(updated["lastname"] == "X");
  CHECK(updated["firstname"] == "Alice");
  CHECK(updated["username"] == "alice");
  CHECK(updated["id"] == alice["id"]);
  CHECK(run_json(m.ws, {"user", "show", "alice"}) == updated);

  const auto renamed = run_json(m.ws, {"user", "update", "1", "--username", "alice2"});
  CHECK(renamed["username"] == "alice2");

  const auto nothing = m.ws.run({"user", "update", "alice2"});
  CHECK(nothing.exit_code == 2);
  CHECK(nothing.out.empty());
  CHECK_FALSE(nothing.err.empty());

  const auto missing = m.ws.run({"user", "update", "nobody", "--lastname", "Y"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("does not exist") != std::string::npos);
}

TEST_CASE("e2e cli: user delete removes the user, a missing user exits 1", "[e2e][cli]") {
  Migrated m;
  run_json(m.ws, {"user", "add", "alice", "--firstname", "Alice", "--lastname", "Liddell"});

  const auto deleted = m.ws.run({"user", "delete", "alice"});
  INFO(deleted.err);
  CHECK(deleted.exit_code == 0);

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"user", "show", "alice"}, {"user", "show", "1"}, {"user", "delete", "alice"}}) {
    const auto r = m.ws.run(args);
    INFO(joined(args) << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("does not exist") != std::string::npos);
  }
  CHECK(run_json(m.ws, {"user", "list"}) == json::array());
}

TEST_CASE("e2e cli: invalid fields are refused with the same words as the API", "[e2e][cli]") {
  Workspace ws;
  Server server(ws, {"--migrate"});
  Client client(server.url());

  const std::vector<std::pair<std::string, json>> cases{
      {"username", user_json("Bad Name")},
      {"username", user_json(std::string(65, 'a'))},
      {"firstname", user_json("ok", std::string(101, 'f'))},
      {"lastname", user_json("ok", "Ok", std::string("a\x01z"))},
  };
  for (const auto& [field, body] : cases) {
    const auto api = client.post("/users", body);
    INFO(body.dump() << " -> " << api.body);
    REQUIRE(api.status == 400);
    const auto detail = api.json()["detail"].get<std::string>();
    const auto cli = ws.run({"user", "add", body["username"].get<std::string>(), "--firstname",
                             body["firstname"].get<std::string>(), "--lastname",
                             body["lastname"].get<std::string>()});
    INFO("stderr: " << cli.err);
    CHECK(cli.exit_code == 1);
    CHECK(cli.out.empty());
    CHECK(cli.err == "roombook: " + detail + "\n");
    CHECK(cli.err.find(field) != std::string::npos);
  }

  // Bytes that are not UTF-8 can reach the CLI through argv.
  const auto bad = ws.run({"user", "add", "utf", "--firstname", "A\xff", "--lastname", "L"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err == "roombook: firstname is not valid UTF-8\n");
  CHECK(client.get("/users").json() == json::array());
}

TEST_CASE("e2e cli: a taken username exits 1 with 'already taken'", "[e2e][cli]") {
  Migrated m;
  run_json(m.ws, {"user", "add", "alice", "--firstname", "Alice", "--lastname", "Liddell"});
  run_json(m.ws, {"user", "add", "bob", "--firstname", "Bob", "--lastname", "B"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"user", "add", "alice", "--firstname", "Other", "--lastname", "One"},
           {"user", "update", "bob", "--username", "alice"}}) {
    const auto r = m.ws.run(args);
    INFO(joined(args) << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("already taken") != std::string::npos);
    CHECK_FALSE(contains_nocase(r.err, "constraint"));
  }
  CHECK(run_json(m.ws, {"user", "show", "bob"})["username"] == "bob");
}

TEST_CASE("e2e cli: user commands before `migrate` exit 1 and say to run roombook migrate up",
          "[e2e][cli]") {
  Workspace ws;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"user", "list"}, {"user", "add", "alice", "--firstname", "A", "--lastname", "L"}}) {
    const auto r = ws.run(args);
    INFO(joined(args) << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(r.err.find("roombook migrate up") != std::string::npos);
  }
  // And they did not migrate behind the user's back.
  CHECK(ws.run({"migrate", "status", "--exit-code"}).exit_code == 3);
}
