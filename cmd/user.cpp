#include "cmd/user.hpp"

#include "cmd/output.hpp"
#include "cmd/subcommands.hpp"
#include "core/error.hpp"
#include "user-mgmt/service.hpp"

namespace roombook::cmd {

namespace {

constexpr const char* kService = "user-mgmt";

Table users_table(const std::vector<user_mgmt::User>& users) {
  return table_of({"id", "username", "firstname", "lastname", "created_at", "updated_at"}, users);
}

void print_user(Context& ctx, const user_mgmt::User& user, const OutputOptions& o) {
  print(ctx.out, users_table({user}), format_of(ctx.out_is_terminal, o), true);
}

}  // namespace

int run_user_add(Context& ctx, const UserAddOptions& o) {
  auto [pool, service] = open_service<user_mgmt::UserService>(ctx, kService);
  print_user(ctx, service.create({o.username, o.firstname, o.lastname}), o.output);
  return kExitOk;
}

int run_user_list(Context& ctx, const UserListOptions& o) {
  auto [pool, service] = open_service<user_mgmt::UserService>(ctx, kService);
  auto page = service.list({o.limit, o.after_id}, o.username);
  print(ctx.out, users_table(page.items), format_of(ctx.out_is_terminal, o.output));
  note_next_page(ctx, "users", page);
  return kExitOk;
}

int run_user_show(Context& ctx, const UserShowOptions& o) {
  auto [pool, service] = open_service<user_mgmt::UserService>(ctx, kService);
  print_user(ctx, found(service, o.key, "user"), o.output);
  return kExitOk;
}

int run_user_update(Context& ctx, const UserUpdateOptions& o) {
  if (!o.username && !o.firstname && !o.lastname) {
    throw UsageError("nothing to change: give --username, --firstname or --lastname");
  }
  auto [pool, service] = open_service<user_mgmt::UserService>(ctx, kService);
  const auto user = found(service, o.key, "user");
  auto updated = service.update(user.id, o.username, o.firstname, o.lastname);
  if (!updated) throw core::not_found("user " + o.key + " does not exist");
  print_user(ctx, *updated, o.output);
  return kExitOk;
}

int run_user_delete(Context& ctx, const UserDeleteOptions& o) {
  auto [pool, service] = open_service<user_mgmt::UserService>(ctx, kService);
  const auto user = found(service, o.key, "user");
  if (!service.remove(user.id)) throw core::not_found("user " + o.key + " does not exist");
  note(ctx, "deleted user " + std::to_string(user.id) + " (" + user.username + ")");
  return kExitOk;
}

Runner setup_user(CLI::App& app, ConfigFlags& flags) {
  Subcommands subs(app, flags, "user");

  auto [add_cmd, add] = subs.add("add", "Create a user and print it", run_user_add);
  add_cmd.add_option("username", add.username, "1-64 characters of a-z, 0-9, '.', '_', '-'")
      ->required();
  add_cmd.add_option("--firstname", add.firstname, "First name")->required();
  add_cmd.add_option("--lastname", add.lastname, "Last name")->required();
  add_format_option(add_cmd, add.output);

  auto [list_cmd, list] =
      subs.add("list", "List users in id order, a page at a time", run_user_list);
  list_cmd.add_option("--limit", list.limit, "At most this many (1-1000, default 100)");
  list_cmd.add_option("--after-id", list.after_id, "Start after this id (default 0)");
  list_cmd.add_option("--username", list.username, "Only the user with this username");
  add_format_option(list_cmd, list.output);

  auto [show_cmd, show] = subs.add("show", "Print one user", run_user_show);
  show_cmd.add_option("user", show.key, "An id or a username")->required();
  add_format_option(show_cmd, show.output);

  auto [update_cmd, update] =
      subs.add("update", "Change a user's fields and print it", run_user_update);
  update_cmd.add_option("user", update.key, "An id or a username")->required();
  update_cmd.add_option("--username", update.username, "New username");
  update_cmd.add_option("--firstname", update.firstname, "New first name");
  update_cmd.add_option("--lastname", update.lastname, "New last name");
  add_format_option(update_cmd, update.output);

  auto [delete_cmd, del] = subs.add("delete", "Delete a user", run_user_delete);
  delete_cmd.add_option("user", del.key, "An id or a username")->required();

  return subs.runner();
}

}  // namespace roombook::cmd
