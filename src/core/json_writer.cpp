#include "core/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <stdexcept>

#include "core/text.hpp"

namespace roombook::core {

namespace {

// Bytes that end a run of plain characters: the ones to escape, and the
// first byte of a multi-byte character, where UTF-8 is checked.
constexpr auto kStop = [] {
  std::array<bool, 256> stop{};
  for (int c = 0; c < 0x20; ++c) stop[c] = true;
  stop['"'] = stop['\\'] = true;
  for (int c = 0x80; c < 0x100; ++c) stop[c] = true;
  return stop;
}();

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t start = out.size();
  out.push_back('"');
  bool checked = false;   // the rest of the text is known to be valid UTF-8
  std::size_t plain = 0;  // start of the run not yet appended
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kStop[c]) continue;
    if (c >= 0x80) {
      if (!checked && !is_valid_utf8(text.substr(i))) {
        // Nothing stored is like this (the models check their text), but a
        // row written by other means may be: nlohmann's replacement
        // characters then, as the answers had before this writer.
        out.resize(start);
        out += nlohmann::json(std::string(text))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
      checked = true;
      continue;
    }
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(escaped, sizeof escaped);
      }
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out.push_back('"');
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) return;
  const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
  if (has_value_ & bit) out_.push_back(',');
  has_value_ |= bit;
}

JsonWriter& JsonWriter::open(char c) {
  separate();
  if (depth_ == 64) throw std::logic_error("JsonWriter: more than 64 levels");
  ++depth_;
  has_value_ &= ~(std::uint64_t{1} << (depth_ - 1));
  out_.push_back(c);
  return *this;
}

JsonWriter& JsonWriter::close(char c) {
  if (depth_ == 0) throw std::logic_error("JsonWriter: nothing to close");
  --depth_;
  out_.push_back(c);
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_json_string(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  separate();
  append_json_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number) {
  separate();
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
  out_.append(digits, static_cast<std::size_t>(end - digits));
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  separate();
  out_.append(flag ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::time(SysSeconds t) {
  separate();
  out_.push_back('"');
  append_rfc3339(out_, t);
  out_.push_back('"');
  return *this;
}

}  // namespace roombook::core
