#pragma once

// .env files: KEY=VALUE lines, blank lines, `#` comments (whole line, or
// after whitespace in an unquoted value), an optional `export ` prefix,
// 'single quotes' taken literally, "double quotes" with \n \t \r \" \\ \$
// escapes and spanning lines. No variable expansion.

#include <string>
#include <string_view>
#include <vector>

namespace roombook::config {

struct DotenvEntry {
  std::string key;
  std::string value;
  int line = 0;  ///< the line of the key, 1-based
};

/// The entries of a .env file's text, in order. Throws config::Error naming
/// `file_name` and the line for anything else.
std::vector<DotenvEntry> parse_dotenv(std::string_view text, const std::string& file_name);

/// A .env file's text. Throws config::Error naming the file when it cannot be
/// read or is larger than 1 MiB (read no further than that: a pipe or
/// /dev/zero given as --env-file cannot fill memory).
std::string read_env_file(const std::string& path);

}  // namespace roombook::config
