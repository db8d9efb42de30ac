#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "db/db.hpp"
#include "user-mgmt/model.hpp"

namespace roombook::user_mgmt {

/// One page of users, and where the next one starts (none: this was the last).
struct Page {
  std::vector<User> users;
  std::optional<std::int64_t> next_after_id;
};

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;

/// The rules of user management, shared by the REST routes and the `user`
/// commands. Errors are core::Error: invalid (naming the field), not_found,
/// conflict (a taken username).
class UserService {
 public:
  explicit UserService(db::Pool& pool) : pool_(pool) {}

  User create(const UserFields& fields);
  std::optional<User> get(std::int64_t id);
  /// An id or a username. Digits that are the id of one user and the
  /// username of another are refused as ambiguous (core::Error invalid).
  std::optional<User> find(const std::string& id_or_username);
  /// `limit` 1..kMaxLimit, `after_id` >= 0; out of range throws invalid.
  Page list(std::int64_t limit, std::int64_t after_id, const std::optional<std::string>& username);
  /// Replaces every client field. Not found: nullopt.
  std::optional<User> replace(std::int64_t id, const UserFields& fields);
  /// Applies a JSON merge patch. Not found: nullopt.
  std::optional<User> patch(std::int64_t id, const nlohmann::json& merge_patch);
  /// Changes the fields given, keeps the others (the CLI's `user update`).
  std::optional<User> update(std::int64_t id, const std::optional<std::string>& username,
                             const std::optional<std::string>& firstname,
                             const std::optional<std::string>& lastname);
  bool remove(std::int64_t id);

 private:
  template <typename Change>
  std::optional<User> modify(std::int64_t id, Change change);

  db::Pool& pool_;
};

}  // namespace roombook::user_mgmt
