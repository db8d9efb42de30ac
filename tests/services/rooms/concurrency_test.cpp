// No double booking under concurrency: threads of one process racing for the
// same slots through one pool on one database file.

#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/time.hpp"
#include "db/db.hpp"
#include "rooms/service.hpp"
#include "test_support.hpp"

using namespace roombook;
using namespace roombook::rooms;
using namespace std::chrono_literals;
using roombook::rooms::test::at;
using roombook::rooms::test::MigratedDb;

namespace {

constexpr int kThreads = 8;
constexpr int kRooms = 3;
constexpr int kSlots = 4;

// Pairs of bookings of one room that share an instant: must be none.
const db::Query kOverlappingPairs{
    "test.overlapping_pairs",
    "SELECT b1.id, b2.id, b1.starts_at, b1.ends_at, b2.starts_at, b2.ends_at"
    " FROM bookings b1 JOIN bookings b2"
    " ON b1.room_id = b2.room_id AND b1.id < b2.id"
    " AND b1.starts_at < b2.ends_at AND b2.starts_at < b1.ends_at"};

}  // namespace

TEST_CASE("rooms concurrency: 8 threads racing for the same slots, exactly one wins each",
          "[rooms][concurrency]") {
  MigratedDb db(kThreads);
  RoomService service(db.pool());
  std::vector<std::int64_t> rooms;
  for (int r = 0; r < kRooms; ++r) {
    rooms.push_back(service.create({"room " + std::to_string(r), 10, std::nullopt}).id);
  }
  // Slot s starts at 08:00 + 2 h * s. Thread t asks for it shifted by t
  // minutes, one hour long: every thread's request for a slot overlaps every
  // other thread's, and slots two hours apart never do.
  const auto day = at("2026-03-01T08:00:00Z");

  std::mutex mutex;
  // wins[room][slot]
  std::vector<std::vector<int>> wins(kRooms, std::vector<int>(kSlots, 0));
  int conflicts = 0;
  std::vector<std::string> other_errors;
  std::latch start(kThreads);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int r = 0; r < kRooms; ++r) {
        for (int s = 0; s < kSlots; ++s) {
          const auto from = day + std::chrono::hours(2 * s) + std::chrono::minutes(t);
          const BookingRequest request{t + 1, "thread " + std::to_string(t), {from, from + 1h}};
          try {
            service.book(rooms[r], request, nullptr, "");
            std::lock_guard lock(mutex);
            ++wins[r][s];
          } catch (const BookingConflict&) {
            std::lock_guard lock(mutex);
            ++conflicts;
          } catch (const std::exception& e) {
            // core unavailable, db busy or anything else: a client would see
            // an error where it should see a clean 409.
            std::lock_guard lock(mutex);
            other_errors.push_back(e.what());
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();

  INFO("errors other than BookingConflict: " << other_errors.size());
  for (const auto& e : other_errors) UNSCOPED_INFO(e);
  CHECK(other_errors.empty());
  for (int r = 0; r < kRooms; ++r) {
    for (int s = 0; s < kSlots; ++s) {
      CAPTURE(r, s);
      CHECK(wins[r][s] == 1);
    }
  }
  CHECK(conflicts == kRooms * kSlots * (kThreads - 1));
  CHECK(db.booking_count() == kRooms * kSlots);

  auto conn = db.pool().acquire();
  const auto pairs = conn->query(kOverlappingPairs);
  for (const auto& p : pairs) {
    UNSCOPED_INFO("bookings " << p.integer(0) << " [" << p.text(2) << ", " << p.text(3) << ") and "
                              << p.integer(1) << " [" << p.text(4) << ", " << p.text(5)
                              << ") overlap");
  }
  CHECK(pairs.empty());
}
