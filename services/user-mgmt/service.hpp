#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/paging.hpp"
#include "db/db.hpp"
#include "user-mgmt/model.hpp"

namespace roombook::user_mgmt {

using Page = core::Page<User>;

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
  /// A page of users in id order, optionally only the one with `username`;
  /// an out-of-range page throws invalid.
  Page list(const core::PageRequest& page, const std::optional<std::string>& username);
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
  /// Changes a user's fields in one transaction; not found: nullopt.
  template <typename Change>
  std::optional<User> modify(std::int64_t id, Change change);

  db::Pool& pool_;
};

}  // namespace roombook::user_mgmt
