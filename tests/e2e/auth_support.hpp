#pragma once

// What the authentication end-to-end tests share (auth_test.cpp and
// rooms/auth_test.cpp), on top of support.hpp: tokens made with `roombook
// token`, the checks of a 401 and a 403, the list of ways a request can lack
// a valid token, and a check that a token's secret is not shown.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.hpp"

namespace roombook::e2e::auth {

using nlohmann::json;

/// What `roombook token create` makes: rbk_ and 32 random bytes in base64url.
inline const std::regex kTokenShape(R"(rbk_[A-Za-z0-9_-]{43})");
/// A time as the CLI and the API print it: RFC 3339, UTC.
inline const std::regex kRfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");

inline std::string joined(const std::vector<std::string>& args) {
  std::string s = "roombook";
  for (const auto& a : args) s += " " + a;
  return s;
}

/// Runs a command that must exit 0.
inline RunResult run_ok(const Workspace& ws, const std::vector<std::string>& args) {
  auto r = ws.run(args);
  INFO(joined(args) << "\nexit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  return r;
}

/// Runs a command that must exit 0 and print JSON.
inline json run_json(const Workspace& ws, const std::vector<std::string>& args) {
  const auto r = run_ok(ws, args);
  const auto value = json::parse(r.out, nullptr, false);
  INFO(joined(args) << "\nstdout: " << r.out);
  REQUIRE_FALSE(value.is_discarded());
  return value;
}

/// Every process started in `ws` asks for tokens: AUTH=required set
/// explicitly, HOST the loopback address it would have anyway. Migrates the
/// databases, where the tokens live.
inline void require_auth(Workspace& ws) {
  ws.env["HOST"] = "127.0.0.1";
  ws.env["AUTH"] = "required";
  run_ok(ws, {"migrate", "up"});
}

struct Token {
  std::string name;
  std::string secret;
  json record;  ///< what `token create --format json` printed
};

/// `roombook token create NAME --scope SCOPE EXTRA... --format json`.
inline Token create_token(const Workspace& ws, const std::string& name, const std::string& scope,
                          const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"token", "create", name, "--scope", scope};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), {"--format", "json"});
  const auto record = run_json(ws, args);
  INFO(record.dump());
  REQUIRE(record.is_object());
  REQUIRE(record.contains("token"));
  REQUIRE(record["token"].is_string());
  return {name, record["token"].get<std::string>(), record};
}

/// `roombook token revoke NAME EXTRA...`, which must succeed.
inline void revoke_token(const Workspace& ws, const std::string& name,
                         const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{"token", "revoke", name};
  args.insert(args.end(), extra.begin(), extra.end());
  run_ok(ws, args);
}

/// A token of the right shape that no `token create` made.
inline std::string never_created_token() {
  return "rbk_neverCreated_neverCreated-neverCreated_0000";
}

inline std::string bearer(const std::string& token) { return "Authorization: Bearer " + token; }

/// `roombook serve SERVICE --port 0` with ws.env plus `env`.
inline std::unique_ptr<Server> serve(const Workspace& ws, const std::string& service,
                                     const Env& env = {}) {
  return std::make_unique<Server>(
      ws, Launch{.services = {service}, .args = {"serve", service, "--port", "0"}, .env = env});
}

/// Status, the auth header and the body, for failure messages.
inline std::string explain(const Response& r) {
  if (!r.ok) return "no response: " + r.error;
  return std::to_string(r.status) +
         " WWW-Authenticate: " + r.header("WWW-Authenticate").value_or("(none)") +
         " Content-Type: " + r.header("Content-Type").value_or("(none)") + " body: " + r.body;
}

/// Checks that `r` is an RFC 9457 problem document with this status; returns
/// it (null when it is not one).
inline json check_problem(const Response& r, long status) {
  INFO(explain(r));
  CHECK(r.ok);
  CHECK(r.status == status);
  CHECK_THAT(r.header("Content-Type").value_or("(none)"),
             Catch::StartsWith("application/problem+json"));
  const auto doc = json::parse(r.body, nullptr, false);
  CHECK(doc.is_object());
  if (!doc.is_object()) return nullptr;
  CHECK(doc.value("status", 0L) == status);
  CHECK((doc.contains("type") && doc["type"].is_string()));
  CHECK((doc.contains("title") && doc["title"].is_string() && !doc["title"].empty()));
  CHECK((doc.contains("detail") && doc["detail"].is_string() && !doc["detail"].empty()));
  return doc;
}

/// A 401 as the spec has it: WWW-Authenticate starting with Bearer, and a
/// problem document unless the request was a HEAD. Returns its detail.
inline std::string check_unauthorized(const Response& r, const std::string& method) {
  INFO(explain(r));
  CHECK(r.status == 401);
  CHECK_THAT(r.header("WWW-Authenticate").value_or("(none)"), Catch::StartsWith("Bearer"));
  if (method == "HEAD") {
    CHECK(r.body.empty());
    return "";
  }
  const auto doc = check_problem(r, 401);
  return doc.is_object() ? doc.value("detail", std::string()) : std::string();
}

/// A 403 for a token without the scope: WWW-Authenticate: Bearer with
/// error="insufficient_scope", and a problem document.
inline void check_forbidden(const Response& r) {
  INFO(explain(r));
  CHECK(r.status == 403);
  const auto challenge = r.header("WWW-Authenticate").value_or("(none)");
  CHECK_THAT(challenge, Catch::StartsWith("Bearer"));
  CHECK_THAT(challenge, Catch::Contains("error=\"insufficient_scope\""));
  check_problem(r, 403);
}

/// One route of a service, with a body that would be accepted.
struct Route {
  std::string method;
  std::string path;
  std::string body = {};
};

inline bool is_read(const Route& route) { return route.method == "GET" || route.method == "HEAD"; }

inline std::string label(const Route& route) { return route.method + " " + route.path; }

/// Sends the route's request with `headers`; a PATCH is a JSON merge patch.
inline Response send(Client& client, const Route& route, std::vector<std::string> headers = {}) {
  if (route.method == "PATCH") headers.emplace_back("Content-Type: application/merge-patch+json");
  return client.request(route.method, route.path, route.body, headers);
}

/// Tokens a refusal table needs: valid ones and ones that no longer are.
struct Credentials {
  std::string write;    ///< valid, scope write
  std::string read;     ///< valid, scope read
  std::string revoked;  ///< revoked, and already refused by the server
  std::string expired;  ///< expired, and already refused by the server
};

/// `eventually`, trying every 20 ms instead of every millisecond: each try
/// is a request or a command, and the machine is shared.
inline bool soon(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  bool first = true;
  return eventually(
      [&] {
        if (!first) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        first = false;
        return condition();
      },
      timeout);
}

/// Makes the tokens of a refusal table for the service `client` talks to:
/// a writer, a reader, one revoked after it was seen to work through `probe`
/// (so the server may have cached it), and one that expired; both of the
/// latter are waited for until the server refuses them.
inline Credentials refusal_credentials(const Workspace& ws, Client& client, const Route& probe) {
  using namespace std::chrono_literals;
  const auto writer = create_token(ws, "writer", "write");
  const auto reader = create_token(ws, "reader", "read");
  const auto revoked = create_token(ws, "gone", "write");
  const auto expiring = create_token(ws, "brief", "write", {"--expires", "1s"});
  REQUIRE(send(client, probe, {bearer(revoked.secret)}).status == 200);
  revoke_token(ws, "gone");
  CHECK(soon([&] { return send(client, probe, {bearer(revoked.secret)}).status == 401; }, 5s));
  CHECK(soon([&] { return send(client, probe, {bearer(expiring.secret)}).status == 401; }, 10s));
  return {writer.secret, reader.secret, revoked.secret, expiring.secret};
}

/// Every way a request can come without a valid token, each with a name.
inline std::vector<std::pair<std::string, std::vector<std::string>>> invalid_credentials(
    const Credentials& c) {
  return {
      {"no Authorization header", {}},
      {"Basic credentials", {"Authorization: Basic dXNlcjpwYXNzd29yZA=="}},
      {"the Bearer scheme without a token", {"Authorization: Bearer"}},
      {"a valid token without a scheme", {"Authorization: " + c.write}},
      {"a valid token under another scheme", {"Authorization: Token " + c.write}},
      {"two tokens after Bearer", {bearer(c.write + " " + c.write)}},
      {"a wrong (never created) token", {bearer(never_created_token())}},
      {"a token of another shape", {bearer("not-a-roombook-token")}},
      {"a revoked token", {bearer(c.revoked)}},
      {"an expired token", {bearer(c.expired)}},
  };
}

/// Each route refuses each invalid credential with 401, and a read token on
/// a write route with 403. The 401 for an unknown, a revoked and an expired
/// token says the same, so that it never tells which tokens exist.
inline void check_every_refusal(Client& client, const std::vector<Route>& routes,
                                const Credentials& c) {
  const auto cases = invalid_credentials(c);
  for (const auto& route : routes) {
    std::vector<std::string> details;
    for (const auto& [what, headers] : cases) {
      INFO(label(route) << " with " << what);
      const auto detail = check_unauthorized(send(client, route, headers), route.method);
      if (what == "a wrong (never created) token" || what == "a revoked token" ||
          what == "an expired token") {
        details.push_back(detail);
      }
    }
    if (route.method != "HEAD") {
      INFO(label(route) << ": the detail for a never created, a revoked and an expired token");
      CHECK(std::all_of(details.begin(), details.end(),
                        [&](const std::string& d) { return d == details.front(); }));
    }
    if (!is_read(route)) {
      INFO(label(route) << " with a read token");
      check_forbidden(send(client, route, {bearer(c.read)}));
    }
  }
}

/// What of `secret` shows in `text`: all of it, or any 16 characters of it
/// after its prefix (the first 12, which may be shown); nullopt if nothing.
inline std::optional<std::string> leak_of(const std::string& text, const std::string& secret) {
  if (text.find(secret) != std::string::npos) return secret;
  for (std::size_t i = 12; i + 16 <= secret.size(); ++i) {
    auto part = secret.substr(i, 16);
    if (text.find(part) != std::string::npos) return part;
  }
  return std::nullopt;
}

/// Checks that no part of `secret` beyond its prefix shows in `text`.
inline void check_not_shown(const std::string& text, const std::string& secret,
                            const std::string& where) {
  const auto leak = leak_of(text, secret);
  INFO("the secret " << secret << " in " << where << ": found \"" << leak.value_or("") << "\" in:\n"
                     << text);
  CHECK_FALSE(leak.has_value());
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

/// The first line of `text` that contains every one of `parts`.
inline std::optional<std::string> line_with(const std::string& text,
                                            const std::vector<std::string>& parts) {
  for (const auto& line : lines_of(text)) {
    if (std::all_of(parts.begin(), parts.end(),
                    [&](const std::string& p) { return line.find(p) != std::string::npos; })) {
      return line;
    }
  }
  return std::nullopt;
}

/// Seconds since the epoch of an RFC 3339 UTC time, or nullopt.
inline std::optional<std::int64_t> epoch_seconds(const std::string& text) {
  static const std::regex shape(R"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z)");
  std::smatch m;
  if (!std::regex_match(text, m, shape)) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(m[1]) - 1900;
  tm.tm_mon = std::stoi(m[2]) - 1;
  tm.tm_mday = std::stoi(m[3]);
  tm.tm_hour = std::stoi(m[4]);
  tm.tm_min = std::stoi(m[5]);
  tm.tm_sec = std::stoi(m[6]);
  return static_cast<std::int64_t>(::timegm(&tm));
}

/// The service of a `token list` row: a name, or (if listed like `create`
/// does) an array of one name.
inline std::string service_of(const json& row) {
  const auto& s = row.at("service");
  if (s.is_array() && s.size() == 1) return s[0].get<std::string>();
  return s.is_string() ? s.get<std::string>() : s.dump();
}

/// `roombook user add NAME` (an admin command: no token); returns its id.
inline std::int64_t add_user(const Workspace& ws, const std::string& username) {
  const auto user = run_json(ws, {"user", "add", username, "--firstname", "Ada", "--lastname",
                                  "Lovelace", "--format", "json"});
  REQUIRE(user.contains("id"));
  return user["id"].get<std::int64_t>();
}

}  // namespace roombook::e2e::auth
