#include "core/fields.hpp"

#include <limits>

#include "core/error.hpp"

namespace roombook::core::fields {

namespace {

const nlohmann::json* member(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

}  // namespace

void require_object(const nlohmann::json& body) {
  if (!body.is_object()) throw invalid("", "the request body must be a JSON object");
}

void check_members(const nlohmann::json& body, const std::set<std::string>& writable,
                   const std::set<std::string>& read_only, const std::string& what) {
  std::string unknown;
  for (const auto& [key, value] : body.items()) {
    if (writable.count(key)) continue;
    if (read_only.count(key)) throw invalid(key, key + " is read-only");
    unknown += (unknown.empty() ? "" : ", ") + key;
  }
  if (!unknown.empty()) throw invalid(unknown, "unknown field(s): " + unknown + " (" + what + ")");
}

std::string required_string(const nlohmann::json& body, const char* field) {
  const auto* value = member(body, field);
  if (!value) throw invalid(field, std::string(field) + " is required");
  if (!value->is_string()) throw invalid(field, std::string(field) + " must be a string");
  return value->get<std::string>();
}

std::int64_t required_integer(const nlohmann::json& body, const char* field) {
  const auto* value = member(body, field);
  if (!value) throw invalid(field, std::string(field) + " is required");
  if (!value->is_number_integer()) throw invalid(field, std::string(field) + " must be an integer");
  // nlohmann reads integers up to 2^64 - 1 as unsigned; get<std::int64_t>()
  // would wrap those above INT64_MAX to negative numbers.
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() >
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw invalid(field, std::string(field) + " is out of range");
  }
  return value->get<std::int64_t>();
}

std::optional<std::string> optional_string(const nlohmann::json& body, const char* field) {
  const auto* value = member(body, field);
  if (!value) return std::nullopt;
  if (!value->is_string()) throw invalid(field, std::string(field) + " must be a string");
  return value->get<std::string>();
}

}  // namespace roombook::core::fields
