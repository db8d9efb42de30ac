#pragma once

// HTTP/1.1 on the wire (RFC 9112), independent of Pistache: framing the
// requests of one connection out of the bytes it sends, and writing
// responses. The Pistache glue feeds a Parser what it reads and writes what
// write_response() returns; Pistache's own request parser never sees a byte,
// because it answers malformed input by itself, with exception text or not
// at all, and drops pipelined requests.
//
// The parser is strict where leniency lets one message be read as two (bare
// LF, obsolete line folding, Content-Length beside Transfer-Encoding,
// conflicting lengths), and every size it holds is bounded by Limits.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace roombook::http::wire {

struct Limits {
  std::size_t max_head_bytes = 64 * 1024;  ///< request line and headers together
  std::size_t max_headers = 100;
  std::size_t max_body_bytes = 1024 * 1024;
};

/// One request as it came off the wire.
struct RawRequest {
  std::string method;     ///< as sent: "GET"; any token
  std::string target;     ///< origin form: "/users?limit=2"; absolute form is reduced to it
  int minor_version = 1;  ///< HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-cased, values trimmed
  std::string body;                                          ///< chunked bodies decoded
  bool keep_alive =
      true;  ///< what the request allows: HTTP/1.1 unless "close", 1.0 if "keep-alive"

  /// The path part of the target, before '?'.
  std::string_view path() const;
  /// The query part, after '?' (empty without one).
  std::string_view query() const;
};

/// A request that cannot be read: answered with `status` and `detail`, after
/// which the connection is closed, since where the next request starts is
/// no longer known.
struct Failure {
  int status = 400;
  std::string detail;
};

class Parser {
 public:
  explicit Parser(Limits limits = {});

  enum class Result { incomplete, request, failure };

  /// Adds bytes read from the connection.
  void feed(const char* data, std::size_t size);
  /// Takes the next complete request out of what was fed. `incomplete`: more
  /// bytes are needed. After a `failure` the parser stays failed.
  Result next(RawRequest& request, Failure& failure);
  /// True, once, when the head of a request that sent "Expect: 100-continue"
  /// has arrived and its body has not: the client waits for "100 Continue".
  bool take_continue();
  /// Whether part of a request has arrived and its rest has not.
  bool mid_request() const;
  /// Bytes fed and not consumed yet.
  std::size_t buffered() const { return in_.size() - pos_; }
  /// Whether the head of the request being read has arrived completely.
  bool head_complete() const { return state_ != State::head; }

 private:
  enum class State { head, body, chunk_size, chunk_data, chunk_end, trailers, failed };

  Result fail(int status, std::string detail, Failure& failure);
  /// Moves up to remaining_ bytes of body into the request; true once all came.
  bool take_body();
  Result parse_head(std::string_view head, Failure& failure);

  Limits limits_;
  std::string in_;        ///< bytes fed and not consumed, from pos_
  std::size_t pos_ = 0;   ///< start of the unconsumed bytes
  std::size_t scan_ = 0;  ///< where the search for the end of the head goes on
  State state_ = State::head;
  RawRequest current_;
  std::size_t remaining_ = 0;  ///< body bytes (or chunk bytes) still to come
  bool wants_continue_ = false;
  Failure failure_;
};

/// The value of a hexadecimal digit, either case; -1 for any other char.
int hex_digit(char c);

/// Whether `c` may appear in a token (RFC 9110): method and header names.
bool is_token_char(char c);

/// The reason phrase of a status code: "Not Found".
const char* reason_phrase(int status);

/// Appends a response to `out`. Header values holding CR, LF or NUL are
/// refused here, once for every response: such a header is left out (its
/// name goes to `dropped`) rather than let a value split the response.
/// `content_length` is the body's size; with `head_only` (a HEAD request)
/// the body is left out but its length still announced.
void write_response(std::string& out, int status,
                    const std::vector<std::pair<std::string, std::string>>& headers,
                    std::string_view content_type, std::string_view body, bool keep_alive,
                    bool head_only, std::vector<std::string>* dropped = nullptr);

/// "HTTP/1.1 100 Continue", for a client that sent Expect: 100-continue.
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace roombook::http::wire
