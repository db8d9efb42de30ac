#include "http/wire.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "core/text.hpp"

namespace roombook::http::wire {

namespace {

constexpr std::size_t kMaxMethodLength = 32;
/// A chunk-size line with its extensions; they are ignored, so kept short.
constexpr std::size_t kMaxChunkLine = 1024;
/// More than this many hex digits is a size no limit allows.
constexpr std::size_t kMaxChunkDigits = 16;
/// Keep at most this much consumed input before compacting the buffer.
constexpr std::size_t kCompactAfter = 64 * 1024;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Calls `each` with every trimmed, non-empty element of a comma-separated list.
template <typename F>
void for_each_element(std::string_view list, F each) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto element = trim(list.substr(0, comma));
    if (!element.empty()) each(element);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool has_element(std::string_view list, std::string_view wanted) {
  bool found = false;
  for_each_element(list, [&](std::string_view e) { found = found || iequals(e, wanted); });
  return found;
}

/// Printable ASCII, space and tab, and obs-text (bytes >= 0x80), as RFC 9110
/// allows in a field value; no other control characters.
bool is_value_char(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

/// Bytes allowed in a request target: no controls, no space. Bytes >= 0x80
/// are let through as they are; the router compares them as bytes.
bool is_target_char(unsigned char c) { return c > 0x20 && c != 0x7F; }

}  // namespace

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

std::string_view RawRequest::path() const {
  return std::string_view(target).substr(0, target.find('?'));
}

std::string_view RawRequest::query() const {
  const auto q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

Parser::Parser(Limits limits) : limits_(limits) {}

void Parser::feed(const char* data, std::size_t size) {
  if (state_ == State::failed) return;
  in_.append(data, size);
}

bool Parser::take_continue() {
  const bool wanted = wants_continue_;
  wants_continue_ = false;
  return wanted;
}

bool Parser::mid_request() const {
  return state_ != State::failed && (state_ != State::head || pos_ < in_.size());
}

bool Parser::take_body() {
  const std::size_t available = std::min(remaining_, in_.size() - pos_);
  current_.body.append(in_, pos_, available);
  pos_ += available;
  remaining_ -= available;
  return remaining_ == 0;
}

Parser::Result Parser::fail(int status, std::string detail, Failure& failure) {
  state_ = State::failed;
  failure_ = {status, std::move(detail)};
  failure = failure_;
  in_.clear();
  pos_ = scan_ = 0;
  return Result::failure;
}

Parser::Result Parser::next(RawRequest& request, Failure& failure) {
  if (state_ == State::failed) {
    failure = failure_;
    return Result::failure;
  }
  for (;;) {
    switch (state_) {
      case State::failed:
        failure = failure_;
        return Result::failure;

      case State::head: {
        // Empty lines before a request line are allowed (RFC 9112 2.2):
        // some clients end a body with an extra CRLF.
        while (in_.size() - pos_ >= 2 && in_[pos_] == '\r' && in_[pos_ + 1] == '\n') {
          pos_ += 2;
        }
        if (scan_ < pos_) scan_ = pos_;
        // Look for the blank line that ends the head, checking line ends on
        // the way: a bare CR or LF is refused at once, and the request line
        // as soon as it is complete, so that neither waits for a timeout.
        std::size_t end = std::string::npos;
        for (std::size_t i = scan_; i < in_.size(); ++i) {
          const char c = in_[i];
          if (c == '\r') {
            if (i + 1 < in_.size() && in_[i + 1] != '\n') {
              return fail(400, "a CR in the request head is not followed by LF", failure);
            }
            continue;
          }
          if (c != '\n') continue;
          if (i == pos_ || in_[i - 1] != '\r') {
            return fail(400, "lines of the request head must end with CRLF, not a bare LF",
                        failure);
          }
          if (i - pos_ >= 3 && in_[i - 2] == '\n' && in_[i - 3] == '\r') {
            end = i + 1;
            break;
          }
          if (current_.method.empty()) {
            // The request line is complete: check it now.
            Failure line_failure;
            if (parse_head(std::string_view(in_).substr(pos_, i + 1 - pos_), line_failure) ==
                Result::failure) {
              return fail(line_failure.status, line_failure.detail, failure);
            }
          }
        }
        if (end == std::string::npos) {
          scan_ = in_.size();
          if (in_.size() - pos_ > limits_.max_head_bytes) {
            return fail(431,
                        "the request line and headers are larger than " +
                            std::to_string(limits_.max_head_bytes) + " bytes",
                        failure);
          }
          return Result::incomplete;
        }
        if (end - pos_ > limits_.max_head_bytes) {
          return fail(431,
                      "the request line and headers are larger than " +
                          std::to_string(limits_.max_head_bytes) + " bytes",
                      failure);
        }
        const std::string_view head(in_.data() + pos_, end - pos_);
        if (parse_head(head, failure) == Result::failure) {
          return fail(failure.status, failure.detail, failure);
        }
        pos_ = end;
        scan_ = end;
        break;  // parse_head chose the next state
      }

      case State::body:
        if (!take_body()) return Result::incomplete;
        state_ = State::head;
        break;

      case State::chunk_size: {
        const auto eol = in_.find("\r\n", pos_);
        if (eol == std::string::npos) {
          if (in_.size() - pos_ > kMaxChunkLine) {
            return fail(400, "a chunk-size line is longer than 1024 bytes", failure);
          }
          return Result::incomplete;
        }
        const std::string_view line(in_.data() + pos_, eol - pos_);
        if (line.size() > kMaxChunkLine) {
          return fail(400, "a chunk-size line is longer than 1024 bytes", failure);
        }
        std::size_t digits = 0;
        std::uint64_t size = 0;
        while (digits < line.size() && hex_digit(line[digits]) >= 0) {
          if (digits == kMaxChunkDigits) {
            return fail(413,
                        "a chunk is larger than the limit of " +
                            std::to_string(limits_.max_body_bytes) + " bytes (MAX_BODY_BYTES)",
                        failure);
          }
          size = size * 16 + static_cast<std::uint64_t>(hex_digit(line[digits]));
          ++digits;
        }
        const auto rest = line.substr(digits);
        if (digits == 0 ||
            (!rest.empty() && rest.front() != ';' && rest.front() != ' ' && rest.front() != '\t')) {
          return fail(400, "malformed chunk size", failure);
        }
        for (char c : rest) {
          if (!is_value_char(static_cast<unsigned char>(c))) {
            return fail(400, "malformed chunk extension", failure);
          }
        }
        if (size > limits_.max_body_bytes - current_.body.size()) {
          return fail(413,
                      "the request body is larger than the limit of " +
                          std::to_string(limits_.max_body_bytes) + " bytes (MAX_BODY_BYTES)",
                      failure);
        }
        pos_ = eol + 2;
        remaining_ = static_cast<std::size_t>(size);
        state_ = size == 0 ? State::trailers : State::chunk_data;
        break;
      }

      case State::chunk_data:
        if (!take_body()) return Result::incomplete;
        state_ = State::chunk_end;
        break;

      case State::chunk_end: {
        if (in_.size() - pos_ < 2) return Result::incomplete;
        if (in_[pos_] != '\r' || in_[pos_ + 1] != '\n') {
          return fail(400, "chunk data is not followed by CRLF", failure);
        }
        pos_ += 2;
        state_ = State::chunk_size;
        break;
      }

      case State::trailers: {
        // Trailer fields are read and ignored, up to the blank line.
        const auto eol = in_.find("\r\n", pos_);
        if (eol == std::string::npos) {
          if (in_.size() - pos_ > limits_.max_head_bytes) {
            return fail(431, "the trailer fields are too large", failure);
          }
          return Result::incomplete;
        }
        for (std::size_t i = pos_; i < eol; ++i) {
          if (!is_value_char(static_cast<unsigned char>(in_[i]))) {
            return fail(400, "malformed trailer field", failure);
          }
        }
        const bool blank = eol == pos_;
        pos_ = eol + 2;
        if (blank) state_ = State::head;
        break;
      }
    }

    if (state_ == State::head && !current_.method.empty()) {
      // A whole request has been read.
      request = std::move(current_);
      current_ = RawRequest();
      wants_continue_ = false;
      if (pos_ == in_.size()) {
        in_.clear();
        pos_ = scan_ = 0;
      } else if (pos_ > kCompactAfter) {
        in_.erase(0, pos_);
        scan_ -= std::min(scan_, pos_);
        pos_ = 0;
      }
      return Result::request;
    }
  }
}

// Parses the request line alone (a head of one line, while the rest is still
// to come), or the whole head; sets up the body's framing for the latter.
Parser::Result Parser::parse_head(std::string_view head, Failure& failure) {
  const auto first_eol = head.find("\r\n");
  const std::string_view line = head.substr(0, first_eol);

  // request-line = method SP request-target SP HTTP-version
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos) {
    failure = {400, "malformed request line: expected METHOD TARGET HTTP/1.1"};
    return Result::failure;
  }
  const auto method = line.substr(0, sp1);
  const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto version = line.substr(sp2 + 1);
  if (method.empty() || method.size() > kMaxMethodLength ||
      !std::all_of(method.begin(), method.end(), is_token_char)) {
    failure = {400, "malformed request line: the method is not a token"};
    return Result::failure;
  }
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
        return is_target_char(static_cast<unsigned char>(c));
      })) {
    failure = {400, "malformed request line: the target is empty or holds control characters"};
    return Result::failure;
  }
  int minor = 0;
  if (version == "HTTP/1.1") {
    minor = 1;
  } else if (version == "HTTP/1.0") {
    minor = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[5] >= '0' &&
             version[5] <= '9' && version[6] == '.' && version[7] >= '0' && version[7] <= '9') {
    failure = {
        505, "HTTP version " + std::string(version.substr(5)) + " is not supported; use HTTP/1.1"};
    return Result::failure;
  } else {
    failure = {400, "malformed request line: expected HTTP/1.1 or HTTP/1.0 at its end"};
    return Result::failure;
  }
  // origin-form "/path?query", asterisk-form "*", or absolute-form, which
  // is reduced to its path and query.
  std::string origin;
  if (target.front() == '/' || target == "*") {
    origin = target;
  } else {
    const auto scheme_end = target.find("://");
    const auto scheme = target.substr(0, scheme_end);
    if (scheme_end == std::string_view::npos ||
        !(iequals(scheme, "http") || iequals(scheme, "https"))) {
      failure = {400, "malformed request line: the target must start with /"};
      return Result::failure;
    }
    const auto path_start = target.find_first_of("/?", scheme_end + 3);
    origin = path_start == std::string_view::npos ? "/" : std::string(target.substr(path_start));
    if (origin.front() == '?') origin.insert(0, "/");
  }
  if (first_eol == std::string_view::npos || first_eol + 2 == head.size()) {
    // Only the request line so far.
    current_.method = method;
    current_.target = std::move(origin);
    current_.minor_version = minor;
    return Result::incomplete;
  }

  RawRequest& r = current_;
  r.method = method;
  r.target = std::move(origin);
  r.minor_version = minor;
  r.headers.clear();
  r.body.clear();

  // header-field = field-name ":" OWS field-value OWS, one per line.
  std::string_view rest = head.substr(first_eol + 2);
  rest.remove_suffix(2);  // the blank line's CRLF
  std::string content_length;
  std::string transfer_encoding;
  std::string connection;
  std::string expect;
  int hosts = 0;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const auto field = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 2);
    if (field.front() == ' ' || field.front() == '\t') {
      failure = {400, "obsolete line folding in the request headers is not accepted"};
      return Result::failure;
    }
    const auto colon = field.find(':');
    const auto name = field.substr(0, colon);
    if (colon == std::string_view::npos || name.empty() ||
        !std::all_of(name.begin(), name.end(), is_token_char)) {
      failure = {400, "malformed request header: expected NAME: VALUE"};
      return Result::failure;
    }
    const auto value = trim(field.substr(colon + 1));
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) { return is_value_char(static_cast<unsigned char>(c)); })) {
      failure = {
          400, "the value of request header " + core::excerpt(name) + " holds control characters"};
      return Result::failure;
    }
    if (r.headers.size() == limits_.max_headers) {
      failure = {431, "more than " + std::to_string(limits_.max_headers) + " request headers"};
      return Result::failure;
    }
    std::string lowered(name);
    for (auto& c : lowered) c = lower(c);
    if (lowered == "content-length") {
      // Several headers, or a list ("5, 5"): all must agree, checked below.
      content_length += (content_length.empty() ? "" : ",") + std::string(value);
      if (value.empty()) content_length += "?";
    } else if (lowered == "transfer-encoding") {
      transfer_encoding += (transfer_encoding.empty() ? "" : ",") + std::string(value);
    } else if (lowered == "connection") {
      connection += (connection.empty() ? "" : ",") + std::string(value);
    } else if (lowered == "expect") {
      expect = value;
    } else if (lowered == "host") {
      ++hosts;
    }
    r.headers.emplace_back(std::move(lowered), std::string(value));
  }
  if (hosts > 1) {
    failure = {400, "more than one Host header"};
    return Result::failure;
  }

  r.keep_alive =
      minor == 1 ? !has_element(connection, "close") : has_element(connection, "keep-alive");

  if (!transfer_encoding.empty()) {
    if (!content_length.empty()) {
      failure = {400, "Content-Length and Transfer-Encoding must not be sent together"};
      return Result::failure;
    }
    if (minor == 0) {
      failure = {400, "Transfer-Encoding is not allowed in HTTP/1.0"};
      return Result::failure;
    }
    std::vector<std::string_view> codings;
    for_each_element(transfer_encoding, [&](std::string_view e) { codings.push_back(e); });
    if (codings.size() != 1 || !iequals(codings.front(), "chunked")) {
      const bool chunked_last = !codings.empty() && iequals(codings.back(), "chunked");
      failure = {chunked_last ? 501 : 400,
                 "Transfer-Encoding \"" + core::excerpt(transfer_encoding) +
                     "\" is not supported: send the body with Content-Length, or chunked"};
      return Result::failure;
    }
    state_ = State::chunk_size;
  } else if (!content_length.empty()) {
    // One value, or a list of equal ones ("5, 5").
    std::string_view number;
    bool valid = true;
    for_each_element(content_length, [&](std::string_view e) {
      if (number.empty()) number = e;
      valid = valid && e == number;
    });
    valid = valid && !number.empty() &&
            std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!valid) {
      failure = {400, "Content-Length must be one number of bytes, not \"" +
                          core::excerpt(content_length) + "\""};
      return Result::failure;
    }
    std::uint64_t length = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), length);
    if (ec != std::errc() || end != number.data() + number.size() ||
        length > limits_.max_body_bytes) {
      failure = {413, "the request body is " + core::excerpt(number) + " bytes; the limit is " +
                          std::to_string(limits_.max_body_bytes) + " bytes (MAX_BODY_BYTES)"};
      return Result::failure;
    }
    remaining_ = static_cast<std::size_t>(length);
    state_ = remaining_ > 0 ? State::body : State::head;
  } else {
    state_ = State::head;
  }

  if (!expect.empty() && minor == 1) {
    if (!iequals(expect, "100-continue")) {
      failure = {417, "Expect: " + expect + " is not supported; only 100-continue is"};
      return Result::failure;
    }
    wants_continue_ = state_ != State::head;
  }
  if (state_ == State::head) return Result::request;  // no body
  return Result::incomplete;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return "Error";
  }
}

void write_response(std::string& out, int status,
                    const std::vector<std::pair<std::string, std::string>>& headers,
                    std::string_view content_type, std::string_view body, bool keep_alive,
                    bool head_only, std::vector<std::string>* dropped) {
  const auto safe = [](std::string_view v) {
    return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
  };
  char number[24];
  const auto append_number = [&](auto n) {
    const auto result = std::to_chars(number, number + sizeof number, n);
    out.append(number, result.ptr);
  };
  // One allocation for the whole response: the fixed lines take under 100
  // bytes, and room for the status line's reason and the numbers is spare.
  std::size_t size = 128 + content_type.size() + (head_only ? 0 : body.size());
  for (const auto& [name, value] : headers) size += name.size() + value.size() + 4;
  out.reserve(out.size() + size);
  out += "HTTP/1.1 ";
  append_number(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  for (const auto& [name, value] : headers) {
    if (!safe(value) || !safe(name)) {
      if (dropped) dropped->push_back(name);
      continue;
    }
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!content_type.empty()) {
    out += "Content-Type: ";
    out += content_type;
    out += "\r\n";
  }
  out += keep_alive ? "Connection: Keep-Alive\r\n" : "Connection: Close\r\n";
  // 1xx and 204 responses have no body and must not announce one.
  if (status >= 200 && status != 204) {
    out += "Content-Length: ";
    append_number(body.size());
    out += "\r\n";
  }
  out += "\r\n";
  if (!head_only) out += body;
}

}  // namespace roombook::http::wire
