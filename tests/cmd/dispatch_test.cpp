// dispatch(): argv in, exit code and output out.

#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cmd/commands.hpp"
#include "test_support.hpp"

using roombook::cmd::test::run_dispatch;
using roombook::cmd::test::TempDir;
using roombook::cmd::test::TestDatabase;

TEST_CASE("cmd dispatch: --help prints the usage on stdout and exits 0", "[cmd][dispatch]") {
  const auto r = run_dispatch({"roombook", "--help"});
  CHECK(r.code == 0);
  for (const char* command : {"serve", "migrate", "user", "config", "version"}) {
    CHECK_THAT(r.out, Catch::Contains(command));
  }
  CHECK_THAT(r.out, Catch::Contains("roombook"));
  CHECK(r.err.empty());
}

TEST_CASE("cmd dispatch: an unknown command exits 2 with a message on stderr only",
          "[cmd][dispatch]") {
  const auto r = run_dispatch({"roombook", "frobnicate"});
  CHECK(r.code == 2);
  CHECK_FALSE(r.err.empty());
  CHECK(r.out.empty());
}

TEST_CASE("cmd dispatch: the message for an unknown command names it", "[cmd][dispatch]") {
  const auto r = run_dispatch({"roombook", "frobnicate"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("frobnicate"));
}

TEST_CASE("cmd dispatch: no command at all exits 2", "[cmd][dispatch]") {
  const auto r = run_dispatch({"roombook"});
  CHECK(r.code == 2);
  CHECK_FALSE(r.err.empty());
  CHECK(r.out.empty());
}

TEST_CASE("cmd dispatch: version prints the version and exits 0", "[cmd][dispatch]") {
  const auto r = run_dispatch({"roombook", "version"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("roombook 0.1.0 (git "));
  CHECK_THAT(r.out, Catch::EndsWith(")\n"));
  CHECK(r.err.empty());
}

TEST_CASE("cmd dispatch: a missing required argument exits 2", "[cmd][dispatch]") {
  const auto r = run_dispatch({"roombook", "user", "add", "--firstname", "Ada"});
  CHECK(r.code == 2);
  CHECK_FALSE(r.err.empty());
  CHECK(r.out.empty());
}

TEST_CASE("cmd dispatch: user commands map errors to exit codes 1 and 2", "[cmd][dispatch]") {
  TempDir dir;
  TestDatabase database(dir.path(), "x.db");
  const auto url = database.url();
  roombook::cmd::test::migrate_url(url);
  auto user = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"roombook", "user", "--database-url", url});
    return run_dispatch(args);
  };

  auto r = user({"add", "ada", "--firstname", "Ada", "--lastname", "Lovelace", "--format", "json"});
  REQUIRE(r.code == 0);
  CHECK(nlohmann::json::parse(r.out).at("username") == "ada");

  r = user({"add", "Bad Name", "--firstname", "A", "--lastname", "B"});
  CHECK(r.code == 1);
  CHECK(r.err == "roombook: username must be 1 to 64 characters of a-z, 0-9, '.', '_' and '-'\n");
  CHECK(r.out.empty());

  r = user({"show", "nobody"});
  CHECK(r.code == 1);
  CHECK(r.err == "roombook: user nobody does not exist\n");

  r = user({"update", "ada"});
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("nothing to change"));

  r = user({"list", "--format", "csv"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("id,username,"));
}

TEST_CASE("cmd dispatch: the configuration knows the services of the registry, by prefix",
          "[cmd][dispatch]") {
  const auto specs = roombook::cmd::service_specs();
  const auto expected = roombook::cmd::test::test_services();
  REQUIRE(specs.size() == expected.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    INFO(expected[i].name);
    CHECK(specs[i].name == expected[i].name);
    CHECK(specs[i].default_port == expected[i].default_port);
    CHECK(specs[i].env_prefix == expected[i].env_prefix);
  }
}
