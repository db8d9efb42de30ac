// Fuzzes http::parse_query and http::percent_decode (src/http/http.hpp): the
// query string of every request.
//
// Checked beside the sanitizers:
// - percent_decode never grows the text, and leaves text without '%' as it is;
// - parse_query gives at most one field per '&'-separated part, none longer
//   than its part;
// - the fields, every byte written back as %XX and joined with '&' and '=',
//   parse to the same fields again.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/http.hpp"

namespace {

using roombook::http::Fields;
using roombook::http::parse_query;
using roombook::http::percent_decode;

std::string encode_all(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[byte >> 4];
    out += kHex[byte & 0xF];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const std::string decoded = percent_decode(text);
  if (decoded.size() > text.size()) __builtin_trap();
  if (text.find('%') == std::string_view::npos && decoded != text) __builtin_trap();

  const Fields fields = parse_query(text);
  std::size_t parts = 1;
  for (const char c : text) parts += c == '&';
  if (fields.size() > parts) __builtin_trap();

  std::string written;
  for (const auto& [name, value] : fields) {
    if (name.size() + value.size() > text.size()) __builtin_trap();
    if (!written.empty()) written += '&';
    written += encode_all(name);
    written += '=';
    written += encode_all(value);
  }
  if (parse_query(written) != fields) __builtin_trap();
  return 0;
}
