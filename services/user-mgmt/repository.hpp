#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.hpp"
#include "db/db.hpp"
#include "user-mgmt/model.hpp"

namespace roombook::user_mgmt {

/// The SQL of the users table. Returns domain structs; knows no HTTP.
class UserRepository {
 public:
  explicit UserRepository(db::Connection& conn) : conn_(conn) {}

  /// Inserts and returns the stored user. A taken username throws
  /// db::Error(constraint).
  User insert(const UserFields& fields, core::SysSeconds now);
  std::optional<User> by_id(std::int64_t id);
  /// by_id, and the row locked against other writers until the transaction
  /// ends: the read of a read-modify-write.
  std::optional<User> by_id_locked(std::int64_t id);
  std::optional<User> by_username(const std::string& username);
  /// Users with id > after_id in id order, at most `limit`, optionally only
  /// the one with `username`.
  std::vector<User> list(std::int64_t after_id, std::int64_t limit,
                         const std::optional<std::string>& username);
  /// Returns false when there is no such user.
  bool update(std::int64_t id, const UserFields& fields, core::SysSeconds now);
  bool remove(std::int64_t id);

 private:
  db::Connection& conn_;
};

}  // namespace roombook::user_mgmt
