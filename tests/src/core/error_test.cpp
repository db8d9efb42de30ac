// core::Error: the kind and the field that the HTTP server and dispatch() read.

#include <catch2/catch.hpp>

#include "core/error.hpp"

using namespace roombook::core;

TEST_CASE("core core::Error: shorthands carry kind, detail and field", "[core][error]") {
  const Error bad = invalid("username", "username is required");
  CHECK(bad.kind() == ErrorKind::invalid);
  CHECK(bad.field() == "username");
  CHECK(std::string(bad.what()) == "username is required");

  const Error missing = not_found("user 7 does not exist");
  CHECK(missing.kind() == ErrorKind::not_found);
  CHECK(missing.field().empty());
  CHECK(std::string(missing.what()) == "user 7 does not exist");

  const Error taken = conflict("username \"ada\" is already taken");
  CHECK(taken.kind() == ErrorKind::conflict);
  CHECK(taken.field().empty());
}
