#pragma once

// Private to src/db: reading SQL text as far as the backends need to, for
// their placeholders, their scripts and their error messages.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "db/db.hpp"

namespace roombook::db::detail {

enum class Quoting {
  sqlite,    ///< '...', "...", `...`, [...]
  postgres,  ///< '...', "...", E'...\'...', dollar quotes ($$...$$, $tag$...$tag$);
             ///< block comments nest
};

/// If a string literal, quoted identifier or comment starts at sql[i], the
/// index just past it; otherwise i. An unterminated one runs to the end (the
/// engine then reports the syntax error). A doubled quote ('it''s') reads as
/// two adjacent literals, which skips it correctly.
std::size_t skip_quoted_or_comment(std::string_view sql, std::size_t i, Quoting quoting);

/// The statements of a script, split at the ';' outside quotes and comments;
/// blank ones (only comments) left out.
std::vector<std::string_view> split_statements(std::string_view sql, Quoting quoting);

/// The statement as a reader wants to see it in an error message: without the
/// comments before it, surrounding blanks or the final ';', cut at 300 bytes.
std::string quote_statement(std::string_view s);

/// The name of a query for messages, else its text.
std::string label(const Query& q);

}  // namespace roombook::db::detail
