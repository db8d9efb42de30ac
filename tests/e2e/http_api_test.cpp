// The user-mgmt REST API, end to end: the real binary on a free port, a
// database prepared by `roombook migrate`, and libcurl as the client.

#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support.hpp"

using namespace roombook::e2e;
using nlohmann::json;

namespace {

/// A migrated workspace, a server on it and a client of that server.
struct Api {
  explicit Api(const Env& env = {}) {
    for (const auto& [name, value] : env) ws.env[name] = value;
    const auto migrated = ws.run({"migrate", "up"});
    INFO(migrated.err);
    REQUIRE(migrated.exit_code == 0);
    server = std::make_unique<Server>(ws);
    client = std::make_unique<Client>(server->url());
  }

  Workspace ws;
  std::unique_ptr<Server> server;
  std::unique_ptr<Client> client;
};

/// POSTs a user and returns it as answered; the request must succeed.
json create(Client& client, const std::string& username, const std::string& firstname = "Ada",
            const std::string& lastname = "Lovelace") {
  const auto r = client.post("/users", user_json(username, firstname, lastname));
  INFO(r.error << r.body);
  REQUIRE(r.status == 201);
  return r.json();
}

/// The response is an RFC 9457 problem document with this status.
json require_problem(const Response& r, long status) {
  INFO("status " << r.status << ", body " << r.body << r.error);
  REQUIRE(r.ok);
  REQUIRE(r.status == status);
  REQUIRE(r.header("Content-Type").value_or("").rfind("application/problem+json", 0) == 0);
  json doc;
  REQUIRE_NOTHROW(doc = r.json());
  REQUIRE(doc.is_object());
  CHECK(doc.value("type", json()).is_string());
  CHECK(doc.value("title", json()).is_string());
  CHECK(doc.value("status", json()) == status);
  REQUIRE(doc.value("detail", json()).is_string());
  return doc;
}

/// No engine or SQL text leaks into what a client reads.
void check_no_internal_text(const std::string& text) {
  INFO(text);
  for (const char* word :
       {"SQL", "sqlite", "constraint", "UNIQUE", "no such table", "relation", "exception"}) {
    CHECK_FALSE(contains_nocase(text, word));
  }
}

bool is_rfc3339_utc(const json& value) {
  static const std::regex re(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
  return value.is_string() && std::regex_match(value.get<std::string>(), re);
}

void check_user_shape(const json& user) {
  INFO(user.dump());
  REQUIRE(user.is_object());
  std::set<std::string> keys;
  for (const auto& [key, value] : user.items()) keys.insert(key);
  CHECK(keys == std::set<std::string>{"id", "username", "firstname", "lastname", "created_at",
                                      "updated_at"});
  CHECK(user["id"].is_number_integer());
  CHECK(is_rfc3339_utc(user["created_at"]));
  CHECK(is_rfc3339_utc(user["updated_at"]));
}

const std::string kMergePatch = "Content-Type: application/merge-patch+json";

}  // namespace

TEST_CASE("e2e http: POST /users answers 201, Location and the user with RFC 3339 UTC times",
          "[e2e][http]") {
  Api api;
  const auto r = api.client->post("/users", user_json("alice", "Alice", "Liddell"));
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(r.header("Content-Type").value_or("").rfind("application/json", 0) == 0);
  const auto user = r.json();
  check_user_shape(user);
  CHECK(user["username"] == "alice");
  CHECK(user["firstname"] == "Alice");
  CHECK(user["lastname"] == "Liddell");
  CHECK(r.header("Location") == "/users/" + std::to_string(user["id"].get<long>()));

  const auto fetched = api.client->get("/users/" + std::to_string(user["id"].get<long>()));
  REQUIRE(fetched.status == 200);
  CHECK(fetched.json() == user);
}

TEST_CASE("e2e http: GET, PUT, PATCH and DELETE /users/{id}", "[e2e][http]") {
  Api api;
  const auto alice = create(*api.client, "alice", "Alice", "Liddell");
  const auto path = "/users/" + std::to_string(alice["id"].get<long>());

  SECTION("PUT replaces every field and keeps id and created_at") {
    const auto r = api.client->request("PUT", path, user_json("alice2", "Alicia", "Smith").dump());
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto user = r.json();
    check_user_shape(user);
    CHECK(user["id"] == alice["id"]);
    CHECK(user["created_at"] == alice["created_at"]);
    CHECK(user["username"] == "alice2");
    CHECK(user["firstname"] == "Alicia");
    CHECK(user["lastname"] == "Smith");
    CHECK(api.client->get(path).json() == user);
  }

  SECTION("PATCH with a merge patch changes what it names and keeps the rest") {
    const auto r =
        api.client->request("PATCH", path, R"({"lastname":"Hargreaves"})", {kMergePatch});
    INFO(r.body);
    REQUIRE(r.status == 200);
    const auto user = r.json();
    check_user_shape(user);
    CHECK(user["id"] == alice["id"]);
    CHECK(user["username"] == "alice");
    CHECK(user["firstname"] == "Alice");
    CHECK(user["lastname"] == "Hargreaves");
    CHECK(user["created_at"] == alice["created_at"]);
    CHECK(user["updated_at"].get<std::string>() >= alice["created_at"].get<std::string>());
    CHECK(api.client->get(path).json() == user);
  }

  SECTION("PUT with a missing field is refused and changes nothing") {
    const auto r = api.client->request("PUT", path, R"({"username":"alice"})");
    require_problem(r, 400);
    CHECK(api.client->get(path).json() == alice);
  }

  SECTION("PATCH setting a required field to null is refused") {
    const auto r = api.client->request("PATCH", path, R"({"firstname":null})", {kMergePatch});
    const auto doc = require_problem(r, 400);
    CHECK(doc.value("field", "") == "firstname");
    CHECK(api.client->get(path).json() == alice);
  }

  SECTION("DELETE answers 204, then the user is gone") {
    const auto r = api.client->request("DELETE", path);
    REQUIRE(r.status == 204);
    CHECK(r.body.empty());
    require_problem(api.client->get(path), 404);
    require_problem(api.client->request("DELETE", path), 404);
    CHECK(api.client->get("/users").json() == json::array());
  }
}

TEST_CASE("e2e http: GET /users pages by limit and after_id with a Link to the next page",
          "[e2e][http]") {
  Api api;
  std::vector<long> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(create(*api.client, "user" + std::to_string(i))["id"].get<long>());
  }

  static const std::regex link_re(R"(<([^>]*)>; rel="next")");
  std::vector<long> seen;
  std::vector<std::size_t> page_sizes;
  std::string next = "/users?limit=2";
  for (int page = 0; page < 10 && !next.empty(); ++page) {
    const auto r = api.client->get(next);
    INFO(next << " -> " << r.body);
    REQUIRE(r.status == 200);
    const auto users = r.json();
    REQUIRE(users.is_array());
    page_sizes.push_back(users.size());
    for (const auto& u : users) {
      check_user_shape(u);
      seen.push_back(u["id"].get<long>());
    }
    next.clear();
    if (const auto link = r.header("Link")) {
      std::smatch m;
      REQUIRE(std::regex_match(*link, m, link_re));
      CHECK(m[1].str() == "/users?limit=2&after_id=" + std::to_string(seen.back()));
      next = m[1].str();
    }
  }
  CHECK(page_sizes == std::vector<std::size_t>{2, 2, 1});
  CHECK(seen == ids);

  // after_id alone starts after that id.
  const auto r = api.client->get("/users?after_id=" + std::to_string(ids[2]));
  REQUIRE(r.status == 200);
  CHECK(r.json().size() == 2);
  CHECK(r.json()[0]["id"] == ids[3]);
  CHECK_FALSE(r.header("Link"));
}

TEST_CASE("e2e http: GET /users returns 100 users by default and accepts limit=1000",
          "[e2e][http]") {
  Api api;
  for (int i = 0; i < 101; ++i) create(*api.client, "u" + std::to_string(i));

  const auto first = api.client->get("/users");
  REQUIRE(first.status == 200);
  const auto users = first.json();
  REQUIRE(users.size() == 100);
  CHECK(first.header("Link") ==
        "</users?limit=100&after_id=" + std::to_string(users.back()["id"].get<long>()) +
            ">; rel=\"next\"");

  const auto all = api.client->get("/users?limit=1000");
  REQUIRE(all.status == 200);
  CHECK(all.json().size() == 101);
  CHECK_FALSE(all.header("Link"));
}

TEST_CASE("e2e http: GET /users refuses a bad limit or after_id with a problem naming it",
          "[e2e][http]") {
  Api api;
  for (const std::string query :
       {"limit=0", "limit=1001", "limit=abc", "limit=", "limit=-5", "limit=2x"}) {
    INFO(query);
    const auto doc = require_problem(api.client->get("/users?" + query), 400);
    CHECK(doc.value("field", "") == "limit");
    CHECK(doc["detail"].get<std::string>().find("limit") != std::string::npos);
  }
  for (const std::string query : {"after_id=abc", "after_id=-1"}) {
    INFO(query);
    const auto doc = require_problem(api.client->get("/users?" + query), 400);
    CHECK(doc["detail"].get<std::string>().find("after_id") != std::string::npos);
  }
}

TEST_CASE("e2e http: GET /users?username= returns only that user", "[e2e][http]") {
  Api api;
  create(*api.client, "alice");
  const auto bob = create(*api.client, "bob");
  create(*api.client, "carol");

  const auto r = api.client->get("/users?username=bob");
  REQUIRE(r.status == 200);
  CHECK(r.json() == json::array({bob}));
  CHECK_FALSE(r.header("Link"));

  const auto none = api.client->get("/users?username=nobody");
  REQUIRE(none.status == 200);
  CHECK(none.json() == json::array());
}

TEST_CASE("e2e http: the seed talk's client calls work verbatim", "[e2e][http]") {
  Api api;
  create(*api.client, "ferris", "Ferris", "Crab");  // user 1, so rustacean is user 2

  const auto list = api.client->get("/users");
  REQUIRE(list.status == 200);
  CHECK(list.json().is_array());

  const auto created = api.client->request(
      "POST", "/user", R"({"username":"rustacean","firstname":"Rust","lastname":"Language"})");
  INFO(created.body);
  REQUIRE(created.status == 201);
  CHECK(created.json()["id"] == 2);
  CHECK(created.header("Location") == "/users/2");

  const auto got = api.client->get("/user/2");
  REQUIRE(got.status == 200);
  CHECK(got.json()["username"] == "rustacean");
  CHECK(got.json()["firstname"] == "Rust");
  CHECK(got.json()["lastname"] == "Language");

  const auto deleted = api.client->request("DELETE", "/user/2");
  CHECK(deleted.status == 204);
  require_problem(api.client->get("/user/2"), 404);
}

TEST_CASE("e2e http: malformed JSON, a non-object and an empty body get 400 problems",
          "[e2e][http]") {
  Api api;
  for (const std::string body : {R"({"username":)", "{username: 'x'}", "[1,2]", "\"alice\"", ""}) {
    INFO("body: " << body);
    require_problem(api.client->request("POST", "/users", body), 400);
  }
  CHECK(api.client->get("/users").json() == json::array());
}

TEST_CASE("e2e http: an invalid username gets 400 naming username", "[e2e][http]") {
  Api api;
  for (const std::string& username :
       std::vector<std::string>{"Bad Name", std::string(65, 'a'), "", "ALICE", "al/ice"}) {
    INFO("username: '" << username << "'");
    const auto doc = require_problem(api.client->post("/users", user_json(username)), 400);
    CHECK(doc.value("field", "") == "username");
    CHECK(doc["detail"].get<std::string>().find("username") != std::string::npos);
  }
  // The limits themselves are fine.
  create(*api.client, std::string(64, 'a'));
  create(*api.client, "a.b_c-9");
  CHECK(api.client->get("/users").json().size() == 2);
}

TEST_CASE("e2e http: names are 1 to 100 characters without control characters", "[e2e][http]") {
  Api api;
  SECTION("a control character, 101 characters or an empty name: 400 naming the field") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"firstname", std::string("A\x01", 2)}, {"firstname", "tab\there"},
        {"firstname", std::string(101, 'f')},   {"firstname", ""},
        {"lastname", std::string("\x7f")},      {"lastname", std::string(101, 'l')},
    };
    for (const auto& [field, value] : cases) {
      INFO(field << " = " << json(value).dump());
      auto body = user_json("x");
      body[field] = value;
      const auto doc = require_problem(api.client->post("/users", body), 400);
      CHECK(doc.value("field", "") == field);
    }
  }

  SECTION("100 multi-byte characters are accepted, 101 are not") {
    std::string e100;
    for (int i = 0; i < 100; ++i) e100 += "\xc3\xa9";  // é
    const auto user = create(*api.client, "accent", e100, "Dupont");
    CHECK(user["firstname"] == e100);
    const auto doc =
        require_problem(api.client->post("/users", user_json("accent2", e100 + "\xc3\xa9")), 400);
    CHECK(doc.value("field", "") == "firstname");
  }
}

// Raw bytes that are not UTF-8 inside a JSON string.
TEST_CASE("e2e http: invalid UTF-8 in firstname gets a 400 problem naming it, not a 500",
          "[e2e][http]") {
  Api api;
  for (const std::string bad : {"A\xff", "A\xc3", "\xed\xa0\x80"}) {
    const std::string body = R"({"username":"x","firstname":")" + bad + R"(","lastname":"L"})";
    const auto r = api.client->request("POST", "/users", body);
    INFO("body: " << json(body).dump(-1, ' ', true, json::error_handler_t::replace) << " -> "
                  << r.status << " " << r.body);
    const auto doc = require_problem(r, 400);
    CHECK((doc.value("field", "") == "firstname" ||
           doc["detail"].get<std::string>().find("firstname") != std::string::npos));
  }
  CHECK(api.client->get("/users").json() == json::array());
}

TEST_CASE("e2e http: unknown, read-only and missing fields get 400 naming them", "[e2e][http]") {
  Api api;
  auto with_email = user_json("x");
  with_email["email"] = "x@example.com";
  auto doc = require_problem(api.client->post("/users", with_email), 400);
  CHECK(doc["detail"].get<std::string>().find("email") != std::string::npos);

  auto with_id = user_json("x");
  with_id["id"] = 7;
  doc = require_problem(api.client->post("/users", with_id), 400);
  CHECK(doc.value("field", "") == "id");

  for (const char* missing : {"username", "firstname", "lastname"}) {
    INFO("without " << missing);
    auto body = user_json("x");
    body.erase(missing);
    doc = require_problem(api.client->post("/users", body), 400);
    CHECK(doc.value("field", "") == missing);
    CHECK(doc["detail"].get<std::string>().find(missing) != std::string::npos);
  }

  auto not_a_string = user_json("x");
  not_a_string["firstname"] = 42;
  doc = require_problem(api.client->post("/users", not_a_string), 400);
  CHECK(doc.value("field", "") == "firstname");

  const auto alice = create(*api.client, "alice");
  const auto path = "/users/" + std::to_string(alice["id"].get<long>());
  doc = require_problem(api.client->request("PATCH", path, R"({"nickname":"al"})", {kMergePatch}),
                        400);
  CHECK(doc["detail"].get<std::string>().find("nickname") != std::string::npos);
  CHECK(api.client->get(path).json() == alice);
}

TEST_CASE("e2e http: an unknown id gets 404, a malformed one 400", "[e2e][http]") {
  Api api;
  for (const char* method : {"GET", "DELETE"}) {
    INFO(method);
    const auto doc = require_problem(api.client->request(method, "/users/999"), 404);
    CHECK(doc["detail"].get<std::string>().find("999") != std::string::npos);
  }
  require_problem(api.client->request("PUT", "/users/999", user_json("x").dump()), 404);
  require_problem(api.client->request("PATCH", "/users/999", R"({"lastname":"X"})", {kMergePatch}),
                  404);
  for (const char* id : {"abc", "0", "-1", "1.5"}) {
    INFO("/users/" << id);
    require_problem(api.client->get(std::string("/users/") + id), 400);
  }
}

TEST_CASE("e2e http: a taken username gets 409 on POST, PUT and PATCH, without internal text",
          "[e2e][http]") {
  Api api;
  create(*api.client, "alice");
  const auto bob = create(*api.client, "bob");
  const auto bob_path = "/users/" + std::to_string(bob["id"].get<long>());

  auto doc = require_problem(api.client->post("/users", user_json("alice")), 409);
  CHECK(doc["detail"].get<std::string>().find("alice") != std::string::npos);
  check_no_internal_text(doc.dump());

  doc = require_problem(api.client->request("PUT", bob_path, user_json("alice").dump()), 409);
  check_no_internal_text(doc.dump());

  doc = require_problem(
      api.client->request("PATCH", bob_path, R"({"username":"alice"})", {kMergePatch}), 409);
  check_no_internal_text(doc.dump());

  CHECK(api.client->get(bob_path).json() == bob);
  CHECK(api.client->get("/users").json().size() == 2);

  // Keeping one's own username is no conflict.
  const auto same = api.client->request("PUT", bob_path, user_json("bob", "Robert").dump());
  INFO(same.body);
  CHECK(same.status == 200);
  const auto patched =
      api.client->request("PATCH", bob_path, R"({"username":"bob"})", {kMergePatch});
  CHECK(patched.status == 200);
}

TEST_CASE("e2e http: a wrong method on a known path gets 405 with Allow", "[e2e][http]") {
  Api api;
  create(*api.client, "alice");
  const auto allowed = [](const Response& r) {
    std::set<std::string> methods;
    const auto allow = r.header("Allow").value_or("");
    static const std::regex token(R"([A-Z]+)");
    for (std::sregex_iterator it(allow.begin(), allow.end(), token), end; it != end; ++it) {
      methods.insert(it->str());
    }
    return methods;
  };

  for (const char* method : {"POST", "OPTIONS"}) {
    INFO(method << " /users/1");
    const auto r =
        api.client->request(method, "/users/1", method == std::string("POST") ? "{}" : "");
    require_problem(r, 405);
    const auto methods = allowed(r);
    for (const char* m : {"GET", "PUT", "PATCH", "DELETE"}) CHECK(methods.count(m) == 1);
    CHECK(methods.count("POST") == 0);
  }
  for (const char* method : {"PUT", "DELETE", "PATCH"}) {
    INFO(method << " /users");
    const auto r = api.client->request(method, "/users", "{}");
    require_problem(r, 405);
    const auto methods = allowed(r);
    CHECK(methods.count("GET") == 1);
    CHECK(methods.count("POST") == 1);
    CHECK(methods.count(method) == 0);
  }
}

TEST_CASE("e2e http: an unknown path gets a 404 problem", "[e2e][http]") {
  Api api;
  for (const char* path : {"/nope", "/users/1/rooms", "/"}) {
    INFO(path);
    require_problem(api.client->get(path), 404);
  }
}

TEST_CASE("e2e http: MAX_BODY_BYTES is enforced from both sides with a 413 problem",
          "[e2e][http]") {
  Api api(Env{{"MAX_BODY_BYTES", "2048"}});
  const auto padded = [](const std::string& username, std::size_t size) {
    auto body = user_json(username).dump();
    REQUIRE(body.size() < size);
    body.append(size - body.size(), ' ');
    return body;
  };

  const auto at_limit = api.client->request("POST", "/users", padded("exact", 2048));
  INFO(at_limit.body);
  CHECK(at_limit.status == 201);

  const auto over = api.client->request("POST", "/users", padded("over", 2049));
  const auto doc = require_problem(over, 413);
  CHECK(doc["detail"].get<std::string>().find("2048") != std::string::npos);

  const auto list = api.client->get("/users").json();
  REQUIRE(list.size() == 1);
  CHECK(list[0]["username"] == "exact");
}

TEST_CASE("e2e http: a body far over MAX_BODY_BYTES gets 413", "[e2e][http]") {
  Api api(Env{{"MAX_BODY_BYTES", "2048"}});
  auto body = user_json("huge").dump();
  body.append(std::size_t{1} << 20, ' ');
  Client fresh(api.server->url());
  const auto r = fresh.request("POST", "/users", body);
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.status == 413);

  // The server is fine afterwards, and stored nothing.
  const auto list = api.client->get("/users");
  REQUIRE(list.status == 200);
  CHECK(list.json() == json::array());
}

TEST_CASE("e2e http: a database failure is a 500 problem without internal text", "[e2e][http]") {
  Api api;
  create(*api.client, "alice");

  // Break the schema behind the server's back.
  Database(api.ws.database_url()).execute("DROP TABLE users");

  const auto list = api.client->get("/users");
  auto doc = require_problem(list, 500);
  check_no_internal_text(list.body);

  const auto post = api.client->post("/users", user_json("bob"));
  doc = require_problem(post, 500);
  check_no_internal_text(post.body);

  // The detail is in the server's log instead, in the engine's words.
  CHECK(contains_nocase(api.server->log(),
                        on_postgres() ? "relation \"users\" does not exist" : "no such table"));
}

TEST_CASE("e2e http: HEAD /users answers like GET without a body", "[e2e][http]") {
  Api api;
  create(*api.client, "alice");
  const auto r = api.client->request("HEAD", "/users");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(r.header("Content-Type").value_or("").rfind("application/json", 0) == 0);
}
