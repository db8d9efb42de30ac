#pragma once

// Helpers shared by the rooms tests: times from RFC 3339 text, a migrated
// database of its own (a SQLite file in a private temporary directory, or a
// PostgreSQL schema), a user directory that answers
// as told, and a look at the core::Error a call throws.

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/db.hpp"
#include "migrate/migrate.hpp"
#include "rooms/model.hpp"
#include "rooms/user_client.hpp"

namespace roombook::rooms::test {

/// The instant an RFC 3339 text names; fails the test if it does not parse.
inline core::SysSeconds at(const std::string& text) {
  std::string error;
  const auto t = core::parse_rfc3339(text, error);
  INFO(text << ": " << error);
  REQUIRE(t);
  return *t;
}

inline Interval between(const std::string& from, const std::string& to) {
  return Interval{at(from), at(to)};
}

inline BookingRequest booking_request(std::int64_t user_id, const std::string& from,
                                      const std::string& to, const std::string& title = "") {
  return BookingRequest{user_id, title, between(from, to)};
}

using roombook::test::TempDir;

/// A fresh database of the test database's kind with the real schema.
class MigratedDb {
 public:
  explicit MigratedDb(std::size_t max_connections = 4)
      : pool_(db::open(database_.url(), {.max_connections = max_connections})) {
    migrate::Engine(*pool_, migrate::assemble(migrate::embedded(), pool_->dialect()))
        .up(std::nullopt, std::nullopt, false);
  }
  db::Pool& pool() { return *pool_; }

  /// How many bookings the database holds, whatever their room or time.
  std::int64_t booking_count() {
    static const db::Query kCount{"test.count_bookings", "SELECT COUNT(*) FROM bookings"};
    auto conn = pool_->acquire();
    return conn->query(kCount).at(0).integer(0);
  }

 private:
  // In this order: the pool closes before its database goes, then the directory.
  TempDir dir_;
  roombook::test::TestDatabase database_{dir_.path(), "rooms.db"};
  std::unique_ptr<db::Pool> pool_;
};

/// A user-mgmt stand-in: the users it knows exist, the others do not; with
/// `down` set it cannot tell. Records every question.
class FakeUsers : public UserDirectory {
 public:
  explicit FakeUsers(std::vector<std::int64_t> known = {}) : known_(std::move(known)) {}

  bool exists(std::int64_t user_id, const std::string& request_id) override {
    std::lock_guard lock(mutex_);
    calls_.push_back({user_id, request_id});
    if (down) throw core::Error(core::ErrorKind::unavailable, "user-mgmt is down");
    for (auto id : known_) {
      if (id == user_id) return true;
    }
    return false;
  }

  struct Call {
    std::int64_t user_id;
    std::string request_id;
  };
  std::vector<Call> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

  bool down = false;

 private:
  std::vector<std::int64_t> known_;
  std::mutex mutex_;
  std::vector<Call> calls_;
};

/// The core::Error that f throws; fails the test otherwise.
template <class F>
core::Error error_of(F&& f) {
  return roombook::test::thrown<core::Error>(std::forward<F>(f));
}

/// Contains(), for messages.
inline Catch::Matchers::StdString::ContainsMatcher mentions(const std::string& text) {
  return Catch::Matchers::Contains(text);
}

}  // namespace roombook::rooms::test
