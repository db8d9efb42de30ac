// .env files: the syntax config::Config::load() reads settings in.

#include "config/dotenv.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "config/config.hpp"

namespace roombook::config {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_start(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

std::string_view trim(std::string_view s) {
  s = trim_start(s);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool valid_key(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

std::vector<DotenvEntry> parse_dotenv(std::string_view text, const std::string& file_name) {
  const auto lines = split_lines(text);
  std::vector<DotenvEntry> entries;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int line_no = static_cast<int>(i) + 1;
    int error_line = line_no;  // moves on to the closing quote of a multi-line value
    const auto fail = [&](const std::string& what) {
      return Error(file_name + ":" + std::to_string(error_line) + ": " + what);
    };
    // After the closing quote only a comment may follow.
    const auto check_after_quote = [&](std::string_view after) {
      after = trim(after);
      if (!after.empty() && after.front() != '#') {
        throw fail("unexpected text after the closing quote");
      }
    };

    // Trimmed at its start only: its end may be inside a quoted value that
    // spans lines, whose blanks are part of the value.
    std::string_view line = trim_start(lines[i]);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export") && line.size() > 6 && is_blank(line[6])) {
      line.remove_prefix(6);
      line = trim_start(line);
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) throw fail("expected KEY=VALUE");
    const std::string_view key = trim(line.substr(0, eq));
    if (!valid_key(key)) {
      throw fail("invalid variable name \"" + std::string(key) +
                 "\" (letters, digits and _, not starting with a digit)");
    }
    const std::string_view raw = line.substr(eq + 1);
    std::string_view rest = raw;
    while (!rest.empty() && is_blank(rest.front())) rest.remove_prefix(1);

    std::string value;
    if (!rest.empty() && rest.front() == '\'') {
      const auto close = rest.find('\'', 1);
      if (close == std::string_view::npos) throw fail("unterminated single quote");
      value = rest.substr(1, close - 1);
      check_after_quote(rest.substr(close + 1));
    } else if (!rest.empty() && rest.front() == '"') {
      // May span lines: keep reading until the closing quote.
      std::size_t pos = 1;
      while (true) {
        if (pos >= rest.size()) {
          if (i + 1 >= lines.size()) throw fail("unterminated double quote");
          value += '\n';
          rest = lines[++i];
          pos = 0;
          continue;
        }
        const char c = rest[pos];
        if (c == '"') break;
        if (c == '\\' && pos + 1 < rest.size()) {
          const char e = rest[pos + 1];
          pos += 2;
          switch (e) {
            case 'n':
              value += '\n';
              break;
            case 't':
              value += '\t';
              break;
            case 'r':
              value += '\r';
              break;
            case '"':
              value += '"';
              break;
            case '\\':
              value += '\\';
              break;
            case '$':
              value += '$';
              break;
            default:  // unknown escapes stay as written: "C:\Users"
              value += '\\';
              value += e;
          }
          continue;
        }
        value += c;
        ++pos;
      }
      error_line = static_cast<int>(i) + 1;
      check_after_quote(rest.substr(pos + 1));
    } else {
      // Unquoted: a '#' after whitespace starts a comment.
      std::string_view v = raw;
      for (std::size_t j = 1; j < v.size(); ++j) {
        if (v[j] == '#' && is_blank(v[j - 1])) {
          v = v.substr(0, j);
          break;
        }
      }
      value = trim(v);
    }
    entries.push_back({std::string(key), std::move(value), line_no});
  }
  return entries;
}

std::string read_env_file(const std::string& path) {
  // Thousands of settings fit in 1 MiB; anything larger is the wrong file (a
  // log, a dump, /dev/zero), refused before it fills memory.
  constexpr std::size_t kMaxBytes = 1 << 20;
  const auto fail = [&] { return Error("env file " + path + ": " + std::strerror(errno)); };
  const auto too_large = [&] {
    return Error("env file " + path + " is larger than " + std::to_string(kMaxBytes) +
                 " bytes; a .env file holds a few settings");
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (!file) throw fail();
  // A regular file tells its size up front; a pipe or a device does not, so
  // the loop below stops reading one byte past the limit.
  struct stat info {};
  if (fstat(fileno(file.get()), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<std::uintmax_t>(info.st_size) > kMaxBytes) {
    throw too_large();
  }
  std::string text;
  char buffer[4096];
  std::size_t n;
  while (text.size() <= kMaxBytes &&
         (n = std::fread(buffer, 1, std::min(sizeof buffer, kMaxBytes + 1 - text.size()),
                         file.get())) > 0) {
    text.append(buffer, n);
  }
  if (std::ferror(file.get())) throw fail();  // e.g. a directory: EISDIR
  if (text.size() > kMaxBytes) throw too_large();
  return text;
}

}  // namespace roombook::config
