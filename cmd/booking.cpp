#include "cmd/booking.hpp"

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "rooms/service.hpp"

namespace roombook::cmd {

namespace {

constexpr const char* kService = "rooms";

Table bookings_table(const std::vector<rooms::Booking>& bookings) {
  Table t{{"id", "room_id", "user_id", "title", "starts_at", "ends_at", "created_at"}, {}};
  for (const auto& b : bookings) t.rows.push_back(rooms::to_json(b));
  return t;
}

std::optional<core::SysSeconds> optional_time(const char* field,
                                              const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return rooms::parse_time(field, *text);
}

std::int64_t room_id_of(rooms::RoomService& service, const std::string& key) {
  auto room = service.find(key);
  if (!room) throw core::not_found("room " + key + " does not exist");
  return room->id;
}

}  // namespace

int run_booking_add(Context& ctx, const BookingAddOptions& o) {
  auto pool = open_service_db(ctx, kService);
  rooms::RoomService service(*pool);
  rooms::BookingRequest request;
  request.user_id = o.user_id;
  request.title = o.title;
  request.interval = {rooms::parse_time("from", o.from), rooms::parse_time("to", o.to)};
  const auto room_id = room_id_of(service, o.room);
  std::unique_ptr<rooms::UserClient> users;
  if (!o.no_verify_user) {
    users = std::make_unique<rooms::UserClient>(ctx.config.user_mgmt_url(),
                                                ctx.config.user_mgmt_connect_timeout(),
                                                ctx.config.user_mgmt_timeout());
  }
  try {
    auto booking = service.book(room_id, request, users.get(), "");
    print(ctx.out, bookings_table({booking}), format_of(ctx.out_is_terminal, o.output), true);
  } catch (const core::Error& e) {
    if (e.kind() != core::ErrorKind::unavailable) throw;
    throw core::Error(core::ErrorKind::unavailable,
                      std::string("cannot verify user ") + std::to_string(o.user_id) + ": " +
                          e.what() + " (USER_MGMT_URL); add --no-verify-user to book anyway");
  }
  return kExitOk;
}

int run_booking_list(Context& ctx, const BookingListOptions& o) {
  auto pool = open_service_db(ctx, kService);
  rooms::RoomService service(*pool);
  const auto from = optional_time("from", o.from);
  const auto to = optional_time("to", o.to);
  std::vector<rooms::Booking> list;
  if (o.room) {
    list = service.room_bookings(room_id_of(service, *o.room), from, to)
               .value_or(std::vector<rooms::Booking>{});
    if (o.user_id) {
      std::erase_if(list, [&](const rooms::Booking& b) { return b.user_id != *o.user_id; });
    }
  } else {
    list = service.bookings(o.user_id, from, to);
  }
  print(ctx.out, bookings_table(list), format_of(ctx.out_is_terminal, o.output));
  return kExitOk;
}

int run_booking_cancel(Context& ctx, const BookingCancelOptions& o) {
  auto pool = open_service_db(ctx, kService);
  rooms::RoomService service(*pool);
  if (!service.cancel(o.id)) {
    throw core::not_found("booking " + std::to_string(o.id) + " does not exist");
  }
  note(ctx, "cancelled booking " + std::to_string(o.id));
  return kExitOk;
}

Runner setup_booking(CLI::App& app, ConfigFlags& flags) {
  flags.bind(app, "--database-url", "DATABASE_URL", "Database URL (DATABASE_URL)");
  app.require_subcommand(0, 1);
  auto chosen = std::make_shared<Runner>();

  auto add = std::make_shared<BookingAddOptions>();
  auto* add_cmd = app.add_subcommand("add", "Book a room and print the booking");
  add_cmd->add_option("room", add->room, "The room: an id, or a name")->required();
  add_cmd->add_option("--user", add->user_id, "The user's id in user-mgmt")->required();
  add_cmd->add_option("--from", add->from, "Start, RFC 3339: 2026-03-01T09:00:00Z")->required();
  add_cmd->add_option("--to", add->to, "End (excluded), RFC 3339, at most 24 h after --from")
      ->required();
  add_cmd->add_option("--title", add->title, "What it is for, at most 200 characters");
  add_cmd->add_flag("--no-verify-user", add->no_verify_user,
                    "Do not ask user-mgmt (USER_MGMT_URL) whether the user exists");
  add_format_option(*add_cmd, add->output);
  add_cmd->callback(
      [chosen, add] { *chosen = [add](Context& c) { return run_booking_add(c, *add); }; });

  auto list = std::make_shared<BookingListOptions>();
  auto* list_cmd = app.add_subcommand("list", "List bookings overlapping a window, by start");
  list_cmd->add_option("--room", list->room, "Only this room (id or name)");
  list_cmd->add_option("--user", list->user_id, "Only this user's");
  list_cmd->add_option("--from", list->from, "Window start, RFC 3339 (default: open)");
  list_cmd->add_option("--to", list->to, "Window end, RFC 3339 (default: open)");
  add_format_option(*list_cmd, list->output);
  list_cmd->callback(
      [chosen, list] { *chosen = [list](Context& c) { return run_booking_list(c, *list); }; });

  auto cancel = std::make_shared<BookingCancelOptions>();
  auto* cancel_cmd = app.add_subcommand("cancel", "Cancel (delete) a booking");
  cancel_cmd->add_option("id", cancel->id, "The booking's id")->required();
  cancel_cmd->callback([chosen, cancel] {
    *chosen = [cancel](Context& c) { return run_booking_cancel(c, *cancel); };
  });

  for (auto* sub : app.get_subcommands({})) sub->fallthrough();
  return [chosen](Context& ctx) {
    if (!*chosen)
      throw UsageError(
          "booking needs a subcommand: add, list, cancel (see roombook booking --help)");
    return (*chosen)(ctx);
  };
}

}  // namespace roombook::cmd
