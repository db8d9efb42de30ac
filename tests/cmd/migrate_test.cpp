// run_migrate(): what `down` and `redo` ask before reverting, with a Context
// that pretends to be a terminal and reads the answers from a string.

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "cmd/migrate.hpp"
#include "test_support.hpp"

using Catch::Contains;
using roombook::cmd::MigrateOptions;
using roombook::cmd::run_migrate;
using roombook::cmd::UsageError;
using roombook::cmd::test::Cli;
namespace migrate = roombook::migrate;
namespace db = roombook::db;

namespace {

/// "service/0001_name state" for each migration in the database of `cli`,
/// as `migrate status` would list it (from `migrations_dir` if given).
std::vector<std::string> states(const Cli& cli, const std::string& migrations_dir = "") {
  auto pool = db::open(cli.url);
  const auto files =
      migrations_dir.empty() ? migrate::embedded() : migrate::read_dir(migrations_dir);
  migrate::Engine engine(*pool, migrate::assemble(files, pool->dialect()));
  std::vector<std::string> out;
  for (const auto& row : engine.status()) {
    out.push_back(row.service + "/" + migrate::stem(row.version, row.name) + " " +
                  (row.state == migrate::State::applied ? "applied" : "not applied"));
  }
  return out;
}

/// What states() lists once every migration is applied: both of each service.
const std::vector<std::string> kAllApplied{
    "rooms/0001_create_rooms applied", "rooms/0002_create_tokens applied",
    "user-mgmt/0001_create_users applied", "user-mgmt/0002_create_tokens applied"};

/// kAllApplied after `down --service user-mgmt`: only user-mgmt's newest,
/// 0002_create_tokens, is reverted.
std::vector<std::string> user_tokens_reverted() {
  auto states = kAllApplied;
  std::replace(states.begin(), states.end(), std::string("user-mgmt/0002_create_tokens applied"),
               std::string("user-mgmt/0002_create_tokens not applied"));
  return states;
}

/// Whether the database of `cli` has a table of that name.
bool has_table(const Cli& cli, const std::string& name) {
  auto pool = db::open(cli.url);
  auto conn = pool->acquire();
  const db::Query query{
      "test.has_table",
      pool->dialect() == db::Dialect::postgres
          ? "SELECT COUNT(*) FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_name = $1"
          : "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"};
  return conn->query(query, {name}).at(0).integer(0) == 1;
}

/// `migrate down --service user-mgmt`.
MigrateOptions down_user_mgmt() {
  MigrateOptions o;
  o.action = "down";
  o.service = "user-mgmt";
  return o;
}

/// A Cli on a terminal whose answers come from `in`.
void answer_from(Cli& cli, std::istream& in) {
  cli.ctx.in = &in;
  cli.ctx.in_is_terminal = true;
  cli.ctx.out_is_terminal = true;
}

/// Input that runs `meanwhile` when first read, then answers `answer`: what
/// another process does while a person thinks.
class SlowAnswer : public std::streambuf {
 public:
  SlowAnswer(std::string answer, std::function<void()> meanwhile)
      : answer_(std::move(answer)), meanwhile_(std::move(meanwhile)) {}

 protected:
  int_type underflow() override {
    if (meanwhile_) {
      std::exchange(meanwhile_, nullptr)();
      setg(answer_.data(), answer_.data(), answer_.data() + answer_.size());
    }
    return gptr() == egptr() ? traits_type::eof() : traits_type::to_int_type(*gptr());
  }

 private:
  std::string answer_;
  std::function<void()> meanwhile_;
};

const std::string kQuestion = "Revert these migrations? [y/N] ";

/// run_migrate's exit code as dispatch() makes it, and the message it prints.
struct Outcome {
  int code;
  std::string message;
};
Outcome run(Cli& cli, const MigrateOptions& options) {
  try {
    return {run_migrate(cli.ctx, options), ""};
  } catch (const UsageError& e) {
    return {roombook::cmd::kExitUsage, e.what()};
  } catch (const std::exception& e) {
    return {roombook::cmd::kExitFailure, e.what()};
  }
}

}  // namespace

TEST_CASE("cmd migrate: down on a terminal prints the plan, asks, and reverts only on y",
          "[cmd][migrate]") {
  Cli cli(true, true);
  const auto before = states(cli);
  REQUIRE(before == kAllApplied);
  REQUIRE(has_table(cli, "user_mgmt_tokens"));
  std::istringstream in("n\ny\n");
  answer_from(cli, in);

  const auto refused = run(cli, down_user_mgmt());
  CHECK(refused.code == 1);
  CHECK_THAT(refused.message, Contains("nothing was changed"));
  CHECK(cli.out.str() == "user-mgmt: will revert 0002_create_tokens\n" + kQuestion);
  CHECK(states(cli) == before);
  CHECK(has_table(cli, "user_mgmt_tokens"));

  cli.clear();
  CHECK(run_migrate(cli.ctx, down_user_mgmt()) == 0);
  CHECK(cli.out.str() == "user-mgmt: will revert 0002_create_tokens\n" + kQuestion +
                             "user-mgmt: reverted 0002_create_tokens\n");
  // Only the newest: 0001 and the other services' migrations stay applied.
  CHECK(states(cli) == user_tokens_reverted());
  CHECK_FALSE(has_table(cli, "user_mgmt_tokens"));
  CHECK(has_table(cli, "users"));
}

TEST_CASE("cmd migrate: only y or yes confirms, anything else or no answer changes nothing",
          "[cmd][migrate]") {
  for (const std::string answer : {"\n", "N\n", "no\n", "yess\n", "maybe y\n", ""}) {
    INFO("answer: \"" << answer << "\"");
    Cli cli(true, true);
    const auto before = states(cli);
    std::istringstream in(answer);
    answer_from(cli, in);
    CHECK(run(cli, down_user_mgmt()).code == 1);
    CHECK(states(cli) == before);
  }
  for (const std::string answer : {"y\n", "Y\n", "yes\n", " YES \r\n"}) {
    INFO("answer: \"" << answer << "\"");
    Cli cli(true, true);
    std::istringstream in(answer);
    answer_from(cli, in);
    CHECK(run_migrate(cli.ctx, down_user_mgmt()) == 0);
    CHECK_THAT(cli.out.str(), Contains("user-mgmt: reverted 0002_create_tokens"));
    CHECK(states(cli) == user_tokens_reverted());
  }
}

TEST_CASE("cmd migrate: without a terminal down and redo need --yes, which skips the question",
          "[cmd][migrate]") {
  auto redo = down_user_mgmt();
  redo.action = "redo";
  for (const auto& options : {down_user_mgmt(), redo}) {
    INFO(options.action);
    // Neither side a terminal, or only one of them (piped input or output).
    for (const auto& [in_tty, out_tty] : std::initializer_list<std::pair<bool, bool>>{
             {false, false}, {true, false}, {false, true}}) {
      Cli cli(true, out_tty);
      std::istringstream in("y\n");
      cli.ctx.in = &in;
      cli.ctx.in_is_terminal = in_tty;
      const auto before = states(cli);
      const auto refused = run(cli, options);
      CHECK(refused.code == 2);
      CHECK_THAT(refused.message, Contains("--yes") && Contains("nothing was changed"));
      CHECK_THAT(cli.out.str(), Contains("user-mgmt: will revert 0002_create_tokens"));
      CHECK_THAT(cli.out.str(), !Contains("0001_create_users"));  // only the newest
      CHECK(states(cli) == before);
    }

    // --yes: no question, on a terminal or not.
    for (const bool tty : {false, true}) {
      Cli cli(true, tty);
      std::istringstream in;  // nothing to read: asking would refuse
      answer_from(cli, in);
      cli.ctx.in_is_terminal = tty;
      auto yes = options;
      yes.yes = true;
      CHECK(run_migrate(cli.ctx, yes) == 0);
      CHECK_THAT(cli.out.str(), Contains("user-mgmt: reverted 0002_create_tokens"));
      CHECK_THAT(cli.out.str(), !Contains(kQuestion));
      // redo applies it again; down leaves it reverted.
      CHECK(states(cli) == (options.action == "redo" ? kAllApplied : user_tokens_reverted()));
    }
  }

  // --dry-run needs neither.
  Cli cli;
  auto dry = down_user_mgmt();
  dry.dry_run = true;
  const auto before = states(cli);
  CHECK(run_migrate(cli.ctx, dry) == 0);
  CHECK(cli.out.str() == "user-mgmt: would revert 0002_create_tokens\n");
  CHECK(states(cli) == before);
}

// The answer may come minutes later. If another process migrated meanwhile,
// `down` would revert something other than what it showed.
TEST_CASE("cmd migrate: down reverts nothing when the migrations changed while it asked",
          "[cmd][migrate]") {
  Cli cli(false, true);
  const auto dir = (cli.dir.path() / "m").string();
  std::filesystem::create_directories(dir + "/user-mgmt");
  const std::vector<std::pair<std::string, std::string>> files{
      {"0001_a.up.sql", "CREATE TABLE a(x INTEGER);"},
      {"0001_a.down.sql", "DROP TABLE a;"},
      {"0002_b.up.sql", "CREATE TABLE b(x INTEGER);"},
      {"0002_b.down.sql", "DROP TABLE b;"}};
  for (const auto& [name, sql] : files) std::ofstream(dir + "/user-mgmt/" + name) << sql;
  auto pool = db::open(cli.url);
  migrate::Engine engine(*pool, migrate::assemble(migrate::read_dir(dir), pool->dialect()));
  engine.up("user-mgmt", 1, false);

  SlowAnswer answer("y\n", [&] { engine.up("user-mgmt", std::nullopt, false); });
  std::istream in(&answer);
  answer_from(cli, in);
  auto o = down_user_mgmt();
  o.migrations_dir = dir;
  const auto refused = run(cli, o);
  CHECK(refused.code == 1);
  CHECK_THAT(refused.message, Contains("changed while waiting") && Contains("nothing was changed"));
  CHECK_THAT(cli.out.str(), Contains("user-mgmt: will revert 0001_a"));
  CHECK(states(cli, dir) ==
        std::vector<std::string>{"user-mgmt/0001_a applied", "user-mgmt/0002_b applied"});
}
