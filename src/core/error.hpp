#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

namespace roombook::core {

/// What went wrong, in terms both front ends understand: the HTTP server maps
/// it to a status code, dispatch() to an exit code and a message on stderr.
enum class ErrorKind {
  invalid,        ///< bad input: 400 / exit 1
  not_found,      ///< 404 / exit 1
  conflict,       ///< a rule of the data forbids it (duplicate name): 409 / exit 1
  unavailable,    ///< a dependency is down or busy: 503 / exit 1
  unprocessable,  ///< well-formed but refers to something that does not exist: 422 / exit 1
};

/// A domain error raised by service logic. `field` names the offending input
/// field for `invalid` errors, so clients can point at it.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string detail, std::string field = {})
      : std::runtime_error(detail), kind_(kind), field_(std::move(field)) {}

  ErrorKind kind() const noexcept { return kind_; }
  const std::string& field() const noexcept { return field_; }
  /// For `unavailable`: when trying again makes sense, if known (HTTP's
  /// Retry-After).
  const std::optional<std::chrono::seconds>& retry_after() const noexcept { return retry_after_; }
  Error& with_retry_after(std::chrono::seconds s) {
    retry_after_ = s;
    return *this;
  }

 private:
  ErrorKind kind_;
  std::string field_;
  std::optional<std::chrono::seconds> retry_after_;
};

/// Shorthands for the common cases.
Error invalid(std::string field, std::string detail);
Error not_found(std::string detail);
Error conflict(std::string detail);

}  // namespace roombook::core
