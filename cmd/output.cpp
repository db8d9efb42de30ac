#include "cmd/output.hpp"

#include <algorithm>

#include <CLI/CLI.hpp>

namespace roombook::cmd {

namespace {

std::string cell(const nlohmann::ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

/// Display width: count UTF-8 lead bytes, so accented names stay aligned.
std::size_t width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

void add_format_option(CLI::App& app, OutputOptions& options) {
  app.add_option("--format", options.format,
                 "table, json or csv (default: table on a terminal, else json)")
      ->check(CLI::IsMember({"table", "json", "csv"}));
}

std::string format_of(bool out_is_terminal, const OutputOptions& options) {
  return options.format.value_or(out_is_terminal ? "table" : "json");
}

void print(std::ostream& out, const Table& table, const std::string& format, bool single) {
  if (format == "json") {
    if (single && table.rows.size() == 1) {
      out << table.rows.front().dump(2) << "\n";
    } else {
      out << nlohmann::ordered_json(table.rows).dump(2) << "\n";
    }
    return;
  }
  if (format == "csv") {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      out << (i ? "," : "") << csv_field(table.columns[i]);
    }
    out << "\r\n";
    for (const auto& row : table.rows) {
      for (std::size_t i = 0; i < table.columns.size(); ++i) {
        out << (i ? "," : "")
            << csv_field(cell(row.value(table.columns[i], nlohmann::ordered_json())));
      }
      out << "\r\n";
    }
    return;
  }
  std::vector<std::size_t> widths;
  for (const auto& c : table.columns) widths.push_back(width(c));
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      widths[i] =
          std::max(widths[i], width(cell(row.value(table.columns[i], nlohmann::ordered_json()))));
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out << cells[i];
      if (i + 1 < cells.size()) out << std::string(widths[i] - width(cells[i]) + 2, ' ');
    }
    out << "\n";
  };
  std::vector<std::string> header;
  for (const auto& c : table.columns) {
    std::string upper = c;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    header.push_back(upper);
  }
  line(header);
  for (const auto& row : table.rows) {
    std::vector<std::string> cells;
    for (const auto& c : table.columns)
      cells.push_back(cell(row.value(c, nlohmann::ordered_json())));
    line(cells);
  }
}

}  // namespace roombook::cmd
