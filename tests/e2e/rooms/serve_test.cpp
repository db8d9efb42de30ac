// `roombook serve` with rooms: alone, beside user-mgmt in one process, through
// the `rooms` link, and with a database of its own.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "rooms_support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

/// Both services answer on their own ports, each only its own routes.
void check_both_served(const Server& server) {
  REQUIRE(server.port_of("user-mgmt") != server.port_of("rooms"));
  Client users(server.url_of("user-mgmt"));
  Client rooms(server.url_of("rooms"));
  CHECK(users.post("/users", user_json("alice")).status == 201);
  CHECK(rooms.post("/rooms", {{"name", "Babbage"}, {"capacity", 8}}).status == 201);
  CHECK(users.get("/users").json().size() == 1);
  CHECK(rooms.get("/rooms").json().size() == 1);
  CHECK(is_problem(users.get("/rooms"), 404));
  CHECK(is_problem(rooms.get("/users"), 404));
}

/// SIGTERM stops every service of the process with exit status 0.
void check_sigterm_stops_all(Server& server, const std::vector<std::string>& services) {
  std::vector<std::string> urls;
  for (const auto& s : services) urls.push_back(server.url_of(s, "/"));
  CHECK(server.stop(SIGTERM) == 0);
  for (const auto& url : urls) {
    Client client(url);
    const auto r = client.get("");
    INFO(url << " after SIGTERM: " << describe(r));
    CHECK_FALSE(r.ok);
  }
}

}  // namespace

TEST_CASE("e2e rooms serve: serve rooms serves the rooms API alone, SIGTERM exits 0",
          "[e2e][rooms][serve]") {
  Workspace ws;
  Server server(ws, {.services = {"rooms"},
                     .args = {"serve", "rooms", "--migrate"},
                     .env = {{"ROOMS_PORT", "0"}}});
  CHECK_THAT(server.log(), !Catch::Contains("user-mgmt listening"));
  Client rooms(server.url());
  CHECK(rooms.post("/rooms", {{"name", "Babbage"}, {"capacity", 8}}).status == 201);
  CHECK(rooms.get("/rooms").json().size() == 1);
  CHECK(is_problem(rooms.get("/users"), 404));
  check_sigterm_stops_all(server, {"rooms"});
}

TEST_CASE("e2e rooms serve: serve user-mgmt rooms serves each on its own port, SIGTERM stops both",
          "[e2e][rooms][serve]") {
  Workspace ws;
  Server server(ws, {.services = {"user-mgmt", "rooms"},
                     .args = {"serve", "user-mgmt", "rooms", "--migrate"},
                     .env = {{"USER_MGMT_PORT", "0"}, {"ROOMS_PORT", "0"}}});
  check_both_served(server);
  check_sigterm_stops_all(server, {"user-mgmt", "rooms"});
}

TEST_CASE("e2e rooms serve: serve all serves each service on its own port, SIGTERM stops both",
          "[e2e][rooms][serve]") {
  Workspace ws;
  Server server(ws, {.services = {"user-mgmt", "rooms"},
                     .args = {"serve", "all", "--migrate"},
                     .env = {{"USER_MGMT_PORT", "0"}, {"ROOMS_PORT", "0"}}});
  check_both_served(server);
  check_sigterm_stops_all(server, {"user-mgmt", "rooms"});
}

TEST_CASE("e2e rooms serve: --port with two services is a usage error", "[e2e][rooms][serve]") {
  Workspace ws;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"serve", "all", "--port", "0", "--migrate"},
           {"serve", "user-mgmt", "rooms", "--port", "0", "--migrate"}}) {
    const auto r = ws.run(args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("USER_MGMT_PORT") && Catch::Contains("ROOMS_PORT"));
    CHECK_THAT(r.err, !Catch::Contains("listening"));
  }
}

TEST_CASE("e2e rooms serve: ROOMS_DATABASE_URL wins over DATABASE_URL for rooms",
          "[e2e][rooms][serve]") {
  Workspace ws;
  const auto shared = ws.add_database("shared.db");
  const auto own = ws.add_database("rooms-own.db");
  ws.env["DATABASE_URL"] = shared;
  ws.env["ROOMS_DATABASE_URL"] = own;
  {
    Server server(ws, {.services = {"user-mgmt", "rooms"},
                       .args = {"serve", "all", "--migrate"},
                       .env = {{"USER_MGMT_PORT", "0"}, {"ROOMS_PORT", "0"}}});
    Client rooms(server.url_of("rooms"));
    Client users(server.url_of("user-mgmt"));
    REQUIRE(rooms.post("/rooms", {{"name", "Babbage"}, {"capacity", 8}}).status == 201);
    REQUIRE(users.post("/users", user_json("alice")).status == 201);
    REQUIRE(server.stop(SIGTERM) == 0);
  }
  Database rooms_db(own);
  CHECK(rooms_db.rows("SELECT name FROM rooms") ==
        std::vector<std::vector<std::string>>{{"Babbage"}});
  CHECK(rooms_db.has_table("bookings"));
  CHECK_FALSE(rooms_db.has_table("users"));
  Database shared_db(shared);
  CHECK(shared_db.scalar("SELECT COUNT(*) FROM users") == 1);
  CHECK_FALSE(shared_db.has_table("rooms"));
  CHECK_FALSE(shared_db.has_table("bookings"));
  // The command line reads the same database.
  const auto listed = ws.run({"room", "list", "--format", "json"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK(json::parse(listed.out).size() == 1);
}

TEST_CASE("e2e rooms serve: the rooms link in the build directory serves rooms",
          "[e2e][rooms][serve]") {
  Workspace ws;
  Server server(ws, {.services = {"rooms"},
                     .args = {"--migrate"},
                     .env = {{"PORT", "0"}},
                     .program = roombook_bin_dir() + "/rooms"});
  CHECK_THAT(server.log(), !Catch::Contains("user-mgmt listening"));
  Client rooms(server.url());
  CHECK(rooms.post("/rooms", {{"name", "Babbage"}, {"capacity", 8}}).status == 201);
  CHECK(rooms.get("/rooms").json().size() == 1);
  CHECK(server.stop(SIGTERM) == 0);
}
