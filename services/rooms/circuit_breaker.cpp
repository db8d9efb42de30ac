#include "rooms/circuit_breaker.hpp"

#include "log/log.hpp"

namespace roombook::rooms {

namespace {

long long seconds(std::chrono::milliseconds ms) { return (ms.count() + 999) / 1000; }

}  // namespace

CircuitBreaker::CircuitBreaker(std::string name, BreakerOptions options,
                               std::function<Clock::time_point()> now)
    : name_(std::move(name)), options_(options), now_(std::move(now)) {}

std::optional<std::chrono::milliseconds> CircuitBreaker::admit() {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case State::closed:
      return std::nullopt;
    case State::open: {
      const auto waited =
          std::chrono::duration_cast<std::chrono::milliseconds>(now_() - opened_at_);
      if (waited < options_.cool_down) return options_.cool_down - waited;
      state_ = State::half_open;
      probing_ = true;
      log::get("rooms")->info("{}: circuit half-open after {} s; letting one call through", name_,
                              seconds(options_.cool_down));
      return std::nullopt;
    }
    case State::half_open:
      // One probe at a time; the others fail fast until it is answered.
      if (probing_) return std::chrono::milliseconds(1000);
      probing_ = true;
      return std::nullopt;
  }
  return std::nullopt;
}

void CircuitBreaker::success() {
  std::lock_guard lock(mutex_);
  failures_ = 0;
  if (state_ != State::closed) {
    state_ = State::closed;
    probing_ = false;
    log::get("rooms")->info("{}: circuit closed; it answers again", name_);
  }
}

void CircuitBreaker::failure(const std::string& why) {
  std::lock_guard lock(mutex_);
  if (state_ == State::half_open) {
    state_ = State::open;
    probing_ = false;
    opened_at_ = now_();
    log::get("rooms")->warn("{}: circuit open again, the probe failed ({}); failing fast for {} s",
                            name_, why, seconds(options_.cool_down));
    return;
  }
  if (state_ == State::open) return;
  if (++failures_ >= options_.failure_threshold) {
    state_ = State::open;
    opened_at_ = now_();
    log::get("rooms")->warn(
        "{}: circuit open after {} failures in a row (last: {}); failing fast "
        "for {} s",
        name_, failures_, why, seconds(options_.cool_down));
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace roombook::rooms
