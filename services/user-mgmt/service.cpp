#include "user-mgmt/service.hpp"

#include "core/error.hpp"
#include "core/text.hpp"
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
  auto conn = pool_.acquire();
  try {
    return UserRepository(*conn).insert(fields, core::format_rfc3339(core::now()));
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
  auto named = repo.by_username(id_or_username);
  // Usernames may be all digits too. Digits that are both an id and another
  // user's name are ambiguous: refuse rather than pick one.
  auto id = core::parse_id(id_or_username);
  auto by_id = id ? repo.by_id(*id) : std::nullopt;
  if (by_id && named && by_id->id != named->id) {
    throw core::invalid("", "\"" + id_or_username + "\" is the id of user " +
                                std::to_string(by_id->id) + " (" + by_id->username +
                                ") and the username of user " + std::to_string(named->id) +
                                "; give the id of the one you mean");
  }
  return by_id ? by_id : named;
}

Page UserService::list(std::int64_t limit, std::int64_t after_id,
                       const std::optional<std::string>& username) {
  if (limit < 1 || limit > kMaxLimit) {
    throw core::invalid("limit", "limit must be an integer from 1 to " + std::to_string(kMaxLimit));
  }
  if (after_id < 0) throw core::invalid("after_id", "after_id must be an integer >= 0");
  auto conn = pool_.acquire();
  // One row more than asked tells whether another page follows.
  auto users = UserRepository(*conn).list(after_id, limit + 1, username);
  Page page;
  if (static_cast<std::int64_t>(users.size()) > limit) {
    users.resize(static_cast<std::size_t>(limit));
    page.next_after_id = users.back().id;
  }
  page.users = std::move(users);
  return page;
}

// Read, change and write in one write transaction, so two concurrent patches
// of one user cannot lose each other's changes.
template <typename Change>
std::optional<User> UserService::modify(std::int64_t id, Change change) {
  auto conn = pool_.acquire();
  auto tx = conn->begin();
  UserRepository repo(*conn);
  auto current = repo.by_id(id);
  if (!current) return std::nullopt;
  UserFields fields = change(UserFields{current->username, current->firstname, current->lastname});
  validate(fields);
  try {
    repo.update(id, fields, core::format_rfc3339(core::now()));
  } catch (const db::Error& e) {
    rethrow_taken(e, fields.username);
  }
  auto updated = repo.by_id(id);
  tx.commit();
  return updated;
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
  auto conn = pool_.acquire();
  return UserRepository(*conn).remove(id);
}

}  // namespace roombook::user_mgmt
