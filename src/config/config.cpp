#include "config/config.hpp"

#include "config/dotenv.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <system_error>

#include "core/time.hpp"
#include "core/url.hpp"
#include "db/db.hpp"
#include "log/log.hpp"

namespace roombook::config {
namespace {

// ---------------------------------------------------------------------------
// The settings.

/// How a value is checked.
enum class Kind {
  database_url,
  host,
  port,
  threads,
  log_levels,
  log_format,
  body_bytes,
  http_url,
  millis,
  failures,
  pool_size,
  duration,
  auth_mode,
  boolean,
  secret
};

/// Which typed field of Config a value goes to.
enum class Field {
  database_url,
  service_database_url,
  host,
  port,
  service_port,
  threads,
  log_levels,
  log_format,
  max_body_bytes,
  user_mgmt_url,
  user_mgmt_connect_timeout,
  user_mgmt_timeout,
  user_mgmt_breaker_failures,
  user_mgmt_breaker_cooldown,
  db_pool_size,
  db_acquire_timeout,
  auth,
  auth_public_reads,
  user_mgmt_token,
};

struct Spec {
  std::string name;
  std::string default_value;
  std::string help;
  Kind kind;
  Field field;
  /// Empty means unset: an empty value at any level falls through to the next.
  bool optional = false;
  std::size_t service = 0;  ///< for the per-service fields: which one
};

/// Every setting, in the order `roombook config` prints them; the
/// per-service ones for each service of the registry.
std::vector<Spec> specs(const std::vector<ServiceSpec>& services) {
  std::vector<Spec> v;
  v.push_back({"DATABASE_URL", "sqlite:roombook.db",
               "database of every service: sqlite:PATH, sqlite::memory: or postgres://...",
               Kind::database_url, Field::database_url});
  for (std::size_t i = 0; i < services.size(); ++i) {
    v.push_back({services[i].env_prefix + "_DATABASE_URL", "",
                 "database of the " + services[i].name + " service; empty means DATABASE_URL",
                 Kind::database_url, Field::service_database_url, true, i});
  }
  v.push_back({"HOST", "127.0.0.1", "address the services listen on", Kind::host, Field::host});
  v.push_back({"PORT", "",
               "port of every service without its own <SERVICE>_PORT; 0 picks a free port",
               Kind::port, Field::port, true});
  for (std::size_t i = 0; i < services.size(); ++i) {
    v.push_back({services[i].env_prefix + "_PORT", std::to_string(services[i].default_port),
                 "port of the " + services[i].name + " service; 0 picks a free port", Kind::port,
                 Field::service_port, false, i});
  }
  v.push_back({"ROOMBOOK_THREADS", "2", "HTTP worker threads per service (1 to 256)", Kind::threads,
               Field::threads});
  v.push_back({"DB_POOL_SIZE", "",
               "database connections per service; empty means one per thread that runs "
               "handlers",
               Kind::pool_size, Field::db_pool_size, true});
  v.push_back({"DB_ACQUIRE_TIMEOUT", "2s",
               "how long a request waits for a free database connection before 503", Kind::duration,
               Field::db_acquire_timeout});
  v.push_back({"ROOMBOOK_LOG", "info", "log levels: info, or warn,http=debug,db=trace",
               Kind::log_levels, Field::log_levels});
  v.push_back({"ROOMBOOK_LOG_FORMAT", "text", "log format: text or json", Kind::log_format,
               Field::log_format});
  v.push_back({"MAX_BODY_BYTES", "1048576", "largest request body accepted, in bytes",
               Kind::body_bytes, Field::max_body_bytes});
  v.push_back({"USER_MGMT_URL", "http://127.0.0.1:8081",
               "where the rooms service reaches user-mgmt", Kind::http_url, Field::user_mgmt_url});
  v.push_back({"USER_MGMT_CONNECT_TIMEOUT_MS", "1000",
               "rooms -> user-mgmt connect timeout, in milliseconds", Kind::millis,
               Field::user_mgmt_connect_timeout});
  v.push_back({"USER_MGMT_TIMEOUT_MS", "2000",
               "rooms -> user-mgmt timeout of a whole request, in milliseconds", Kind::millis,
               Field::user_mgmt_timeout});
  v.push_back({"USER_MGMT_BREAKER_FAILURES", "5",
               "failed user-mgmt calls in a row after which rooms fails fast", Kind::failures,
               Field::user_mgmt_breaker_failures});
  v.push_back({"USER_MGMT_BREAKER_COOLDOWN_MS", "5000",
               "how long rooms fails fast before it asks user-mgmt again, in milliseconds",
               Kind::millis, Field::user_mgmt_breaker_cooldown});
  v.push_back({"USER_MGMT_TOKEN", "",
               "bearer token the rooms service sends to user-mgmt (roombook token create)",
               Kind::secret, Field::user_mgmt_token, true});
  v.push_back({"AUTH", "",
               "required or off; empty means off on a loopback HOST, required on any other",
               Kind::auth_mode, Field::auth, true});
  v.push_back({"AUTH_PUBLIC_READS", "false", "true: with AUTH=required, GET and HEAD need no token",
               Kind::boolean, Field::auth_public_reads});
  return v;
}

// ---------------------------------------------------------------------------
// Validation.

constexpr std::uint64_t kMaxBodyBytes = 1073741824;  // 1 GiB

/// Plain decimal digits only: no sign, no spaces, no suffix.
std::optional<std::uint64_t> parse_uint(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return n;
}

bool in_range(std::string_view text, std::uint64_t lo, std::uint64_t hi) {
  const auto n = parse_uint(text);
  return n && *n >= lo && *n <= hi;
}

std::optional<std::string> check_database_url(const std::string& url) {
  // The data layer's own parser, so that what passes here also opens.
  std::string why;
  if (db::parse_url(url, why)) return std::nullopt;
  return why;
}

/// Why `value` is not acceptable for a setting of this kind, or nullopt.
std::optional<std::string> check(Kind kind, const std::string& value) {
  switch (kind) {
    case Kind::database_url:
      return check_database_url(value);
    case Kind::host: {
      const bool has_space = std::any_of(value.begin(), value.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) != 0;
      });
      if (value.empty() || has_space) return "must be non-empty and contain no whitespace";
      return std::nullopt;
    }
    case Kind::port:
      if (in_range(value, 0, 65535)) return std::nullopt;
      return "must be an integer from 0 to 65535";
    case Kind::threads:
      if (in_range(value, 1, 256)) return std::nullopt;
      return "must be an integer from 1 to 256";
    case Kind::log_levels:
      return log::check_levels(value);
    case Kind::log_format:
      if (value == "text" || value == "json") return std::nullopt;
      return "must be text or json";
    case Kind::http_url:
      if ((value.starts_with("http://") && value.size() > 7) ||
          (value.starts_with("https://") && value.size() > 8)) {
        return std::nullopt;
      }
      return "must be an http:// or https:// URL";
    case Kind::millis:
      if (in_range(value, 1, 600000)) return std::nullopt;
      return "must be a whole number of milliseconds from 1 to 600000";
    case Kind::failures:
      if (in_range(value, 1, 1000)) return std::nullopt;
      return "must be an integer from 1 to 1000";
    case Kind::pool_size:
      if (in_range(value, 1, 1000)) return std::nullopt;
      return "must be an integer from 1 to 1000";
    case Kind::duration: {
      const auto d = core::parse_duration(value);
      if (d && *d >= std::chrono::milliseconds(1) && *d <= std::chrono::minutes(10)) {
        return std::nullopt;
      }
      return "must be a duration from 1ms to 10m, with its unit: 500ms, 2s, 1m";
    }
    case Kind::auth_mode:
      if (value == "required" || value == "off") return std::nullopt;
      return "must be required or off";
    case Kind::boolean:
      if (value == "true" || value == "false") return std::nullopt;
      return "must be true or false";
    case Kind::secret: {
      const bool plain =
          std::all_of(value.begin(), value.end(), [](char c) { return c > ' ' && c < 127; });
      if (plain && value.size() <= 256) return std::nullopt;
      return "must be at most 256 printable characters without spaces";
    }
    case Kind::body_bytes:
      if (in_range(value, 1, kMaxBodyBytes)) return std::nullopt;
      return "must be a whole number of bytes from 1 to " + std::to_string(kMaxBodyBytes);
  }
  return std::nullopt;
}

struct FileValue {
  std::string value;
  std::string origin;  // ".env:3"
};

/// The .env values by name (later lines win), or nothing without a file.
std::map<std::string, FileValue> load_env_file(const std::optional<std::string>& env_file) {
  std::optional<std::string> path = env_file;
  std::error_code ec;
  if (!path && std::filesystem::exists(".env", ec)) path = ".env";
  std::map<std::string, FileValue> values;
  if (!path) return values;
  for (auto& e : parse_dotenv(read_env_file(*path), *path)) {
    values[e.key] = {std::move(e.value), *path + ":" + std::to_string(e.line)};
  }
  return values;
}

const std::string* find(const std::map<std::string, std::string>& map, const std::string& key) {
  const auto it = map.find(key);
  return it == map.end() ? nullptr : &it->second;
}

std::uint64_t to_uint(const std::string& validated) { return *parse_uint(validated); }

}  // namespace

Config Config::load(const LoadOptions& options) {
  const auto all = specs(options.services);
  for (const auto& [name, value] : options.flags) {
    const bool known = std::any_of(all.begin(), all.end(),
                                   [&key = name](const Spec& spec) { return spec.name == key; });
    if (!known) throw Error("unknown setting \"" + name + "\" given as a flag");
  }
  const auto file_values =
      options.read_env_file ? load_env_file(options.env_file) : std::map<std::string, FileValue>{};

  Config config;
  for (const auto& service : options.services) {
    config.services_.push_back({service.name, {}, std::nullopt, service.default_port});
  }
  for (const auto& spec : all) {
    Setting s{spec.name, spec.default_value, Source::default_value,
              "default", spec.help,          spec.kind == Kind::secret};
    const auto counts = [&](const std::string& v) { return !(spec.optional && v.empty()); };
    const auto file_it = file_values.find(spec.name);
    if (const auto* v = find(options.flags, spec.name); v && counts(*v)) {
      const auto* flag_name = find(options.flag_names, spec.name);
      s.value = *v;
      s.source = Source::flag;
      s.origin = flag_name ? *flag_name : "flag";
    } else if (const auto* v = find(options.environment, spec.name); v && counts(*v)) {
      s.value = *v;
      s.source = Source::environment;
      s.origin = "environment";
    } else if (file_it != file_values.end() && counts(file_it->second.value)) {
      s.value = file_it->second.value;
      s.source = Source::env_file;
      s.origin = file_it->second.origin;
    }

    const bool set = !(spec.optional && s.value.empty());
    if (set) {
      if (const auto why = check(spec.kind, s.value)) {
        const bool is_url = spec.kind == Kind::database_url || spec.kind == Kind::http_url;
        // A secret is never repeated, not even a wrong one.
        std::string message =
            "invalid " + spec.name +
            (s.secret ? std::string()
                      : " \"" + (is_url ? core::mask_url(s.value) : s.value) + "\"") +
            ": " + *why;
        if (s.source == Source::flag || s.source == Source::env_file) {
          message += " (from " + s.origin + ")";
        }
        throw Error(message);
      }
      // Checked: each value is parsed once, here, into its field.
      const auto& v = s.value;
      const auto ms = [&] { return std::chrono::milliseconds(to_uint(v)); };
      switch (spec.field) {
        case Field::database_url:
          config.database_url_ = v;
          config.database_url_is_flag_ = s.source == Source::flag;
          break;
        case Field::service_database_url:
          config.services_[spec.service].database_url = v;
          break;
        case Field::host:
          config.host_ = v;
          break;
        case Field::port:
          config.port_ = static_cast<std::uint16_t>(to_uint(v));
          config.port_is_flag_ = s.source == Source::flag;
          break;
        case Field::service_port:
          // Left at its default, PORT may stand in for it.
          if (s.source != Source::default_value) {
            config.services_[spec.service].port = static_cast<std::uint16_t>(to_uint(v));
          }
          break;
        case Field::threads:
          config.threads_ = static_cast<int>(to_uint(v));
          break;
        case Field::log_levels:
          config.log_levels_ = v;
          break;
        case Field::log_format:
          config.log_format_ = v;
          break;
        case Field::max_body_bytes:
          config.max_body_bytes_ = static_cast<std::size_t>(to_uint(v));
          break;
        case Field::user_mgmt_url:
          config.user_mgmt_.url = v;
          break;
        case Field::user_mgmt_connect_timeout:
          config.user_mgmt_.connect_timeout = ms();
          break;
        case Field::user_mgmt_timeout:
          config.user_mgmt_.timeout = ms();
          break;
        case Field::user_mgmt_breaker_failures:
          config.user_mgmt_.breaker_failures = static_cast<int>(to_uint(v));
          break;
        case Field::user_mgmt_breaker_cooldown:
          config.user_mgmt_.breaker_cooldown = ms();
          break;
        case Field::db_pool_size:
          config.db_pool_size_ = static_cast<std::size_t>(to_uint(v));
          break;
        case Field::db_acquire_timeout:
          config.db_acquire_timeout_ = *core::parse_duration(v);
          break;
        case Field::auth:
          config.auth_ = v == "required" ? AuthMode::required : AuthMode::off;
          break;
        case Field::auth_public_reads:
          config.auth_public_reads_ = v == "true";
          break;
        case Field::user_mgmt_token:
          config.user_mgmt_.token = v;
          break;
      }
    }
    config.settings_.push_back(std::move(s));
  }
  return config;
}

AuthMode Config::auth() const {
  if (auth_) return *auth_;
  return core::is_loopback_host(host_) ? AuthMode::off : AuthMode::required;
}

std::map<std::string, std::string> Config::process_environment() {
  std::map<std::string, std::string> env;
  for (char** p = ::environ; p && *p; ++p) {
    const std::string_view entry(*p);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    // emplace keeps the first of duplicates, as getenv() does.
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

const Config::Service& Config::service(std::string_view name) const {
  for (const auto& s : services_) {
    if (s.name == name) return s;
  }
  throw std::out_of_range("unknown service \"" + std::string(name) + "\"");
}

const std::string& Config::database_url(std::string_view name) const {
  const auto& own = service(name);
  // A flag is the most specific thing a user can say: --database-url wins
  // over an inherited <PREFIX>_DATABASE_URL too.
  if (database_url_is_flag_ || own.database_url.empty()) return database_url_;
  return own.database_url;
}

std::uint16_t Config::port(std::string_view name, bool sole) const {
  const auto& own = service(name);
  // PORT names one port: it applies only when one service is served, and
  // there it stands in for an unset <PREFIX>_PORT; --port wins over both.
  if (sole && port_ && (port_is_flag_ || !own.port)) return *port_;
  return own.port.value_or(own.default_port);
}

}  // namespace roombook::config
