#include "cmd/room.hpp"

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "rooms/service.hpp"

namespace roombook::cmd {

namespace {

constexpr const char* kService = "rooms";

Table rooms_table(const std::vector<rooms::Room>& rooms) {
  Table t{{"id", "name", "capacity", "location", "created_at", "updated_at"}, {}};
  for (const auto& r : rooms) t.rows.push_back(rooms::to_json(r));
  return t;
}

void print_room(Context& ctx, const rooms::Room& room, const OutputOptions& o) {
  print(ctx.out, rooms_table({room}), format_of(ctx.out_is_terminal, o), true);
}

rooms::Room find_or_fail(rooms::RoomService& service, const std::string& key) {
  auto room = service.find(key);
  if (!room) throw core::not_found("room " + key + " does not exist");
  return *room;
}

}  // namespace

int run_room_add(Context& ctx, const RoomAddOptions& o) {
  auto pool = open_service_db(ctx, kService);
  rooms::RoomService service(*pool);
  print_room(ctx, service.create({o.name, o.capacity, o.location}), o.output);
  return kExitOk;
}

int run_room_list(Context& ctx, const RoomListOptions& o) {
  auto pool = open_service_db(ctx, kService);
  rooms::RoomService service(*pool);
  rooms::RoomQuery query;
  query.limit = o.limit;
  query.after_id = o.after_id;
  query.min_capacity = o.min_capacity;
  auto page = service.list(query);
  print(ctx.out, rooms_table(page.rooms), format_of(ctx.out_is_terminal, o.output));
  if (page.next_after_id) {
    note(ctx, "more rooms follow: add --after-id " + std::to_string(*page.next_after_id));
  }
  return kExitOk;
}

int run_room_show(Context& ctx, const RoomShowOptions& o) {
  auto pool = open_service_db(ctx, kService);
  rooms::RoomService service(*pool);
  print_room(ctx, find_or_fail(service, o.key), o.output);
  return kExitOk;
}

int run_room_update(Context& ctx, const RoomUpdateOptions& o) {
  if (!o.name && !o.capacity && !o.location && !o.clear_location) {
    throw UsageError("nothing to change: give --name, --capacity, --location or --clear-location");
  }
  if (o.location && o.clear_location) {
    throw UsageError("--location and --clear-location contradict each other");
  }
  auto pool = open_service_db(ctx, kService);
  rooms::RoomService service(*pool);
  const auto room = find_or_fail(service, o.key);
  auto updated = service.update(room.id, o.name, o.capacity, o.location, o.clear_location);
  if (!updated) throw core::not_found("room " + o.key + " does not exist");
  print_room(ctx, *updated, o.output);
  return kExitOk;
}

int run_room_delete(Context& ctx, const RoomDeleteOptions& o) {
  auto pool = open_service_db(ctx, kService);
  rooms::RoomService service(*pool);
  const auto room = find_or_fail(service, o.key);
  try {
    if (!service.remove(room.id, o.force)) {
      throw core::not_found("room " + o.key + " does not exist");
    }
  } catch (const core::Error& e) {
    if (e.kind() != core::ErrorKind::conflict) throw;
    throw core::conflict(std::string(e.what()) +
                         "; cancel them, or add --force to delete them with the room");
  }
  note(ctx, "deleted room " + std::to_string(room.id) + " (" + room.name + ")");
  return kExitOk;
}

Runner setup_room(CLI::App& app, ConfigFlags& flags) {
  flags.bind(app, "--database-url", "DATABASE_URL", "Database URL (DATABASE_URL)");
  app.require_subcommand(0, 1);
  auto chosen = std::make_shared<Runner>();

  auto add = std::make_shared<RoomAddOptions>();
  auto* add_cmd = app.add_subcommand("add", "Create a room and print it");
  add_cmd->add_option("name", add->name, "1-100 characters, unique")->required();
  add_cmd->add_option("--capacity", add->capacity, "Seats, 1-10000")->required();
  add_cmd->add_option("--location", add->location, "Where it is, at most 200 characters");
  add_format_option(*add_cmd, add->output);
  add_cmd->callback(
      [chosen, add] { *chosen = [add](Context& c) { return run_room_add(c, *add); }; });

  auto list = std::make_shared<RoomListOptions>();
  auto* list_cmd = app.add_subcommand("list", "List rooms in id order, a page at a time");
  list_cmd->add_option("--limit", list->limit, "At most this many (1-1000, default 100)");
  list_cmd->add_option("--after-id", list->after_id, "Start after this id (default 0)");
  list_cmd->add_option("--min-capacity", list->min_capacity, "Only rooms with this many seats");
  add_format_option(*list_cmd, list->output);
  list_cmd->callback(
      [chosen, list] { *chosen = [list](Context& c) { return run_room_list(c, *list); }; });

  auto show = std::make_shared<RoomShowOptions>();
  auto* show_cmd = app.add_subcommand("show", "Print one room");
  show_cmd->add_option("room", show->key, "An id or a name")->required();
  add_format_option(*show_cmd, show->output);
  show_cmd->callback(
      [chosen, show] { *chosen = [show](Context& c) { return run_room_show(c, *show); }; });

  auto update = std::make_shared<RoomUpdateOptions>();
  auto* update_cmd = app.add_subcommand("update", "Change a room's fields and print it");
  update_cmd->add_option("room", update->key, "An id or a name")->required();
  update_cmd->add_option("--name", update->name, "New name");
  update_cmd->add_option("--capacity", update->capacity, "New capacity");
  update_cmd->add_option("--location", update->location, "New location");
  update_cmd->add_flag("--clear-location", update->clear_location, "Remove the location");
  add_format_option(*update_cmd, update->output);
  update_cmd->callback(
      [chosen, update] { *chosen = [update](Context& c) { return run_room_update(c, *update); }; });

  auto del = std::make_shared<RoomDeleteOptions>();
  auto* del_cmd = app.add_subcommand("delete", "Delete a room");
  del_cmd->add_option("room", del->key, "An id or a name")->required();
  del_cmd->add_flag("--force", del->force, "Also delete its bookings that have not ended");
  del_cmd->callback(
      [chosen, del] { *chosen = [del](Context& c) { return run_room_delete(c, *del); }; });

  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
  return [chosen](Context& ctx) {
    if (!*chosen)
      throw UsageError(
          "room needs a subcommand: add, list, show, update, delete (see roombook room --help)");
    return (*chosen)(ctx);
  };
}

}  // namespace roombook::cmd
