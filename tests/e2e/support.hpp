#pragma once

// End-to-end test support: run the real roombook binary in a temporary
// directory with a controlled environment, start it as a server on a free
// port, and talk to it with libcurl.

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_database.hpp"

namespace roombook::db {
class Pool;
}

namespace roombook::e2e {

using roombook::test::on_postgres;

/// The binary under test and the directory holding it (and the user-mgmt link).
std::string roombook_bin();
std::string roombook_bin_dir();
/// The migrations of the source tree (migrations/<service>/*.sql).
std::string source_migrations_dir();

using Env = std::map<std::string, std::string>;

struct RunResult {
  int exit_code = -1;  ///< the exit status, or -signal when killed by one
  std::string out;
  std::string err;
};

/// A fresh temporary directory for one test: its ./.env and ./roombook.db
/// belong to that test alone. Removed on destruction (unless ROOMBOOK_E2E_KEEP
/// is set in the test's environment). On PostgreSQL (on_postgres()) it also
/// has a schema of its own, which env's DATABASE_URL names, so every process
/// started here uses it instead of ./roombook.db. Every process started here
/// writes its sanitizer reports here (sanitizer_options()); on destruction,
/// each such report fails the running test, and is printed. (UBSan's go to
/// stderr: run() and Server read what their process wrote for them.)
class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  /// The database the processes started here use unless told otherwise:
  /// ./roombook.db (as a sqlite:/// URL), or the workspace's schema.
  std::string database_url() const;
  /// Another fresh database for this test: ./NAME on SQLite, a schema of its
  /// own on PostgreSQL. Not in env: the test says which variable names it.
  std::string add_database(const std::string& name);
  std::filesystem::path path(const std::string& name) const { return dir_ / name; }
  void write(const std::string& name, const std::string& text) const;
  std::string read(const std::string& name) const;

  /// Runs `roombook ARGS...` here with env() and an optional stdin; bounded
  /// by a 60 s deadline (the child is killed and the test fails past it).
  RunResult run(const std::vector<std::string>& args,
                const std::optional<std::string>& input = std::nullopt) const;
  /// Runs any program here (the user-mgmt link, for one).
  RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                        const std::optional<std::string>& input = std::nullopt) const;

  /// Variables added to the minimal environment (PATH and HOME) of every
  /// process started here (on PostgreSQL, DATABASE_URL from the start).
  Env env;

 private:
  std::filesystem::path dir_;
  // Dropped when the workspace goes, after the servers of the test.
  std::vector<std::unique_ptr<roombook::test::TestDatabase>> databases_;
};

/// What every process started in `workspace` gets of the sanitizers' options:
/// ASAN_OPTIONS, UBSAN_OPTIONS, TSAN_OPTIONS and LSAN_OPTIONS as the test has
/// them, each with log_path=<workspace>/sanitizer and print_suppressions=0
/// added (set even when the test has none), so that a report of ASan, LSan or
/// TSan goes to a file sanitizer.<pid> there, not to a stderr no one may read,
/// and nothing else does. For a test that starts a process itself.
Env sanitizer_options(const std::filesystem::path& workspace);

/// SQL on a database from outside the processes under test, through the data
/// layer: the same statements check what is stored on SQLite and on
/// PostgreSQL.
class Database {
 public:
  explicit Database(const std::string& url);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  std::int64_t scalar(const std::string& sql);
  /// Every row, each column as text ("" for NULL, times as RFC 3339 UTC).
  std::vector<std::vector<std::string>> rows(const std::string& sql);
  bool has_table(const std::string& name);
  /// Runs a statement that returns no rows.
  void execute(const std::string& sql);

 private:
  std::unique_ptr<db::Pool> pool_;
};

/// A write transaction on the database at URL, held open until destroyed,
/// as a long transaction of another program would: on SQLite it holds the
/// file's write lock (BEGIN IMMEDIATE); on PostgreSQL it runs
/// `postgres_sql` and holds what that takes, such as "LOCK TABLE users IN
/// EXCLUSIVE MODE" (reads go on) or an advisory lock.
class WriteLock {
 public:
  WriteLock(const std::string& url, const std::string& postgres_sql);
  ~WriteLock();
  WriteLock(const WriteLock&) = delete;
  WriteLock& operator=(const WriteLock&) = delete;

 private:
  struct Held;
  std::unique_ptr<Held> held_;
};

/// How to start a server process: `program ARGS...` in the workspace, with
/// ws.env plus `env`, serving `services` (e.g. {"user-mgmt", "rooms"}). Every
/// member has a default, so a designated initializer names only what differs;
/// `services` comes first, so that a braced list of arguments (Server(ws,
/// {"--migrate"})) is never taken for a Launch.
struct Launch {
  std::vector<std::string> services{"user-mgmt"};
  std::vector<std::string> args{};
  Env env{};
  std::string program = roombook_bin();
};

/// A roombook process serving one or several services. Waits (10 s deadline)
/// until its log has a "<service> listening on http://127.0.0.1:PORT" line for
/// each service of its Launch, and reads their ports. Killed by PID on
/// destruction if still running.
class Server {
 public:
  /// `roombook serve user-mgmt --port 0 EXTRA...` in the workspace.
  explicit Server(const Workspace& ws, const std::vector<std::string>& extra_args = {});
  /// `PROGRAM ARGS...` (e.g. the user-mgmt link) serving user-mgmt.
  Server(const Workspace& ws, const std::string& program, const std::vector<std::string>& args);
  /// Any services: Server(ws, {.services = {"rooms"}, .args = {"serve", "rooms"}}).
  Server(const Workspace& ws, Launch launch);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The port and "http://127.0.0.1:PORT" + path of the one service this
  /// process serves (std::logic_error when it serves several).
  int port() const;
  std::string url(const std::string& path = "") const;
  /// The same for one service of several.
  int port_of(const std::string& service) const;
  std::string url_of(const std::string& service, const std::string& path = "") const;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  /// Sends `sig`, waits (20 s deadline) and returns the exit status, or
  /// -signal when killed by one (-SIGKILL when it had to be killed).
  int stop(int sig = SIGTERM);
  /// SIGKILL, and reaps the process.
  void kill9();
  /// What the server wrote to stdout and stderr so far.
  std::string log() const;

 private:
  const std::string& only_service() const;

  pid_t pid_ = -1;
  std::vector<std::string> services_;
  std::map<std::string, int> ports_;
  std::filesystem::path log_path_;
};

/// Header names compare case-insensitively.
struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Response {
  bool ok = false;    ///< false: no response at all (see error)
  std::string error;  ///< libcurl's message when !ok
  long status = 0;
  Headers headers;  ///< repeated headers are joined with ", "
  std::string body;
  long new_connections = 0;  ///< CURLINFO_NUM_CONNECTS: 0 when a connection was reused

  std::optional<std::string> header(const std::string& name) const;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

/// One libcurl easy handle: consecutive requests reuse its connection when the
/// server keeps it open. Every transfer has a timeout, so no test can hang.
class Client {
 public:
  explicit Client(std::string base_url, bool http10 = false);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// `headers` are "Name: value" lines. A non-empty body is sent as
  /// application/json unless a Content-Type header is given.
  Response request(const std::string& method, const std::string& path, const std::string& body = "",
                   const std::vector<std::string>& headers = {});
  Response get(const std::string& path) { return request("GET", path); }
  Response post(const std::string& path, const nlohmann::json& body) {
    return request("POST", path, body.dump());
  }

 private:
  std::string base_;
  bool http10_;
  void* curl_;
};

/// {"username": u, "firstname": f, "lastname": l}
nlohmann::json user_json(const std::string& username, const std::string& firstname = "Ada",
                         const std::string& lastname = "Lovelace");

/// Polls `condition` until it holds or `timeout` passes; returns the last result.
bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// A raw TCP connection to 127.0.0.1:port, for what curl would not send; its
/// sends time out after 10 s, a guard so a stuck server fails the test.
/// Throws when it cannot connect. The caller closes it.
int connect_loopback(int port);

/// One response as read off a raw connection.
struct Answer {
  int status = 0;
  std::string content_type;
  std::string body;
};

/// The complete HTTP/1.1 responses in what a server sent, in order.
std::vector<Answer> answers_in(const std::string& raw);

/// Reads from `fd` until the server has closed the connection or sent
/// `expected` complete responses. A guard of a few seconds ends a read that
/// gets neither: the test then fails on the missing answer.
std::string read_responses(int fd, std::size_t expected);

/// Whether `text` contains `needle`, ignoring ASCII case.
bool contains_nocase(const std::string& text, const std::string& needle);

}  // namespace roombook::e2e
