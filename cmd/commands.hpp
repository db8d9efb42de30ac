#pragma once

// The command table of the roombook binary.
//
// To add a command:
//   1. write cmd/<name>.cpp with `struct <Name>Options`, a setup function that
//      adds its flags to a CLI::App and returns the Runner, and
//      `int run_<name>(Context&, const <Name>Options&)` that does the work, so
//      tests can call it without argv (a command with subcommands builds them
//      with cmd/subcommands.hpp);
//   2. declare the setup function below and add a row to commands();
//   3. add tests in tests/cmd/ (run_<name>) and, for its exit codes and
//      output, in tests/e2e/;
//   4. add its manual page man/roombook-<name>.1 and mention it in roombook.1
//      and the README.
//
// dispatch() is the only place that turns exceptions into exit codes, and
// the only place that words core::Error for the command line (with its
// cause and its remedy as a flag).

#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "db/db.hpp"

namespace CLI {
class App;
}

namespace roombook::cmd {

/// Exit codes.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

/// Wrong use of a command that parsing alone cannot catch; exits with 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What a command runs with: the loaded configuration, its output streams and
/// where to read answers from.
struct Context {
  config::Config config;
  std::ostream& out;
  std::ostream& err;
  bool out_is_terminal = false;
  std::istream* in = nullptr;   ///< stdin; null: there is nothing to read
  bool in_is_terminal = false;  ///< with out_is_terminal: a person may answer a question
};

/// Flags that override a configuration variable (`--port` -> PORT). Commands
/// bind them in their setup function; dispatch() hands them to Config::load().
class ConfigFlags {
 public:
  /// Adds `--flag VALUE` to `app`, which sets `variable`.
  void bind(CLI::App& app, const std::string& flag, const std::string& variable,
            const std::string& help);
  config::LoadOptions load_options() const;

 private:
  // Shared with the CLI11 callbacks, which fill them during parsing.
  std::shared_ptr<std::map<std::string, std::string>> values_ =
      std::make_shared<std::map<std::string, std::string>>();
  std::map<std::string, std::string> flag_names_;
};

/// What a command's setup returns: the work to do once parsing succeeded.
using Runner = std::function<int(Context&)>;
using Setup = Runner (*)(CLI::App& app, ConfigFlags& flags);

struct Command {
  const char* name;
  const char* help;
  Setup setup;
  bool needs_config;  ///< load config and logging before running
};

Runner setup_serve(CLI::App& app, ConfigFlags& flags);
Runner setup_migrate(CLI::App& app, ConfigFlags& flags);
Runner setup_user(CLI::App& app, ConfigFlags& flags);
Runner setup_room(CLI::App& app, ConfigFlags& flags);
Runner setup_booking(CLI::App& app, ConfigFlags& flags);
Runner setup_token(CLI::App& app, ConfigFlags& flags);
Runner setup_config(CLI::App& app, ConfigFlags& flags);
Runner setup_version(CLI::App& app, ConfigFlags& flags);

/// The table, in the order `roombook --help` lists it.
const std::vector<Command>& commands();

/// Parses argv, loads what the command needs, runs it, returns the exit code.
/// Invoked through a link named after a service (argv[0] = "user-mgmt"), it
/// runs `roombook serve <service> ARGS...`.
int dispatch(int argc, char** argv, std::ostream& out, std::ostream& err);

// Shared by several commands.

struct OpenOptions {
  std::optional<std::string> migrations_dir;  ///< else the embedded migrations
  bool migrate = false;                       ///< apply pending migrations first
  std::size_t max_connections = 2;
};

/// Opens a service's database and checks its migrations. With pending ones
/// it applies them (`migrate`) or throws, naming the command that would.
std::unique_ptr<db::Pool> open_service_db(const Context& ctx, const std::string& service,
                                          const OpenOptions& options = {});

/// The services of the registry, as the configuration sees them.
std::vector<config::ServiceSpec> service_specs();

/// Writes `text` to stderr prefixed "roombook: " (for notes beside the output).
void note(const Context& ctx, const std::string& text);

}  // namespace roombook::cmd
