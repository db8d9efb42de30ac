#include "rooms_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace roombook::e2e {

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// fork + exec; everything the child needs is built before fork, since other
/// threads of the test may be running.
pid_t spawn(const std::string& program, const std::vector<std::string>& args, const Env& env_in,
            const std::string& cwd, int out_fd) {
  if (::access(program.c_str(), X_OK) != 0) {
    throw std::runtime_error(program + " is not an executable (build the roombook target)");
  }
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  Env env;
  const char* path = std::getenv("PATH");
  const char* home = std::getenv("HOME");
  env["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
  env["HOME"] = home ? home : cwd;
  for (const auto& [k, v] : env_in) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);

  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) fail_errno("open /dev/null");
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(null_fd);
    fail_errno("fork");
  }
  if (pid == 0) {
    if (::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(out_fd, 2) < 0) ::_exit(126);
    // No descriptor of the test (sockets of other threads) leaks into the server.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(null_fd);
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

std::optional<int> wait_until(pid_t pid, Clock::time_point deadline) {
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    if (r < 0 && errno != EINTR) fail_errno("waitpid");
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

/// A socket bound to 127.0.0.1 on a free port.
int bound_socket(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    fail_errno("bind");
  }
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    fail_errno("getsockname");
  }
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

std::string rooms_e2e_binary() { return ROOMBOOK_ROOMS_E2E_BIN; }

std::string rooms_e2e_link(const std::string& service) {
  return std::string(ROOMBOOK_ROOMS_E2E_BIN_DIR) + "/" + service;
}

// ---------------------------------------------------------------------------
// ServiceProcess

ServiceProcess::ServiceProcess(const Workspace& ws, const std::vector<std::string>& args,
                               const std::vector<std::string>& services, const Env& env,
                               const std::string& program) {
  static std::atomic<int> counter{0};
  log_path_ = ws.path("rooms-e2e-process-" + std::to_string(++counter) + ".log").string();
  const int log_fd =
      ::open(log_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) fail_errno("open " + log_path_);
  Env all = ws.env;
  for (const auto& [k, v] : env) all[k] = v;
  try {
    pid_ = spawn(program, args, all, ws.dir().string(), log_fd);
  } catch (...) {
    ::close(log_fd);
    throw;
  }
  ::close(log_fd);

  static const std::regex listening(R"(([a-z-]+) listening on http://127\.0\.0\.1:(\d+))");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (true) {
    const std::string text = log();
    ports_.clear();
    for (auto it = std::sregex_iterator(text.begin(), text.end(), listening);
         it != std::sregex_iterator(); ++it) {
      ports_[(*it)[1].str()] = std::stoi((*it)[2].str());
    }
    bool all_listening = true;
    for (const auto& s : services) all_listening = all_listening && ports_.count(s) > 0;
    if (all_listening) return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the server exited (status " +
                               std::to_string(decode_status(status)) +
                               ") before listening; its log:\n" + log());
    }
    if (Clock::now() >= deadline) {
      kill9();
      throw std::runtime_error("the server did not listen within 10 s; its log:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

ServiceProcess::~ServiceProcess() { kill9(); }

int ServiceProcess::port(const std::string& service) const {
  auto it = ports_.find(service);
  if (it == ports_.end()) throw std::logic_error(service + " is not served by this process");
  return it->second;
}

std::string ServiceProcess::url(const std::string& service, const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port(service)) + path;
}

int ServiceProcess::stop(int sig) {
  if (pid_ <= 0) throw std::logic_error("the server is not running");
  ::kill(pid_, sig);
  // It drains requests for up to 10 s; past 20 s it is stuck.
  auto status = wait_until(pid_, Clock::now() + std::chrono::seconds(20));
  if (!status) {
    kill9();
    return -SIGKILL;
  }
  pid_ = -1;
  return *status;
}

void ServiceProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string ServiceProcess::log() const { return read_text(log_path_); }

std::unique_ptr<ServiceProcess> start_user_mgmt(const Workspace& ws, const Env& env) {
  return std::make_unique<ServiceProcess>(
      ws, std::vector<std::string>{"serve", "user-mgmt", "--port", "0", "--migrate"},
      std::vector<std::string>{"user-mgmt"}, env);
}

std::unique_ptr<ServiceProcess> start_rooms(const Workspace& ws, const std::string& user_mgmt_url,
                                            const Env& env) {
  Env all = env;
  all["USER_MGMT_URL"] = user_mgmt_url;
  return std::make_unique<ServiceProcess>(
      ws, std::vector<std::string>{"serve", "rooms", "--port", "0", "--migrate"},
      std::vector<std::string>{"rooms"}, all);
}

// ---------------------------------------------------------------------------
// FakeUserMgmt

FakeUserMgmt::FakeUserMgmt(std::optional<std::string> response) : response_(std::move(response)) {
  listen_fd_ = bound_socket(port_);
  if (::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    fail_errno("listen");
  }
  if (::pipe2(wake_, O_CLOEXEC) != 0) {
    ::close(listen_fd_);
    fail_errno("pipe2");
  }
  thread_ = std::thread([this] { serve(); });
}

FakeUserMgmt::~FakeUserMgmt() {
  [[maybe_unused]] auto n = ::write(wake_[1], "x", 1);
  thread_.join();
  for (int fd : held_) ::close(fd);
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

std::vector<std::string> FakeUserMgmt::request_lines() const {
  std::lock_guard lock(mutex_);
  return request_lines_;
}

void FakeUserMgmt::serve() {
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    if (!response_) {
      // Never answers: the client must give up on its own timeout.
      held_.push_back(fd);
      continue;
    }
    // Read the request head (bounded: 5 s), then answer and close.
    std::string request;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (request.find("\r\n\r\n") == std::string::npos && Clock::now() < deadline) {
      pollfd in{fd, POLLIN, 0};
      if (::poll(&in, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      request_lines_.push_back(request.substr(0, request.find("\r\n")));
    }
    [[maybe_unused]] auto n = ::send(fd, response_->data(), response_->size(), MSG_NOSIGNAL);
    ::close(fd);
  }
}

// ---------------------------------------------------------------------------
// ClosedPort

ClosedPort::ClosedPort() { fd_ = bound_socket(port_); }

ClosedPort::~ClosedPort() { ::close(fd_); }

// ---------------------------------------------------------------------------
// SqliteFile

SqliteFile::SqliteFile(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path + ": " + message);
  }
  sqlite3_busy_timeout(db, 10000);
  db_ = db;
}

SqliteFile::~SqliteFile() { sqlite3_close(static_cast<sqlite3*>(db_)); }

std::vector<std::vector<std::string>> SqliteFile::rows(const std::string& sql) {
  auto* db = static_cast<sqlite3*>(db_);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot prepare " + sql + ": " + sqlite3_errmsg(db));
  }
  std::vector<std::vector<std::string>> out;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const auto* text = sqlite3_column_text(stmt, i);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) throw std::runtime_error("cannot run " + sql + ": " + sqlite3_errmsg(db));
  return out;
}

std::int64_t SqliteFile::scalar(const std::string& sql) {
  const auto result = rows(sql);
  if (result.size() != 1 || result[0].size() != 1) {
    throw std::runtime_error(sql + " did not return one value");
  }
  return std::stoll(result[0][0]);
}

bool SqliteFile::has_table(const std::string& name) {
  return scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name +
                "'") == 1;
}

// ---------------------------------------------------------------------------
// Helpers

nlohmann::json booking_json(std::int64_t user_id, const std::string& starts_at,
                            const std::string& ends_at, const std::string& title) {
  nlohmann::json body{{"user_id", user_id}, {"starts_at", starts_at}, {"ends_at", ends_at}};
  if (!title.empty()) body["title"] = title;
  return body;
}

std::int64_t create_user(const std::string& user_mgmt_url, const std::string& username) {
  Client client(user_mgmt_url);
  const auto r = client.post("/users", user_json(username));
  if (!r.ok || r.status != 201) throw std::runtime_error("cannot create a user: " + describe(r));
  return r.json()["id"].get<std::int64_t>();
}

std::int64_t create_room(Client& rooms, const std::string& name, int capacity,
                         const std::optional<std::string>& location) {
  nlohmann::json body{{"name", name}, {"capacity", capacity}};
  if (location) body["location"] = *location;
  const auto r = rooms.post("/rooms", body);
  if (!r.ok || r.status != 201) throw std::runtime_error("cannot create a room: " + describe(r));
  return r.json()["id"].get<std::int64_t>();
}

bool is_problem(const Response& r, long status) {
  if (!r.ok || r.status != status) return false;
  if (r.header("Content-Type").value_or("") != "application/problem+json") return false;
  const auto doc = nlohmann::json::parse(r.body, nullptr, false);
  return doc.is_object() && doc.value("status", 0L) == status && doc.contains("type") &&
         doc["type"].is_string() && doc.contains("title") && doc["title"].is_string() &&
         !doc["title"].get<std::string>().empty() && doc.contains("detail") &&
         doc["detail"].is_string() && !doc["detail"].get<std::string>().empty();
}

std::string describe(const Response& r) {
  return r.ok ? std::to_string(r.status) + " " + r.body : "no response: " + r.error;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, ',')) {
    const auto b = item.find_first_not_of(' ');
    const auto e = item.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
  }
  return out;
}

}  // namespace roombook::e2e
