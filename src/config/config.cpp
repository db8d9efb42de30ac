#include "config/config.hpp"

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

#include "core/url.hpp"
#include "db/db.hpp"
#include "log/log.hpp"

namespace roombook::config {
namespace {

// ---------------------------------------------------------------------------
// The settings.

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
  failures
};

struct Spec {
  std::string name;
  std::string default_value;
  std::string help;
  Kind kind;
  /// Empty means unset: an empty value at any level falls through to the next.
  bool optional = false;
};

/// Per-service variables: <PREFIX>_DATABASE_URL and <PREFIX>_PORT. To add a
/// service, add a row here and its name to service_names(); nothing else.
struct ServiceRow {
  std::string_view name;
  std::string_view default_port;
};
constexpr ServiceRow kServices[] = {
    {"user-mgmt", "8081"},
    {"rooms", "8082"},
};

const ServiceRow& service_row(const std::string& service) {
  for (const auto& row : kServices) {
    if (row.name == service) return row;
  }
  throw std::out_of_range("unknown service \"" + service + "\"");
}

const std::vector<Spec>& specs() {
  static const std::vector<Spec> all = [] {
    std::vector<Spec> v;
    v.push_back({"DATABASE_URL", "sqlite:roombook.db",
                 "database of every service: sqlite:PATH, sqlite::memory: or postgres://...",
                 Kind::database_url});
    for (const auto& s : kServices) {
      const std::string name(s.name);
      v.push_back({env_prefix(name) + "_DATABASE_URL", "",
                   "database of the " + name + " service; empty means DATABASE_URL",
                   Kind::database_url, true});
    }
    v.push_back({"HOST", "127.0.0.1", "address the services listen on", Kind::host});
    v.push_back({"PORT", "",
                 "port of every service without its own <SERVICE>_PORT; 0 picks a free port",
                 Kind::port, true});
    for (const auto& s : kServices) {
      const std::string name(s.name);
      v.push_back({env_prefix(name) + "_PORT", std::string(s.default_port),
                   "port of the " + name + " service; 0 picks a free port", Kind::port});
    }
    v.push_back(
        {"ROOMBOOK_THREADS", "2", "HTTP worker threads per service (1 to 256)", Kind::threads});
    v.push_back({"ROOMBOOK_LOG", "info", "log levels: info, or warn,http=debug,db=trace",
                 Kind::log_levels});
    v.push_back({"ROOMBOOK_LOG_FORMAT", "text", "log format: text or json", Kind::log_format});
    v.push_back(
        {"MAX_BODY_BYTES", "1048576", "largest request body accepted, in bytes", Kind::body_bytes});
    v.push_back({"USER_MGMT_URL", "http://127.0.0.1:8081",
                 "where the rooms service reaches user-mgmt", Kind::http_url});
    v.push_back({"USER_MGMT_CONNECT_TIMEOUT_MS", "1000",
                 "rooms -> user-mgmt connect timeout, in milliseconds", Kind::millis});
    v.push_back({"USER_MGMT_TIMEOUT_MS", "2000",
                 "rooms -> user-mgmt timeout of a whole request, in milliseconds", Kind::millis});
    v.push_back({"USER_MGMT_BREAKER_FAILURES", "5",
                 "failed user-mgmt calls in a row after which rooms fails fast", Kind::failures});
    v.push_back({"USER_MGMT_BREAKER_COOLDOWN_MS", "5000",
                 "how long rooms fails fast before it asks user-mgmt again, in milliseconds",
                 Kind::millis});
    return v;
  }();
  return all;
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
    case Kind::body_bytes:
      if (in_range(value, 1, kMaxBodyBytes)) return std::nullopt;
      return "must be a whole number of bytes from 1 to " + std::to_string(kMaxBodyBytes);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// .env files.

struct DotenvEntry {
  std::string key;
  std::string value;
  int line = 0;  // the line of the key, 1-based
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<DotenvEntry> parse_dotenv_entries(const std::string& text,
                                              const std::string& file_name) {
  const auto lines = split_lines(text);
  std::vector<DotenvEntry> entries;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int line_no = static_cast<int>(i) + 1;
    int error_line = line_no;  // moves on to the closing quote of a multi-line value
    const auto fail = [&](const std::string& what) {
      return Error(file_name + ":" + std::to_string(error_line) + ": " + what);
    };
    // After the closing quote only a comment may follow.
    const auto check_after_quote = [&](std::string_view after) {
      after = trim(after);
      if (!after.empty() && after.front() != '#') {
        throw fail("unexpected text after the closing quote");
      }
    };

    std::string_view line = trim(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export") && line.size() > 6 && is_blank(line[6])) {
      line.remove_prefix(6);
      line = trim(line);
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) throw fail("expected KEY=VALUE");
    const std::string_view key = trim(line.substr(0, eq));
    if (!valid_key(key)) {
      throw fail("invalid variable name \"" + std::string(key) +
                 "\" (letters, digits and _, not starting with a digit)");
    }
    const std::string_view raw = line.substr(eq + 1);
    std::string_view rest = raw;
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);

    std::string value;
    if (!rest.empty() && rest.front() == '\'') {
      const auto close = rest.find('\'', 1);
      if (close == std::string_view::npos) throw fail("unterminated single quote");
      value = rest.substr(1, close - 1);
      check_after_quote(rest.substr(close + 1));
    } else if (!rest.empty() && rest.front() == '"') {
      // May span lines: keep reading until the closing quote.
      std::size_t pos = 1;
      while (true) {
        if (pos >= rest.size()) {
          if (i + 1 >= lines.size()) throw fail("unterminated double quote");
          value += '\n';
          rest = lines[++i];
          pos = 0;
          continue;
        }
        const char c = rest[pos];
        if (c == '"') break;
        if (c == '\\' && pos + 1 < rest.size()) {
          const char e = rest[pos + 1];
          pos += 2;
          switch (e) {
            case 'n':
              value += '\n';
              break;
            case 't':
              value += '\t';
              break;
            case 'r':
              value += '\r';
              break;
            case '"':
              value += '"';
              break;
            case '\\':
              value += '\\';
              break;
            case '$':
              value += '$';
              break;
            default:  // unknown escapes stay as written: "C:\Users"
              value += '\\';
              value += e;
          }
          continue;
        }
        value += c;
        ++pos;
      }
      error_line = static_cast<int>(i) + 1;
      check_after_quote(rest.substr(pos + 1));
    } else {
      // Unquoted: a '#' after whitespace starts a comment.
      std::string_view v = raw;
      for (std::size_t j = 1; j < v.size(); ++j) {
        if (v[j] == '#' && is_blank(v[j - 1])) {
          v = v.substr(0, j);
          break;
        }
      }
      value = trim(v);
    }
    entries.push_back({std::string(key), std::move(value), line_no});
  }
  return entries;
}

std::string read_env_file(const std::string& path) {
  // Thousands of settings fit in 1 MiB; anything larger is the wrong file (a
  // log, a dump, /dev/zero), refused before it fills memory.
  constexpr std::size_t kMaxBytes = 1 << 20;
  const auto fail = [&] { return Error("env file " + path + ": " + std::strerror(errno)); };
  const auto too_large = [&] {
    return Error("env file " + path + " is larger than " + std::to_string(kMaxBytes) +
                 " bytes; a .env file holds a few settings");
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw fail();
  // A regular file tells its size up front; a pipe or a device does not, so
  // the loop below stops reading one byte past the limit.
  struct stat info {};
  if (fstat(fileno(file.get()), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<std::uintmax_t>(info.st_size) > kMaxBytes) {
    throw too_large();
  }
  std::string text;
  char buffer[4096];
  std::size_t n;
  while (text.size() <= kMaxBytes &&
         (n = std::fread(buffer, 1, std::min(sizeof buffer, kMaxBytes + 1 - text.size()),
                         file.get())) > 0) {
    text.append(buffer, n);
  }
  if (std::ferror(file.get())) throw fail();  // e.g. a directory: EISDIR
  if (text.size() > kMaxBytes) throw too_large();
  return text;
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
  for (auto& e : parse_dotenv_entries(read_env_file(*path), *path)) {
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

const char* to_string(Source s) {
  switch (s) {
    case Source::default_value:
      return "default";
    case Source::env_file:
      return "env file";
    case Source::environment:
      return "environment";
    case Source::flag:
      return "flag";
  }
  return "unknown";
}

std::vector<std::pair<std::string, std::string>> parse_dotenv(const std::string& text,
                                                              const std::string& file_name) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (auto& e : parse_dotenv_entries(text, file_name)) {
    pairs.emplace_back(std::move(e.key), std::move(e.value));
  }
  return pairs;
}

std::string env_prefix(const std::string& service) {
  std::string prefix;
  for (char c : service) {
    prefix += std::isalnum(static_cast<unsigned char>(c))
                  ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                  : '_';
  }
  return prefix;
}

Config Config::load(const LoadOptions& options) {
  for (const auto& [name, value] : options.flags) {
    const bool known = std::any_of(specs().begin(), specs().end(),
                                   [&](const Spec& spec) { return spec.name == name; });
    if (!known) throw Error("unknown setting \"" + name + "\" given as a flag");
  }
  const auto file_values =
      options.read_env_file ? load_env_file(options.env_file) : std::map<std::string, FileValue>{};

  Config config;
  for (const auto& spec : specs()) {
    Setting s{spec.name, spec.default_value, Source::default_value, "default", spec.help};
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

    if (!(spec.optional && s.value.empty())) {
      if (const auto why = check(spec.kind, s.value)) {
        const bool is_url = spec.kind == Kind::database_url || spec.kind == Kind::http_url;
        std::string message = "invalid " + spec.name + " \"" +
                              (is_url ? core::mask_url(s.value) : s.value) + "\": " + *why;
        if (s.source == Source::flag || s.source == Source::env_file) {
          message += " (from " + s.origin + ")";
        }
        throw Error(message);
      }
    }
    config.settings_.push_back(std::move(s));
  }
  return config;
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

const Setting& Config::setting(const std::string& name) const {
  for (const auto& s : settings_) {
    if (s.name == name) return s;
  }
  throw std::out_of_range("unknown setting \"" + name + "\"");
}

const std::string& Config::database_url(const std::string& service) const {
  service_row(service);
  const auto& own = setting(env_prefix(service) + "_DATABASE_URL");
  const auto& shared = setting("DATABASE_URL");
  // A flag is the most specific thing a user can say: --database-url wins
  // over an inherited <PREFIX>_DATABASE_URL too.
  if (shared.source == Source::flag && own.source != Source::flag) return shared.value;
  return own.value.empty() ? shared.value : own.value;
}

std::uint16_t Config::port(const std::string& service, bool sole) const {
  service_row(service);
  // <PREFIX>_PORT holds the service default when nothing set it, so it is the
  // answer both when it was set and when PORT was not. PORT names one port:
  // it applies only when one service is served.
  const auto& own = setting(env_prefix(service) + "_PORT");
  const auto& shared = setting("PORT");
  const bool shared_wins =
      sole && ((own.source == Source::default_value && !shared.value.empty()) ||
               (shared.source == Source::flag && own.source != Source::flag));
  const auto& chosen = shared_wins ? shared : own;
  return static_cast<std::uint16_t>(to_uint(chosen.value));
}

const std::string& Config::host() const { return setting("HOST").value; }

int Config::threads() const { return static_cast<int>(to_uint(setting("ROOMBOOK_THREADS").value)); }

std::size_t Config::max_body_bytes() const {
  return static_cast<std::size_t>(to_uint(setting("MAX_BODY_BYTES").value));
}

const std::string& Config::log_levels() const { return setting("ROOMBOOK_LOG").value; }

const std::string& Config::log_format() const { return setting("ROOMBOOK_LOG_FORMAT").value; }

const std::string& Config::user_mgmt_url() const { return setting("USER_MGMT_URL").value; }

std::chrono::milliseconds Config::user_mgmt_connect_timeout() const {
  return std::chrono::milliseconds(to_uint(setting("USER_MGMT_CONNECT_TIMEOUT_MS").value));
}

std::chrono::milliseconds Config::user_mgmt_timeout() const {
  return std::chrono::milliseconds(to_uint(setting("USER_MGMT_TIMEOUT_MS").value));
}

int Config::user_mgmt_breaker_failures() const {
  return static_cast<int>(to_uint(setting("USER_MGMT_BREAKER_FAILURES").value));
}

std::chrono::milliseconds Config::user_mgmt_breaker_cooldown() const {
  return std::chrono::milliseconds(to_uint(setting("USER_MGMT_BREAKER_COOLDOWN_MS").value));
}

}  // namespace roombook::config
