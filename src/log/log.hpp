#pragma once

// Logs are a stream of events on stderr, nothing else. One named logger per
// module ("http", "db", "migrate", "user-mgmt", ...), levels set per module by
// ROOMBOOK_LOG in spdlog's syntax: "info" or "warn,http=debug,db=trace".

#include <memory>
#include <optional>
#include <string>

#include <spdlog/spdlog.h>

namespace roombook::log {

/// Checks a ROOMBOOK_LOG value; returns why it is wrong, or nullopt.
std::optional<std::string> check_levels(const std::string& spec);

/// Sets the levels and the format ("text" or "json") of every logger, present
/// and future. Throws std::invalid_argument for a bad spec or format.
void init(const std::string& level_spec, const std::string& format);

/// The logger of a module, created on first use with the configured level.
std::shared_ptr<spdlog::logger> get(const std::string& module);

}  // namespace roombook::log
