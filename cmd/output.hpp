#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace roombook::cmd {

/// Rows of a listing, printed as an aligned table, CSV (RFC 4180) or a JSON
/// array of objects keyed by the column names.
struct Table {
  std::vector<std::string> columns;
  std::vector<nlohmann::ordered_json> rows;  ///< objects with those keys
};

/// `format` is table, csv or json; `single` prints one JSON object rather
/// than an array (show, add, update).
void print(std::ostream& out, const Table& table, const std::string& format, bool single = false);

}  // namespace roombook::cmd
