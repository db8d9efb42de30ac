#pragma once

// Configuration: command-line flags, then the process environment, then a
// .env file, then built-in defaults, in that order of precedence. Loaded once
// into an immutable Config that remembers where each value came from.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace roombook::config {

/// A bad value or a bad .env file. The message names the variable (or the
/// file and line) and the value.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Source { default_value, env_file, environment, flag };
const char* to_string(Source s);

struct Setting {
  std::string name;   ///< the variable: DATABASE_URL
  std::string value;  ///< as given; URLs are masked only when printed
  Source source = Source::default_value;
  std::string origin;  ///< ".env:3", "--port", "environment", "default"
  std::string help;    ///< one line, for `roombook config` and the manual
};

/// Parses the text of a .env file: KEY=VALUE lines, blank lines, `#`
/// comments (whole line, or after whitespace in an unquoted value), an
/// optional `export ` prefix, 'single quotes' taken literally, "double
/// quotes" with \n \t \" \\ escapes and spanning lines. Throws Error naming
/// `file_name` and the line for anything else.
std::vector<std::pair<std::string, std::string>> parse_dotenv(const std::string& text,
                                                              const std::string& file_name);

struct LoadOptions {
  /// The process environment (name -> value). load() never reads environ
  /// itself, so tests can pass their own.
  std::map<std::string, std::string> environment;
  /// --env-file: must exist. Without it, ./.env is read if present.
  std::optional<std::string> env_file;
  /// false: ignore .env files altogether (commands that need no config).
  bool read_env_file = true;
  /// Values given as flags, by variable name: {"PORT", "9000"}.
  std::map<std::string, std::string> flags;
  /// The flag that set each variable, for `roombook config`: {"PORT", "--port"}.
  std::map<std::string, std::string> flag_names;
};

/// The services this binary knows, for per-service variables.
inline const std::vector<std::string>& service_names() {
  static const std::vector<std::string> names{"user-mgmt", "rooms"};
  return names;
}

class Config {
 public:
  /// Loads and validates every setting. Throws Error on the first bad one.
  static Config load(const LoadOptions& options);
  /// The process environment, as a map.
  static std::map<std::string, std::string> process_environment();

  /// The database of a service: <SERVICE>_DATABASE_URL, else DATABASE_URL;
  /// DATABASE_URL set by a flag wins over both.
  const std::string& database_url(const std::string& service) const;
  /// The port of a service: <SERVICE>_PORT, else PORT, else its default;
  /// PORT set by a flag wins over both. PORT counts only when the service is
  /// the `sole` one served.
  std::uint16_t port(const std::string& service, bool sole = true) const;
  const std::string& host() const;
  int threads() const;
  std::size_t max_body_bytes() const;
  const std::string& log_levels() const;
  const std::string& log_format() const;
  /// How the rooms service reaches user-mgmt.
  const std::string& user_mgmt_url() const;
  std::chrono::milliseconds user_mgmt_connect_timeout() const;
  std::chrono::milliseconds user_mgmt_timeout() const;
  /// The circuit breaker in front of user-mgmt.
  int user_mgmt_breaker_failures() const;
  std::chrono::milliseconds user_mgmt_breaker_cooldown() const;

  /// Every setting, in a stable order, for `roombook config`.
  const std::vector<Setting>& settings() const { return settings_; }
  const Setting& setting(const std::string& name) const;

 private:
  std::vector<Setting> settings_;
};

/// "USER_MGMT" for "user-mgmt".
std::string env_prefix(const std::string& service);

}  // namespace roombook::config
