#include "user-mgmt/model.hpp"

#include <set>

#include "core/error.hpp"
#include "core/text.hpp"

namespace roombook::user_mgmt {

namespace {

const std::set<std::string> kWritable{"username", "firstname", "lastname"};
const std::set<std::string> kReadOnly{"id", "created_at", "updated_at"};

void reject_unknown(const nlohmann::json& body) {
  std::string unknown;
  for (const auto& [key, value] : body.items()) {
    if (kReadOnly.count(key)) throw core::invalid(key, key + " is read-only");
    if (!kWritable.count(key)) unknown += (unknown.empty() ? "" : ", ") + key;
  }
  if (!unknown.empty()) {
    throw core::invalid(
        unknown, "unknown field(s): " + unknown + " (a user has username, firstname and lastname)");
  }
}

std::string string_field(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) {
    throw core::invalid(field, std::string(field) + " is required");
  }
  if (!it->is_string()) throw core::invalid(field, std::string(field) + " must be a string");
  return it->get<std::string>();
}

void require_object(const nlohmann::json& body) {
  if (!body.is_object()) {
    throw core::invalid("", "the request body must be a JSON object");
  }
}

}  // namespace

nlohmann::ordered_json to_json(const User& user) {
  return {{"id", user.id},
          {"username", user.username},
          {"firstname", user.firstname},
          {"lastname", user.lastname},
          {"created_at", user.created_at},
          {"updated_at", user.updated_at}};
}

void validate_username(const std::string& username) {
  bool ok = !username.empty() && username.size() <= 64;
  for (char c : username) {
    ok = ok &&
         ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    throw core::invalid("username",
                        "username must be 1 to 64 characters of a-z, 0-9, '.', '_' and '-'");
  }
}

void validate_name(const char* field, const std::string& value) {
  if (!core::is_text_of_length(value, 1, 100)) {
    throw core::invalid(field, std::string(field) +
                                   " must be 1 to 100 characters of UTF-8 text without "
                                   "control characters");
  }
}

void validate(const UserFields& fields) {
  validate_username(fields.username);
  validate_name("firstname", fields.firstname);
  validate_name("lastname", fields.lastname);
}

UserFields fields_from_json(const nlohmann::json& body) {
  require_object(body);
  reject_unknown(body);
  UserFields fields{string_field(body, "username"), string_field(body, "firstname"),
                    string_field(body, "lastname")};
  validate(fields);
  return fields;
}

UserFields apply_merge_patch(const UserFields& current, const nlohmann::json& patch) {
  require_object(patch);
  reject_unknown(patch);
  UserFields result = current;
  auto take = [&](const char* field, std::string& target) {
    if (patch.contains(field)) target = string_field(patch, field);
  };
  take("username", result.username);
  take("firstname", result.firstname);
  take("lastname", result.lastname);
  validate(result);
  return result;
}

}  // namespace roombook::user_mgmt
