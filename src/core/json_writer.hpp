#pragma once

// JSON written straight into a string, with no document tree in between: the
// hot routes answer from rows this way. The bytes are those nlohmann's
// dump() writes for the same values (no spaces, the same escapes, UTF-8
// kept as it is), which a test checks against nlohmann itself.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace roombook::core {

/// Appends `text` as a JSON string, quotes included: '"' and '\' escaped,
/// \b \f \n \r \t for those, \u00XX (lower-case hex) for the other control
/// characters, everything else as it is. Text that is not valid UTF-8 (no
/// stored text is: the models check it) comes out as nlohmann writes it
/// with error_handler_t::replace, with U+FFFD for the bad bytes.
void append_json_string(std::string& out, std::string_view text);

/// Builds one JSON value in `out`. Members and elements are separated as
/// they are added; the caller keeps the structure balanced.
///
///   JsonWriter w(body);
///   w.begin_object().member("id", 7).member("name", "Ada").end_object();
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  /// The name of the next member of the current object.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view text);
  JsonWriter& value(const char* text) { return value(std::string_view(text)); }
  JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
  JsonWriter& value(std::int64_t number);
  JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
  JsonWriter& value(bool flag);
  JsonWriter& null();
  /// A time as its RFC 3339 string: "2026-11-29T21:14:17Z".
  JsonWriter& time(SysSeconds t);

  template <class T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

 private:
  JsonWriter& open(char c);
  JsonWriter& close(char c);
  /// The comma before a value, unless it is the first of its container or
  /// follows its key.
  void separate();

  std::string& out_;
  // One bit per open container below the 64th: whether it has a value yet.
  std::uint64_t has_value_ = 0;
  int depth_ = 0;
  bool after_key_ = false;
};

/// One record as a JSON text, by the write_json(JsonWriter&, const T&) of
/// its model.
template <class T>
std::string json_of(const T& item) {
  std::string out;
  out.reserve(192);
  JsonWriter w(out);
  write_json(w, item);
  return out;
}

/// Records as a JSON array, each by its model's write_json().
template <class T>
std::string json_array_of(const std::vector<T>& items) {
  std::string out;
  out.reserve(2 + items.size() * 192);
  JsonWriter w(out);
  w.begin_array();
  for (const auto& item : items) write_json(w, item);
  w.end_array();
  return out;
}

}  // namespace roombook::core
