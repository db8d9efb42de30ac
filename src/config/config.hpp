#pragma once

// Configuration: command-line flags, then the process environment, then a
// .env file, then built-in defaults, in that order of precedence. Loaded once
// into an immutable Config: every value parsed once into a typed field, and
// each setting remembered as given, with where it came from, for
// `roombook config`.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace roombook::config {

/// A bad value or a bad .env file. The message names the variable (or the
/// file and line) and the value.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Source { default_value, env_file, environment, flag };

/// One variable as given, for `roombook config`.
struct Setting {
  std::string name;   ///< the variable: DATABASE_URL
  std::string value;  ///< as given; URLs are masked only when printed
  Source source = Source::default_value;
  std::string origin;   ///< ".env:3", "--port", "environment", "default"
  std::string help;     ///< one line, for `roombook config` and the manual
  bool secret = false;  ///< a token: never printed
};

/// A service, as the registry of services (services/CMakeLists.txt) lists it:
/// each has <PREFIX>_PORT and <PREFIX>_DATABASE_URL.
struct ServiceSpec {
  std::string name;  ///< "user-mgmt"
  std::uint16_t default_port = 0;
  std::string env_prefix;  ///< "USER_MGMT"
};

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
  /// The services whose per-service variables exist.
  std::vector<ServiceSpec> services;
};

/// How the rooms service (and `booking add`) reaches user-mgmt.
struct UserMgmtClient {
  std::string url;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds timeout{2000};
  int breaker_failures = 5;  ///< failed calls in a row that open the circuit
  std::chrono::milliseconds breaker_cooldown{5000};
  std::string token;  ///< USER_MGMT_TOKEN; empty: none is sent
};

/// Whether the services ask for bearer tokens (AUTH).
enum class AuthMode { required, off };

class Config {
 public:
  /// Loads and validates every setting. Throws Error on the first bad one.
  static Config load(const LoadOptions& options);
  /// The process environment, as a map.
  static std::map<std::string, std::string> process_environment();

  /// The database of a service: <PREFIX>_DATABASE_URL, else DATABASE_URL;
  /// DATABASE_URL set by a flag wins over both. Throws std::out_of_range for
  /// a service that was not among LoadOptions::services.
  const std::string& database_url(std::string_view service) const;
  /// The port of a service: <PREFIX>_PORT, else PORT, else its default; PORT
  /// set by a flag wins over both. PORT counts only when the service is the
  /// `sole` one served.
  std::uint16_t port(std::string_view service, bool sole = true) const;
  /// Whether --port was given (it names one port: one service only).
  bool port_is_flag() const { return port_is_flag_; }
  const std::string& host() const { return host_; }
  int threads() const { return threads_; }
  std::size_t max_body_bytes() const { return max_body_bytes_; }
  const std::string& log_levels() const { return log_levels_; }
  const std::string& log_format() const { return log_format_; }
  const UserMgmtClient& user_mgmt() const { return user_mgmt_; }
  /// DB_POOL_SIZE, when set: connections per service.
  const std::optional<std::size_t>& db_pool_size() const { return db_pool_size_; }
  /// DB_ACQUIRE_TIMEOUT: how long a request waits for a free connection.
  std::chrono::milliseconds db_acquire_timeout() const { return db_acquire_timeout_; }

  /// AUTH, or by default off on a loopback HOST and required on any other.
  AuthMode auth() const;
  /// Whether AUTH was set rather than taken from HOST.
  bool auth_is_set() const { return auth_.has_value(); }
  /// AUTH_PUBLIC_READS: with AUTH=required, reads need no token.
  bool auth_public_reads() const { return auth_public_reads_; }

  /// Every setting, in a stable order, for `roombook config`.
  const std::vector<Setting>& settings() const { return settings_; }

 private:
  struct Service {
    std::string name;
    std::string database_url;           ///< its own, empty when unset
    std::optional<std::uint16_t> port;  ///< its own, when set
    std::uint16_t default_port = 0;
  };
  const Service& service(std::string_view name) const;

  std::vector<Setting> settings_;
  std::vector<Service> services_;
  std::string database_url_;
  bool database_url_is_flag_ = false;
  std::optional<std::uint16_t> port_;
  bool port_is_flag_ = false;
  std::string host_;
  int threads_ = 2;
  std::size_t max_body_bytes_ = 0;
  std::string log_levels_;
  std::string log_format_;
  UserMgmtClient user_mgmt_;
  std::optional<std::size_t> db_pool_size_;
  std::chrono::milliseconds db_acquire_timeout_{2000};
  std::optional<AuthMode> auth_;
  bool auth_public_reads_ = false;
};

}  // namespace roombook::config
