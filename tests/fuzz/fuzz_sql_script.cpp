// Fuzzes the data layer's reading of SQL scripts (src/db/sql_text.hpp), with
// both quotings: split_statements, which cuts a migration script into the
// statements that the PostgreSQL backend's execute_script runs one by one,
// and quote_statement, which every backend's error message quotes a failing
// statement with. Pure text: no database runs the statements (SQLite's own
// execute_script hands the whole script to sqlite3_prepare_v2, which SQLite's
// own fuzzing covers, and an arbitrary script can loop or fill memory).
//
// Checked beside the sanitizers, for each quoting:
// - the statements are pieces of the script, in order, not overlapping, and
//   what lies between two of them splits into no statement at all;
// - each statement split again is itself alone;
// - each one quotes as non-empty text of at most 300 bytes and "...";
// - skipping a quote or comment never moves back nor past the end.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/sql_text.hpp"

namespace {

using roombook::db::detail::quote_statement;
using roombook::db::detail::Quoting;
using roombook::db::detail::skip_quoted_or_comment;
using roombook::db::detail::split_statements;

void check(std::string_view sql, Quoting quoting) {
  const auto statements = split_statements(sql, quoting);
  std::size_t end = 0;  // where the previous statement ended
  for (const auto statement : statements) {
    if (statement.empty() || statement.data() < sql.data() ||
        statement.data() + statement.size() > sql.data() + sql.size()) {
      __builtin_trap();
    }
    const auto start = static_cast<std::size_t>(statement.data() - sql.data());
    if (start < end) __builtin_trap();
    if (!split_statements(sql.substr(end, start - end), quoting).empty()) __builtin_trap();
    end = start + statement.size();

    const auto alone = split_statements(statement, quoting);
    if (alone.size() != 1 || alone[0] != statement) __builtin_trap();
    const std::string quoted = quote_statement(statement);
    if (quoted.empty() || quoted.size() > 303) __builtin_trap();
    const std::size_t skip = skip_quoted_or_comment(sql, start, quoting);
    if (skip < start || skip > sql.size()) __builtin_trap();
  }
  if (!split_statements(sql.substr(end), quoting).empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view sql(reinterpret_cast<const char*>(data), size);
  check(sql, Quoting::sqlite);
  check(sql, Quoting::postgres);
  if (quote_statement(sql).size() > 303) __builtin_trap();
  return 0;
}
