#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace CLI {
class App;
}

namespace roombook::cmd {

/// table, json or csv; unset: a table on a terminal, JSON otherwise.
struct OutputOptions {
  std::optional<std::string> format;
};

/// Adds --format to a command.
void add_format_option(CLI::App& app, OutputOptions& options);

/// The format to print in: the one asked for, else by where stdout goes.
std::string format_of(bool out_is_terminal, const OutputOptions& options);

/// Rows of a listing, printed as an aligned table, CSV (RFC 4180) or a JSON
/// array of objects keyed by the column names.
struct Table {
  std::vector<std::string> columns;
  std::vector<nlohmann::ordered_json> rows;  ///< objects with those keys
};

/// A listing of records, each row its to_json().
template <class T>
Table table_of(std::vector<std::string> columns, const std::vector<T>& items) {
  Table t{std::move(columns), {}};
  for (const auto& item : items) t.rows.push_back(to_json(item));
  return t;
}

/// `format` is table, csv or json; `single` prints one JSON object rather
/// than an array (show, add, update).
void print(std::ostream& out, const Table& table, const std::string& format, bool single = false);

}  // namespace roombook::cmd
