// rooms::overlaps: the rule that decides whether two bookings collide.
// Intervals are half-open [starts_at, ends_at): back-to-back meetings fit.

#include <catch2/catch.hpp>

#include "rooms/model.hpp"
#include "test_support.hpp"

using roombook::rooms::Interval;
using roombook::rooms::overlaps;
using roombook::rooms::test::between;

namespace {

/// Checks the rule both ways round: overlap is symmetric.
void check_overlap(const Interval& a, const Interval& b, bool expected) {
  CHECK(overlaps(a, b) == expected);
  CHECK(overlaps(b, a) == expected);
}

}  // namespace

TEST_CASE("rooms overlaps: touching intervals do not overlap, in either order",
          "[rooms][overlap]") {
  const auto ten_to_eleven = between("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z");
  const auto eleven_to_noon = between("2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z");
  CHECK_FALSE(overlaps(ten_to_eleven, eleven_to_noon));
  CHECK_FALSE(overlaps(eleven_to_noon, ten_to_eleven));
}

TEST_CASE("rooms overlaps: one interval containing the other overlaps, both ways",
          "[rooms][overlap]") {
  const auto morning = between("2026-03-01T08:00:00Z", "2026-03-01T12:00:00Z");
  const auto standup = between("2026-03-01T09:00:00Z", "2026-03-01T09:15:00Z");
  check_overlap(morning, standup, true);
  // Containment sharing an edge.
  check_overlap(morning, between("2026-03-01T08:00:00Z", "2026-03-01T09:00:00Z"), true);
  check_overlap(morning, between("2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z"), true);
}

TEST_CASE("rooms overlaps: identical intervals overlap", "[rooms][overlap]") {
  const auto a = between("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z");
  const auto b = between("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z");
  CHECK(overlaps(a, a));
  check_overlap(a, b, true);
}

TEST_CASE("rooms overlaps: partial overlap and a one-second overlap", "[rooms][overlap]") {
  const auto a = between("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z");
  check_overlap(a, between("2026-03-01T10:30:00Z", "2026-03-01T11:30:00Z"), true);
  check_overlap(a, between("2026-03-01T09:30:00Z", "2026-03-01T10:30:00Z"), true);
  // One second in common at either end...
  check_overlap(a, between("2026-03-01T10:59:59Z", "2026-03-01T12:00:00Z"), true);
  check_overlap(a, between("2026-03-01T09:00:00Z", "2026-03-01T10:00:01Z"), true);
  // ...and none at all one second further away.
  check_overlap(a, between("2026-03-01T11:00:01Z", "2026-03-01T12:00:00Z"), false);
  check_overlap(a, between("2026-03-01T08:00:00Z", "2026-03-01T09:59:59Z"), false);
}

TEST_CASE("rooms overlaps: an interval across midnight", "[rooms][overlap]") {
  const auto night = between("2026-03-01T23:00:00Z", "2026-03-02T01:00:00Z");
  check_overlap(night, between("2026-03-02T00:30:00Z", "2026-03-02T00:45:00Z"), true);
  check_overlap(night, between("2026-03-01T22:00:00Z", "2026-03-01T23:00:00Z"), false);
  check_overlap(night, between("2026-03-02T01:00:00Z", "2026-03-02T02:00:00Z"), false);
  // The same clock time on the wrong day does not collide.
  check_overlap(night, between("2026-03-01T00:30:00Z", "2026-03-01T00:45:00Z"), false);
}

TEST_CASE("rooms overlaps: times with offsets compare as instants", "[rooms][overlap]") {
  // 10:00+02:00 is 08:00Z.
  const auto local = between("2026-03-01T10:00:00+02:00", "2026-03-01T11:00:00+02:00");
  check_overlap(local, between("2026-03-01T08:30:00Z", "2026-03-01T09:30:00Z"), true);
  check_overlap(local, between("2026-03-01T09:00:00Z", "2026-03-01T10:00:00Z"), false);
  // The same wall-clock hour in UTC is two hours later.
  check_overlap(local, between("2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z"), false);
  // Offsets on both sides: 08:30-04:00 is 12:30Z, 14:00+01:00 is 13:00Z.
  check_overlap(between("2026-03-01T08:30:00-04:00", "2026-03-01T09:30:00-04:00"),
                between("2026-03-01T14:00:00+01:00", "2026-03-01T15:00:00+01:00"), true);
}
