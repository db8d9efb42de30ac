// The server under faults of its surroundings: a client that never reads,
// the database file deleted while serving, a full disk.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

/// The resident memory of a process, in KiB, from /proc.
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

/// A client that reads as little as it can.
int connect_reading_little(int port) {
  const int fd = connect_loopback(port);
  int small = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  return fd;
}

}  // namespace

TEST_CASE("e2e faults: a client that pipelines and never reads is cut off, memory stays bounded",
          "[e2e][faults]") {
  Workspace ws;
  Server server(ws, {"--migrate"});
  Client api(server.url());
  for (int i = 0; i < 100; ++i) {
    REQUIRE(api.post("/users", user_json("user" + std::to_string(i))).status == 201);
  }
  const long before = rss_kib(server.pid());
  REQUIRE(before > 0);

  // Each answer is about 14 KB; the server keeps at most 1 MiB of unread
  // answers per connection, then hangs up.
  std::string burst;
  for (int i = 0; i < 100; ++i) burst += "GET /users?limit=100 HTTP/1.1\r\nHost: x\r\n\r\n";
  const int fd = connect_reading_little(server.port());
  long peak = before;
  bool cut_off = false;
  for (int round = 0; round < 1000 && !cut_off; ++round) {
    std::size_t sent = 0;
    while (sent < burst.size()) {
      const auto n = ::send(fd, burst.data() + sent, burst.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        cut_off = true;
        break;
      }
      sent += static_cast<std::size_t>(n);
    }
    peak = std::max(peak, rss_kib(server.pid()));
    if (round % 20 == 0) CHECK(api.get("/users/1").status == 200);  // others are served
  }
  ::close(fd);
  CHECK(cut_off);
  INFO("RSS before " << before << " KiB, peak " << peak << " KiB");
  // The bound this test states: less than 32 MiB above where it started.
  CHECK(peak - before < 32 * 1024);
  CHECK(api.get("/users?limit=100").status == 200);
  CHECK(eventually([&] { return server.log().find("responses unread") != std::string::npos; }));
}

TEST_CASE("e2e faults: SQLite: after the database file is deleted, writes get 503 and none is lost",
          "[e2e][faults]") {
  Workspace ws;
  ws.env["DATABASE_URL"] = "sqlite:roombook.db";  // a file to delete, whatever the suite runs on
  Server server(ws, {"--migrate"});
  Client api(server.url());
  REQUIRE(api.post("/users", user_json("before")).status == 201);
  for (const auto* name : {"roombook.db", "roombook.db-wal", "roombook.db-shm"}) {
    std::filesystem::remove(ws.path(name));
  }
  for (int i = 0; i < 5; ++i) {
    const auto r = api.post("/users", user_json("after" + std::to_string(i)));
    INFO(r.body);
    CHECK(r.status == 503);
    CHECK(r.header("Retry-After"));
  }
  CHECK(eventually([&] {
    return server.log().find("roombook.db was deleted or replaced while in use") !=
           std::string::npos;
  }));
  // Nothing was acknowledged that the file could not keep, and no empty
  // database file appeared in its place.
  CHECK_FALSE(std::filesystem::exists(ws.path("roombook.db")));
}

TEST_CASE(
    "e2e faults: SQLite: a full disk answers 507, loses nothing, and writes work again with room",
    "[e2e][faults]") {
  Workspace ws;
  const auto mnt = ws.path("small");
  std::filesystem::create_directory(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=2m") != 0) {
    // CI runs as root; elsewhere the case needs a mount it cannot make.
    WARN("cannot mount a tmpfs (" << std::strerror(errno) << "): run as root to check a full disk");
    return;
  }
  struct Unmount {
    std::filesystem::path path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  ws.env["DATABASE_URL"] = "sqlite:" + (mnt / "rb.db").string();
  Server server(ws, {"--migrate"});
  Client api(server.url());

  {
    std::ofstream filler(mnt / "filler", std::ios::binary);
    filler << std::string(1500 * 1024, '\0');
  }
  std::vector<std::string> acknowledged;
  Response refused;
  for (int i = 0; i < 20000; ++i) {
    const auto name = "u" + std::to_string(i);
    const auto r = api.post("/users", user_json(name, std::string(90, 'x')));
    if (r.status == 201) {
      acknowledged.push_back(name);
      continue;
    }
    refused = r;
    break;
  }
  INFO(refused.body);
  REQUIRE(refused.status == 507);
  CHECK(refused.header("Retry-After"));
  CHECK(refused.json().value("detail", "").find("storage is full") != std::string::npos);

  std::filesystem::remove(mnt / "filler");
  CHECK(api.post("/users", user_json("after")).status == 201);
  for (const auto& name : acknowledged) {
    const auto found = api.get("/users?username=" + name);
    REQUIRE(found.status == 200);
    CHECK(found.json().size() == 1);
  }
}
