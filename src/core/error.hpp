#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

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

/// A way out of an error that a front end offers in its own syntax: the API
/// as a query parameter (?force=true), the command line as a flag (--force).
struct Remedy {
  std::string option;       ///< "force"
  std::string effect;       ///< "to delete them with the room"
  std::string alternative;  ///< what else would do, or "": "cancel them"
  bool in_api = true;       ///< false: only the command line has the option
};

/// A domain error raised by service logic, carrying what a message needs.
/// The services never word it for a front end: the HTTP layer turns it into
/// a problem document and dispatch() into a line on stderr, each adding the
/// remedy in its own syntax. `field` names the offending input field of an
/// `invalid` error, so clients can point at it.
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

  /// What went wrong underneath, for the server's log and the operator's
  /// terminal, never for an API client: where another service lives and how
  /// it failed.
  const std::string& cause() const noexcept { return cause_; }
  Error& with_cause(std::string cause) {
    cause_ = std::move(cause);
    return *this;
  }

  /// Data for the client beside the words: members of the problem document
  /// ({"conflicting_booking": {...}}).
  const nlohmann::ordered_json& data() const noexcept { return data_; }
  Error& with_data(nlohmann::ordered_json data) {
    data_ = std::move(data);
    return *this;
  }

  const std::optional<Remedy>& remedy() const noexcept { return remedy_; }
  Error& with_remedy(Remedy remedy) {
    remedy_ = std::move(remedy);
    return *this;
  }

 private:
  ErrorKind kind_;
  std::string field_;
  std::optional<std::chrono::seconds> retry_after_;
  std::string cause_;
  nlohmann::ordered_json data_ = nlohmann::ordered_json::object();
  std::optional<Remedy> remedy_;
};

/// Shorthands for the common cases.
Error invalid(std::string field, std::string detail);
Error not_found(std::string detail);
Error conflict(std::string detail);

}  // namespace roombook::core
