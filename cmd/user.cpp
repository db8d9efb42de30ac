#include "cmd/user.hpp"

#include <CLI/CLI.hpp>

#include "cmd/output.hpp"
#include "core/error.hpp"
#include "user-mgmt/service.hpp"

namespace roombook::cmd {

namespace {

constexpr const char* kService = "user-mgmt";

Table users_table(const std::vector<user_mgmt::User>& users) {
  Table t{{"id", "username", "firstname", "lastname", "created_at", "updated_at"}, {}};
  for (const auto& u : users) t.rows.push_back(user_mgmt::to_json(u));
  return t;
}

void print_user(Context& ctx, const user_mgmt::User& user, const OutputOptions& o) {
  print(ctx.out, users_table({user}), format_of(ctx.out_is_terminal, o), true);
}

user_mgmt::User find_or_fail(user_mgmt::UserService& service, const std::string& key) {
  auto user = service.find(key);
  if (!user) throw core::not_found("user " + key + " does not exist");
  return *user;
}

}  // namespace

int run_user_add(Context& ctx, const UserAddOptions& o) {
  auto pool = open_service_db(ctx, kService);
  user_mgmt::UserService service(*pool);
  print_user(ctx, service.create({o.username, o.firstname, o.lastname}), o.output);
  return kExitOk;
}

int run_user_list(Context& ctx, const UserListOptions& o) {
  auto pool = open_service_db(ctx, kService);
  user_mgmt::UserService service(*pool);
  auto page = service.list(o.limit, o.after_id, o.username);
  print(ctx.out, users_table(page.users), format_of(ctx.out_is_terminal, o.output));
  if (page.next_after_id) {
    note(ctx, "more users follow: add --after-id " + std::to_string(*page.next_after_id));
  }
  return kExitOk;
}

int run_user_show(Context& ctx, const UserShowOptions& o) {
  auto pool = open_service_db(ctx, kService);
  user_mgmt::UserService service(*pool);
  print_user(ctx, find_or_fail(service, o.key), o.output);
  return kExitOk;
}

int run_user_update(Context& ctx, const UserUpdateOptions& o) {
  if (!o.username && !o.firstname && !o.lastname) {
    throw UsageError("nothing to change: give --username, --firstname or --lastname");
  }
  auto pool = open_service_db(ctx, kService);
  user_mgmt::UserService service(*pool);
  const auto user = find_or_fail(service, o.key);
  auto updated = service.update(user.id, o.username, o.firstname, o.lastname);
  if (!updated) throw core::not_found("user " + o.key + " does not exist");
  print_user(ctx, *updated, o.output);
  return kExitOk;
}

int run_user_delete(Context& ctx, const UserDeleteOptions& o) {
  auto pool = open_service_db(ctx, kService);
  user_mgmt::UserService service(*pool);
  const auto user = find_or_fail(service, o.key);
  if (!service.remove(user.id)) throw core::not_found("user " + o.key + " does not exist");
  note(ctx, "deleted user " + std::to_string(user.id) + " (" + user.username + ")");
  return kExitOk;
}

Runner setup_user(CLI::App& app, ConfigFlags& flags) {
  flags.bind(app, "--database-url", "DATABASE_URL", "Database URL (DATABASE_URL)");
  app.require_subcommand(0, 1);
  auto chosen = std::make_shared<Runner>();

  auto add = std::make_shared<UserAddOptions>();
  auto* add_cmd = app.add_subcommand("add", "Create a user and print it");
  add_cmd->add_option("username", add->username, "1-64 characters of a-z, 0-9, '.', '_', '-'")
      ->required();
  add_cmd->add_option("--firstname", add->firstname, "First name")->required();
  add_cmd->add_option("--lastname", add->lastname, "Last name")->required();
  add_format_option(*add_cmd, add->output);
  add_cmd->callback(
      [chosen, add] { *chosen = [add](Context& c) { return run_user_add(c, *add); }; });

  auto list = std::make_shared<UserListOptions>();
  auto* list_cmd = app.add_subcommand("list", "List users in id order, a page at a time");
  list_cmd->add_option("--limit", list->limit, "At most this many (1-1000, default 100)");
  list_cmd->add_option("--after-id", list->after_id, "Start after this id (default 0)");
  list_cmd->add_option("--username", list->username, "Only the user with this username");
  add_format_option(*list_cmd, list->output);
  list_cmd->callback(
      [chosen, list] { *chosen = [list](Context& c) { return run_user_list(c, *list); }; });

  auto show = std::make_shared<UserShowOptions>();
  auto* show_cmd = app.add_subcommand("show", "Print one user");
  show_cmd->add_option("user", show->key, "An id or a username")->required();
  add_format_option(*show_cmd, show->output);
  show_cmd->callback(
      [chosen, show] { *chosen = [show](Context& c) { return run_user_show(c, *show); }; });

  auto update = std::make_shared<UserUpdateOptions>();
  auto* update_cmd = app.add_subcommand("update", "Change a user's fields and print it");
  update_cmd->add_option("user", update->key, "An id or a username")->required();
  update_cmd->add_option("--username", update->username, "New username");
  update_cmd->add_option("--firstname", update->firstname, "New first name");
  update_cmd->add_option("--lastname", update->lastname, "New last name");
  add_format_option(*update_cmd, update->output);
  update_cmd->callback(
      [chosen, update] { *chosen = [update](Context& c) { return run_user_update(c, *update); }; });

  auto del = std::make_shared<UserDeleteOptions>();
  auto* del_cmd = app.add_subcommand("delete", "Delete a user");
  del_cmd->add_option("user", del->key, "An id or a username")->required();
  del_cmd->callback(
      [chosen, del] { *chosen = [del](Context& c) { return run_user_delete(c, *del); }; });

  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
  return [chosen](Context& ctx) {
    if (!*chosen)
      throw UsageError(
          "user needs a subcommand: add, list, show, update, delete (see roombook user --help)");
    return (*chosen)(ctx);
  };
}

}  // namespace roombook::cmd
