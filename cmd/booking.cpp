#include "cmd/booking.hpp"

#include "cmd/subcommands.hpp"
#include "core/error.hpp"
#include "rooms/service.hpp"

namespace roombook::cmd {

namespace {

constexpr const char* kService = "rooms";

Table bookings_table(const std::vector<rooms::Booking>& bookings) {
  return table_of({"id", "room_id", "user_id", "title", "starts_at", "ends_at", "created_at"},
                  bookings);
}

std::optional<core::SysSeconds> optional_time(const char* field,
                                              const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return rooms::parse_time(field, *text);
}

}  // namespace

int run_booking_add(Context& ctx, const BookingAddOptions& o) {
  auto [pool, service] = open_service<rooms::RoomService>(ctx, kService);
  rooms::BookingRequest request;
  request.user_id = o.user_id;
  request.title = o.title;
  request.interval = {rooms::parse_time("from", o.from), rooms::parse_time("to", o.to)};
  const auto room_id = found(service, o.room, "room").id;
  std::unique_ptr<rooms::UserClient> users;
  if (!o.no_verify_user) users = std::make_unique<rooms::UserClient>(ctx.config.user_mgmt());
  auto booking = service.book(room_id, request, users.get(), "");
  print(ctx.out, bookings_table({booking}), format_of(ctx.out_is_terminal, o.output), true);
  return kExitOk;
}

int run_booking_list(Context& ctx, const BookingListOptions& o) {
  auto [pool, service] = open_service<rooms::RoomService>(ctx, kService);
  rooms::BookingQuery query;
  if (o.room) query.room_id = found(service, *o.room, "room").id;
  query.user_id = o.user_id;
  query.from = optional_time("from", o.from);
  query.to = optional_time("to", o.to);
  print(ctx.out, bookings_table(service.bookings(query)), format_of(ctx.out_is_terminal, o.output));
  return kExitOk;
}

int run_booking_cancel(Context& ctx, const BookingCancelOptions& o) {
  auto [pool, service] = open_service<rooms::RoomService>(ctx, kService);
  if (!service.cancel(o.id)) {
    throw core::not_found("booking " + std::to_string(o.id) + " does not exist");
  }
  note(ctx, "cancelled booking " + std::to_string(o.id));
  return kExitOk;
}

Runner setup_booking(CLI::App& app, ConfigFlags& flags) {
  Subcommands subs(app, flags, "booking");

  auto [add_cmd, add] = subs.add("add", "Book a room and print the booking", run_booking_add);
  add_cmd.add_option("room", add.room, "The room: an id, or a name")->required();
  add_cmd.add_option("--user", add.user_id, "The user's id in user-mgmt")->required();
  add_cmd.add_option("--from", add.from, "Start, RFC 3339: 2026-03-01T09:00:00Z")->required();
  add_cmd.add_option("--to", add.to, "End (excluded), RFC 3339, at most 24 h after --from")
      ->required();
  add_cmd.add_option("--title", add.title, "What it is for, at most 200 characters");
  add_cmd.add_flag("--no-verify-user", add.no_verify_user,
                   "Do not ask user-mgmt (USER_MGMT_URL) whether the user exists");
  add_format_option(add_cmd, add.output);

  auto [list_cmd, list] =
      subs.add("list", "List bookings overlapping a window, by start", run_booking_list);
  list_cmd.add_option("--room", list.room, "Only this room (id or name)");
  list_cmd.add_option("--user", list.user_id, "Only this user's");
  list_cmd.add_option("--from", list.from, "Window start, RFC 3339 (default: open)");
  list_cmd.add_option("--to", list.to, "Window end, RFC 3339 (default: open)");
  add_format_option(list_cmd, list.output);

  auto [cancel_cmd, cancel] = subs.add("cancel", "Cancel (delete) a booking", run_booking_cancel);
  cancel_cmd.add_option("id", cancel.id, "The booking's id")->required();

  return subs.runner();
}

}  // namespace roombook::cmd
