#include "user-mgmt/service.hpp"

#include "core/error.hpp"
#include "core/lookup.hpp"
#include "core/time.hpp"
#include "user-mgmt/repository.hpp"

namespace roombook::user_mgmt {

namespace {

/// A UNIQUE violation on users can only be the username.
[[noreturn]] void rethrow_taken(const db::Error& e, const std::string& username) {
  if (e.code() == db::ErrorCode::constraint) {
    throw core::conflict("username \"" + username + "\" is already taken");
  }
  throw e;
}

}  // namespace

User UserService::create(const UserFields& fields) {
  validate(fields);
  try {
    return db::transact(pool_, [&](db::Connection& conn) {
      return UserRepository(conn).insert(fields, core::now());
    });
  } catch (const db::Error& e) {
    rethrow_taken(e, fields.username);
  }
}

std::optional<User> UserService::get(std::int64_t id) {
  auto conn = pool_.acquire();
  return UserRepository(*conn).by_id(id);
}

std::optional<User> UserService::find(const std::string& id_or_username) {
  auto conn = pool_.acquire();
  UserRepository repo(*conn);
  return core::find_by_id_or_name(
      id_or_username, [&](std::int64_t id) { return repo.by_id(id); },
      [&](const std::string& name) { return repo.by_username(name); },
      [](const User& u) { return u.username; }, {"user", "username"});
}

Page UserService::list(const core::PageRequest& page, const std::optional<std::string>& username) {
  core::check(page);
  // A filter no user can have matches nobody, and never reaches SQL: a NUL
  // byte, say, which PostgreSQL cannot take as text.
  if (username && !is_username(*username)) return core::make_page(std::vector<User>{}, page);
  auto conn = pool_.acquire();
  return core::make_page(
      UserRepository(*conn).list(page.after_id, core::rows_to_read(page), username), page);
}

template <typename Change>
std::optional<User> UserService::modify(std::int64_t id, Change change) {
  return db::read_modify_write(
      pool_, [&](db::Connection& conn) { return UserRepository(conn).by_id_locked(id); },
      [&](const User& current) {
        UserFields fields =
            change(UserFields{current.username, current.firstname, current.lastname});
        validate(fields);
        return fields;
      },
      [&](db::Connection& conn, const UserFields& fields) {
        try {
          UserRepository(conn).update(id, fields, core::now());
        } catch (const db::Error& e) {
          rethrow_taken(e, fields.username);
        }
      });
}

std::optional<User> UserService::replace(std::int64_t id, const UserFields& fields) {
  return modify(id, [&](const UserFields&) { return fields; });
}

std::optional<User> UserService::patch(std::int64_t id, const nlohmann::json& merge_patch) {
  return modify(id,
                [&](const UserFields& current) { return apply_merge_patch(current, merge_patch); });
}

std::optional<User> UserService::update(std::int64_t id, const std::optional<std::string>& username,
                                        const std::optional<std::string>& firstname,
                                        const std::optional<std::string>& lastname) {
  return modify(id, [&](UserFields fields) {
    if (username) fields.username = *username;
    if (firstname) fields.firstname = *firstname;
    if (lastname) fields.lastname = *lastname;
    return fields;
  });
}

bool UserService::remove(std::int64_t id) {
  return db::transact(pool_, [&](db::Connection& conn) { return UserRepository(conn).remove(id); });
}

}  // namespace roombook::user_mgmt
