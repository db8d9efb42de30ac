#include "core/error.hpp"

namespace roombook::core {

Error invalid(std::string field, std::string detail) {
  return Error(ErrorKind::invalid, std::move(detail), std::move(field));
}

Error not_found(std::string detail) { return Error(ErrorKind::not_found, std::move(detail)); }

Error conflict(std::string detail) { return Error(ErrorKind::conflict, std::move(detail)); }

}  // namespace roombook::core
