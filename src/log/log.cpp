#include "log/log.hpp"

#include <array>
#include <cctype>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <nlohmann/json.hpp>

namespace roombook::log {
namespace {

using spdlog::level::level_enum;

// Our names for the levels, as ROOMBOOK_LOG spells them. spdlog's from_str
// also maps "warning" and "err", so those are accepted too.
constexpr std::array<std::pair<std::string_view, level_enum>, 9> kLevels{{
    {"trace", level_enum::trace},
    {"debug", level_enum::debug},
    {"info", level_enum::info},
    {"warn", level_enum::warn},
    {"warning", level_enum::warn},
    {"error", level_enum::err},
    {"err", level_enum::err},
    {"critical", level_enum::critical},
    {"off", level_enum::off},
}};
constexpr std::string_view kLevelList = "trace, debug, info, warn, error, critical, off";

std::optional<level_enum> parse_level(std::string_view name) {
  for (const auto& [text, level] : kLevels) {
    if (text == name) return level;
  }
  return std::nullopt;
}

std::string_view level_name(level_enum level) {
  switch (level) {
    case level_enum::trace:
      return "trace";
    case level_enum::debug:
      return "debug";
    case level_enum::info:
      return "info";
    case level_enum::warn:
      return "warn";
    case level_enum::err:
      return "error";
    case level_enum::critical:
      return "critical";
    default:
      return "off";
  }
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

struct Levels {
  level_enum default_level = level_enum::info;
  std::map<std::string, level_enum, std::less<>> modules;

  level_enum of(const std::string& module) const {
    const auto it = modules.find(module);
    return it == modules.end() ? default_level : it->second;
  }
};

// Parses a ROOMBOOK_LOG spec; on error returns the reason in `error`.
Levels parse_levels(const std::string& spec, std::string& error) {
  Levels levels;
  if (trim(spec).empty()) {
    error = "empty level spec (expected e.g. \"info\" or \"warn,http=debug\")";
    return levels;
  }
  std::string_view rest = spec;
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    if (item.empty()) {
      error = "empty item (expected LEVEL or MODULE=LEVEL)";
      return levels;
    }
    const auto eq = item.find('=');
    const std::string_view module = eq == std::string_view::npos ? "" : trim(item.substr(0, eq));
    const std::string_view name = eq == std::string_view::npos ? item : trim(item.substr(eq + 1));
    if (eq != std::string_view::npos && module.empty()) {
      error = "empty module name in \"" + std::string(item) + "\"";
      return levels;
    }
    const auto level = parse_level(name);
    if (!level) {
      error = "unknown level \"" + std::string(name) + "\" (" + std::string(kLevelList) + ")";
      return levels;
    }
    if (module.empty()) {
      levels.default_level = *level;  // as in spdlog, the last bare level wins
    } else {
      levels.modules[std::string(module)] = *level;
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return levels;
}

// "2026-11-29T21:14:17.123Z", always UTC.
void append_time(spdlog::log_clock::time_point time, spdlog::memory_buf_t& dest) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t t = seconds.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(dest), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 millis);
}

void append(std::string_view text, spdlog::memory_buf_t& dest) {
  dest.append(text.data(), text.data() + text.size());
}

// One formatter for both formats, so they agree on the time and level names.
class Formatter final : public spdlog::formatter {
 public:
  explicit Formatter(bool json) : json_(json) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (json_) {
      append(R"({"time":")", dest);
      append_time(msg.time, dest);
      append(R"(","level":")", dest);
      append(level_name(msg.level), dest);
      append(R"(","logger":)", dest);
      append(dump(logger), dest);
      append(R"(,"msg":)", dest);
      append(dump(payload), dest);
      append("}\n", dest);
    } else {
      append_time(msg.time, dest);
      std::string level(level_name(msg.level));
      for (char& c : level) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      fmt::format_to(std::back_inserter(dest), " {:<5} [{}] {}\n", level, logger, payload);
    }
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<Formatter>(json_);
  }

 private:
  // A JSON string literal; invalid UTF-8 is replaced rather than thrown on.
  static std::string dump(std::string_view text) {
    return nlohmann::json(std::string(text))
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  bool json_;
};

// Every logger made by get(), and what init() last asked for. One mutex
// guards it all: get() is called from many threads, init() rarely.
struct State {
  std::mutex mutex;
  std::shared_ptr<spdlog::sinks::stderr_sink_mt> sink;
  Levels levels;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;

  State() : sink(std::make_shared<spdlog::sinks::stderr_sink_mt>()) {
    sink->set_formatter(std::make_unique<Formatter>(false));
  }
};

State& state() {
  static State s;
  return s;
}

}  // namespace

std::optional<std::string> check_levels(const std::string& spec) {
  std::string error;
  parse_levels(spec, error);
  if (error.empty()) return std::nullopt;
  return error;
}

void init(const std::string& level_spec, const std::string& format) {
  std::string error;
  Levels levels = parse_levels(level_spec, error);
  if (!error.empty()) {
    throw std::invalid_argument("invalid log levels \"" + level_spec + "\": " + error);
  }
  if (format != "text" && format != "json") {
    throw std::invalid_argument("invalid log format \"" + format + "\": must be text or json");
  }
  State& s = state();
  std::lock_guard lock(s.mutex);
  s.levels = std::move(levels);
  // The sink is shared by every logger, so its formatter is the format.
  s.sink->set_formatter(std::make_unique<Formatter>(format == "json"));
  for (auto& [name, logger] : s.loggers) logger->set_level(s.levels.of(name));
}

std::shared_ptr<spdlog::logger> get(const std::string& module) {
  State& s = state();
  std::lock_guard lock(s.mutex);
  if (auto it = s.loggers.find(module); it != s.loggers.end()) return it->second;
  auto logger = std::make_shared<spdlog::logger>(module, s.sink);
  logger->set_level(s.levels.of(module));
  logger->flush_on(level_enum::warn);
  s.loggers.emplace(module, logger);
  return logger;
}

}  // namespace roombook::log
