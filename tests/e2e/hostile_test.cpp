// Replays tests/e2e/hostile.corpus against `roombook serve all`: every
// hostile request gets its expected status at once, as a problem document
// without internal text, and the server goes on serving.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace roombook::e2e;

namespace {

struct Case {
  std::vector<std::string> expect;  ///< per response, in order: "400" or "4xx"
  std::string service;
  std::string name;
  std::string bytes;
  int line = 0;
};

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  throw std::runtime_error(std::string("bad hex digit ") + c);
}

/// C-style escapes and {{N*TEXT}} repeats, as the corpus's header explains.
std::string unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "{{") == 0) {
      const auto star = text.find('*', i);
      const auto end = text.find("}}", i);
      if (text.compare(i, 6, "{{CL}}") == 0) {  // filled in by read_corpus
        out += "{{CL}}";
        i += 5;
        continue;
      }
      if (star == std::string::npos || end == std::string::npos || star > end) {
        throw std::runtime_error("bad {{N*TEXT}} in: " + text);
      }
      const auto n = std::stoul(text.substr(i + 2, star - i - 2));
      const auto unit = unescape(text.substr(star + 1, end - star - 1));
      for (std::size_t k = 0; k < n; ++k) out += unit;
      i = end + 1;
      continue;
    }
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char e = text[++i];
    switch (e) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x':
        out += static_cast<char>(hex(text.at(i + 1)) * 16 + hex(text.at(i + 2)));
        i += 2;
        break;
      default:
        throw std::runtime_error(std::string("unknown escape \\") + e + " in: " + text);
    }
  }
  return out;
}

std::vector<Case> read_corpus() {
  std::ifstream in(std::string(ROOMBOOK_HOSTILE_CORPUS), std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + std::string(ROOMBOOK_HOSTILE_CORPUS));
  std::vector<Case> cases;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.rfind("== ", 0) == 0) {
      std::istringstream words(line.substr(3));
      Case c;
      std::string expect;
      words >> expect >> c.service;
      std::istringstream list(expect);
      for (std::string one; std::getline(list, one, ',');) c.expect.push_back(one);
      std::getline(words >> std::ws, c.name);
      c.line = number;
      cases.push_back(c);
    } else if (!cases.empty() && !line.empty() && line[0] != '#') {
      cases.back().bytes += unescape(line);
    }
  }
  // {{CL}}: the length of the body after the head, filled in once it is known.
  for (auto& c : cases) {
    const auto mark = c.bytes.find("{{CL}}");
    if (mark == std::string::npos) continue;
    const auto head_end = c.bytes.find("\r\n\r\n");
    if (head_end == std::string::npos) throw std::runtime_error("{{CL}} without a body: " + c.name);
    const auto body = c.bytes.size() - (head_end + 4);
    c.bytes.replace(mark, 6, std::to_string(body));
  }
  return cases;
}

/// Sends the bytes and reads until the server has closed the connection or
/// sent `expected` complete responses. A guard of a few seconds ends a read
/// that gets neither: the test then fails on the missing answer.
std::string exchange(int port, const std::string& bytes, std::size_t expected) {
  const int fd = connect_loopback(port);
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early, having answered already
    sent += static_cast<std::size_t>(n);
  }
  std::string out = read_responses(fd, expected);
  ::close(fd);
  return out;
}

bool matches(const std::string& expect, int status) {
  const auto s = std::to_string(status);
  if (expect.size() == 3 && expect.substr(1) == "xx") return s[0] == expect[0];
  return s == expect;
}

}  // namespace

TEST_CASE(
    "e2e hostile: every request of the corpus is answered as expected, and the server "
    "goes on serving",
    "[e2e][hostile]") {
  const auto cases = read_corpus();
  REQUIRE(cases.size() >= 80);

  Workspace ws;
  Server server(ws, {.services = {"user-mgmt", "rooms"},
                     .args = {"serve", "all", "--migrate"},
                     .env = {{"USER_MGMT_PORT", "0"}, {"ROOMS_PORT", "0"}}});
  Client users(server.url_of("user-mgmt"));
  Client rooms(server.url_of("rooms"));
  REQUIRE(users.post("/users", user_json("ada")).status == 201);
  REQUIRE(rooms.post("/rooms", {{"name", "Babbage"}, {"capacity", 4}}).status == 201);
  // Under serve all, rooms would look for user-mgmt on its default port.
  REQUIRE(ws.run({"booking", "add", "1", "--user", "1", "--from", "2030-03-01T10:00:00Z", "--to",
                  "2030-03-01T11:00:00Z", "--no-verify-user"})
              .exit_code == 0);

  int failed = 0;
  for (const auto& c : cases) {
    std::string expected;
    for (const auto& e : c.expect) expected += (expected.empty() ? "" : ",") + e;
    INFO("hostile.corpus:" << c.line << ": " << c.name << " (" << c.service << ", expect "
                           << expected << ")");
    REQUIRE((c.service == "user-mgmt" || c.service == "rooms"));
    const auto raw = exchange(server.port_of(c.service), c.bytes, c.expect.size());
    const auto answers = answers_in(raw);
    INFO("answer: " << raw.substr(0, 400));
    bool ok = answers.size() == c.expect.size();
    CHECK(answers.size() == c.expect.size());
    for (std::size_t i = 0; i < std::min(answers.size(), c.expect.size()); ++i) {
      const auto& answer = answers[i];
      ok = ok && matches(c.expect[i], answer.status);
      CHECK(matches(c.expect[i], answer.status));
      if (answer.status >= 400) {
        CHECK(answer.content_type == "application/problem+json");
        const auto doc = nlohmann::json::parse(answer.body, nullptr, false);
        CHECK(doc.is_object());
        CHECK(doc.value("status", 0) == answer.status);
      }
      // Errors never echo a huge input back.
      CHECK(answer.body.size() < 2048);
    }
    for (const char* leak : {"basic_string", "stoull", "bad_alloc", "what()", "json.exception",
                             "SQLITE", "sqlite3", "SQLSTATE", "INSERT ", "SELECT "}) {
      CHECK(raw.find(leak) == std::string::npos);
    }
    if (!ok) ++failed;
    REQUIRE(server.running());
  }
  CHECK(failed == 0);

  // Still serving, and nothing the corpus sent was stored.
  const auto list = users.get("/users");
  REQUIRE(list.status == 200);
  CHECK(list.json().size() == 1);
  CHECK(rooms.get("/bookings").json().size() == 1);
  CHECK(server.stop(SIGTERM) == 0);
}
