// The `user` commands, called as run_user_*() with a Context of our own.

#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "cmd/user.hpp"
#include "http/http.hpp"
#include "service/service.hpp"
#include "test_support.hpp"
#include "user-mgmt/routes.hpp"

using namespace roombook;
using namespace roombook::cmd;
using roombook::cmd::test::Cli;
using roombook::cmd::test::error_of;

namespace {

UserAddOptions add_options(const std::string& username, const std::string& firstname = "First",
                           const std::string& lastname = "Last") {
  UserAddOptions o;
  o.username = username;
  o.firstname = firstname;
  o.lastname = lastname;
  return o;
}

/// Adds a user and returns it as the command printed it (JSON).
nlohmann::json add(Cli& cli, const std::string& username, const std::string& firstname = "First",
                   const std::string& lastname = "Last") {
  cli.clear();
  REQUIRE(run_user_add(cli.ctx, add_options(username, firstname, lastname)) == kExitOk);
  auto user = nlohmann::json::parse(cli.out.str());
  cli.clear();
  return user;
}

OutputOptions as(const std::string& format) {
  OutputOptions o;
  o.format = format;
  return o;
}

/// The detail the REST API gives for this POST /users body (raw text: it
/// may carry bytes that are not UTF-8).
std::string api_detail(const std::string& url, const std::string& body) {
  auto pool = db::open(url);
  const auto config = roombook::cmd::test::config_for(url);
  http::Router router;
  const auto mounted = user_mgmt::mount(router, {*pool, config});
  http::Request req;
  req.method = http::Method::post;
  req.path = "/users";
  req.body = body;
  const auto resp = http::handle(router, req, 1024 * 1024);
  REQUIRE(resp.status == 400);
  return nlohmann::json::parse(resp.body).at("detail").get<std::string>();
}

const char* const kColumns = "id,username,firstname,lastname,created_at,updated_at";

}  // namespace

TEST_CASE("cmd user add: prints the new user as JSON when not on a terminal", "[cmd][user]") {
  Cli cli;
  REQUIRE(run_user_add(cli.ctx, add_options("ada", "Ada", "Lovelace")) == kExitOk);
  const auto user = nlohmann::json::parse(cli.out.str());
  REQUIRE(user.is_object());
  CHECK(user.at("id").get<std::int64_t>() > 0);
  CHECK(user.at("username") == "ada");
  CHECK(user.at("firstname") == "Ada");
  CHECK(user.at("lastname") == "Lovelace");
  CHECK(user.at("created_at").is_string());
  CHECK(user.at("updated_at") == user.at("created_at"));
  CHECK(cli.err.str().empty());
  // Members in a reader's order, id first.
  std::vector<std::string> keys;
  const auto ordered = nlohmann::ordered_json::parse(cli.out.str());
  for (const auto& [key, value] : ordered.items()) keys.push_back(key);
  CHECK(keys == std::vector<std::string>{"id", "username", "firstname", "lastname", "created_at",
                                         "updated_at"});
}

TEST_CASE("cmd user add: a table on a terminal, csv or table when asked", "[cmd][user]") {
  SECTION("terminal: table by default") {
    Cli cli(true, true);
    REQUIRE(run_user_add(cli.ctx, add_options("ada", "Ada", "Lovelace")) == kExitOk);
    const auto text = cli.out.str();
    CHECK_THAT(text, Catch::StartsWith("ID  USERNAME  FIRSTNAME  LASTNAME  CREATED_AT"));
    CHECK_THAT(text, Catch::Contains("\n1   ada       Ada        Lovelace  "));
  }
  SECTION("--format csv") {
    Cli cli;
    auto o = add_options("ada", "Lovelace, Ada", "L");
    o.output = as("csv");
    REQUIRE(run_user_add(cli.ctx, o) == kExitOk);
    const auto text = cli.out.str();
    CHECK_THAT(text, Catch::StartsWith(std::string(kColumns) + "\r\n1,ada,\"Lovelace, Ada\",L,"));
    CHECK_THAT(text, Catch::EndsWith("Z\r\n"));
  }
  SECTION("--format table off a terminal") {
    Cli cli;
    auto o = add_options("ada");
    o.output = as("table");
    REQUIRE(run_user_add(cli.ctx, o) == kExitOk);
    CHECK_THAT(cli.out.str(), Catch::StartsWith("ID  USERNAME"));
  }
  SECTION("--format json on a terminal") {
    Cli cli(true, true);
    auto o = add_options("ada");
    o.output = as("json");
    REQUIRE(run_user_add(cli.ctx, o) == kExitOk);
    CHECK(nlohmann::json::parse(cli.out.str()).at("username") == "ada");
  }
}

TEST_CASE("cmd user add: invalid input says what the API says", "[cmd][user]") {
  Cli cli;
  struct Case {
    UserAddOptions options;
    std::string field;
  };
  const std::vector<Case> cases{
      {add_options("Ada Lovelace"), "username"},
      {add_options(std::string(65, 'a')), "username"},
      {add_options("ada", ""), "firstname"},
      {add_options("ada", "Ada", std::string(101, 'x')), "lastname"},
      {add_options("ada", "A\x01"), "firstname"},
      {add_options("ada", "\xC0\xAF"), "firstname"},
  };
  for (const auto& c : cases) {
    INFO("username " << c.options.username << ", field " << c.field);
    const auto e = error_of([&] { run_user_add(cli.ctx, c.options); });
    CHECK(e.kind() == core::ErrorKind::invalid);
    CHECK(e.field() == c.field);
    // JSON as a client would send it; bytes that are not UTF-8 travel raw,
    // since JSON has no escape for them.
    std::string body;
    try {
      body = nlohmann::json{{"username", c.options.username},
                            {"firstname", c.options.firstname},
                            {"lastname", c.options.lastname}}
                 .dump();
    } catch (const nlohmann::json::type_error&) {
      body = R"({"username": ")" + c.options.username + R"(", "firstname": ")" +
             c.options.firstname + R"(", "lastname": ")" + c.options.lastname + R"("})";
    }
    CHECK(e.what() == api_detail(cli.url, body));
  }
  CHECK(cli.out.str().empty());
}

TEST_CASE("cmd user add: a taken username is a conflict", "[cmd][user]") {
  Cli cli;
  add(cli, "ada");
  const auto e = error_of([&] { run_user_add(cli.ctx, add_options("ada")); });
  CHECK(e.kind() == core::ErrorKind::conflict);
  CHECK(std::string(e.what()) == "username \"ada\" is already taken");
}

TEST_CASE("cmd user commands: an unmigrated database is refused with what to run", "[cmd][user]") {
  Cli cli(false);
  const auto e = error_of([&] { run_user_add(cli.ctx, add_options("ada")); });
  CHECK(e.kind() == core::ErrorKind::unavailable);
  CHECK_THAT(std::string(e.what()), Catch::Contains("roombook migrate up"));
}

TEST_CASE("cmd user list: JSON array by default, csv when asked", "[cmd][user]") {
  Cli cli;
  add(cli, "ada", "Ada", "Lovelace");
  add(cli, "grace", "Grace", "Hopper");

  REQUIRE(run_user_list(cli.ctx, UserListOptions{}) == kExitOk);
  const auto users = nlohmann::json::parse(cli.out.str());
  REQUIRE(users.is_array());
  REQUIRE(users.size() == 2);
  CHECK(users[0].at("username") == "ada");
  CHECK(users[1].at("username") == "grace");
  CHECK(cli.err.str().empty());

  cli.clear();
  UserListOptions csv;
  csv.output = as("csv");
  REQUIRE(run_user_list(cli.ctx, csv) == kExitOk);
  std::istringstream lines(cli.out.str());
  std::string line;
  std::vector<std::string> all;
  while (std::getline(lines, line)) all.push_back(line);
  REQUIRE(all.size() == 3);
  CHECK(all[0] == std::string(kColumns) + "\r");
  CHECK_THAT(all[1], Catch::StartsWith("1,ada,Ada,Lovelace,"));
  CHECK_THAT(all[2], Catch::StartsWith("2,grace,Grace,Hopper,"));

  cli.clear();
  UserListOptions one;
  one.username = "grace";
  REQUIRE(run_user_list(cli.ctx, one) == kExitOk);
  const auto only = nlohmann::json::parse(cli.out.str());
  REQUIRE(only.size() == 1);
  CHECK(only[0].at("username") == "grace");
}

TEST_CASE("cmd user list: more than the limit prints the --after-id hint on stderr",
          "[cmd][user]") {
  Cli cli;
  for (const char* name : {"u1", "u2", "u3"}) add(cli, name);

  UserListOptions o;
  o.limit = 2;
  REQUIRE(run_user_list(cli.ctx, o) == kExitOk);
  const auto page = nlohmann::json::parse(cli.out.str());
  REQUIRE(page.size() == 2);
  const auto last_id = page[1].at("id").get<std::int64_t>();
  CHECK(cli.err.str() ==
        "roombook: more users follow: add --after-id " + std::to_string(last_id) + "\n");

  cli.clear();
  o.after_id = last_id;
  REQUIRE(run_user_list(cli.ctx, o) == kExitOk);
  CHECK(nlohmann::json::parse(cli.out.str()).size() == 1);
  CHECK(cli.err.str().empty());

  cli.clear();
  o.after_id = 0;
  o.limit = 3;
  REQUIRE(run_user_list(cli.ctx, o) == kExitOk);
  CHECK(cli.err.str().empty());
}

TEST_CASE("cmd user list: a limit out of range is invalid", "[cmd][user]") {
  Cli cli;
  for (std::int64_t limit : {std::int64_t{0}, std::int64_t{1001}}) {
    UserListOptions o;
    o.limit = limit;
    const auto e = error_of([&] { run_user_list(cli.ctx, o); });
    CHECK(e.kind() == core::ErrorKind::invalid);
    CHECK(e.field() == "limit");
  }
}

TEST_CASE("cmd user show: by id or username, not found throws not_found", "[cmd][user]") {
  Cli cli;
  const auto ada = add(cli, "ada", "Ada", "Lovelace");
  const auto id = std::to_string(ada.at("id").get<std::int64_t>());

  UserShowOptions o;
  o.key = id;
  REQUIRE(run_user_show(cli.ctx, o) == kExitOk);
  CHECK(nlohmann::json::parse(cli.out.str()) == ada);

  cli.clear();
  o.key = "ada";
  REQUIRE(run_user_show(cli.ctx, o) == kExitOk);
  CHECK(nlohmann::json::parse(cli.out.str()) == ada);

  cli.clear();
  o.key = "nobody";
  auto e = error_of([&] { run_user_show(cli.ctx, o); });
  CHECK(e.kind() == core::ErrorKind::not_found);
  CHECK(std::string(e.what()) == "user nobody does not exist");
  o.key = "999";
  e = error_of([&] { run_user_show(cli.ctx, o); });
  CHECK(e.kind() == core::ErrorKind::not_found);
  CHECK(cli.out.str().empty());
}

TEST_CASE("cmd user update: changes the fields given", "[cmd][user]") {
  Cli cli;
  const auto ada = add(cli, "ada", "Ada", "Lovelace");

  UserUpdateOptions o;
  o.key = "ada";
  o.lastname = "King";
  REQUIRE(run_user_update(cli.ctx, o) == kExitOk);
  const auto after = nlohmann::json::parse(cli.out.str());
  CHECK(after.at("id") == ada.at("id"));
  CHECK(after.at("username") == "ada");
  CHECK(after.at("firstname") == "Ada");
  CHECK(after.at("lastname") == "King");
  CHECK(after.at("created_at") == ada.at("created_at"));

  cli.clear();
  UserUpdateOptions rename;
  rename.key = std::to_string(ada.at("id").get<std::int64_t>());
  rename.username = "countess";
  REQUIRE(run_user_update(cli.ctx, rename) == kExitOk);
  CHECK(nlohmann::json::parse(cli.out.str()).at("username") == "countess");
}

TEST_CASE("cmd user update: nothing to change is a usage error", "[cmd][user]") {
  Cli cli;
  add(cli, "ada");
  UserUpdateOptions o;
  o.key = "ada";
  CHECK_THROWS_AS(run_user_update(cli.ctx, o), UsageError);
  CHECK(cli.out.str().empty());
}

TEST_CASE("cmd user update: not found, invalid and taken", "[cmd][user]") {
  Cli cli;
  add(cli, "ada");
  add(cli, "grace");

  UserUpdateOptions o;
  o.key = "nobody";
  o.firstname = "X";
  auto e = error_of([&] { run_user_update(cli.ctx, o); });
  CHECK(e.kind() == core::ErrorKind::not_found);
  CHECK(std::string(e.what()) == "user nobody does not exist");

  o.key = "ada";
  o.firstname = std::string(101, 'x');
  e = error_of([&] { run_user_update(cli.ctx, o); });
  CHECK(e.kind() == core::ErrorKind::invalid);
  CHECK(e.field() == "firstname");

  UserUpdateOptions taken;
  taken.key = "ada";
  taken.username = "grace";
  e = error_of([&] { run_user_update(cli.ctx, taken); });
  CHECK(e.kind() == core::ErrorKind::conflict);
  CHECK(cli.out.str().empty());
}

TEST_CASE("cmd user delete: deletes, notes it on stderr, then not found", "[cmd][user]") {
  Cli cli;
  const auto ada = add(cli, "ada");
  const auto id = ada.at("id").get<std::int64_t>();

  UserDeleteOptions o;
  o.key = "ada";
  REQUIRE(run_user_delete(cli.ctx, o) == kExitOk);
  CHECK(cli.out.str().empty());
  CHECK(cli.err.str() == "roombook: deleted user " + std::to_string(id) + " (ada)\n");

  auto e = error_of([&] { run_user_delete(cli.ctx, o); });
  CHECK(e.kind() == core::ErrorKind::not_found);
  UserShowOptions show;
  show.key = std::to_string(id);
  e = error_of([&] { run_user_show(cli.ctx, show); });
  CHECK(e.kind() == core::ErrorKind::not_found);
}
