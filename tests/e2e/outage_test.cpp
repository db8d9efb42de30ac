// The services over a PostgreSQL server that goes away and comes back: a
// server of the test's own (scripts/test-postgres), stopped and started
// again while roombook serves.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace roombook::e2e;

namespace {

/// `scripts/test-postgres ACTION DIR`; its output (the URL, on start).
std::string test_postgres(const std::string& action, const std::string& dir) {
  const std::string command =
      std::string(ROOMBOOK_SOURCE_DIR) + "/scripts/test-postgres " + action + " " + dir;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), &::pclose);
  REQUIRE(pipe);
  std::string out;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe.get())) out += buffer;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

/// A PostgreSQL server in a directory of the workspace, stopped at the end.
struct OwnServer {
  std::string dir;
  std::string url;
  explicit OwnServer(const Workspace& ws) : dir((ws.dir() / "pg").string()) {
    std::filesystem::create_directory(dir);
    url = test_postgres("start", dir);
    REQUIRE(url.rfind("postgres://", 0) == 0);
  }
  ~OwnServer() { test_postgres("stop", dir); }
  void stop() { test_postgres("stop", dir); }
  void start() { REQUIRE(test_postgres("start", dir) == url); }
};

}  // namespace

TEST_CASE(
    "e2e outage: with PostgreSQL down requests get 503, and once it is back they succeed "
    "with no restart",
    "[e2e][postgres]") {
  Workspace ws;
  OwnServer pg(ws);
  ws.env["DATABASE_URL"] = pg.url;
  Server server(ws, {"--migrate"});
  Client api(server.url());
  REQUIRE(api.post("/users", user_json("before")).status == 201);

  pg.stop();
  for (int i = 0; i < 5; ++i) {
    const auto r = api.post("/users", user_json("during" + std::to_string(i)));
    INFO(r.body);
    CHECK(r.status == 503);
    CHECK(r.header("Retry-After"));
    CHECK(r.body.find("SQLSTATE") == std::string::npos);  // the server's words stay in the log
  }
  const auto read = api.get("/users/1");
  CHECK(read.status == 503);

  pg.start();
  // The pool drops the broken connections and opens new ones by itself.
  Response after;
  CHECK(eventually([&] {
    after = api.post("/users", user_json("after"));
    return after.status == 201;
  }));
  CHECK(api.get("/users/1").status == 200);
  const auto all = api.get("/users").json();
  REQUIRE(all.size() == 2);
  CHECK(all[0]["username"] == "before");
  CHECK(all[1]["username"] == "after");
  CHECK(server.stop(SIGTERM) == 0);
}
