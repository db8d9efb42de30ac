#pragma once

// Finding a record by what an operator types: its id or its name.

#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/text.hpp"

namespace roombook::core {

/// How a kind of record is named, for the ambiguity message.
struct Naming {
  const char* noun;       ///< "user"
  const char* name_noun;  ///< "username"
};

/// The record whose id or name is `key`. Names may be all digits too
/// ("101"): digits that are the id of one record and the name of another
/// are ambiguous, and refused (core::Error invalid) naming both, rather
/// than guessed. `by_id(id)` and `by_name(key)` return std::optional<T>;
/// T has `id`, and `name_of(t)` gives its name.
template <class ById, class ByName, class NameOf>
auto find_by_id_or_name(const std::string& key, ById by_id, ByName by_name, NameOf name_of,
                        const Naming& naming) -> decltype(by_name(key)) {
  auto named = by_name(key);
  const auto id = parse_id(key);
  decltype(named) with_id = id ? by_id(*id) : std::nullopt;
  if (with_id && named && with_id->id != named->id) {
    throw invalid("", "\"" + key + "\" is the id of " + naming.noun + " " +
                          std::to_string(with_id->id) + " (" + name_of(*with_id) + ") and the " +
                          naming.name_noun + " of " + naming.noun + " " +
                          std::to_string(named->id) + "; give the id of the one you mean");
  }
  return with_id ? with_id : named;
}

}  // namespace roombook::core
