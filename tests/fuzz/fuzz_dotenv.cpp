// Fuzzes config::parse_dotenv (src/config/dotenv.hpp): the .env file of the
// current directory or of --env-file.
//
// config::Error is the refusal of a bad file, and must name the file. Checked
// beside the sanitizers, for a file that parses:
// - every key is a valid name ([A-Za-z_][A-Za-z0-9_]*), and the entries'
//   lines increase and lie within the file;
// - written back as KEY="VALUE" lines (the escapes \\ \" \r, other bytes as
//   they are, a newline as a line break: a value that spans lines), the
//   entries parse to the same keys and values.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "config/dotenv.hpp"

namespace {

using roombook::config::DotenvEntry;
using roombook::config::parse_dotenv;

const std::string kFile = "fuzz.env";

bool valid_key(const std::string& key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (const char c : key) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string write_back(const std::vector<DotenvEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    out += e.key;
    out += "=\"";
    for (const char c : e.value) {
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '"':
          out += "\\\"";
          break;
        case '\r':  // a '\r' before a line break is part of the break
          out += "\\r";
          break;
        default:
          out += c;
      }
    }
    out += "\"\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<DotenvEntry> entries;
  try {
    entries = parse_dotenv(text, kFile);
  } catch (const roombook::config::Error& e) {
    if (std::string_view(e.what()).rfind(kFile + ":", 0) != 0) __builtin_trap();
    return 0;
  }
  std::size_t lines = 1;
  for (const char c : text) lines += c == '\n';
  int previous = 0;
  for (const auto& e : entries) {
    if (!valid_key(e.key)) __builtin_trap();
    if (e.line <= previous || static_cast<std::size_t>(e.line) > lines) __builtin_trap();
    previous = e.line;
  }
  const auto again = parse_dotenv(write_back(entries), kFile);  // must not throw
  if (again.size() != entries.size()) __builtin_trap();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (again[i].key != entries[i].key || again[i].value != entries[i].value) __builtin_trap();
  }
  return 0;
}
