#include "user-mgmt/repository.hpp"

#include <algorithm>

namespace roombook::user_mgmt {

namespace {

#define USER_COLUMNS "id, username, firstname, lastname, created_at, updated_at"

const db::Query kInsert{"users.insert",
                        "INSERT INTO users (username, firstname, lastname, created_at, updated_at)"
                        " VALUES ($1, $2, $3, $4, $4) RETURNING " USER_COLUMNS};
const db::Query kById{"users.by_id", "SELECT " USER_COLUMNS " FROM users WHERE id = $1"};
const db::Query kByIdLocked{"users.by_id_locked", kById.sql, true};
const db::Query kByUsername{"users.by_username",
                            "SELECT " USER_COLUMNS " FROM users WHERE username = $1"};
const db::Query kList{"users.list",
                      "SELECT " USER_COLUMNS " FROM users WHERE id > $1 ORDER BY id LIMIT $2"};
const db::Query kListByUsername{"users.list_by_username",
                                "SELECT " USER_COLUMNS
                                " FROM users WHERE id > $1 AND username = $2 ORDER BY id LIMIT $3"};
const db::Query kUpdate{"users.update",
                        "UPDATE users SET username = $2, firstname = $3, lastname = $4,"
                        " updated_at = $5 WHERE id = $1"};
const db::Query kDelete{"users.delete", "DELETE FROM users WHERE id = $1"};

#undef USER_COLUMNS

User from_row(const db::RowView& row) {
  return User{row.integer(0),
              std::string(row.text(1)),
              std::string(row.text(2)),
              std::string(row.text(3)),
              row.time(4),
              row.time(5)};
}

}  // namespace

User UserRepository::insert(const UserFields& f, core::SysSeconds now) {
  auto user =
      db::query_one(conn_, kInsert, {f.username, f.firstname, f.lastname, db::Time{now}}, from_row);
  if (!user) throw db::Error(db::ErrorCode::other, "INSERT ... RETURNING returned no row");
  return *user;
}

std::optional<User> UserRepository::by_id(std::int64_t id) {
  return db::query_one(conn_, kById, {id}, from_row);
}

std::optional<User> UserRepository::by_id_locked(std::int64_t id) {
  return db::query_one(conn_, kByIdLocked, {id}, from_row);
}

std::optional<User> UserRepository::by_username(const std::string& username) {
  return db::query_one(conn_, kByUsername, {username}, from_row);
}

std::vector<User> UserRepository::list(std::int64_t after_id, std::int64_t limit,
                                       const std::optional<std::string>& username) {
  std::vector<User> users;
  users.reserve(static_cast<std::size_t>(std::clamp<std::int64_t>(limit, 0, 1000)));
  const auto add = [&](const db::RowView& row) { users.push_back(from_row(row)); };
  if (username) {
    conn_.query_each(kListByUsername, {after_id, *username, limit}, add);
  } else {
    conn_.query_each(kList, {after_id, limit}, add);
  }
  return users;
}

bool UserRepository::update(std::int64_t id, const UserFields& f, core::SysSeconds now) {
  return conn_.execute(kUpdate, {id, f.username, f.firstname, f.lastname, db::Time{now}}) > 0;
}

bool UserRepository::remove(std::int64_t id) { return conn_.execute(kDelete, {id}) > 0; }

}  // namespace roombook::user_mgmt
