#include "user-mgmt/repository.hpp"

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

User from_row(const db::Row& row) {
  return User{row.integer(0),
              row.text(1),
              row.text(2),
              row.text(3),
              core::format_rfc3339(row.time(4)),
              core::format_rfc3339(row.time(5))};
}

std::optional<User> first(const db::Rows& rows) {
  if (rows.empty()) return std::nullopt;
  return from_row(rows.front());
}

}  // namespace

User UserRepository::insert(const UserFields& f, core::SysSeconds now) {
  return from_row(conn_.query(kInsert, {f.username, f.firstname, f.lastname, db::Time{now}}).at(0));
}

std::optional<User> UserRepository::by_id(std::int64_t id) {
  return first(conn_.query(kById, {id}));
}

std::optional<User> UserRepository::by_id_locked(std::int64_t id) {
  return first(conn_.query(kByIdLocked, {id}));
}

std::optional<User> UserRepository::by_username(const std::string& username) {
  return first(conn_.query(kByUsername, {username}));
}

std::vector<User> UserRepository::list(std::int64_t after_id, std::int64_t limit,
                                       const std::optional<std::string>& username) {
  auto rows = username ? conn_.query(kListByUsername, {after_id, *username, limit})
                       : conn_.query(kList, {after_id, limit});
  std::vector<User> users;
  users.reserve(rows.size());
  for (const auto& row : rows) users.push_back(from_row(row));
  return users;
}

bool UserRepository::update(std::int64_t id, const UserFields& f, core::SysSeconds now) {
  return conn_.execute(kUpdate, {id, f.username, f.firstname, f.lastname, db::Time{now}}) > 0;
}

bool UserRepository::remove(std::int64_t id) { return conn_.execute(kDelete, {id}) > 0; }

}  // namespace roombook::user_mgmt
