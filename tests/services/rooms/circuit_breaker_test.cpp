// CircuitBreaker: its states, on a clock the test moves.

#include <chrono>

#include <catch2/catch.hpp>

#include "rooms/circuit_breaker.hpp"

using roombook::rooms::BreakerOptions;
using roombook::rooms::CircuitBreaker;
using namespace std::chrono_literals;
using State = CircuitBreaker::State;

namespace {

struct Clock {
  CircuitBreaker::Clock::time_point now{};
};

CircuitBreaker breaker(Clock& clock, int threshold = 3, std::chrono::milliseconds cool_down = 5s) {
  return CircuitBreaker("user-mgmt", BreakerOptions{threshold, cool_down},
                        [&clock] { return clock.now; });
}

}  // namespace

TEST_CASE("breaker: closed lets calls through, and a success forgets earlier failures",
          "[rooms][breaker]") {
  Clock clock;
  auto b = breaker(clock);
  for (int i = 0; i < 10; ++i) {
    REQUIRE_FALSE(b.admit());
    b.failure("refused");
    REQUIRE_FALSE(b.admit());
    b.failure("refused");
    REQUIRE_FALSE(b.admit());
    b.success();  // two in a row, never three
  }
  CHECK(b.state() == State::closed);
}

TEST_CASE("breaker: failures in a row open it, open fails fast for the cool-down",
          "[rooms][breaker]") {
  Clock clock;
  auto b = breaker(clock, 3, 5s);
  for (int i = 0; i < 3; ++i) {
    REQUIRE_FALSE(b.admit());
    b.failure("timeout");
  }
  CHECK(b.state() == State::open);
  auto wait = b.admit();
  REQUIRE(wait);
  CHECK(*wait == 5s);
  clock.now += 4s;
  wait = b.admit();
  REQUIRE(wait);
  CHECK(*wait == 1s);
}

TEST_CASE("breaker: after the cool-down one probe goes through, its success closes it",
          "[rooms][breaker]") {
  Clock clock;
  auto b = breaker(clock, 2, 1s);
  b.failure("500");
  b.failure("500");
  clock.now += 1s;
  REQUIRE_FALSE(b.admit());  // the probe
  CHECK(b.state() == State::half_open);
  CHECK(b.admit());  // others still fail fast while it is out
  b.success();
  CHECK(b.state() == State::closed);
  CHECK_FALSE(b.admit());
}

TEST_CASE("breaker: a failed probe opens it again for a whole cool-down", "[rooms][breaker]") {
  Clock clock;
  auto b = breaker(clock, 1, 2s);
  b.failure("refused");
  clock.now += 2s;
  REQUIRE_FALSE(b.admit());
  b.failure("refused");
  CHECK(b.state() == State::open);
  const auto wait = b.admit();
  REQUIRE(wait);
  CHECK(*wait == 2s);
}
