#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cmd/commands.hpp"
#include "cmd/output.hpp"

namespace roombook::cmd {

struct UserAddOptions {
  std::string username;
  std::string firstname;
  std::string lastname;
  OutputOptions output;
};

struct UserListOptions {
  std::int64_t limit = 100;
  std::int64_t after_id = 0;
  std::optional<std::string> username;
  OutputOptions output;
};

/// `key` is an id (digits only) or a username.
struct UserShowOptions {
  std::string key;
  OutputOptions output;
};

struct UserUpdateOptions {
  std::string key;
  std::optional<std::string> username;
  std::optional<std::string> firstname;
  std::optional<std::string> lastname;
  OutputOptions output;
};

struct UserDeleteOptions {
  std::string key;
};

int run_user_add(Context& ctx, const UserAddOptions& o);
int run_user_list(Context& ctx, const UserListOptions& o);
int run_user_show(Context& ctx, const UserShowOptions& o);
int run_user_update(Context& ctx, const UserUpdateOptions& o);
int run_user_delete(Context& ctx, const UserDeleteOptions& o);

}  // namespace roombook::cmd
