// The local cluster (scripts/cluster) under load: two processes of each
// service over one PostgreSQL server, behind nginx. One instance of each is
// killed with SIGKILL mid-run and started again by the cluster; afterwards
// every write that was answered 2xx is in the database, no two bookings
// overlap, and every request that failed was in flight on a killed instance.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

extern char** environ;

using namespace roombook::e2e;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kScript = std::string(ROOMBOOK_SOURCE_DIR) + "/scripts/cluster";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Runs `scripts/cluster ARGS...` with its output in `log`; returns its PID.
pid_t spawn_script(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<std::string> argv_text{kScript};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, kScript.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(rc == 0);
  return pid;
}

/// `scripts/cluster ... --dir DIR` in the foreground of the test, stopped
/// with `scripts/cluster stop --dir DIR` at the end, also when the test fails.
class Cluster {
 public:
  Cluster(const std::filesystem::path& dir, int base) : dir_(dir), base_(base) {
    const auto out = dir_.parent_path() / "cluster.out";
    pid_ = spawn_script({"--dir", dir_.string(), "--port", std::to_string(base_), "--instances",
                         "2", "--binary", roombook_bin()},
                        out);
    // Ready once it says so; the first start creates a PostgreSQL cluster.
    const bool ready = eventually(
        [&] {
          output_ = read_file(out);
          return output_.find("cluster ready") != std::string::npos ||
                 ::waitpid(pid_, nullptr, WNOHANG) == pid_;
        },
        std::chrono::seconds(120));
    INFO(output_);
    REQUIRE(ready);
    REQUIRE(output_.find("cluster ready") != std::string::npos);
    const auto at = output_.find("database   ");
    REQUIRE(at != std::string::npos);
    database_url_ = output_.substr(at + 11, output_.find('\n', at) - at - 11);
  }
  ~Cluster() { stop(); }

  /// Tears it down; the foreground script exits with it.
  void stop() {
    if (pid_ < 0) return;
    const auto out = dir_.parent_path() / "cluster-stop.out";
    const pid_t stopper = spawn_script({"stop", "--dir", dir_.string()}, out);
    ::waitpid(stopper, nullptr, 0);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string user_mgmt() const { return "http://127.0.0.1:" + std::to_string(base_ + 1); }
  std::string rooms() const { return "http://127.0.0.1:" + std::to_string(base_ + 2); }
  /// Instance i (1-based) of a service, as nginx names it in its log.
  std::string instance(const std::string& service, int i) const {
    return "127.0.0.1:" + std::to_string(base_ + (service == "user-mgmt" ? 100 : 200) + i);
  }
  /// The PID of a part ("user-mgmt-1"), as the cluster wrote it.
  pid_t pid_of(const std::string& part) const {
    const std::string text = read_file(dir_ / "run" / (part + ".instance"));
    return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
  }
  const std::string& database_url() const { return database_url_; }
  std::string access_log() const { return read_file(dir_ / "logs" / "nginx-access.log"); }

 private:
  std::filesystem::path dir_;
  int base_;
  pid_t pid_ = -1;
  std::string output_;
  std::string database_url_;
};

enum class Kind { create_user, create_booking, read };

/// One request of the load, as the client saw it.
struct Sent {
  Kind kind;
  std::string request_id;
  std::string username;  // create_user
  std::int64_t room_id = 0;
  std::string starts_at, ends_at;  // create_booking
  long status = 0;                 // 0: no response
  std::int64_t id = 0;             // the id of what a 2xx write created
  Clock::time_point started, ended;
};

/// 2027-03-01T00:00:00Z plus `hours`, as RFC 3339 UTC.
std::string at_hour(int hours) {
  char text[32];
  std::snprintf(text, sizeof text, "2027-03-%02dT%02d:00:00Z", 1 + hours / 24, hours % 24);
  return text;
}

bool expected(const Sent& s) {
  switch (s.kind) {
    case Kind::create_user:
      return s.status == 201;
    case Kind::create_booking:
      return s.status == 201 || s.status == 409;
    case Kind::read:
      return s.status == 200;
  }
  return false;
}

}  // namespace

TEST_CASE(
    "e2e cluster: SIGKILL of an instance of each service mid-load loses no answered write "
    "and makes no overlap",
    "[e2e][postgres][cluster]") {
  Workspace ws;
  // Ports below the ephemeral range, apart for concurrent runs of the suite.
  const int base = 20000 + static_cast<int>(::getpid() % 40) * 300;
  Cluster cluster(ws.dir() / "cluster", base);

  // Three rooms and five users to book with.
  Client setup_users(cluster.user_mgmt());
  Client setup_rooms(cluster.rooms());
  std::vector<std::int64_t> bookers;
  for (int i = 0; i < 5; ++i) {
    const auto r = setup_users.post("/users", user_json("booker" + std::to_string(i)));
    REQUIRE(r.status == 201);
    bookers.push_back(r.json()["id"].get<std::int64_t>());
  }
  for (int i = 0; i < 3; ++i) {
    const auto r =
        setup_rooms.post("/rooms", {{"name", "room" + std::to_string(i)}, {"capacity", 8}});
    REQUIRE(r.status == 201);
  }

  constexpr int kThreads = 4;
  constexpr int kBeforeKill = 300;    // requests before the kill
  constexpr int kAfterRestart = 300;  // requests after both are back
  std::atomic<int> done{0};
  std::atomic<bool> restarted{false};
  std::atomic<int> after_restart{0};
  std::mutex mutex;
  std::vector<Sent> sent;
  const auto deadline = Clock::now() + std::chrono::seconds(90);

  auto load = [&](int t) {
    Client users(cluster.user_mgmt());
    Client rooms(cluster.rooms());
    std::mt19937 random(static_cast<unsigned>(t) * 7919u + 1);
    std::vector<Sent> mine;
    for (int n = 0; Clock::now() < deadline; ++n) {
      if (restarted && after_restart >= kAfterRestart) break;
      Sent s;
      s.request_id = "load-" + std::to_string(t) + "-" + std::to_string(n);
      const std::vector<std::string> headers{"X-Request-Id: " + s.request_id};
      Response r;
      s.started = Clock::now();
      switch (n % 10) {
        case 0:
        case 1:
        case 2:
        case 3:
          s.kind = Kind::create_user;
          s.username = "user-" + s.request_id;
          r = users.request("POST", "/users", user_json(s.username).dump(), headers);
          break;
        case 4:
        case 5:
        case 6: {
          // Few rooms, few hours, 1-3 hours long: many overlap on purpose.
          s.kind = Kind::create_booking;
          s.room_id = static_cast<std::int64_t>(random() % 3) + 1;
          const int start = static_cast<int>(random() % 96);
          s.starts_at = at_hour(start);
          s.ends_at = at_hour(start + 1 + static_cast<int>(random() % 3));
          const json body{{"user_id", bookers[random() % bookers.size()]},
                          {"starts_at", s.starts_at},
                          {"ends_at", s.ends_at}};
          r = rooms.request("POST", "/rooms/" + std::to_string(s.room_id) + "/bookings",
                            body.dump(), headers);
          break;
        }
        default:
          s.kind = Kind::read;
          r = (n % 2)
                  ? users.request("GET", "/users/" + std::to_string(bookers[n % 5]), "", headers)
                  : rooms.request("GET", "/rooms/" + std::to_string(n % 3 + 1) + "/bookings", "",
                                  headers);
          break;
      }
      s.ended = Clock::now();
      s.status = r.ok ? r.status : 0;
      if (r.ok && (r.status == 201) && s.kind != Kind::read)
        s.id = r.json()["id"].get<std::int64_t>();
      mine.push_back(std::move(s));
      ++done;
      if (restarted) ++after_restart;
    }
    std::lock_guard<std::mutex> lock(mutex);
    sent.insert(sent.end(), mine.begin(), mine.end());
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(load, t);

  // Mid-run: SIGKILL instance 1 of each service; the cluster starts them again.
  REQUIRE(eventually([&] { return done >= kBeforeKill; }, std::chrono::seconds(60)));
  const pid_t user_pid = cluster.pid_of("user-mgmt-1");
  const pid_t rooms_pid = cluster.pid_of("rooms-1");
  REQUIRE(user_pid > 0);
  REQUIRE(rooms_pid > 0);
  const auto killed_at = Clock::now();
  ::kill(user_pid, SIGKILL);
  ::kill(rooms_pid, SIGKILL);
  const int done_at_kill = done;
  const bool back = eventually(
      [&] {
        return cluster.pid_of("user-mgmt-1") != user_pid &&
               cluster.pid_of("rooms-1") != rooms_pid &&
               Client("http://" + cluster.instance("user-mgmt", 1)).get("/users/1").status == 200 &&
               Client("http://" + cluster.instance("rooms", 1)).get("/rooms/1").status == 200;
      },
      std::chrono::seconds(20));
  const auto back_at = Clock::now();
  restarted = true;
  for (auto& t : threads) t.join();
  REQUIRE(back);
  REQUIRE(after_restart >= kAfterRestart);  // the deadline did not cut the run short

  // What the database holds, read straight from it.
  Database db(cluster.database_url());
  std::map<std::int64_t, std::string> stored_users;
  for (const auto& row : db.rows("SELECT id, username FROM users"))
    stored_users[std::stoll(row[0])] = row[1];
  std::map<std::int64_t, std::vector<std::string>> stored_bookings;
  for (const auto& row : db.rows("SELECT id, room_id, starts_at, ends_at FROM bookings"))
    stored_bookings[std::stoll(row[0])] = {row[1], row[2], row[3]};
  const auto overlapping = db.scalar(
      "SELECT COUNT(*) FROM bookings b1 JOIN bookings b2"
      " ON b1.room_id = b2.room_id AND b1.id < b2.id"
      " AND b1.starts_at < b2.ends_at AND b2.starts_at < b1.ends_at");

  // nginx's log names the instances each request went to; it is complete
  // once nginx has stopped.
  cluster.stop();
  const std::string access = cluster.access_log();
  const std::set<std::string> killed{cluster.instance("user-mgmt", 1),
                                     cluster.instance("rooms", 1)};
  // Whether a log line for this request id (the request itself, or the
  // user check rooms made for it) went to a killed instance.
  auto went_to_killed = [&](const std::string& request_id) {
    std::istringstream lines(access);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(" " + request_id + " ") == std::string::npos) continue;
      for (const auto& k : killed)
        if (line.find(k) != std::string::npos) return true;
    }
    return false;
  };

  std::map<Kind, std::map<long, int>> counts;
  int failures = 0, failures_explained = 0, writes_ok = 0, writes_missing = 0;
  std::set<std::string> failed_usernames;
  std::set<std::vector<std::string>> failed_slots;
  std::set<std::int64_t> answered_users, answered_bookings;
  for (const auto& s : sent) {
    ++counts[s.kind][s.status];
    if (s.status == 201) {
      ++writes_ok;
      if (s.kind == Kind::create_user) {
        answered_users.insert(s.id);
        const auto it = stored_users.find(s.id);
        if (it == stored_users.end() || it->second != s.username) {
          ++writes_missing;
          FAIL_CHECK("user " << s.id << " (" << s.username
                             << ") was answered 201 but is not stored");
        }
      } else {
        answered_bookings.insert(s.id);
        const auto it = stored_bookings.find(s.id);
        const std::vector<std::string> want{std::to_string(s.room_id), s.starts_at, s.ends_at};
        if (it == stored_bookings.end() || it->second != want) {
          ++writes_missing;
          FAIL_CHECK("booking " << s.id << " was answered 201 but is not stored as sent");
        }
      }
    }
    if (expected(s)) continue;
    ++failures;
    // In flight when the instances died: sent before nginx could know (the
    // kill plus a second) and answered after it.
    const bool in_flight = s.started < killed_at + std::chrono::seconds(1) && s.ended >= killed_at;
    if (in_flight && went_to_killed(s.request_id)) {
      ++failures_explained;
      if (s.kind == Kind::create_user) failed_usernames.insert(s.username);
      if (s.kind == Kind::create_booking)
        failed_slots.insert({std::to_string(s.room_id), s.starts_at, s.ends_at});
    } else {
      FAIL_CHECK("request " << s.request_id << " got " << s.status
                            << " and was not in flight on a killed instance");
    }
  }

  // Nothing stored that nobody asked for: every row is a 2xx write, or a
  // write whose answer was lost with its instance.
  int unanswered_rows = 0;
  for (const auto& [id, username] : stored_users) {
    if (answered_users.count(id) || username.rfind("booker", 0) == 0) continue;
    ++unanswered_rows;
    CHECK(failed_usernames.count(username) == 1);
  }
  for (const auto& [id, row] : stored_bookings) {
    if (answered_bookings.count(id)) continue;
    ++unanswered_rows;
    CHECK(failed_slots.count(row) == 1);
  }
  CHECK(overlapping == 0);
  CHECK(writes_missing == 0);

  auto line = [&](Kind kind, const char* name) {
    std::ostringstream out;
    int total = 0;
    for (const auto& [status, n] : counts[kind]) total += n;
    out << "  " << name << ": " << total << " (";
    bool first = true;
    for (const auto& [status, n] : counts[kind]) {
      out << (first ? "" : ", ") << n << "x " << (status ? std::to_string(status) : "no answer");
      first = false;
    }
    return out.str() + ")\n";
  };
  std::cout << "cluster load through nginx, " << sent.size() << " requests from " << kThreads
            << " clients:\n"
            << line(Kind::create_user, "user creations") << line(Kind::create_booking, "bookings")
            << line(Kind::read, "reads") << "  killed user-mgmt-1 and rooms-1 (SIGKILL) after "
            << done_at_kill << " requests; both answered again after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(back_at - killed_at).count()
            << " ms\n"
            << "  2xx writes: " << writes_ok
            << ", all in the database: " << (writes_missing == 0 ? "yes" : "NO") << "\n"
            << "  failures: " << failures
            << ", in flight on a killed instance: " << failures_explained
            << "; rows stored whose answer was lost: " << unanswered_rows << "\n"
            << "  overlapping bookings: " << overlapping << "\n";
}
