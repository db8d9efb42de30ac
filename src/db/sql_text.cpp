#include "db/sql_text.hpp"

#include <algorithm>
#include <cctype>

namespace roombook::db::detail {

namespace {

// Statement text quoted in error messages is cut here.
constexpr std::size_t kMaxQuotedSql = 300;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

/// The tag of a dollar quote starting at sql[i] ("$$" or "$name$"), or "".
std::string_view dollar_tag(std::string_view sql, std::size_t i) {
  if (sql[i] != '$') return {};
  std::size_t j = i + 1;
  while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) {
    ++j;
  }
  // "$1" is a placeholder, not a tag: a tag does not start with a digit.
  if (j >= sql.size() || sql[j] != '$' ||
      (j > i + 1 && std::isdigit(static_cast<unsigned char>(sql[i + 1])))) {
    return {};
  }
  return sql.substr(i, j + 1 - i);
}

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

/// Past the end of PostgreSQL's escape string (E'...') whose opening quote is
/// sql[i]: a backslash escapes the next byte, a doubled quote is one quote.
std::size_t past_escape_string(std::string_view sql, std::size_t i) {
  for (std::size_t j = i + 1; j < sql.size(); ++j) {
    if (sql[j] == '\\') {
      ++j;
    } else if (sql[j] == '\'') {
      if (j + 1 < sql.size() && sql[j + 1] == '\'') {
        ++j;
      } else {
        return j + 1;
      }
    }
  }
  return sql.size();
}

/// Past the end of PostgreSQL's block comment at sql[i], which nests.
std::size_t past_nested_comment(std::string_view sql, std::size_t i) {
  std::size_t depth = 0;
  for (std::size_t j = i; j + 1 < sql.size(); ++j) {
    if (sql[j] == '/' && sql[j + 1] == '*') {
      ++depth;
      ++j;
    } else if (sql[j] == '*' && sql[j + 1] == '/') {
      ++j;
      if (--depth == 0) return j + 1;
    }
  }
  return sql.size();
}

}  // namespace

std::size_t skip_quoted_or_comment(std::string_view sql, std::size_t i, Quoting quoting) {
  auto past = [&](std::size_t found, std::size_t len) {
    return found == std::string_view::npos ? sql.size() : found + len;
  };
  const char c = sql[i];
  const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
  if (quoting == Quoting::postgres) {
    // E'it\'s': the E is a word of its own, not the end of one (name'...').
    if (c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
        (i == 1 || !is_word(sql[i - 2]))) {
      return past_escape_string(sql, i);
    }
    if (c == '/' && next == '*') return past_nested_comment(sql, i);
  }
  if (c == '\'' || c == '"') return past(sql.find(c, i + 1), 1);
  if (c == '-' && next == '-') return past(sql.find('\n', i + 2), 1);
  if (c == '/' && next == '*') return past(sql.find("*/", i + 2), 2);
  if (quoting == Quoting::sqlite) {
    if (c == '`') return past(sql.find(c, i + 1), 1);
    if (c == '[') return past(sql.find(']', i + 1), 1);
  } else if (const auto tag = dollar_tag(sql, i); !tag.empty()) {
    return past(sql.find(tag, i + tag.size()), tag.size());
  }
  return i;
}

std::vector<std::string_view> split_statements(std::string_view sql, Quoting quoting) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  const auto flush = [&](std::size_t end) {
    const auto statement = sql.substr(start, end - start);
    if (!quote_statement(statement).empty()) out.push_back(statement);
  };
  for (std::size_t i = 0; i < sql.size();) {
    if (const auto skip = skip_quoted_or_comment(sql, i, quoting); skip != i) {
      i = skip;
      continue;
    }
    if (sql[i] == ';') {
      flush(i + 1);
      start = i + 1;
    }
    ++i;
  }
  flush(sql.size());
  return out;
}

std::string quote_statement(std::string_view s) {
  for (;;) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    if (s.starts_with("--") || s.starts_with("/*")) {
      s.remove_prefix(std::min(skip_quoted_or_comment(s, 0, Quoting::sqlite), s.size()));
    } else {
      break;
    }
  }
  while (!s.empty() && (is_space(s.back()) || s.back() == ';')) s.remove_suffix(1);
  if (s.size() > kMaxQuotedSql) return std::string(s.substr(0, kMaxQuotedSql)) + "...";
  return std::string(s);
}

std::string label(const Query& q) {
  return q.name.empty() ? quote_statement(q.sql) : std::string(q.name);
}

}  // namespace roombook::db::detail
