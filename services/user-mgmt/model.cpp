#include "user-mgmt/model.hpp"

#include <set>

#include "core/error.hpp"
#include "core/fields.hpp"
#include "core/text.hpp"

namespace roombook::user_mgmt {

namespace {

const std::set<std::string> kWritable{"username", "firstname", "lastname"};
const std::set<std::string> kReadOnly{"id", "created_at", "updated_at"};
constexpr const char* kMembers = "a user has username, firstname and lastname";

}  // namespace

void write_json(core::JsonWriter& out, const User& user) {
  out.begin_object()
      .member("id", user.id)
      .member("username", user.username)
      .member("firstname", user.firstname)
      .member("lastname", user.lastname)
      .key("created_at")
      .time(user.created_at)
      .key("updated_at")
      .time(user.updated_at)
      .end_object();
}

nlohmann::ordered_json to_json(const User& user) {
  return nlohmann::ordered_json::parse(core::json_of(user));
}

bool is_username(const std::string& username) {
  bool ok = !username.empty() && username.size() <= 64;
  for (char c : username) {
    ok = ok &&
         ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  }
  return ok;
}

void validate_username(const std::string& username) {
  if (!is_username(username)) {
    throw core::invalid("username",
                        "username must be 1 to 64 characters of a-z, 0-9, '.', '_' and '-'");
  }
}

void validate(const UserFields& fields) {
  validate_username(fields.username);
  core::check_text("firstname", fields.firstname, 1, 100);
  core::check_text("lastname", fields.lastname, 1, 100);
}

UserFields fields_from_json(const nlohmann::json& body) {
  core::fields::require_object(body);
  core::fields::check_members(body, kWritable, kReadOnly, kMembers);
  UserFields fields{core::fields::required_string(body, "username"),
                    core::fields::required_string(body, "firstname"),
                    core::fields::required_string(body, "lastname")};
  validate(fields);
  return fields;
}

UserFields apply_merge_patch(const UserFields& current, const nlohmann::json& patch) {
  core::fields::require_object(patch);
  core::fields::check_members(patch, kWritable, kReadOnly, kMembers);
  UserFields result = current;
  auto take = [&](const char* field, std::string& target) {
    if (patch.contains(field)) target = core::fields::required_string(patch, field);
  };
  take("username", result.username);
  take("firstname", result.firstname);
  take("lastname", result.lastname);
  validate(result);
  return result;
}

}  // namespace roombook::user_mgmt
