#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

namespace roombook::rooms {

struct BreakerOptions {
  /// Failures in a row that open the circuit.
  int failure_threshold = 5;
  /// How long an open circuit fails calls at once before it lets one through.
  std::chrono::milliseconds cool_down{5000};
};

/// A circuit breaker around calls to another service. Closed, calls go
/// through, and `failure_threshold` failures in a row open it. Open, calls
/// fail at once, without waiting on the service, for `cool_down`; then one
/// call is let through as a probe (half-open): its success closes the
/// circuit, its failure opens it again. Every change of state is logged.
/// Thread-safe.
class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;
  enum class State { closed, open, half_open };

  CircuitBreaker(std::string name, BreakerOptions options,
                 std::function<Clock::time_point()> now = Clock::now);

  /// Before a call: nullopt to make it; otherwise fail fast, and retry after
  /// the time returned.
  std::optional<std::chrono::milliseconds> admit();
  /// After a call that was admitted.
  void success();
  void failure(const std::string& why);

  State state() const;

 private:
  const std::string name_;
  const BreakerOptions options_;
  const std::function<Clock::time_point()> now_;
  mutable std::mutex mutex_;
  State state_ = State::closed;
  int failures_ = 0;
  Clock::time_point opened_at_{};
  bool probing_ = false;
};

}  // namespace roombook::rooms
