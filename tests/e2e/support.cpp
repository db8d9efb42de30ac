#include "support.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <catch2/catch.hpp>

#include "db/db.hpp"

namespace roombook::e2e {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string roombook_bin() { return ROOMBOOK_BIN; }
std::string roombook_bin_dir() { return ROOMBOOK_BIN_DIR; }
std::string source_migrations_dir() { return ROOMBOOK_SOURCE_MIGRATIONS; }

namespace {

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

/// A descriptor closed on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

/// An anonymous file (created and unlinked at once), close-on-exec.
Fd anonymous_file() {
  std::string name = (fs::temp_directory_path() / "roombook-e2e-io-XXXXXX").string();
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) fail_errno("mkostemp");
  ::unlink(name.c_str());
  return Fd(fd);
}

std::string read_all(int fd) {
  if (::lseek(fd, 0, SEEK_SET) < 0) fail_errno("lseek");
  std::string text;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  if (n < 0) fail_errno("read");
  return text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A sanitizer report in a child fails the test that started it, whatever
// became of the child (killed, its exit status never looked at). ASan, LSan
// and TSan write theirs to the file log_path names (sanitizer_options()),
// which the Workspace reads at the end. UBSan writes to stderr beside ASan:
// g++ links each as a library of its own, and UBSan's log_path sets ASan's
// file, not its own. So what a child wrote is read for reports too.

/// Where the processes started in a workspace write sanitizer reports:
/// the sanitizers add ".<pid>" to this log_path.
fs::path sanitizer_log(const fs::path& workspace) { return workspace / "sanitizer"; }

/// Fails the running test with each report a process started in the workspace
/// wrote there.
void fail_on_sanitizer_reports(const fs::path& workspace) {
  const auto prefix = sanitizer_log(workspace).filename().string() + ".";
  std::error_code ec;
  for (fs::directory_iterator it(workspace, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(prefix, 0) != 0) continue;
    FAIL_CHECK("a process of this test reported an error of its sanitizer, in "
               << it->path().string() << ":\n"
               << read_file(it->path()));
  }
  if (ec) FAIL_CHECK("cannot look for sanitizer reports in " << workspace << ": " << ec.message());
}

/// Fails the running test when `output`, what a process wrote, holds a
/// sanitizer's report (UBSan's "file:line:col: runtime error: ...") or
/// message (such as "==PID==ERROR: Can't open file", when log_path could not
/// be written).
void fail_on_sanitizer_output(const std::string& what, const std::string& output) {
  for (const char* mark : {": runtime error: ", "Sanitizer:", "==ERROR: ", "==WARNING: "}) {
    if (output.find(mark) != std::string::npos) {
      FAIL_CHECK(what << " reported an error of its sanitizer (\"" << mark << "\"):\n" << output);
      return;
    }
  }
}

/// fork + exec with everything the child needs prepared beforehand, since
/// other threads of the test may be running (only async-signal-safe calls
/// happen between fork and exec). `cwd` is the workspace.
pid_t spawn(const std::string& program, const std::vector<std::string>& args, const Env& extra,
            const fs::path& cwd, int in_fd, int out_fd, int err_fd) {
  if (::access(program.c_str(), X_OK) != 0) {
    throw std::runtime_error(program + " is not an executable (build the roombook target)");
  }
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  Env env;
  const char* path = std::getenv("PATH");
  const char* home = std::getenv("HOME");
  env["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
  env["HOME"] = home ? home : cwd.string();
  for (const auto& [k, v] : extra) env[k] = v;
  for (const auto& [k, v] : sanitizer_options(cwd)) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);

  std::vector<char*> argv, envp;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const std::string dir = cwd.string();

  const pid_t pid = ::fork();
  if (pid < 0) fail_errno("fork");
  if (pid == 0) {
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(126);
    // A clean signal mask, whatever the forking thread had blocked.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    // Descriptors of other threads (curl sockets) must not leak into the child.
    if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    ::execve(argv[0], argv.data(), envp.data());
    static const char msg[] = "e2e: execve failed\n";
    [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

/// Waits for the child until `deadline`; nullopt if it is still running.
std::optional<int> wait_until(pid_t pid, Clock::time_point deadline) {
  auto pause = std::chrono::microseconds(200);
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    if (r < 0 && errno != EINTR) fail_errno("waitpid");
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(5000));
  }
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

// ---------------------------------------------------------------------------
// Sanitizers

Env sanitizer_options(const fs::path& workspace) {
  // The sanitizers split options at ':', ',' and blanks: a path holding one
  // would be cut short, and its reports written elsewhere.
  const auto log_path = sanitizer_log(workspace).string();
  if (log_path.find_first_of(":, \t\n\r") != std::string::npos) {
    throw std::runtime_error("a workspace path the sanitizers cannot take: " + log_path);
  }
  Env options;
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "LSAN_OPTIONS"}) {
    const char* inherited = std::getenv(name);
    std::string value = inherited ? inherited : "";
    // Set even when the test has none, so that no report goes to a stderr
    // no one reads. A binary without that sanitizer ignores it. Anything in
    // that file is a report: not the suppressions used, listed at exit.
    options[name] =
        value + (value.empty() ? "" : ":") + "log_path=" + log_path + ":print_suppressions=0";
  }
  return options;
}

// ---------------------------------------------------------------------------
// Workspace

Workspace::Workspace() {
  std::string tmpl = (fs::temp_directory_path() / "roombook-e2e-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) fail_errno("mkdtemp");
  dir_ = tmpl;
  if (on_postgres()) env["DATABASE_URL"] = add_database("roombook.db");
}

std::string Workspace::database_url() const {
  if (on_postgres()) return databases_.front()->url();
  return "sqlite://" + path("roombook.db").string();
}

std::string Workspace::add_database(const std::string& name) {
  databases_.push_back(std::make_unique<roombook::test::TestDatabase>(dir_, name));
  return databases_.back()->url();
}

// The test's servers, made after it, have been stopped by now.
Workspace::~Workspace() {
  fail_on_sanitizer_reports(dir_);
  if (std::getenv("ROOMBOOK_E2E_KEEP") != nullptr) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void Workspace::write(const std::string& name, const std::string& text) const {
  const auto p = path(name);
  if (p.has_parent_path()) fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string Workspace::read(const std::string& name) const { return read_file(path(name)); }

RunResult Workspace::run(const std::vector<std::string>& args,
                         const std::optional<std::string>& input) const {
  return run_program(roombook_bin(), args, input);
}

RunResult Workspace::run_program(const std::string& program, const std::vector<std::string>& args,
                                 const std::optional<std::string>& input) const {
  Fd out = anonymous_file();
  Fd err = anonymous_file();
  Fd in = input ? anonymous_file() : Fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (input) {
    if (::write(in.get(), input->data(), input->size()) != static_cast<ssize_t>(input->size())) {
      fail_errno("write stdin");
    }
    if (::lseek(in.get(), 0, SEEK_SET) < 0) fail_errno("lseek");
  }

  const pid_t pid = spawn(program, args, env, dir_, in.get(), out.get(), err.get());
  auto status = wait_until(pid, Clock::now() + std::chrono::seconds(60));
  if (!status) {
    kill_and_reap(pid);
    throw std::runtime_error("roombook did not finish within 60 s; stderr:\n" +
                             read_all(err.get()));
  }
  RunResult result{*status, read_all(out.get()), read_all(err.get())};
  fail_on_sanitizer_output(fs::path(program).filename().string() + " " +
                               (args.empty() ? std::string() : args.front()) + "...",
                           result.err);
  return result;
}

// ---------------------------------------------------------------------------
// Database

namespace {

const db::Query kHasTableSqlite{
    "test.has_table", "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"};
const db::Query kHasTablePostgres{"test.has_table",
                                  "SELECT COUNT(*) FROM information_schema.tables"
                                  " WHERE table_schema = current_schema() AND table_name = $1"};

}  // namespace

Database::Database(const std::string& url) : pool_(db::open(url, {.max_connections = 1})) {}

Database::~Database() = default;

std::vector<std::vector<std::string>> Database::rows(const std::string& sql) {
  auto conn = pool_->acquire();
  std::vector<std::vector<std::string>> out;
  for (const auto& row : conn->query({"test.rows", sql})) {
    std::vector<std::string> values;
    for (std::size_t i = 0; i < row.size(); ++i) {
      values.push_back(row.is_null(i) ? "" : row.text(i));
    }
    out.push_back(std::move(values));
  }
  return out;
}

std::int64_t Database::scalar(const std::string& sql) {
  const auto result = rows(sql);
  if (result.size() != 1 || result[0].size() != 1) {
    throw std::runtime_error(sql + " did not return one value");
  }
  return std::stoll(result[0][0]);
}

bool Database::has_table(const std::string& name) {
  auto conn = pool_->acquire();
  const auto& q = pool_->dialect() == db::Dialect::postgres ? kHasTablePostgres : kHasTableSqlite;
  return conn->query(q, {name}).at(0).integer(0) == 1;
}

void Database::execute(const std::string& sql) {
  auto conn = pool_->acquire();
  conn->execute({"test.execute", sql});
}

struct WriteLock::Held {
  std::unique_ptr<db::Pool> pool;
  std::optional<db::Pool::Lease> lease;
  std::optional<db::Transaction> tx;
  std::string sql;
};

WriteLock::WriteLock(const std::string& url, const std::string& postgres_sql)
    : held_(std::make_unique<Held>()) {
  held_->pool = db::open(url, {.max_connections = 1});
  held_->lease.emplace(held_->pool->acquire());
  held_->tx.emplace((*held_->lease)->begin());
  if (held_->pool->dialect() == db::Dialect::postgres) {
    held_->sql = postgres_sql;
    (*held_->lease)->query({"test.lock", held_->sql});
  }
}

// The transaction rolls back first, then the connection goes back.
WriteLock::~WriteLock() {
  held_->tx.reset();
  held_->lease.reset();
}

// ---------------------------------------------------------------------------
// Server

namespace {

std::vector<std::string> serve_user_mgmt(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args{"serve", "user-mgmt", "--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  return args;
}

}  // namespace

Server::Server(const Workspace& ws, const std::vector<std::string>& extra_args)
    : Server(ws, Launch{.args = serve_user_mgmt(extra_args)}) {}

Server::Server(const Workspace& ws, const std::string& program,
               const std::vector<std::string>& args)
    : Server(ws, Launch{.args = args, .program = program}) {}

Server::Server(const Workspace& ws, Launch launch) : services_(std::move(launch.services)) {
  static std::atomic<int> counter{0};
  log_path_ = ws.path("server-" + std::to_string(++counter) + ".log");
  Fd log(::open(log_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND | O_CLOEXEC, 0644));
  if (log.get() < 0) fail_errno("open " + log_path_.string());
  Fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  Env env = ws.env;
  for (const auto& [k, v] : launch.env) env[k] = v;
  pid_ = spawn(launch.program, launch.args, env, ws.dir(), dev_null.get(), log.get(), log.get());

  static const std::regex listening(R"(([a-z-]+) listening on http://127\.0\.0\.1:(\d+))");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (true) {
    const std::string text = read_file(log_path_);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), listening);
         it != std::sregex_iterator(); ++it) {
      ports_.emplace((*it)[1].str(), std::stoi((*it)[2].str()));
    }
    if (std::all_of(services_.begin(), services_.end(),
                    [&](const std::string& s) { return ports_.count(s) > 0; })) {
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the server exited (status " +
                               std::to_string(decode_status(status)) +
                               ") before listening; its log:\n" + read_file(log_path_));
    }
    if (Clock::now() >= deadline) {
      kill9();
      throw std::runtime_error("the server did not listen within 10 s; its log:\n" +
                               read_file(log_path_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Server::~Server() {
  if (pid_ > 0) kill9();
  fail_on_sanitizer_output("the server whose log is " + log_path_.string(), read_file(log_path_));
}

const std::string& Server::only_service() const {
  if (services_.size() != 1) {
    throw std::logic_error("the server serves several services: name one (port_of, url_of)");
  }
  return services_.front();
}

int Server::port() const { return port_of(only_service()); }

std::string Server::url(const std::string& path) const { return url_of(only_service(), path); }

int Server::port_of(const std::string& service) const {
  auto it = ports_.find(service);
  if (it == ports_.end()) throw std::logic_error(service + " is not served by this process");
  return it->second;
}

std::string Server::url_of(const std::string& service, const std::string& path) const {
  // A service name passed as a path would make a URL that looks almost right.
  if (!path.empty() && path.front() != '/' && path.front() != '?') {
    throw std::logic_error("a URL path starts with '/': " + path);
  }
  return "http://127.0.0.1:" + std::to_string(port_of(service)) + path;
}

int Server::stop(int sig) {
  if (pid_ <= 0) throw std::logic_error("the server is not running");
  ::kill(pid_, sig);
  // The server drains for up to 10 s; past 20 s it is stuck.
  auto status = wait_until(pid_, Clock::now() + std::chrono::seconds(20));
  if (!status) {
    kill9();
    return -SIGKILL;
  }
  pid_ = -1;
  return *status;
}

void Server::kill9() {
  if (pid_ <= 0) return;
  kill_and_reap(pid_);
  pid_ = -1;
}

std::string Server::log() const { return read_file(log_path_); }

// ---------------------------------------------------------------------------
// HTTP client

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) <
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::optional<std::string> Response::header(const std::string& name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

namespace {

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto& headers = *static_cast<Headers*>(user);
  const std::string line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();  // a new response (after a 100 Continue, say)
    return size * n;
  }
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    const auto name = trim(line.substr(0, colon));
    const auto value = trim(line.substr(colon + 1));
    auto [it, inserted] = headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
  }
  return size * n;
}

}  // namespace

Client::Client(std::string base_url, bool http10) : base_(std::move(base_url)), http10_(http10) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

Client::~Client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Response Client::request(const std::string& method, const std::string& path,
                         const std::string& body, const std::vector<std::string>& headers) {
  auto* curl = static_cast<CURL*>(curl_);
  Response r;
  // Reset keeps the handle's live connections: keep-alive stays observable.
  curl_easy_reset(curl);
  const std::string url = base_ + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  // Guards against a hung server, not timing assertions.
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 20000L);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION,
                   http10_ ? CURL_HTTP_VERSION_1_0 : CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);

  const bool sends_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (sends_body) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (method != "GET" && method != "HEAD") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }

  curl_slist* list = curl_slist_append(nullptr, "Expect:");  // no 100-continue round trip
  bool has_type = false;
  for (const auto& h : headers) {
    list = curl_slist_append(list, h.c_str());
    has_type = has_type || contains_nocase(h.substr(0, h.find(':')), "content-type");
  }
  if (!body.empty() && !has_type) list = curl_slist_append(list, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(list);
  if (code != CURLE_OK) {
    r.error = curl_easy_strerror(code);
    return r;
  }
  r.ok = true;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &r.new_connections);
  return r;
}

// ---------------------------------------------------------------------------
// Small helpers

nlohmann::json user_json(const std::string& username, const std::string& firstname,
                         const std::string& lastname) {
  return {{"username", username}, {"firstname", firstname}, {"lastname", lastname}};
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

std::vector<Answer> answers_in(const std::string& raw) {
  std::vector<Answer> all;
  Answer a;
  std::size_t pos = 0;
  while (true) {
    const auto start = raw.find("HTTP/1.1 ", pos);
    if (start == std::string::npos) break;
    const auto head_end = raw.find("\r\n\r\n", start);
    if (head_end == std::string::npos) break;
    const auto head = raw.substr(start, head_end - start);
    a.status = std::stoi(head.substr(9, 3));
    a.content_type.clear();
    std::size_t length = 0;
    std::istringstream lines(head);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto value = line.substr(line.find_first_not_of(' ', colon + 1));
      if (name == "content-type") a.content_type = value;
      if (name == "content-length") length = std::stoul(value);
    }
    if (raw.size() < head_end + 4 + length) break;  // not all here yet
    a.body = raw.substr(head_end + 4, length);
    pos = head_end + 4 + length;
    all.push_back(a);
  }
  return all;
}

std::string read_responses(int fd, std::size_t expected) {
  std::string out;
  while (answers_in(out).size() < expected) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    char buffer[65536];
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

bool contains_nocase(const std::string& text, const std::string& needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

}  // namespace roombook::e2e
