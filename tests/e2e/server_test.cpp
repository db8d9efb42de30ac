// The server process as a whole: connections, worker threads, signals,
// start-up checks, the multi-call link, crash durability and sharing the
// database with the command line.

#include <linux/sockios.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

bool says(const Response& r, const std::string& connection) {
  const auto value = r.header("Connection");
  return value && value->size() == connection.size() && contains_nocase(*value, connection);
}

/// Every user in the workspace's database, by id, read with the CLI.
std::map<long, std::string> users_in_database(const Workspace& ws) {
  std::map<long, std::string> users;
  long after = 0;
  while (true) {
    const auto r = ws.run({"user", "list", "--format", "json", "--limit", "1000", "--after-id",
                           std::to_string(after)});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto page = json::parse(r.out);
    for (const auto& u : page) users[u["id"].get<long>()] = u["username"].get<std::string>();
    if (page.size() < 1000) return users;
    after = page.back()["id"].get<long>();
  }
}

/// Users a client was told were created (201), by id.
struct Recorded {
  std::mutex mutex;
  std::map<long, std::string> users;
  std::vector<std::string> unexpected;
  std::atomic<int> count{0};
  std::atomic<bool> failed{false};

  void created(const Response& r) {
    long id = 0;
    std::string username;
    try {  // an exception escaping a client thread would abort the test binary
      const auto user = r.json();
      id = user.at("id").get<long>();
      username = user.at("username").get<std::string>();
    } catch (const std::exception&) {
      fail("a 201 without a user: " + r.body);
      return;
    }
    std::lock_guard lock(mutex);
    users[id] = username;
    ++count;
  }
  std::string first_unexpected() {
    std::lock_guard lock(mutex);
    return unexpected.empty() ? "" : unexpected.front();
  }
  void fail(const std::string& what) {
    std::lock_guard lock(mutex);
    unexpected.push_back(what);
    failed = true;
  }
};

/// Whether every thread of the process is stopped (SIGSTOP has taken hold).
bool all_threads_stopped(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto close = line.rfind(')');
    if (close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'T') {
      return false;
    }
  }
  return !ec;
}

/// Bytes sent on a socket that its peer's kernel has not acknowledged yet.
int unacknowledged(int fd) {
  int pending = -1;
  ::ioctl(fd, SIOCOUTQ, &pending);
  return pending;
}

std::string describe(const Response& r) {
  return r.ok ? std::to_string(r.status) + " " + r.body : "no response: " + r.error;
}

}  // namespace

TEST_CASE("e2e server: HTTP/1.1 connections persist unless the client asks to close",
          "[e2e][server]") {
  Workspace ws;
  Server server(ws, {"--migrate"});
  Client client(server.url());

  // libcurl sends no Connection header by default.
  const auto first = client.get("/users");
  const auto second = client.post("/users", user_json("alice"));
  const auto third = client.get("/users/1");
  REQUIRE(first.ok);
  REQUIRE(second.ok);
  REQUIRE(third.ok);
  CHECK(first.status == 200);
  CHECK(second.status == 201);
  CHECK(third.status == 200);
  CHECK(first.new_connections == 1);
  CHECK(second.new_connections == 0);
  CHECK(third.new_connections == 0);
  for (const auto* r : {&first, &second, &third}) {
    INFO(r->header("Connection").value_or("(none)"));
    CHECK(says(*r, "keep-alive"));
  }

  // Errors keep the connection too.
  const auto missing = client.get("/users/999");
  CHECK(missing.status == 404);
  CHECK(missing.new_connections == 0);
  CHECK(says(missing, "keep-alive"));

  const auto closing = client.request("GET", "/users", "", {"Connection: close"});
  REQUIRE(closing.ok);
  CHECK(closing.status == 200);
  INFO(closing.header("Connection").value_or("(none)"));
  CHECK(says(closing, "close"));
  CHECK(closing.new_connections == 0);
  // The connection is gone: the next request opens another.
  const auto after = client.get("/users");
  CHECK(after.status == 200);
  CHECK(after.new_connections == 1);
}

TEST_CASE("e2e server: HTTP/1.0 closes unless the client asks for keep-alive", "[e2e][server]") {
  Workspace ws;
  Server server(ws, {"--migrate"});
  Client client(server.url(), /*http10=*/true);

  const auto plain = client.get("/users");
  REQUIRE(plain.ok);
  CHECK(plain.status == 200);
  INFO(plain.header("Connection").value_or("(none)"));
  CHECK(says(plain, "close"));

  const auto keep = client.request("GET", "/users", "", {"Connection: keep-alive"});
  REQUIRE(keep.ok);
  CHECK(keep.status == 200);
  INFO(keep.header("Connection").value_or("(none)"));
  CHECK(says(keep, "keep-alive"));
}

TEST_CASE("e2e server: several worker threads answer concurrent clients properly",
          "[e2e][server]") {
  Workspace ws;
  ws.env["ROOMBOOK_THREADS"] = "4";
  Server server(ws, {"--migrate"});

  constexpr int kThreads = 8;
  constexpr int kRequests = 50;
  std::vector<std::vector<std::string>> failures(kThreads);
  std::vector<int> created(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client client(server.url());
      long own_id = 0;
      for (int i = 0; i < kRequests; ++i) {
        // The user this thread created last, or one that does not exist.
        const bool have = own_id != 0;
        const auto own = "/users/" + std::to_string(have ? own_id : 999999);
        const auto check = [&](const Response& r, long want, bool problem) {
          const auto type = r.header("Content-Type").value_or("");
          const bool type_ok =
              type.rfind(problem ? "application/problem+json" : "application/json", 0) == 0;
          if (!r.ok || r.status != want || !type_ok) {
            failures[t].push_back("request " + std::to_string(i) + ": want " +
                                  std::to_string(want) + ", got " + describe(r) + " (" + type +
                                  ")");
          }
        };
        switch (i % 9) {
          case 0:
            check(client.get("/users?limit=5"), 200, false);
            break;
          case 1: {
            const auto r =
                client.post("/users", user_json("t" + std::to_string(t) + "-" + std::to_string(i)));
            check(r, 201, false);
            if (r.ok && r.status == 201) {
              const auto user = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
              if (user.is_object() && user.contains("id") && user["id"].is_number_integer()) {
                own_id = user["id"].get<long>();
                ++created[t];
              } else {
                failures[t].push_back("a 201 without a user: " + r.body);
              }
            }
            break;
          }
          case 2:
            check(client.get(own), have ? 200 : 404, !have);
            break;
          case 3:
            check(client.request("OPTIONS", "/users"), 405, true);
            break;
          case 4:
            check(client.request("PUT", "/users", "{}"), 405, true);
            break;
          case 5:
            check(client.request("PATCH", own, R"({"lastname":"Patched"})",
                                 {"Content-Type: application/merge-patch+json"}),
                  have ? 200 : 404, !have);
            break;
          case 6:
            check(client.get("/nope"), 404, true);
            break;
          case 7:
            check(client.request("HEAD", "/users"), 200, false);
            break;
          case 8:
            check(client.request("DELETE", "/users"), 405, true);
            break;
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t << ": " << (failures[t].empty() ? "" : failures[t].front()));
    CHECK(failures[t].empty());
  }
  CHECK(server.log().find("(4 threads") != std::string::npos);
  int total = 0;
  for (int c : created) total += c;
  Client client(server.url());
  const auto all = client.get("/users?limit=1000");
  REQUIRE(all.status == 200);
  CHECK(static_cast<int>(all.json().size()) == total);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("e2e server: a client that keeps its worker busy does not hold up the others",
          "[e2e][server]") {
  Workspace ws;
  ws.env["ROOMBOOK_THREADS"] = "1";  // both connections on the one worker
  Server server(ws, {"--migrate"});
  const auto post = [](const std::string& username) {
    const std::string body = user_json(username).dump();
    return "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  const auto send_all = [](int fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      sent += static_cast<std::size_t>(n);
    }
  };
  const int busy = connect_loopback(server.port());
  const int other = connect_loopback(server.port());
  // One answer on each, so that both are accepted and belong to the worker.
  for (const int fd : {busy, other}) {
    send_all(fd, "GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(answers_in(read_responses(fd, 1)).size() == 1);
  }

  // While the server is stopped, 200 pipelined requests (about 30 KB) wait
  // on one connection and then one request on the other; on waking, the
  // worker finds both at once.
  constexpr int kPipelined = 200;
  std::string burst;
  for (int i = 0; i < kPipelined; ++i) burst += post("busy" + std::to_string(i));
  REQUIRE(::kill(server.pid(), SIGSTOP) == 0);
  REQUIRE(eventually([&] { return all_threads_stopped(server.pid()); }));
  send_all(busy, burst);
  send_all(other, post("other"));
  // Everything sent has reached the server's side of both connections.
  REQUIRE(eventually([&] { return unacknowledged(busy) == 0 && unacknowledged(other) == 0; }));
  REQUIRE(::kill(server.pid(), SIGCONT) == 0);

  const auto other_answers = answers_in(read_responses(other, 1));
  const auto busy_answers = answers_in(read_responses(busy, kPipelined));
  ::close(busy);
  ::close(other);
  REQUIRE(other_answers.size() == 1);
  REQUIRE(other_answers[0].status == 201);
  REQUIRE(busy_answers.size() == kPipelined);
  for (const auto& a : busy_answers) REQUIRE(a.status == 201);
  // Ids are given in the order the requests were handled: the lone request
  // had its turn after a few of the pipelined ones, not after all 200.
  const long other_id = json::parse(other_answers[0].body).at("id").get<long>();
  const long first_id = json::parse(busy_answers.front().body).at("id").get<long>();
  const long last_id = json::parse(busy_answers.back().body).at("id").get<long>();
  INFO("pipelined ids " << first_id << ".." << last_id << ", the other's " << other_id);
  CHECK(other_id < first_id + 50);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("e2e server: SIGTERM and SIGINT stop the server with exit code 0", "[e2e][server]") {
  const int sig = GENERATE(SIGTERM, SIGINT);
  INFO("signal " << sig);
  Workspace ws;
  Server server(ws, {"--migrate"});
  Client client(server.url());
  REQUIRE(client.get("/users").status == 200);  // an idle keep-alive connection stays open
  CHECK(server.stop(sig) == 0);
  CHECK(contains_nocase(server.log(), sig == SIGINT ? "received SIGINT" : "received SIGTERM"));
}

TEST_CASE("e2e server: on SIGTERM or SIGINT, every request answered 201 is stored, exit code 0",
          "[e2e][server]") {
  const int sig = GENERATE(SIGTERM, SIGINT);
  INFO("signal " << sig);
  Workspace ws;
  Server server(ws, {"--migrate"});
  Recorded recorded;
  std::atomic<bool> signalled{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Client client(server.url());
      for (int i = 0; i < 5000; ++i) {
        const auto r =
            client.post("/users", user_json("s" + std::to_string(t) + "-" + std::to_string(i)));
        if (r.ok && r.status == 201) {
          recorded.created(r);
        } else if (!signalled) {
          recorded.fail(describe(r));
          return;
        } else if (!r.ok) {
          return;  // the server has gone away
        } else if (r.status != 503) {
          recorded.fail("while stopping: " + describe(r));
          return;
        }
      }
    });
  }
  REQUIRE(eventually([&] { return recorded.count >= 200 || recorded.failed; }));
  signalled = true;
  const int exit_code = server.stop(sig);
  for (auto& th : threads) th.join();

  CHECK(exit_code == 0);
  INFO("first unexpected answer: " << recorded.first_unexpected());
  CHECK(recorded.unexpected.empty());
  const auto stored = users_in_database(ws);
  std::vector<long> lost;
  for (const auto& [id, username] : recorded.users) {
    auto it = stored.find(id);
    if (it == stored.end() || it->second != username) lost.push_back(id);
  }
  INFO(lost.size() << " of " << recorded.users.size() << " users answered 201 are missing");
  CHECK(lost.empty());
}

TEST_CASE("e2e server: serve refuses to start while migrations are pending", "[e2e][server]") {
  Workspace ws;
  const auto r = ws.run({"serve", "user-mgmt", "--port", "0"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("roombook migrate up") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("e2e server: serve on a port already in use exits 1 naming the address",
          "[e2e][server]") {
  Workspace ws;
  Server first(ws, {"--migrate"});
  const auto port = std::to_string(first.port());
  const auto second = ws.run({"serve", "user-mgmt", "--port", port});
  INFO(second.err);
  CHECK(second.exit_code == 1);
  CHECK(second.err.find("127.0.0.1:" + port) != std::string::npos);
  // The first one is unharmed.
  Client client(first.url());
  CHECK(client.get("/users").status == 200);
}

TEST_CASE("e2e server: serve --migrate starts on a fresh database", "[e2e][server]") {
  Workspace ws;
  Server server(ws, {"--migrate"});
  Client client(server.url());
  const auto r = client.get("/users");
  REQUIRE(r.status == 200);
  CHECK(r.json() == json::array());
  const auto status = ws.run({"migrate", "status", "--exit-code", "--service", "user-mgmt"});
  CHECK(status.exit_code == 0);
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("e2e server: the user-mgmt link serves the API", "[e2e][server]") {
  Workspace ws;
  Server server(ws, roombook_bin_dir() + "/user-mgmt", {"--port", "0", "--migrate"});
  Client client(server.url());
  const auto created = client.post("/users", user_json("linked"));
  REQUIRE(created.status == 201);
  const auto list = client.get("/users");
  REQUIRE(list.status == 200);
  REQUIRE(list.json().size() == 1);
  CHECK(list.json()[0]["username"] == "linked");
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("e2e server: users answered 201 survive a SIGKILL of the server", "[e2e][server]") {
  Workspace ws;
  auto server = std::make_unique<Server>(ws, std::vector<std::string>{"--migrate"});
  Recorded recorded;
  std::atomic<bool> killed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t, url = server->url()] {
      Client client(url);
      for (int i = 0; i < 20000; ++i) {
        const auto r =
            client.post("/users", user_json("k" + std::to_string(t) + "-" + std::to_string(i)));
        if (r.ok && r.status == 201) {
          recorded.created(r);
        } else {
          if (!killed) recorded.fail(describe(r));
          return;
        }
      }
    });
  }
  REQUIRE(eventually([&] { return recorded.count >= 300 || recorded.failed; }));
  killed = true;
  server->kill9();
  for (auto& th : threads) th.join();
  INFO("first unexpected answer: " << recorded.first_unexpected());
  CHECK(recorded.unexpected.empty());

  server = std::make_unique<Server>(ws);
  Client client(server->url());
  std::vector<std::string> lost;
  for (const auto& [id, username] : recorded.users) {
    const auto r = client.get("/users/" + std::to_string(id));
    if (r.status != 200 || r.json()["username"] != username) {
      lost.push_back(std::to_string(id) + " " + username + ": " + describe(r));
    }
  }
  INFO(lost.size() << " of " << recorded.users.size()
                   << " lost; first: " << (lost.empty() ? "" : lost.front()));
  CHECK(lost.empty());
}

TEST_CASE("e2e server: `roombook user add` works while the server is writing", "[e2e][server]") {
  Workspace ws;
  Server server(ws, {"--migrate"});
  Recorded recorded;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    Client client(server.url());
    for (int i = 0; i < 20000 && !done; ++i) {
      const auto r = client.post("/users", user_json("h" + std::to_string(i)));
      if (r.ok && r.status == 201) {
        recorded.created(r);
      } else {
        recorded.fail(describe(r));
        return;
      }
    }
  });
  REQUIRE(eventually([&] { return recorded.count >= 20 || recorded.failed; }));

  std::vector<RunResult> results;
  for (int i = 0; i < 20; ++i) {
    results.push_back(ws.run(
        {"user", "add", "cli" + std::to_string(i), "--firstname", "Cli", "--lastname", "User"}));
  }
  done = true;
  writer.join();

  for (int i = 0; i < 20; ++i) {
    INFO("user add cli" << i << ": " << results[i].err);
    CHECK(results[i].exit_code == 0);
    CHECK_FALSE(contains_nocase(results[i].err, "locked"));
  }
  INFO("first unexpected answer: " << recorded.first_unexpected());
  CHECK(recorded.unexpected.empty());

  Client client(server.url());
  for (int i = 0; i < 20; ++i) {
    const auto r = client.get("/users?username=cli" + std::to_string(i));
    REQUIRE(r.status == 200);
    CHECK(r.json().size() == 1);
  }
  CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE(
    "e2e server: a request that waits DB_ACQUIRE_TIMEOUT for a connection gets 503, not a "
    "hang",
    "[e2e][server]") {
  Workspace ws;
  ws.env["DB_POOL_SIZE"] = "1";
  ws.env["DB_ACQUIRE_TIMEOUT"] = "200ms";
  Server server(ws, {"--migrate"});
  Client setup(server.url());
  REQUIRE(setup.post("/users", user_json("ada")).status == 201);

  std::optional<WriteLock> lock;
  lock.emplace(ws.database_url(), "LOCK TABLE users IN EXCLUSIVE MODE");
  // This write waits for the lock, holding the pool's one connection...
  Response write;
  std::thread writer([&] {
    Client c(server.url());
    write = c.post("/users", user_json("bob"));
  });
  // ...so a read finds none free, and says so once the timeout has passed.
  Client reader(server.url());
  Response busy;
  const bool refused = eventually(
      [&] {
        busy = reader.get("/users/1");
        return busy.status == 503;
      },
      std::chrono::seconds(8));
  lock.reset();
  writer.join();
  INFO(busy.body << "\n" << server.log());
  CHECK(refused);
  CHECK(busy.header("Retry-After") == std::optional<std::string>("1"));
  CHECK(busy.json()["detail"] == "the database is busy; retry shortly");
  CHECK(server.log().find("DB_ACQUIRE_TIMEOUT") != std::string::npos);
  // Nothing is stuck: the write went through once the lock was gone.
  CHECK(write.status == 201);
  CHECK(reader.get("/users/1").status == 200);
  CHECK(server.stop() == 0);
}

TEST_CASE("e2e server: libpq and libcurl are loaded only by the processes that use them",
          "[e2e][server]") {
  Workspace ws;
  Server server(ws, {"--migrate"});
  Client api(server.url());
  REQUIRE(api.get("/users?limit=1").status == 200);
  std::ifstream maps("/proc/" + std::to_string(server.pid()) + "/maps");
  const std::string mapped((std::istreambuf_iterator<char>(maps)),
                           std::istreambuf_iterator<char>());
  REQUIRE(mapped.find("libsqlite3") != std::string::npos);
  // user-mgmt calls no other service: curl stays out.
  CHECK(mapped.find("libcurl") == std::string::npos);
  // And libpq only when the database is PostgreSQL.
  CHECK((mapped.find("libpq.so") != std::string::npos) == roombook::test::on_postgres());
}
