#pragma once

// Reading the members of a JSON request body, with errors that name the
// field. Shared by the services' models, so every service words them alike.

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

namespace roombook::core::fields {

/// Throws core::Error(invalid) unless `body` is a JSON object.
void require_object(const nlohmann::json& body);

/// Refuses members outside `writable`: one in `read_only` with "X is
/// read-only", the others listed together as unknown; `what` tells the
/// client which members there are ("a user has username, ...").
void check_members(const nlohmann::json& body, const std::set<std::string>& writable,
                   const std::set<std::string>& read_only, const std::string& what);

/// A member that must be present (not null) and a string / an integer.
std::string required_string(const nlohmann::json& body, const char* field);
std::int64_t required_integer(const nlohmann::json& body, const char* field);

/// A string member that may be absent or null.
std::optional<std::string> optional_string(const nlohmann::json& body, const char* field);

}  // namespace roombook::core::fields
