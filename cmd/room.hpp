#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cmd/commands.hpp"
#include "cmd/output.hpp"

namespace roombook::cmd {

struct RoomAddOptions {
  std::string name;
  std::int64_t capacity = 0;
  std::optional<std::string> location;
  OutputOptions output;
};

struct RoomListOptions {
  std::int64_t limit = 100;
  std::int64_t after_id = 0;
  std::int64_t min_capacity = 0;
  OutputOptions output;
};

/// `key` is an id (digits only) or a name.
struct RoomShowOptions {
  std::string key;
  OutputOptions output;
};

struct RoomUpdateOptions {
  std::string key;
  std::optional<std::string> name;
  std::optional<std::int64_t> capacity;
  std::optional<std::string> location;
  bool clear_location = false;
  OutputOptions output;
};

struct RoomDeleteOptions {
  std::string key;
  bool force = false;
};

int run_room_add(Context& ctx, const RoomAddOptions& o);
int run_room_list(Context& ctx, const RoomListOptions& o);
int run_room_show(Context& ctx, const RoomShowOptions& o);
int run_room_update(Context& ctx, const RoomUpdateOptions& o);
int run_room_delete(Context& ctx, const RoomDeleteOptions& o);

}  // namespace roombook::cmd
