// Authentication, end to end: bearer tokens made with `roombook token`, asked
// for by user-mgmt (and rooms, for what concerns both services: revocation
// seen by every process, the command line) when AUTH=required; the refusal
// to serve openly on a non-loopback address; secrets kept out of logs,
// listings and `roombook config`. The rooms routes and rooms' calls to
// user-mgmt are in rooms/auth_test.cpp.
//
// No traffic goes anywhere but 127.0.0.1. The few servers bound to every
// interface (HOST=0.0.0.0) are killed by PID as soon as they log that they
// listen, before any request; where a server must refuse to start, the port
// it would take is held by the test, so that not even a server that failed to
// refuse could listen on it.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "auth_support.hpp"
#include "support.hpp"

using namespace roombook::e2e;
using namespace roombook::e2e::auth;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

const std::vector<Route> kUserRoutes{
    {"GET", "/users"},
    {"GET", "/users?limit=10&username=alice"},
    {"HEAD", "/users"},
    {"POST", "/users", user_json("alice").dump()},
    {"GET", "/users/1"},
    {"HEAD", "/users/1"},
    {"PUT", "/users/1", user_json("alice", "Alicia").dump()},
    {"PATCH", "/users/1", R"({"lastname":"Liddell"})"},
    {"DELETE", "/users/1"},
    {"POST", "/user", user_json("bob").dump()},
    {"GET", "/user/1"},
    {"DELETE", "/user/1"},
};

/// Sends a request and checks its status; returns the response.
Response expect(Client& client, const Route& route, const std::vector<std::string>& headers,
                long status) {
  auto r = send(client, route, headers);
  INFO(label(route) << " -> " << explain(r));
  CHECK(r.status == status);
  return r;
}

std::int64_t id_of(const Response& r) {
  const auto doc = json::parse(r.body, nullptr, false);
  INFO(explain(r));
  REQUIRE((doc.is_object() && doc.contains("id")));
  return doc["id"].get<std::int64_t>();
}

/// A 127.0.0.1 port bound (without SO_REUSEADDR, not listening) for as long
/// as it lives: a server told to listen on it, on any address, cannot bind.
class HeldPort {
 public:
  HeldPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(fd_);
      throw std::system_error(errno, std::generic_category(), "bind");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~HeldPort() { ::close(fd_); }
  HeldPort(const HeldPort&) = delete;
  HeldPort& operator=(const HeldPort&) = delete;
  std::string port() const { return std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

/// How a server started by serve_briefly() ended.
struct Brief {
  bool listened = false;  ///< it logged "listening on", and was then killed
  int exit_code = -1;     ///< else its exit status (-signal when killed by one)
  std::string log;        ///< its stdout and stderr
};

/// Kills (SIGKILL) and reaps a child on the way out, whatever happens.
struct Child {
  pid_t pid = -1;
  ~Child() { stop(); }
  int stop() {
    if (pid <= 0) return -1;
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    return status;
  }
};

int decode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// `roombook ARGS...` in the workspace, with ws.env plus `env`, for servers
/// that may listen on a non-loopback address (which Server does not
/// recognise): killed by PID the moment its log says it listens, before
/// anything is sent to it. Bounded: 10 s, then killed and the test fails.
Brief serve_briefly(const Workspace& ws, const std::vector<std::string>& args, const Env& env) {
  static std::atomic<int> counter{0};
  const auto log_path = ws.path("brief-" + std::to_string(++counter) + ".log").string();
  const int log_fd =
      ::open(log_path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(log_fd >= 0);

  std::vector<std::string> argv_s{roombook_bin()};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  Env all;
  const char* path = std::getenv("PATH");
  const char* home = std::getenv("HOME");
  all["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
  all["HOME"] = home ? home : ws.dir().string();
  for (const auto& [k, v] : ws.env) all[k] = v;
  for (const auto& [k, v] : env) all[k] = v;
  std::vector<std::string> env_s;
  for (const auto& [k, v] : all) env_s.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& s : argv_s) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_s) envp.push_back(s.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, log_fd, 2);
  posix_spawn_file_actions_addchdir_np(&actions, ws.dir().c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);

  Child child;
  const int rc = ::posix_spawn(&child.pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(log_fd);
  if (rc != 0) child.pid = -1;
  REQUIRE(rc == 0);

  static const std::regex listening("listening on http://");
  const auto deadline = Clock::now() + 10s;
  Brief brief;
  while (true) {
    if (std::regex_search(read_text(log_path), listening)) {
      child.stop();  // at once: nothing is ever sent to it
      brief.listened = true;
      break;
    }
    int status = 0;
    if (::waitpid(child.pid, &status, WNOHANG) == child.pid) {
      child.pid = -1;
      brief.exit_code = decode(status);
      break;
    }
    if (Clock::now() >= deadline) {
      child.stop();
      FAIL("roombook " << joined(args) << " neither listened nor exited within 10 s; its log:\n"
                       << read_text(log_path));
    }
    std::this_thread::sleep_for(1ms);
  }
  brief.log = read_text(log_path);
  return brief;
}

/// Whether a line of `log` is at warn level and speaks of authentication.
bool has_auth_warning(const std::string& log) {
  for (const auto& line : lines_of(log)) {
    if (contains_nocase(line, "warn") && contains_nocase(line, "auth")) return true;
  }
  return false;
}

/// The rows of `token list --format json` as (name, service) pairs.
std::set<std::pair<std::string, std::string>> listed(const Workspace& ws,
                                                     const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"token", "list", "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto rows = run_json(ws, args);
  REQUIRE(rows.is_array());
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& row : rows) out.emplace(row.at("name").get<std::string>(), service_of(row));
  return out;
}

/// The members a listed token has, and nothing else.
const std::set<std::string> kListMembers{"name",       "scope",        "service",   "prefix",
                                         "created_at", "last_used_at", "expires_at"};

}  // namespace

// ---------------------------------------------------------------------------
// user-mgmt over HTTP with AUTH=required

TEST_CASE(
    "e2e auth: user-mgmt refuses every route without a valid token (401) and a read token "
    "on a write route (403)",
    "[e2e][auth]") {
  Workspace ws;
  require_auth(ws);
  auto server = serve(ws, "user-mgmt");
  Client client(server->url());
  check_every_refusal(client, kUserRoutes, refusal_credentials(ws, client, {"GET", "/users"}));

  // No refused request changed anything.
  server->stop();
  Database db(ws.database_url());
  CHECK(db.scalar("SELECT COUNT(*) FROM users") == 0);
}

TEST_CASE("e2e auth: user-mgmt answers every route as before with a write or admin token",
          "[e2e][auth]") {
  const std::string scope = GENERATE(as<std::string>{}, "write", "admin");
  Workspace ws;
  require_auth(ws);
  const auto token = create_token(ws, "ci-" + scope, scope);
  auto server = serve(ws, "user-mgmt");
  Client c(server->url());
  const std::vector<std::string> h{bearer(token.secret)};
  INFO("scope " << scope);

  expect(c, {"GET", "/users"}, h, 200);
  const auto alice = id_of(expect(c, {"POST", "/users", user_json("alice").dump()}, h, 201));
  const auto path = "/users/" + std::to_string(alice);
  expect(c, {"GET", "/users?limit=10&username=alice"}, h, 200);
  expect(c, {"GET", path}, h, 200);
  expect(c, {"HEAD", "/users"}, h, 200);
  expect(c, {"HEAD", path}, h, 200);
  expect(c, {"PUT", path, user_json("alice", "Alicia").dump()}, h, 200);
  expect(c, {"PATCH", path, R"({"lastname":"Liddell"})"}, h, 200);
  const auto bob = id_of(expect(c, {"POST", "/user", user_json("bob").dump()}, h, 201));
  const auto bob_path = "/user/" + std::to_string(bob);
  expect(c, {"GET", bob_path}, h, 200);
  expect(c, {"DELETE", bob_path}, h, 204);
  expect(c, {"DELETE", path}, h, 204);
  // A missing record is still the route's own 404, not a refusal.
  check_problem(expect(c, {"GET", path}, h, 404), 404);
  check_problem(expect(c, {"GET", "/user/" + std::to_string(alice)}, h, 404), 404);
  check_problem(expect(c, {"PUT", path, user_json("alice").dump()}, h, 404), 404);
  check_problem(expect(c, {"PATCH", path, R"({"lastname":"X"})"}, h, 404), 404);
  check_problem(expect(c, {"DELETE", path}, h, 404), 404);
  check_problem(expect(c, {"DELETE", bob_path}, h, 404), 404);
}

TEST_CASE("e2e auth: a read token gets user-mgmt's normal answer on every GET and HEAD route",
          "[e2e][auth]") {
  Workspace ws;
  require_auth(ws);
  const auto token = create_token(ws, "reader", "read");
  const auto alice = add_user(ws, "alice");
  auto server = serve(ws, "user-mgmt");
  Client c(server->url());
  const std::vector<std::string> h{bearer(token.secret)};
  const auto path = "/users/" + std::to_string(alice);

  const auto list = expect(c, {"GET", "/users"}, h, 200);
  CHECK(list.json().size() == 1);
  expect(c, {"GET", "/users?limit=10&username=alice"}, h, 200);
  CHECK(expect(c, {"GET", path}, h, 200).json().value("username", "") == "alice");
  expect(c, {"GET", "/user/" + std::to_string(alice)}, h, 200);
  expect(c, {"HEAD", "/users"}, h, 200);
  expect(c, {"HEAD", path}, h, 200);
  check_problem(expect(c, {"GET", "/users/999999"}, h, 404), 404);
  check_problem(expect(c, {"GET", "/user/999999"}, h, 404), 404);
}

TEST_CASE(
    "e2e auth: with AUTH_PUBLIC_READS=true user-mgmt's GET and HEAD need no token, writes "
    "still do",
    "[e2e][auth]") {
  Workspace ws;
  require_auth(ws);
  ws.env["AUTH_PUBLIC_READS"] = "true";
  const auto writer = create_token(ws, "writer", "write");
  const auto reader = create_token(ws, "reader", "read");
  const auto alice = add_user(ws, "alice");
  auto server = serve(ws, "user-mgmt");
  Client c(server->url());
  const auto path = "/users/" + std::to_string(alice);

  expect(c, {"GET", "/users"}, {}, 200);
  expect(c, {"GET", path}, {}, 200);
  expect(c, {"GET", "/user/" + std::to_string(alice)}, {}, 200);
  expect(c, {"HEAD", "/users"}, {}, 200);
  check_problem(expect(c, {"GET", "/users/999999"}, {}, 404), 404);

  for (const auto& route : kUserRoutes) {
    if (is_read(route)) continue;
    INFO(label(route) << " without a token");
    check_unauthorized(send(c, route), route.method);
    INFO(label(route) << " with a read token");
    check_forbidden(send(c, route, {bearer(reader.secret)}));
  }
  expect(c, {"POST", "/users", user_json("bob").dump()}, {bearer(writer.secret)}, 201);
  expect(c, {"PATCH", path, R"({"lastname":"Liddell"})"}, {bearer(writer.secret)}, 200);
}

TEST_CASE("e2e auth: a token made with --expires works until it expires, then gets 401",
          "[e2e][auth]") {
  Workspace ws;
  require_auth(ws);
  const auto lasting = create_token(ws, "lasting", "read", {"--expires", "1h"});
  auto server = serve(ws, "user-mgmt");
  Client c(server->url());
  const Route probe{"GET", "/users"};
  expect(c, probe, {bearer(lasting.secret)}, 200);

  const auto brief = create_token(ws, "brief", "read", {"--expires", "1s"});
  const auto created = epoch_seconds(brief.record.value("created_at", ""));
  const auto expires = epoch_seconds(brief.record.value("expires_at", ""));
  REQUIRE(created);
  REQUIRE(expires);
  // 1 s, give or take the rounding of times shown to the second.
  CHECK(*expires - *created >= 0);
  CHECK(*expires - *created <= 2);
  const bool refused =
      soon([&] { return send(c, probe, {bearer(brief.secret)}).status == 401; }, 10s);
  CHECK(refused);
  check_unauthorized(send(c, probe, {bearer(brief.secret)}), "GET");
  // The one that has not expired still works.
  expect(c, probe, {bearer(lasting.secret)}, 200);
}

TEST_CASE(
    "e2e auth: a revoked token is refused by every running process of the service within "
    "2 s",
    "[e2e][auth]") {
  const std::string service = GENERATE(as<std::string>{}, "user-mgmt", "rooms");
  INFO(service);
  Workspace ws;
  require_auth(ws);
  const auto token = create_token(ws, "shared", "read");
  const auto other = create_token(ws, "other", "read");
  // Two processes of one service on one database.
  auto first = serve(ws, service);
  auto second = serve(ws, service);
  Client a(first->url());
  Client b(second->url());
  const Route probe{"GET", service == "rooms" ? "/rooms" : "/users"};
  const std::vector<std::string> h{bearer(token.secret)};

  // In use in both, so that each may hold it in its cache; still accepted
  // right before it is revoked.
  for (int i = 0; i < 3; ++i) {
    expect(a, probe, h, 200);
    expect(b, probe, h, 200);
  }
  revoke_token(ws, "shared");
  const auto revoked_at = Clock::now();
  std::optional<Clock::time_point> a_at, b_at;
  const bool both = soon(
      [&] {
        if (!a_at && send(a, probe, h).status == 401) a_at = Clock::now();
        if (!b_at && send(b, probe, h).status == 401) b_at = Clock::now();
        return a_at && b_at;
      },
      5s);
  REQUIRE(both);
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::max(*a_at, *b_at) - revoked_at);
  INFO("refused by both " << took.count() << " ms after `token revoke` returned");
  // 2 s of cache, plus a second for a loaded machine.
  CHECK(took <= 3000ms);
  // It stays refused, in both; another token is not affected.
  check_unauthorized(send(a, probe, h), "GET");
  check_unauthorized(send(b, probe, h), "GET");
  expect(a, probe, {bearer(other.secret)}, 200);
  expect(b, probe, {bearer(other.secret)}, 200);
}

TEST_CASE("e2e auth: with AUTH=off, or AUTH unset on a loopback HOST, no token is needed",
          "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  ws.env["HOST"] = "127.0.0.1";
  SECTION("AUTH=off") { ws.env["AUTH"] = "off"; }
  SECTION("AUTH unset") { ws.env.erase("AUTH"); }
  auto server = serve(ws, "user-mgmt");
  Client c(server->url());
  const auto alice = id_of(expect(c, {"POST", "/users", user_json("alice").dump()}, {}, 201));
  const auto path = "/users/" + std::to_string(alice);
  expect(c, {"GET", "/users"}, {}, 200);
  expect(c, {"GET", path}, {}, 200);
  expect(c, {"PATCH", path, R"({"lastname":"Liddell"})"}, {}, 200);
  expect(c, {"DELETE", path}, {}, 204);
  CHECK_FALSE(has_auth_warning(server->log()));
}

TEST_CASE(
    "e2e auth: an AUTH other than required or off stops a command at start with exit 1 "
    "naming AUTH, as any bad setting does",
    "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  // Held, so that a serve that failed to refuse could not listen.
  HeldPort held;
  for (const std::string value : {"on", "yes", "true", "maybe"}) {
    ws.env["AUTH"] = value;
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"serve", "user-mgmt", "--port", held.port()}, {"user", "list"}, {"config"}}) {
      const auto r = ws.run(args);
      INFO("AUTH=" << value << " " << joined(args) << "\nexit " << r.exit_code
                   << "\nstdout: " << r.out << "\nstderr: " << r.err);
      CHECK(r.exit_code == 1);
      CHECK_THAT(r.err, Catch::Contains("invalid AUTH"));
      CHECK_THAT(r.err, !Catch::Contains("listening"));
    }
  }
}

// ---------------------------------------------------------------------------
// Non-loopback addresses

TEST_CASE(
    "e2e auth: serve refuses AUTH=off on a non-loopback HOST without --insecure, before it "
    "binds (exit 2)",
    "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  ws.env["AUTH"] = "off";
  // The port it would bind is held: a server that checked only after
  // binding fails there instead (exit 1, address in use), and none can
  // listen on it.
  HeldPort held;
  HeldPort held_rooms;
  struct Case {
    std::string what;
    std::vector<std::string> args;
    Env env;
  };
  const std::vector<Case> cases{
      {"HOST=0.0.0.0", {"serve", "user-mgmt", "--port", held.port()}, {{"HOST", "0.0.0.0"}}},
      {"--host 0.0.0.0", {"serve", "user-mgmt", "--port", held.port(), "--host", "0.0.0.0"}, {}},
      {"HOST=0.0.0.0 from .env", {"serve", "rooms", "--port", held.port()}, {}},
      {"an address of another network",
       {"serve", "user-mgmt", "--port", held.port()},
       {{"HOST", "192.0.2.1"}}},
      {"serve all",
       {"serve", "all"},
       {{"HOST", "0.0.0.0"}, {"USER_MGMT_PORT", held.port()}, {"ROOMS_PORT", held_rooms.port()}}},
  };
  for (const auto& c : cases) {
    ws.write(".env", c.what == "HOST=0.0.0.0 from .env" ? "HOST=0.0.0.0\n" : "");
    const Env saved = ws.env;
    for (const auto& [k, v] : c.env) ws.env[k] = v;
    const auto r = ws.run(c.args);
    ws.env = saved;
    INFO(c.what << ": " << joined(c.args) << "\nexit " << r.exit_code << "\nstdout: " << r.out
                << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("AUTH"));
    CHECK_THAT(r.err, Catch::Contains("--insecure"));
    CHECK_THAT(r.err + r.out, !Catch::Contains("listening"));
  }
}

TEST_CASE(
    "e2e auth: on a non-loopback HOST AUTH defaults to required: serve starts without "
    "--insecure and without a warning",
    "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  ws.env.erase("AUTH");
  SECTION("AUTH unset") {}
  SECTION("AUTH=required") { ws.env["AUTH"] = "required"; }
  // Killed as soon as it listens; nothing is sent to it.
  const auto brief =
      serve_briefly(ws, {"serve", "user-mgmt", "--port", "0"}, {{"HOST", "0.0.0.0"}});
  INFO("exit " << brief.exit_code << "; its log:\n" << brief.log);
  CHECK(brief.listened);
  CHECK_FALSE(has_auth_warning(brief.log));
}

TEST_CASE(
    "e2e auth: with --insecure serve starts with AUTH=off on a non-loopback HOST and logs a "
    "warning",
    "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  ws.env["AUTH"] = "off";
  // Killed as soon as it listens; nothing is sent to it.
  const auto brief = serve_briefly(
      ws, {"serve", "user-mgmt", "--port", "0", "--host", "0.0.0.0", "--insecure"}, {});
  INFO("exit " << brief.exit_code << "; its log:\n" << brief.log);
  CHECK(brief.listened);
  CHECK(has_auth_warning(brief.log));
}

TEST_CASE("e2e auth: AUTH=off on a loopback HOST other than 127.0.0.1 needs no --insecure",
          "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  ws.env["AUTH"] = "off";
  const auto brief =
      serve_briefly(ws, {"serve", "user-mgmt", "--port", "0"}, {{"HOST", "127.0.0.2"}});
  INFO("exit " << brief.exit_code << "; its log:\n" << brief.log);
  CHECK(brief.listened);
}

// ---------------------------------------------------------------------------
// Secrets

TEST_CASE(
    "e2e auth: no token's secret appears in the server's log; each access line names the "
    "caller",
    "[e2e][auth]") {
  const std::string format = GENERATE(as<std::string>{}, "text", "json");
  INFO("ROOMBOOK_LOG_FORMAT=" << format);
  Workspace ws;
  require_auth(ws);
  ws.env["ROOMBOOK_LOG"] = "trace";
  ws.env["ROOMBOOK_LOG_FORMAT"] = format;
  const auto writer = create_token(ws, "ci-writer", "write");
  const auto reader = create_token(ws, "ci-reader", "read");
  const auto gone = create_token(ws, "gone", "read");
  const auto wrong = never_created_token();
  auto server = serve(ws, "user-mgmt");
  Client c(server->url());

  const auto created =
      expect(c, {"POST", "/users", user_json("alice").dump()}, {bearer(writer.secret)}, 201);
  const auto read = expect(c, {"GET", "/users"}, {bearer(reader.secret)}, 200);
  const auto anonymous = send(c, {"GET", "/users"});
  CHECK(anonymous.status == 401);
  expect(c, {"GET", "/users"}, {bearer(wrong)}, 401);
  expect(c, {"GET", "/users"}, {"Authorization: Token " + writer.secret}, 401);
  expect(c, {"GET", "/users"}, {"Authorization: " + reader.secret}, 401);
  expect(c, {"POST", "/users", user_json("bob").dump()}, {bearer(reader.secret)}, 403);
  expect(c, {"GET", "/users"}, {bearer(gone.secret)}, 200);
  revoke_token(ws, "gone");
  CHECK(soon([&] { return send(c, {"GET", "/users"}, {bearer(gone.secret)}).status == 401; }, 5s));

  const auto id_line = [&](const Response& r, const std::string& caller) {
    const auto id = r.header("X-Request-Id").value_or("(no request id)");
    INFO("the access line of request " << id << " names " << caller << "; the log:\n"
                                       << server->log());
    CHECK(soon([&] { return line_with(server->log(), {id, caller}).has_value(); }, 5s));
  };
  id_line(created, "caller=ci-writer");
  id_line(read, "caller=ci-reader");
  id_line(anonymous, "caller=-");

  REQUIRE(server->stop() == 0);
  const auto log = server->log();
  for (const auto& secret : {writer.secret, reader.secret, gone.secret, wrong}) {
    check_not_shown(log, secret, "the server's log");
  }
  // Nor in what the commands printed on stderr.
  check_not_shown(ws.run({"token", "revoke", "ci-reader"}).err, reader.secret, "token revoke");
}

TEST_CASE("e2e auth: roombook config never shows USER_MGMT_TOKEN in clear", "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  const auto token = create_token(ws, "rooms-caller", "read", {"--service", "user-mgmt"});

  const auto check_config = [&](const std::string& source) {
    const auto r = ws.run({"config"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    check_not_shown(r.out, token.secret, "roombook config");
    check_not_shown(r.err, token.secret, "roombook config's stderr");
    const auto row = line_with(r.out, {"USER_MGMT_TOKEN"});
    REQUIRE(row);
    CHECK_THAT(*row, Catch::StartsWith("USER_MGMT_TOKEN"));
    CHECK_THAT(*row, Catch::Contains(source));
    // It says a token is set, in some masked form.
    std::istringstream words(*row);
    std::vector<std::string> columns;
    for (std::string w; words >> w;) columns.push_back(w);
    CHECK(columns.size() >= 3);
  };
  SECTION("from the environment") {
    ws.env["USER_MGMT_TOKEN"] = token.secret;
    check_config("environment");
  }
  SECTION("from .env") {
    ws.write(".env", "# rooms calls user-mgmt with\nUSER_MGMT_TOKEN=" + token.secret + "\n");
    check_config(".env:2");
  }
}

// ---------------------------------------------------------------------------
// roombook token

TEST_CASE("e2e auth: token create prints the new token's record with its secret, once",
          "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  // Off a terminal it prints JSON unless told otherwise.
  const auto r = run_ok(ws, {"token", "create", "ci-bot", "--scope", "write"});
  const auto record = json::parse(r.out, nullptr, false);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(record.is_object());
  for (const char* member :
       {"name", "scope", "service", "prefix", "created_at", "expires_at", "token"}) {
    INFO(member);
    CHECK(record.contains(member));
  }
  CHECK_FALSE(record.contains("hash"));
  const auto secret = record.value("token", "");
  CHECK(std::regex_match(secret, kTokenShape));
  CHECK(record.value("name", "") == "ci-bot");
  CHECK(record.value("scope", "") == "write");
  CHECK(record.value("prefix", "") == secret.substr(0, 12));
  REQUIRE(record["service"].is_array());
  CHECK(record["service"].get<std::set<std::string>>() ==
        std::set<std::string>{"user-mgmt", "rooms"});
  CHECK(std::regex_match(record.value("created_at", ""), kRfc3339));
  CHECK(record["expires_at"].is_null());
  // A note on stderr says it is shown only now; the secret itself is not there.
  CHECK_FALSE(r.err.empty());
  check_not_shown(r.err, secret, "token create's stderr");

  // Each token is new: random, whatever its name and scope.
  std::set<std::string> secrets{secret};
  for (const std::string scope : {"read", "write", "admin"}) {
    const auto t = create_token(ws, "bot-" + scope, scope);
    CHECK(t.record.value("scope", "") == scope);
    CHECK(std::regex_match(t.secret, kTokenShape));
    CHECK(secrets.insert(t.secret).second);
  }
}

TEST_CASE("e2e auth: token create shows the secret in table and csv too, token list never does",
          "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  std::vector<std::string> secrets;
  for (const std::string format : {"table", "csv"}) {
    const auto r =
        run_ok(ws, {"token", "create", "in-" + format, "--scope", "read", "--format", format});
    std::smatch m;
    INFO(format << ": " << r.out);
    REQUIRE(std::regex_search(r.out, m, kTokenShape));
    secrets.push_back(m.str());
  }
  secrets.push_back(create_token(ws, "rooms-only", "admin", {"--service", "rooms"}).secret);
  secrets.push_back(create_token(ws, "um-only", "write", {"--service", "user-mgmt"}).secret);

  static const std::regex hex_digest("[0-9a-fA-F]{64}");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"token", "list"},
           {"token", "list", "--format", "json"},
           {"token", "list", "--format", "csv"},
           {"token", "list", "--format", "table"},
           {"token", "list", "--service", "rooms", "--format", "table"},
           {"token", "list", "--service", "user-mgmt", "--format", "csv"}}) {
    const auto r = run_ok(ws, args);
    INFO(joined(args) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    for (const auto& s : secrets) {
      check_not_shown(r.out, s, joined(args));
      check_not_shown(r.err, s, joined(args) + " (stderr)");
    }
    // Nor a hash of one.
    CHECK_FALSE(std::regex_search(r.out, hex_digest));
    CHECK_FALSE(std::regex_search(r.out, kTokenShape));
  }

  const auto rows = run_json(ws, {"token", "list", "--format", "json"});
  REQUIRE(rows.is_array());
  CHECK(rows.size() == 6);  // in-table and in-csv in both services, two in one each
  for (const auto& row : rows) {
    INFO(row.dump());
    std::set<std::string> members;
    for (const auto& item : row.items()) members.insert(item.key());
    CHECK(members == kListMembers);
  }

  const auto csv = lines_of(run_ok(ws, {"token", "list", "--format", "csv"}).out);
  REQUIRE_FALSE(csv.empty());
  std::set<std::string> columns;
  std::istringstream header(csv.front());
  for (std::string col; std::getline(header, col, ',');) columns.insert(col);
  CHECK(columns == kListMembers);
  CHECK(csv.size() == 7);

  const auto table = run_ok(ws, {"token", "list", "--format", "table"}).out;
  const auto table_lines = lines_of(table);
  REQUIRE_FALSE(table_lines.empty());
  for (const auto& member : kListMembers) {
    INFO(member << " in " << table_lines.front());
    CHECK(contains_nocase(table_lines.front(), member));
  }
}

TEST_CASE("e2e auth: token list has a row per token and service, last_used_at is set once used",
          "[e2e][auth]") {
  Workspace ws;
  require_auth(ws);
  const auto both = create_token(ws, "both", "read");
  const auto um = create_token(ws, "um", "write", {"--service", "user-mgmt"});
  const auto rm = create_token(ws, "rm", "write", {"--service", "rooms"});
  CHECK(um.record["service"] == json::array({"user-mgmt"}));
  CHECK(rm.record["service"] == json::array({"rooms"}));

  using Rows = std::set<std::pair<std::string, std::string>>;
  CHECK(listed(ws) ==
        Rows{{"both", "user-mgmt"}, {"both", "rooms"}, {"um", "user-mgmt"}, {"rm", "rooms"}});
  CHECK(listed(ws, {"--service", "rooms"}) == Rows{{"both", "rooms"}, {"rm", "rooms"}});
  CHECK(listed(ws, {"--service", "user-mgmt"}) == Rows{{"both", "user-mgmt"}, {"um", "user-mgmt"}});

  const auto rows = run_json(ws, {"token", "list", "--format", "json"});
  for (const auto& row : rows) {
    INFO(row.dump());
    CHECK(row["last_used_at"].is_null());
    CHECK(std::regex_match(row.value("created_at", ""), kRfc3339));
    CHECK(row["expires_at"].is_null());
    const auto name = row.value("name", "");
    const auto& made = name == "both" ? both : name == "um" ? um : rm;
    CHECK(row.value("prefix", "") == made.secret.substr(0, 12));
    CHECK(row.value("scope", "") == made.record.value("scope", ""));
  }

  auto server = serve(ws, "user-mgmt");
  Client c(server->url());
  expect(c, {"GET", "/users"}, {bearer(both.secret)}, 200);
  const auto used = [&] {
    const auto now = run_json(ws, {"token", "list", "--format", "json"});
    for (const auto& row : now) {
      if (row.value("name", "") == "both" && service_of(row) == "user-mgmt") {
        return row["last_used_at"].is_string() &&
               std::regex_match(row["last_used_at"].get<std::string>(), kRfc3339);
      }
    }
    return false;
  };
  CHECK(soon(used, 10s));
  // Only where it was used.
  for (const auto& row : run_json(ws, {"token", "list", "--format", "json"})) {
    if (row.value("name", "") == "both" && service_of(row) == "user-mgmt") continue;
    INFO(row.dump());
    CHECK(row["last_used_at"].is_null());
  }
}

TEST_CASE("e2e auth: token create refuses a name its service has already with exit 1",
          "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  create_token(ws, "dup", "read");
  create_token(ws, "solo", "read", {"--service", "user-mgmt"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"token", "create", "dup", "--scope", "write"},
           {"token", "create", "dup", "--scope", "read", "--service", "rooms"},
           {"token", "create", "solo", "--scope", "read", "--service", "user-mgmt"},
           {"token", "create", "solo", "--scope", "read"}}) {
    const auto r = ws.run(args);
    INFO(joined(args) << "\nexit " << r.exit_code << "\nstdout: " << r.out
                      << "\nstderr: " << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.empty());
    CHECK(contains_nocase(r.err, "exists"));
    CHECK_FALSE(std::regex_search(r.out + r.err, kTokenShape));
  }
  // The name is free in the other service.
  create_token(ws, "solo", "read", {"--service", "rooms"});
  using Rows = std::set<std::pair<std::string, std::string>>;
  CHECK(listed(ws) ==
        Rows{{"dup", "user-mgmt"}, {"dup", "rooms"}, {"solo", "user-mgmt"}, {"solo", "rooms"}});
}

TEST_CASE("e2e auth: token create refuses a bad name, scope or --expires with exit 2 naming it",
          "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  struct Case {
    std::vector<std::string> args;
    std::string named;
  };
  std::vector<Case> cases;
  for (const std::string scope : {"root", "READ", "", "read,write", "none"}) {
    cases.push_back({{"token", "create", "bot", "--scope", scope}, "--scope"});
  }
  for (const std::string expires : {"0s", "0d", "0", "10", "1w", "1y", "abc", "-5m", "1.5h", "h",
                                    "", "10 m", "5ms", "99999999999999999999d"}) {
    cases.push_back(
        {{"token", "create", "bot", "--scope", "read", "--expires", expires}, "--expires"});
  }
  for (const std::string& name : std::vector<std::string>{
           "", "Alice", "has space", "a/b", "caf\xc3\xa9", "semi;colon", std::string(65, 'a')}) {
    cases.push_back({{"token", "create", name, "--scope", "read"}, "name"});
  }
  for (const auto& c : cases) {
    const auto r = ws.run(c.args);
    INFO(joined(c.args) << "\nexit " << r.exit_code << "\nstdout: " << r.out
                        << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(contains_nocase(r.err, c.named));
  }
  // Nothing was made.
  CHECK(run_json(ws, {"token", "list", "--format", "json"}) == json::array());
  // The limits themselves are fine.
  create_token(ws, std::string(64, 'a'), "read");
  create_token(ws, "a", "read");
  create_token(ws, "ci.bot_1-x", "admin");
}

TEST_CASE("e2e auth: token create --expires takes s, m, h and d", "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  const std::vector<std::pair<std::string, std::int64_t>> cases{
      {"3600s", 3600}, {"90m", 90 * 60}, {"12h", 12 * 3600}, {"30d", 30 * 86400}, {"1s", 1}};
  int n = 0;
  for (const auto& [text, seconds] : cases) {
    const auto t = create_token(ws, "t" + std::to_string(++n), "read", {"--expires", text});
    INFO("--expires " << text << ": " << t.record.dump());
    const auto created = epoch_seconds(t.record.value("created_at", ""));
    const auto expires =
        t.record["expires_at"].is_string() ? epoch_seconds(t.record["expires_at"]) : std::nullopt;
    REQUIRE(created);
    REQUIRE(expires);
    // Times may be shown to the second: one of rounding either way.
    CHECK(*expires - *created >= seconds - 1);
    CHECK(*expires - *created <= seconds + 1);
  }
  // list shows the same expiry.
  for (const auto& row : run_json(ws, {"token", "list", "--format", "json"})) {
    INFO(row.dump());
    CHECK(row["expires_at"].is_string());
  }
}

TEST_CASE("e2e auth: token revoke removes the token, an unknown name exits 1", "[e2e][auth]") {
  Workspace ws;
  run_ok(ws, {"migrate", "up"});
  create_token(ws, "keep", "read");
  create_token(ws, "drop", "write");
  create_token(ws, "half", "read");

  const auto unknown = ws.run({"token", "revoke", "ghost"});
  INFO("stderr: " << unknown.err);
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("no token named ghost"));

  const auto revoked = ws.run({"token", "revoke", "drop"});
  INFO("stderr: " << revoked.err);
  CHECK(revoked.exit_code == 0);
  CHECK_FALSE(revoked.err.empty());

  const auto again = ws.run({"token", "revoke", "drop"});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("no token named drop"));

  revoke_token(ws, "half", {"--service", "user-mgmt"});
  const auto half_again = ws.run({"token", "revoke", "half", "--service", "user-mgmt"});
  CHECK(half_again.exit_code == 1);
  CHECK_THAT(half_again.err, Catch::Contains("no token named half"));

  using Rows = std::set<std::pair<std::string, std::string>>;
  CHECK(listed(ws) == Rows{{"keep", "user-mgmt"}, {"keep", "rooms"}, {"half", "rooms"}});
  // Revoked, the name is free again.
  create_token(ws, "drop", "read");
}

TEST_CASE("e2e auth: admin commands need no token when AUTH=required", "[e2e][auth]") {
  Workspace ws;
  require_auth(ws);
  ws.env.erase("USER_MGMT_TOKEN");
  run_ok(ws, {"migrate", "status"});
  const auto alice = add_user(ws, "alice");
  run_ok(ws, {"user", "list"});
  run_ok(ws, {"user", "show", "alice"});
  run_ok(ws, {"user", "update", std::to_string(alice), "--lastname", "Liddell"});
  const auto room = run_json(ws, {"room", "add", "Babbage", "--capacity", "4", "--format", "json"});
  run_ok(ws, {"room", "list"});
  run_ok(ws,
         {"booking", "add", std::to_string(room.value("id", 0)), "--user", std::to_string(alice),
          "--from", "2031-03-03T10:00:00Z", "--to", "2031-03-03T11:00:00Z", "--no-verify-user"});
  run_ok(ws, {"booking", "list"});
  create_token(ws, "ops", "admin");
  run_ok(ws, {"token", "list"});
  revoke_token(ws, "ops");
  run_ok(ws, {"user", "delete", "alice"});
}
