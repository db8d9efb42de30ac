#include "config/config.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace {

namespace fs = std::filesystem;
using roombook::config::Config;
using roombook::config::Error;
using roombook::config::LoadOptions;
using roombook::config::ServiceSpec;
using roombook::config::Setting;
using roombook::config::Source;

/// The services these tests configure, as the registry would list them.
const std::vector<ServiceSpec>& test_services() {
  static const std::vector<ServiceSpec> services{{"user-mgmt", 8081, "USER_MGMT"},
                                                 {"rooms", 8082, "ROOMS"}};
  return services;
}

/// Options with nothing set but the services.
LoadOptions options_with_services() {
  LoadOptions options;
  options.services = test_services();
  return options;
}

/// The setting called `name` among config.settings(); std::out_of_range if
/// there is none.
const Setting& setting(const Config& config, const std::string& name) {
  for (const auto& s : config.settings()) {
    if (s.name == name) return s;
  }
  throw std::out_of_range("no setting " + name);
}

/// A fresh directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "roombook-config-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

  std::string write(const std::string& name, const std::string& text) const {
    const fs::path file = path_ / name;
    std::ofstream(file) << text;
    return file.string();
  }

 private:
  fs::path path_;
};

/// Runs in `dir` until destroyed, then goes back.
class ChangeDir {
 public:
  explicit ChangeDir(const fs::path& dir) : previous_(fs::current_path()) { fs::current_path(dir); }
  ChangeDir(const ChangeDir&) = delete;
  ChangeDir& operator=(const ChangeDir&) = delete;
  ~ChangeDir() { fs::current_path(previous_); }

 private:
  fs::path previous_;
};

/// Loads with the given environment and .env text (an explicit --env-file,
/// so a .env in the test's working directory cannot leak in).
Config load(std::map<std::string, std::string> environment, const std::string& dotenv = "",
            std::map<std::string, std::string> flags = {}) {
  TempDir dir;
  LoadOptions options = options_with_services();
  options.environment = std::move(environment);
  options.env_file = dir.write(".env", dotenv);
  options.flags = std::move(flags);
  return Config::load(options);
}

std::string load_error(std::map<std::string, std::string> environment,
                       const std::string& dotenv = "",
                       std::map<std::string, std::string> flags = {},
                       std::map<std::string, std::string> flag_names = {}) {
  TempDir dir;
  LoadOptions options = options_with_services();
  options.environment = std::move(environment);
  options.env_file = dir.write("my.env", dotenv);
  options.flags = std::move(flags);
  options.flag_names = std::move(flag_names);
  try {
    Config::load(options);
  } catch (const Error& e) {
    // The temporary path varies; report it as "my.env".
    std::string message = e.what();
    const std::string path = options.env_file->c_str();
    if (auto at = message.find(path); at != std::string::npos)
      message.replace(at, path.size(), "my.env");
    return message;
  }
  return "no error";
}

}  // namespace

TEST_CASE("defaults, in a stable order, when nothing is set", "[config]") {
  TempDir empty;
  ChangeDir cd(empty.path());  // no .env here
  const Config config = Config::load(options_with_services());

  std::vector<std::string> names;
  for (const auto& s : config.settings()) {
    names.push_back(s.name);
    CHECK(s.source == Source::default_value);
    CHECK(s.origin == "default");
    CHECK_FALSE(s.help.empty());
  }
  CHECK(names == std::vector<std::string>{"DATABASE_URL",
                                          "USER_MGMT_DATABASE_URL",
                                          "ROOMS_DATABASE_URL",
                                          "HOST",
                                          "PORT",
                                          "USER_MGMT_PORT",
                                          "ROOMS_PORT",
                                          "ROOMBOOK_THREADS",
                                          "DB_POOL_SIZE",
                                          "DB_ACQUIRE_TIMEOUT",
                                          "ROOMBOOK_LOG",
                                          "ROOMBOOK_LOG_FORMAT",
                                          "MAX_BODY_BYTES",
                                          "USER_MGMT_URL",
                                          "USER_MGMT_CONNECT_TIMEOUT_MS",
                                          "USER_MGMT_TIMEOUT_MS",
                                          "USER_MGMT_BREAKER_FAILURES",
                                          "USER_MGMT_BREAKER_COOLDOWN_MS",
                                          "USER_MGMT_TOKEN",
                                          "AUTH",
                                          "AUTH_PUBLIC_READS"});
  CHECK(setting(config, "DATABASE_URL").value == "sqlite:roombook.db");
  CHECK(setting(config, "USER_MGMT_DATABASE_URL").value == "");
  CHECK(setting(config, "PORT").value == "");
  CHECK(config.database_url("user-mgmt") == "sqlite:roombook.db");
  CHECK(config.port("user-mgmt") == 8081);
  CHECK(config.host() == "127.0.0.1");
  CHECK(config.threads() == 2);
  CHECK(config.max_body_bytes() == 1048576);
  CHECK(config.log_levels() == "info");
  CHECK(config.log_format() == "text");
  CHECK(config.port("rooms") == 8082);
  CHECK(config.database_url("rooms") == "sqlite:roombook.db");
  CHECK(config.user_mgmt().url == "http://127.0.0.1:8081");
  CHECK(config.user_mgmt().connect_timeout == std::chrono::milliseconds(1000));
  CHECK(config.user_mgmt().timeout == std::chrono::milliseconds(2000));
  CHECK_FALSE(config.db_pool_size());  // serve sizes it by its threads
  CHECK(config.db_acquire_timeout() == std::chrono::milliseconds(2000));
}

TEST_CASE("PORT names one port: it counts only when one service is served", "[config]") {
  TempDir empty;
  ChangeDir cd(empty.path());
  LoadOptions options = options_with_services();
  options.environment = {{"PORT", "9000"}, {"ROOMS_PORT", "9100"}};
  const Config config = Config::load(options);
  CHECK(config.port("user-mgmt") == 9000);
  CHECK(config.port("rooms") == 9100);
  // Served together, each keeps its own variable or default.
  CHECK(config.port("user-mgmt", false) == 8081);
  CHECK(config.port("rooms", false) == 9100);
}

TEST_CASE("the rooms service's link to user-mgmt is validated", "[config]") {
  TempDir empty;
  ChangeDir cd(empty.path());
  auto load_with = [](const std::string& name, const std::string& value) {
    LoadOptions options = options_with_services();
    options.environment = {{name, value}};
    return Config::load(options);
  };
  CHECK(load_with("USER_MGMT_URL", "https://users.internal:8443").user_mgmt().url ==
        "https://users.internal:8443");
  CHECK(load_with("USER_MGMT_TIMEOUT_MS", "250").user_mgmt().timeout ==
        std::chrono::milliseconds(250));
  CHECK_THROWS_WITH(load_with("USER_MGMT_URL", "ftp://x"),
                    Catch::Contains("USER_MGMT_URL") && Catch::Contains("http://"));
  CHECK_THROWS_WITH(load_with("USER_MGMT_CONNECT_TIMEOUT_MS", "0"),
                    Catch::Contains("USER_MGMT_CONNECT_TIMEOUT_MS") && Catch::Contains("\"0\""));
  CHECK_THROWS_WITH(load_with("USER_MGMT_TIMEOUT_MS", "2s"),
                    Catch::Contains("USER_MGMT_TIMEOUT_MS"));
  CHECK_THROWS_WITH(load_with("ROOMS_PORT", "70000"), Catch::Contains("ROOMS_PORT"));
}

TEST_CASE("precedence: flag, then environment, then .env, then default", "[config]") {
  TempDir dir;
  LoadOptions options = options_with_services();
  options.env_file = dir.write("app.env",
                               "# settings\n"
                               "PORT=7001\n"
                               "HOST=10.0.0.1\n"
                               "ROOMBOOK_THREADS=8\n");
  options.environment = {{"PORT", "7002"}, {"HOST", "10.0.0.2"}, {"ROOMBOOK_LOG", "debug"}};
  options.flags = {{"PORT", "7003"}, {"ROOMBOOK_LOG_FORMAT", "json"}};
  options.flag_names = {{"PORT", "--port"}};
  const Config config = Config::load(options);

  const auto& port = setting(config, "PORT");
  CHECK(port.value == "7003");
  CHECK(port.source == Source::flag);
  CHECK(port.origin == "--port");
  CHECK(setting(config, "ROOMBOOK_LOG_FORMAT").origin == "flag");  // no flag name given

  const auto& host = setting(config, "HOST");
  CHECK(host.value == "10.0.0.2");
  CHECK(host.source == Source::environment);
  CHECK(host.origin == "environment");

  const auto& threads = setting(config, "ROOMBOOK_THREADS");
  CHECK(threads.value == "8");
  CHECK(threads.source == Source::env_file);
  CHECK(threads.origin == *options.env_file + ":4");
  CHECK(config.threads() == 8);

  const auto& body = setting(config, "MAX_BODY_BYTES");
  CHECK(body.source == Source::default_value);
  CHECK(body.origin == "default");
}

TEST_CASE(".env never overrides the environment, even an empty value", "[config]") {
  const Config config = load({{"ROOMBOOK_LOG_FORMAT", "json"}}, "ROOMBOOK_LOG_FORMAT=text\n");
  CHECK(config.log_format() == "json");
  CHECK(setting(config, "ROOMBOOK_LOG_FORMAT").source == Source::environment);

  // An empty variable is set: it is the value, and it is invalid.
  CHECK(load_error({{"DATABASE_URL", ""}}, "DATABASE_URL=sqlite:x.db\n") ==
        "invalid DATABASE_URL \"\": the scheme must be sqlite: or postgres://");
  CHECK(load_error({{"HOST", ""}}) ==
        "invalid HOST \"\": must be non-empty and contain no whitespace");
}

TEST_CASE("empty optional variables count as unset", "[config]") {
  const Config config =
      load({{"PORT", ""}, {"USER_MGMT_DATABASE_URL", ""}}, "PORT=9000\nUSER_MGMT_DATABASE_URL=\n");
  CHECK(setting(config, "PORT").value == "9000");
  CHECK(setting(config, "PORT").source == Source::env_file);
  CHECK(setting(config, "USER_MGMT_DATABASE_URL").source == Source::default_value);
  CHECK(config.database_url("user-mgmt") == "sqlite:roombook.db");
  CHECK(config.port("user-mgmt") == 9000);
}

TEST_CASE(".env: later duplicates win, unknown variables are ignored", "[config]") {
  TempDir dir;
  LoadOptions options = options_with_services();
  options.env_file = dir.write(".env", "HOST=first\nCOMPOSE_PROJECT_NAME=x\nHOST=second\n");
  const Config config = Config::load(options);
  CHECK(config.host() == "second");
  CHECK(setting(config, "HOST").origin == *options.env_file + ":3");
  CHECK_THROWS_AS(setting(config, "COMPOSE_PROJECT_NAME"), std::out_of_range);
}

TEST_CASE("a missing --env-file is an error", "[config]") {
  TempDir dir;
  LoadOptions options = options_with_services();
  options.env_file = (dir.path() / "nope.env").string();
  CHECK_THROWS_WITH(Config::load(options),
                    "env file " + *options.env_file + ": No such file or directory");

  options.env_file = dir.path().string();  // a directory cannot be read
  CHECK_THROWS_WITH(Config::load(options), "env file " + *options.env_file + ": Is a directory");
}

TEST_CASE("./.env is read from the current directory when present", "[config]") {
  TempDir dir;
  {
    ChangeDir cd(dir.path());
    CHECK(Config::load(options_with_services()).port("user-mgmt") ==
          8081);  // no .env yet: defaults

    dir.write(".env", "# local\nUSER_MGMT_PORT=7000\n");
    const Config config = Config::load(options_with_services());
    CHECK(config.port("user-mgmt") == 7000);
    CHECK(setting(config, "USER_MGMT_PORT").origin == ".env:2");

    // An explicit --env-file replaces ./.env.
    LoadOptions options = options_with_services();
    options.env_file = dir.write("other.env", "HOST=0.0.0.0\n");
    const Config other = Config::load(options);
    CHECK(other.port("user-mgmt") == 8081);
    CHECK(other.host() == "0.0.0.0");
  }
  CHECK(fs::current_path() != dir.path());
}

TEST_CASE("load() leaves the process environment alone", "[config]") {
  setenv("ROOMBOOK_CONFIG_TEST", "from-process", 1);
  const auto before = Config::process_environment();
  CHECK(before.at("ROOMBOOK_CONFIG_TEST") == "from-process");

  LoadOptions options = options_with_services();
  options.environment = before;
  options.environment["ROOMBOOK_CONFIG_TEST"] = "changed";
  options.environment["PORT"] = "9999";
  TempDir dir;
  options.env_file = dir.write(".env", "HOST=10.1.1.1\n");
  Config::load(options);

  CHECK(Config::process_environment() == before);
  unsetenv("ROOMBOOK_CONFIG_TEST");
}

TEST_CASE("bad values name the variable, the value and the accepted form", "[config]") {
  struct Case {
    std::string name, value, message;
  };
  const std::vector<Case> cases = {
      {"DATABASE_URL", "mysql://x", "the scheme must be sqlite: or postgres://"},
      {"DATABASE_URL", "roombook.db", "the scheme must be sqlite: or postgres://"},
      {"DATABASE_URL",
       "sqlite:", "sqlite: needs a path: sqlite:PATH, sqlite:///ABS/PATH or sqlite::memory:"},
      {"DATABASE_URL", "sqlite://relative",
       "sqlite:// must be followed by an absolute path: sqlite:///ABS/PATH"},
      {"USER_MGMT_DATABASE_URL", "http://x", "the scheme must be sqlite: or postgres://"},
      {"HOST", "local host", "must be non-empty and contain no whitespace"},
      {"PORT", "70000", "must be an integer from 0 to 65535"},
      {"PORT", "-1", "must be an integer from 0 to 65535"},
      {"PORT", "80a", "must be an integer from 0 to 65535"},
      {"PORT", " 80", "must be an integer from 0 to 65535"},
      {"USER_MGMT_PORT", "65536", "must be an integer from 0 to 65535"},
      {"USER_MGMT_PORT", "", "must be an integer from 0 to 65535"},
      {"ROOMBOOK_THREADS", "0", "must be an integer from 1 to 256"},
      {"ROOMBOOK_THREADS", "257", "must be an integer from 1 to 256"},
      {"ROOMBOOK_THREADS", "two", "must be an integer from 1 to 256"},
      {"ROOMBOOK_LOG", "warn,http=loud",
       "unknown level \"loud\" (trace, debug, info, warn, error, critical, off)"},
      {"ROOMBOOK_LOG", "", "empty level spec (expected e.g. \"info\" or \"warn,http=debug\")"},
      {"ROOMBOOK_LOG_FORMAT", "xml", "must be text or json"},
      {"MAX_BODY_BYTES", "1MB", "must be a whole number of bytes from 1 to 1073741824"},
      {"MAX_BODY_BYTES", "-1", "must be a whole number of bytes from 1 to 1073741824"},
      {"MAX_BODY_BYTES", "0", "must be a whole number of bytes from 1 to 1073741824"},
      {"MAX_BODY_BYTES", "12abc", "must be a whole number of bytes from 1 to 1073741824"},
      {"MAX_BODY_BYTES", "1073741825", "must be a whole number of bytes from 1 to 1073741824"},
      {"MAX_BODY_BYTES", "99999999999999999999999",
       "must be a whole number of bytes from 1 to 1073741824"},
      {"DATABASE_URL", "postgres://h/db?bogus=1",
       "libpq cannot read it: invalid URI query parameter: \"bogus\""},
      {"ROOMS_DATABASE_URL", "postgresql://h/db%zz",
       "libpq cannot read it: invalid percent-encoded token: \"db%zz\""},
      {"DB_POOL_SIZE", "0", "must be an integer from 1 to 1000"},
      {"DB_POOL_SIZE", "1001", "must be an integer from 1 to 1000"},
      {"DB_POOL_SIZE", "ten", "must be an integer from 1 to 1000"},
      {"DB_ACQUIRE_TIMEOUT", "5",
       "must be a duration from 1ms to 10m, with its unit: 500ms, 2s, 1m"},
      {"DB_ACQUIRE_TIMEOUT", "0s",
       "must be a duration from 1ms to 10m, with its unit: 500ms, 2s, 1m"},
      {"DB_ACQUIRE_TIMEOUT", "11m",
       "must be a duration from 1ms to 10m, with its unit: 500ms, 2s, 1m"},
      {"DB_ACQUIRE_TIMEOUT", "1.5s",
       "must be a duration from 1ms to 10m, with its unit: 500ms, 2s, 1m"},
  };
  for (const auto& c : cases) {
    INFO(c.name << "=" << c.value);
    CHECK(load_error({{c.name, c.value}}) ==
          "invalid " + c.name + " \"" + c.value + "\": " + c.message);
  }
}

TEST_CASE("bad values from a flag or .env say where they came from", "[config]") {
  CHECK(load_error({}, "# ports\n\nPORT=70000\n") ==
        "invalid PORT \"70000\": must be an integer from 0 to 65535 (from my.env:3)");
  CHECK(load_error({}, "", {{"PORT", "70000"}}, {{"PORT", "--port"}}) ==
        "invalid PORT \"70000\": must be an integer from 0 to 65535 (from --port)");
  CHECK(load_error({}, "", {{"ROOMBOOK_THREADS", "0"}}) ==
        "invalid ROOMBOOK_THREADS \"0\": must be an integer from 1 to 256 (from flag)");
  // A syntax error in .env fails the load too, naming file and line.
  CHECK(load_error({}, "HOST=ok\nnonsense\n") == "my.env:2: expected KEY=VALUE");
}

TEST_CASE("passwords in a rejected URL are masked", "[config]") {
  CHECK(load_error({{"DATABASE_URL", "mysql://bob:s3cret@db:3306/rb"}}) ==
        "invalid DATABASE_URL \"mysql://bob:***@db:3306/rb\": the scheme must be sqlite: or "
        "postgres://");
  for (const char* url : {"mysql://u:p/ss@h/db", "mysql://u:p?ss@h/db", "mysql://u:p#ss@h/db",
                          "mysql://u:p@ss@h/db"}) {
    INFO(url);
    const auto error = load_error({{"ROOMS_DATABASE_URL", url}});
    CHECK_THAT(error, Catch::StartsWith("invalid ROOMS_DATABASE_URL \"mysql://u:***@h/db\""));
  }
  const auto http = load_error({{"USER_MGMT_URL", "ftp://admin:hunter2@host"}});
  CHECK_THAT(http, Catch::StartsWith("invalid USER_MGMT_URL \"ftp://admin:***@host\""));
  CHECK_THAT(http, !Catch::Contains("hunter2"));
}

TEST_CASE("a database URL that would not open is refused at load, naming its variable",
          "[config]") {
  // The same parser as the data layer's: what passes here also opens.
  CHECK_THAT(load_error({{"DATABASE_URL", "sqlite::memory"}}),
             Catch::StartsWith("invalid DATABASE_URL \"sqlite::memory\": "));
  CHECK_THAT(load_error({{"USER_MGMT_DATABASE_URL", "sqlite://host/x.db"}}),
             Catch::StartsWith("invalid USER_MGMT_DATABASE_URL \"sqlite://host/x.db\": "));
}

TEST_CASE("the circuit breaker in front of user-mgmt is configurable", "[config]") {
  const auto defaults = load({});
  CHECK(defaults.user_mgmt().breaker_failures == 5);
  CHECK(defaults.user_mgmt().breaker_cooldown == std::chrono::milliseconds(5000));
  const auto set =
      load({{"USER_MGMT_BREAKER_FAILURES", "2"}, {"USER_MGMT_BREAKER_COOLDOWN_MS", "250"}});
  CHECK(set.user_mgmt().breaker_failures == 2);
  CHECK(set.user_mgmt().breaker_cooldown == std::chrono::milliseconds(250));
  CHECK_THAT(load_error({{"USER_MGMT_BREAKER_FAILURES", "0"}}),
             Catch::StartsWith("invalid USER_MGMT_BREAKER_FAILURES \"0\""));
}

TEST_CASE("good values are accepted at their limits", "[config]") {
  for (const char* url :
       {"sqlite:roombook.db", "sqlite:/var/lib/rb.db", "sqlite:///var/lib/rb.db",
        "sqlite::memory:", "postgres://u:p@localhost:5432/rb", "postgresql://localhost/rb",
        "postgres://u:p%40ss@db.example:5433/"
        "rb?sslmode=require&connect_timeout=5&application_name=rooms",
        "postgres:///roombook?host=/run/postgresql"}) {
    INFO(url);
    CHECK(load({{"DATABASE_URL", url}}).database_url("user-mgmt") == url);
  }
  CHECK(load({{"PORT", "0"}}).port("user-mgmt") == 0);
  CHECK(load({{"USER_MGMT_PORT", "65535"}}).port("user-mgmt") == 65535);
  CHECK(load({{"ROOMBOOK_THREADS", "1"}}).threads() == 1);
  CHECK(load({{"ROOMBOOK_THREADS", "256"}}).threads() == 256);
  CHECK(load({{"MAX_BODY_BYTES", "1"}}).max_body_bytes() == 1);
  CHECK(load({{"MAX_BODY_BYTES", "1073741824"}}).max_body_bytes() == 1073741824);
  CHECK(load({{"ROOMBOOK_LOG", "warn,http=debug,db=trace"}}).log_levels() ==
        "warn,http=debug,db=trace");
  CHECK(load({{"HOST", "::1"}}).host() == "::1");
  CHECK(load({{"DB_POOL_SIZE", "1"}}).db_pool_size() == 1u);
  CHECK(load({{"DB_POOL_SIZE", "1000"}}).db_pool_size() == 1000u);
  CHECK(load({{"DB_ACQUIRE_TIMEOUT", "1ms"}}).db_acquire_timeout() == std::chrono::milliseconds(1));
  CHECK(load({{"DB_ACQUIRE_TIMEOUT", "500ms"}}).db_acquire_timeout() ==
        std::chrono::milliseconds(500));
  CHECK(load({{"DB_ACQUIRE_TIMEOUT", "10m"}}).db_acquire_timeout() == std::chrono::minutes(10));
}

TEST_CASE("per-service database: own URL, else DATABASE_URL", "[config]") {
  CHECK(load({{"DATABASE_URL", "postgres://h/all"}}).database_url("user-mgmt") ==
        "postgres://h/all");
  CHECK(load({{"DATABASE_URL", "postgres://h/all"}, {"USER_MGMT_DATABASE_URL", "sqlite:users.db"}})
            .database_url("user-mgmt") == "sqlite:users.db");
}

TEST_CASE("per-service port: own port if set, else PORT, else the default", "[config]") {
  CHECK(load({}).port("user-mgmt") == 8081);
  CHECK(load({{"PORT", "9000"}}).port("user-mgmt") == 9000);
  CHECK(load({{"PORT", "9000"}, {"USER_MGMT_PORT", "9001"}}).port("user-mgmt") == 9001);
  // Set to the same value as its default still counts as set.
  CHECK(load({{"PORT", "9000"}, {"USER_MGMT_PORT", "8081"}}).port("user-mgmt") == 8081);
  CHECK(load({{"PORT", "9000"}}, "USER_MGMT_PORT=9002\n").port("user-mgmt") == 9002);
  CHECK(load({}, "", {{"PORT", "9003"}}).port("user-mgmt") == 9003);
}

TEST_CASE("every known service has its settings", "[config]") {
  const Config config = load({});
  for (const auto& service : test_services()) {
    INFO(service.name);
    CHECK(setting(config, service.env_prefix + "_DATABASE_URL").value.empty());
    CHECK(setting(config, service.env_prefix + "_PORT").source == Source::default_value);
    CHECK(setting(config, service.env_prefix + "_PORT").value ==
          std::to_string(service.default_port));
    CHECK(config.database_url(service.name) == "sqlite:roombook.db");
    CHECK(config.port(service.name) == service.default_port);
  }
}

TEST_CASE("names: service prefixes, unknown settings, services and flags", "[config]") {
  // A service's variables carry the prefix it was listed with, and only the
  // services listed have any.
  LoadOptions billing;
  billing.read_env_file = false;
  billing.services = {{"billing", 9090, "BILLING"}};
  billing.environment = {{"BILLING_PORT", "9191"}, {"USER_MGMT_PORT", "7000"}};
  const Config only_billing = Config::load(billing);
  CHECK(only_billing.port("billing") == 9191);
  CHECK(setting(only_billing, "BILLING_DATABASE_URL").value.empty());
  CHECK_THROWS_AS(setting(only_billing, "USER_MGMT_PORT"), std::out_of_range);
  CHECK_THROWS_AS(only_billing.port("user-mgmt"), std::out_of_range);

  const Config config = load({});
  CHECK_THROWS_AS(setting(config, "NOPE"), std::out_of_range);
  CHECK_THROWS_AS(config.port("billing"), std::out_of_range);
  CHECK_THROWS_AS(config.database_url("billing"), std::out_of_range);
  CHECK(load_error({}, "", {{"PROT", "80"}}) == "unknown setting \"PROT\" given as a flag");
}

TEST_CASE("config: AUTH defaults to off on loopback and required on any other HOST",
          "[config][auth]") {
  using roombook::config::AuthMode;
  for (const auto* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"}) {
    INFO(host);
    const auto c = load({{"HOST", host}});
    CHECK(c.auth() == AuthMode::off);
    CHECK_FALSE(c.auth_is_set());
  }
  for (const auto* host :
       {"0.0.0.0", "10.0.0.5", "::", "127.0.0.256", "127.0.0", "128.0.0.1", "users.example"}) {
    INFO(host);
    CHECK(load({{"HOST", host}}).auth() == AuthMode::required);
  }
  CHECK(load({{"AUTH", "required"}}).auth() == AuthMode::required);
  CHECK(load({{"HOST", "0.0.0.0"}, {"AUTH", "off"}}).auth() == AuthMode::off);
  CHECK(load({{"AUTH", "off"}}).auth_is_set());
  CHECK_FALSE(load({}).auth_public_reads());
  CHECK(load({}, "AUTH_PUBLIC_READS=true\n").auth_public_reads());
}

TEST_CASE("config: bad AUTH values are refused, and a bad token is never repeated",
          "[config][auth]") {
  CHECK(load_error({{"AUTH", "yes"}}) == "invalid AUTH \"yes\": must be required or off");
  CHECK(load_error({{"AUTH_PUBLIC_READS", "1"}}) ==
        "invalid AUTH_PUBLIC_READS \"1\": must be true or false");
  const auto message = load_error({{"USER_MGMT_TOKEN", "rbk_secret with space"}});
  CHECK(message.find("USER_MGMT_TOKEN") != std::string::npos);
  CHECK(message.find("secret") == std::string::npos);
}

TEST_CASE("config: USER_MGMT_TOKEN reaches the client settings and is marked secret",
          "[config][auth]") {
  const auto c = load({{"USER_MGMT_TOKEN", "rbk_abc"}});
  CHECK(c.user_mgmt().token == "rbk_abc");
  CHECK(setting(c, "USER_MGMT_TOKEN").secret);
  CHECK_FALSE(setting(c, "USER_MGMT_URL").secret);
  CHECK(load({}).user_mgmt().token.empty());
}
