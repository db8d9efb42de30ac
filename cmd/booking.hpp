#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cmd/commands.hpp"
#include "cmd/output.hpp"

namespace roombook::cmd {

struct BookingAddOptions {
  std::string room;  ///< id or name
  std::int64_t user_id = 0;
  std::string from;  ///< RFC 3339
  std::string to;
  std::string title;
  bool no_verify_user = false;
  OutputOptions output;
};

struct BookingListOptions {
  std::optional<std::string> room;  ///< id or name
  std::optional<std::int64_t> user_id;
  std::optional<std::string> from;
  std::optional<std::string> to;
  OutputOptions output;
};

struct BookingCancelOptions {
  std::int64_t id = 0;
};

int run_booking_add(Context& ctx, const BookingAddOptions& o);
int run_booking_list(Context& ctx, const BookingListOptions& o);
int run_booking_cancel(Context& ctx, const BookingCancelOptions& o);

}  // namespace roombook::cmd
