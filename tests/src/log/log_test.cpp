#include "log/log.hpp"

#include <unistd.h>

#include <cstdio>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace {

using roombook::log::check_levels;

/// Redirects a file descriptor (stderr, stdout) into a temporary file until
/// finish(), which restores it and returns what was written.
class Capture {
 public:
  explicit Capture(std::FILE* stream) : stream_(stream), fd_(fileno(stream)) {
    std::fflush(stream_);
    saved_ = dup(fd_);
    file_ = std::tmpfile();
    dup2(fileno(file_), fd_);
  }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  ~Capture() {
    restore();
    if (file_) std::fclose(file_);
  }

  std::string finish() {
    restore();
    std::string text;
    std::rewind(file_);
    char buffer[4096];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file_)) > 0) text.append(buffer, n);
    return text;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stream_);
    dup2(saved_, fd_);
    close(saved_);
    saved_ = -1;
  }

  std::FILE* stream_;
  int fd_;
  int saved_ = -1;
  std::FILE* file_ = nullptr;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("check_levels accepts spdlog's level syntax", "[log]") {
  for (const char* spec :
       {"info", "trace", "debug", "warn", "error", "critical", "off", "warning", "err",
        "warn,http=debug,db=trace", "http=debug", "info, http = debug", "user-mgmt=error"}) {
    INFO(spec);
    CHECK(check_levels(spec) == std::nullopt);
  }
}

TEST_CASE("check_levels explains what is wrong", "[log]") {
  CHECK(check_levels("warn,http=loud") ==
        "unknown level \"loud\" (trace, debug, info, warn, error, critical, off)");
  CHECK(check_levels("verbose") ==
        "unknown level \"verbose\" (trace, debug, info, warn, error, critical, off)");
  CHECK(check_levels("INFO") ==
        "unknown level \"INFO\" (trace, debug, info, warn, error, critical, off)");
  CHECK(check_levels("http=") ==
        "unknown level \"\" (trace, debug, info, warn, error, critical, off)");
  CHECK(check_levels("") == "empty level spec (expected e.g. \"info\" or \"warn,http=debug\")");
  CHECK(check_levels("info,,db=warn") == "empty item (expected LEVEL or MODULE=LEVEL)");
  CHECK(check_levels("info,") == "empty item (expected LEVEL or MODULE=LEVEL)");
  CHECK(check_levels("=debug") == "empty module name in \"=debug\"");
}

TEST_CASE("init rejects a bad spec or format", "[log]") {
  CHECK_THROWS_AS(roombook::log::init("loud", "text"), std::invalid_argument);
  CHECK_THROWS_WITH(roombook::log::init("info", "xml"),
                    "invalid log format \"xml\": must be text or json");
  CHECK_THROWS_WITH(roombook::log::init("warn,http=loud", "text"),
                    "invalid log levels \"warn,http=loud\": unknown level \"loud\" (trace, "
                    "debug, info, warn, error, critical, off)");
}

TEST_CASE("levels apply per module, to existing and new loggers", "[log]") {
  auto early = roombook::log::get("early");  // made before init: init must reach it
  roombook::log::init("info,http=debug,db=warn,early=error", "text");
  auto http = roombook::log::get("http");
  auto db = roombook::log::get("db");
  auto other = roombook::log::get("other");

  Capture out(stdout);
  Capture err(stderr);
  http->debug("http debug shown");
  http->trace("http trace hidden");
  db->info("db info hidden");
  db->warn("db warn shown");
  other->info("other info shown");
  other->debug("other debug hidden");
  early->warn("early warn hidden");
  early->error("early error shown");
  const std::string text = err.finish();
  const std::string stdout_text = out.finish();

  CHECK(stdout_text.empty());
  CHECK(text.find("http debug shown") != std::string::npos);
  CHECK(text.find("db warn shown") != std::string::npos);
  CHECK(text.find("other info shown") != std::string::npos);
  CHECK(text.find("early error shown") != std::string::npos);
  CHECK(text.find("hidden") == std::string::npos);
  CHECK(lines_of(text).size() == 4);
}

TEST_CASE("the last init wins", "[log]") {
  roombook::log::init("info,http=debug", "text");
  auto http = roombook::log::get("http");
  roombook::log::init("warn", "text");

  Capture err(stderr);
  http->debug("debug after second init");
  http->info("info after second init");
  http->warn("warn after second init");
  const std::string text = err.finish();

  CHECK(text.find("debug after") == std::string::npos);
  CHECK(text.find("info after") == std::string::npos);
  CHECK(text.find("warn after second init") != std::string::npos);
}

TEST_CASE("text format: UTC time, level, module, message", "[log]") {
  roombook::log::init("trace", "text");
  Capture err(stderr);
  roombook::log::get("http")->info("hello {}", 42);
  roombook::log::get("db")->warn("careful");
  roombook::log::get("db")->critical("down");
  const auto lines = lines_of(err.finish());

  REQUIRE(lines.size() == 3);
  const std::string time = R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)";
  CHECK(std::regex_match(lines[0], std::regex(time + R"( INFO  \[http\] hello 42)")));
  CHECK(std::regex_match(lines[1], std::regex(time + R"( WARN  \[db\] careful)")));
  CHECK(std::regex_match(lines[2], std::regex(time + R"( CRITICAL \[db\] down)")));
}

TEST_CASE("json format: one escaped object per line", "[log]") {
  roombook::log::init("debug", "json");
  Capture err(stderr);
  roombook::log::get("http")->info("say \"hi\"\nand leave\\");
  roombook::log::get("db")->debug("plain");
  roombook::log::get("db")->error("tab\there");
  const std::string text = err.finish();
  roombook::log::init("info", "text");

  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 3);
  std::vector<nlohmann::json> objects;
  for (const auto& line : lines) {
    INFO(line);
    REQUIRE(nlohmann::json::accept(line));
    objects.push_back(nlohmann::json::parse(line));
  }
  CHECK(objects[0]["msg"] == "say \"hi\"\nand leave\\");
  CHECK(objects[0]["level"] == "info");
  CHECK(objects[0]["logger"] == "http");
  CHECK(std::regex_match(objects[0]["time"].get<std::string>(),
                         std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
  CHECK(objects[0].size() == 4);
  CHECK(objects[1]["level"] == "debug");
  CHECK(objects[1]["msg"] == "plain");
  CHECK(objects[2]["level"] == "error");
  CHECK(objects[2]["msg"] == "tab\there");
}

TEST_CASE("json format survives invalid UTF-8", "[log]") {
  roombook::log::init("info", "json");
  Capture err(stderr);
  roombook::log::get("http")->info("bad \xff byte");
  const std::string text = err.finish();
  roombook::log::init("info", "text");

  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 1);
  REQUIRE(nlohmann::json::accept(lines[0]));
  CHECK(nlohmann::json::parse(lines[0])["msg"] == "bad \xEF\xBF\xBD byte");
}

TEST_CASE("get returns one logger per module, from many threads", "[log]") {
  std::vector<std::shared_ptr<spdlog::logger>> seen(16);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&seen, i] { seen[i] = roombook::log::get("threaded"); });
  }
  for (auto& t : threads) t.join();
  for (const auto& logger : seen) CHECK(logger == seen[0]);
  CHECK(seen[0]->name() == "threaded");
  CHECK(roombook::log::get("threaded") == seen[0]);
  CHECK(roombook::log::get("other-module") != seen[0]);
}

TEST_CASE("warnings and worse are flushed at once", "[log]") {
  CHECK(roombook::log::get("flushing")->flush_level() == spdlog::level::warn);
}
