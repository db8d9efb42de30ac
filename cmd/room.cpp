#include "cmd/room.hpp"

#include "cmd/subcommands.hpp"
#include "core/error.hpp"
#include "rooms/service.hpp"

namespace roombook::cmd {

namespace {

constexpr const char* kService = "rooms";

Table rooms_table(const std::vector<rooms::Room>& rooms) {
  return table_of({"id", "name", "capacity", "location", "created_at", "updated_at"}, rooms);
}

void print_room(Context& ctx, const rooms::Room& room, const OutputOptions& o) {
  print(ctx.out, rooms_table({room}), format_of(ctx.out_is_terminal, o), true);
}

}  // namespace

int run_room_add(Context& ctx, const RoomAddOptions& o) {
  auto [pool, service] = open_service<rooms::RoomService>(ctx, kService);
  print_room(ctx, service.create({o.name, o.capacity, o.location}), o.output);
  return kExitOk;
}

int run_room_list(Context& ctx, const RoomListOptions& o) {
  auto [pool, service] = open_service<rooms::RoomService>(ctx, kService);
  rooms::RoomQuery query;
  query.page = {o.limit, o.after_id};
  query.min_capacity = o.min_capacity;
  auto page = service.list(query);
  print(ctx.out, rooms_table(page.items), format_of(ctx.out_is_terminal, o.output));
  note_next_page(ctx, "rooms", page);
  return kExitOk;
}

int run_room_show(Context& ctx, const RoomShowOptions& o) {
  auto [pool, service] = open_service<rooms::RoomService>(ctx, kService);
  print_room(ctx, found(service, o.key, "room"), o.output);
  return kExitOk;
}

int run_room_update(Context& ctx, const RoomUpdateOptions& o) {
  if (!o.name && !o.capacity && !o.location && !o.clear_location) {
    throw UsageError("nothing to change: give --name, --capacity, --location or --clear-location");
  }
  if (o.location && o.clear_location) {
    throw UsageError("--location and --clear-location contradict each other");
  }
  auto [pool, service] = open_service<rooms::RoomService>(ctx, kService);
  const auto room = found(service, o.key, "room");
  auto updated = service.update(room.id, o.name, o.capacity, o.location, o.clear_location);
  if (!updated) throw core::not_found("room " + o.key + " does not exist");
  print_room(ctx, *updated, o.output);
  return kExitOk;
}

int run_room_delete(Context& ctx, const RoomDeleteOptions& o) {
  auto [pool, service] = open_service<rooms::RoomService>(ctx, kService);
  const auto room = found(service, o.key, "room");
  if (!service.remove(room.id, o.force)) throw core::not_found("room " + o.key + " does not exist");
  note(ctx, "deleted room " + std::to_string(room.id) + " (" + room.name + ")");
  return kExitOk;
}

Runner setup_room(CLI::App& app, ConfigFlags& flags) {
  Subcommands subs(app, flags, "room");

  auto [add_cmd, add] = subs.add("add", "Create a room and print it", run_room_add);
  add_cmd.add_option("name", add.name, "1-100 characters, unique")->required();
  add_cmd.add_option("--capacity", add.capacity, "Seats, 1-10000")->required();
  add_cmd.add_option("--location", add.location, "Where it is, at most 200 characters");
  add_format_option(add_cmd, add.output);

  auto [list_cmd, list] =
      subs.add("list", "List rooms in id order, a page at a time", run_room_list);
  list_cmd.add_option("--limit", list.limit, "At most this many (1-1000, default 100)");
  list_cmd.add_option("--after-id", list.after_id, "Start after this id (default 0)");
  list_cmd.add_option("--min-capacity", list.min_capacity, "Only rooms with this many seats");
  add_format_option(list_cmd, list.output);

  auto [show_cmd, show] = subs.add("show", "Print one room", run_room_show);
  show_cmd.add_option("room", show.key, "An id or a name")->required();
  add_format_option(show_cmd, show.output);

  auto [update_cmd, update] =
      subs.add("update", "Change a room's fields and print it", run_room_update);
  update_cmd.add_option("room", update.key, "An id or a name")->required();
  update_cmd.add_option("--name", update.name, "New name");
  update_cmd.add_option("--capacity", update.capacity, "New capacity");
  update_cmd.add_option("--location", update.location, "New location");
  update_cmd.add_flag("--clear-location", update.clear_location, "Remove the location");
  add_format_option(update_cmd, update.output);

  auto [delete_cmd, del] = subs.add("delete", "Delete a room", run_room_delete);
  delete_cmd.add_option("room", del.key, "An id or a name")->required();
  delete_cmd.add_flag("--force", del.force, "Also delete its bookings that have not ended");

  return subs.runner();
}

}  // namespace roombook::cmd
