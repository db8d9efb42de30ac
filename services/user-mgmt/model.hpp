#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/json_writer.hpp"
#include "core/time.hpp"

namespace roombook::user_mgmt {

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string firstname;
  std::string lastname;
  core::SysSeconds created_at;
  core::SysSeconds updated_at;
};

/// The fields a client sets. Validated by validate() before it is stored.
struct UserFields {
  std::string username;
  std::string firstname;
  std::string lastname;
};

/// {"id", "username", "firstname", "lastname", "created_at", "updated_at"}
void write_json(core::JsonWriter& out, const User& user);
/// The same as a document, for the command line's listings.
nlohmann::ordered_json to_json(const User& user);

/// Throws core::Error(invalid) naming the field when a value breaks the rules:
/// username 1-64 of [a-z0-9._-]; firstname and lastname 1-100 characters of
/// valid UTF-8 without control characters. The API and the CLI share it, so
/// both say the same words.
void validate(const UserFields& fields);
void validate_username(const std::string& username);
/// Whether a username keeps those rules.
bool is_username(const std::string& username);

/// Reads a complete user (POST, PUT) from a JSON object: every field
/// required, unknown and read-only fields rejected by name, then validate().
UserFields fields_from_json(const nlohmann::json& body);

/// Applies a JSON merge patch (RFC 7396) to `current`: members present
/// replace, a null for a required field is refused, unknown fields are
/// rejected by name; the result is validated.
UserFields apply_merge_patch(const UserFields& current, const nlohmann::json& patch);

}  // namespace roombook::user_mgmt
