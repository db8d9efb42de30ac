#include "user-mgmt/model.hpp"

#include <set>

#include "core/error.hpp"

namespace roombook::user_mgmt {

namespace {

const std::set<std::string> kWritable{"username", "firstname", "lastname"};
const std::set<std::string> kReadOnly{"id", "created_at", "updated_at"};

/// Counts the code points of valid UTF-8 without control characters;
/// nullopt if the text is not that.
std::optional<std::size_t> printable_utf8_length(const std::string& s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, len = 4;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) return std::nullopt;
    i += len;
    ++count;
  }
  return count;
}

void reject_unknown(const nlohmann::json& body) {
  std::string unknown;
  for (const auto& [key, value] : body.items()) {
    if (kReadOnly.count(key)) throw core::invalid(key, key + " is read-only");
    if (!kWritable.count(key)) unknown += (unknown.empty() ? "" : ", ") + key;
  }
  if (!unknown.empty()) {
    throw core::invalid(unknown, "unknown field(s): " + unknown +
                                     " (a user has username, firstname and lastname)");
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
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                c == '-');
  }
  if (!ok) {
    throw core::invalid("username",
                        "username must be 1 to 64 characters of a-z, 0-9, '.', '_' and '-'");
  }
}

void validate_name(const char* field, const std::string& value) {
  auto length = printable_utf8_length(value);
  if (!length || *length < 1 || *length > 100) {
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
