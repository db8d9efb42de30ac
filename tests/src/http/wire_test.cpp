// wire::Parser and wire::write_response: HTTP/1.1 framing without a socket.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "http/wire.hpp"

using roombook::http::wire::Failure;
using roombook::http::wire::Limits;
using roombook::http::wire::Parser;
using roombook::http::wire::RawRequest;
using Result = Parser::Result;

namespace {

struct Parsed {
  std::vector<RawRequest> requests;
  Result last = Result::incomplete;
  Failure failure;
};

/// Feeds `bytes` in pieces of `step` bytes and takes every request out.
Parsed parse(const std::string& bytes, std::size_t step = 0, Limits limits = {}) {
  Parser parser(limits);
  Parsed out;
  if (step == 0) step = bytes.size() == 0 ? 1 : bytes.size();
  for (std::size_t i = 0; i < bytes.size(); i += step) {
    parser.feed(bytes.data() + i, std::min(step, bytes.size() - i));
    for (;;) {
      RawRequest r;
      out.last = parser.next(r, out.failure);
      if (out.last == Result::request) {
        out.requests.push_back(std::move(r));
        continue;
      }
      break;
    }
    if (out.last == Result::failure) break;
  }
  return out;
}

std::string header(const RawRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

}  // namespace

TEST_CASE("wire: a request, fed at once or a byte at a time, comes out whole", "[http][wire]") {
  const std::string bytes =
      "POST /users?limit=2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 10\r\n\r\n{\"a\":\"bc\"}";
  for (std::size_t step : {0, 1, 7}) {
    INFO("step " << step);
    const auto p = parse(bytes, step);
    REQUIRE(p.requests.size() == 1);
    const auto& r = p.requests[0];
    CHECK(r.method == "POST");
    CHECK(r.path() == "/users");
    CHECK(r.query() == "limit=2");
    CHECK(r.minor_version == 1);
    CHECK(r.keep_alive);
    CHECK(header(r, "content-type") == "application/json");
    CHECK(r.body == "{\"a\":\"bc\"}");
  }
}

TEST_CASE("wire: pipelined requests come out one by one, in order", "[http][wire]") {
  const std::string bytes =
      "GET /a HTTP/1.1\r\n\r\n"
      "POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nxyz"
      "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n";
  for (std::size_t step : {0, 1, 5}) {
    const auto p = parse(bytes, step);
    REQUIRE(p.requests.size() == 3);
    CHECK(p.requests[0].target == "/a");
    CHECK(p.requests[1].body == "xyz");
    CHECK(p.requests[2].target == "/c");
    CHECK_FALSE(p.requests[2].keep_alive);
  }
}

TEST_CASE("wire: chunked bodies are decoded, extensions and trailers ignored", "[http][wire]") {
  const std::string bytes =
      "POST /e HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
      "GET /next HTTP/1.1\r\n\r\n";
  for (std::size_t step : {0, 1, 3}) {
    const auto p = parse(bytes, step);
    REQUIRE(p.requests.size() == 2);
    CHECK(p.requests[0].body == "hello world");
    CHECK(p.requests[1].target == "/next");
  }
}

TEST_CASE("wire: keep-alive follows the protocol version", "[http][wire]") {
  CHECK(parse("GET / HTTP/1.1\r\n\r\n").requests.at(0).keep_alive);
  CHECK_FALSE(
      parse("GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n").requests.at(0).keep_alive);
  CHECK_FALSE(parse("GET / HTTP/1.0\r\n\r\n").requests.at(0).keep_alive);
  CHECK(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").requests.at(0).keep_alive);
}

TEST_CASE("wire: an absolute-form target is reduced to its path", "[http][wire]") {
  CHECK(parse("GET http://example.com:8081/users?limit=1 HTTP/1.1\r\n\r\n").requests.at(0).target ==
        "/users?limit=1");
  CHECK(parse("GET http://example.com HTTP/1.1\r\n\r\n").requests.at(0).target == "/");
}

TEST_CASE("wire: empty lines before a request are skipped", "[http][wire]") {
  CHECK(parse("\r\n\r\nGET /x HTTP/1.1\r\n\r\n").requests.at(0).target == "/x");
}

TEST_CASE("wire: malformed requests fail at once with the right status", "[http][wire]") {
  struct Case {
    const char* what;
    std::string bytes;
    int status;
  };
  const std::vector<Case> cases{
      {"garbage request line, no head end yet", "GARBAGE\r\n", 400},
      {"a bare method", "GET\r\n\r\n", 400},
      {"HTTP/0.9", "GET /\r\n", 400},
      {"bare LF line ends", "GET / HTTP/1.1\nHost: x\n\n", 400},
      {"a bare CR", "GET / HTTP/1.1\rHost: x\r\n\r\n", 400},
      {"two spaces", "GET  / HTTP/1.1\r\n\r\n", 400},
      {"a lower-case version", "GET / http/1.1\r\n\r\n", 400},
      {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505},
      {"a target that is no path", "GET users HTTP/1.1\r\n\r\n", 400},
      {"a control character in the target", std::string("GET /a\x01 HTTP/1.1\r\n\r\n"), 400},
      {"a method with a bad character", "GE(T / HTTP/1.1\r\n\r\n", 400},
      {"a header without a colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", 400},
      {"a space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
      {"obsolete line folding", "GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", 400},
      {"a control character in a value", std::string("GET / HTTP/1.1\r\nX-A: a\x01\r\n\r\n"), 400},
      {"NUL in a value", std::string("GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n", 28), 400},
      {"two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"Content-Length -1", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"Content-Length not a number", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
      {"Content-Length empty", "POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400},
      {"conflicting Content-Length",
       "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"a Content-Length list that disagrees", "POST / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n",
       400},
      {"20 digits of Content-Length",
       "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 413},
      {"Content-Length over the limit", "POST / HTTP/1.1\r\nContent-Length: 1048577\r\n\r\n", 413},
      {"Content-Length and chunked",
       "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"gzip, chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
      {"chunked, gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
      {"chunked in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"a chunk size of 16 f's",
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n", 413},
      {"a chunk size of 17 digits",
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\n", 413},
      {"a chunk size that is not hex",
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"chunk data without its CRLF",
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400},
      {"Expect: something else", "POST / HTTP/1.1\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n",
       417},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const auto p = parse(c.bytes);
    CHECK(p.requests.empty());
    REQUIRE(p.last == Result::failure);
    CHECK(p.failure.status == c.status);
    CHECK_FALSE(p.failure.detail.empty());
  }
}

TEST_CASE("wire: a failed parser stays failed and keeps nothing", "[http][wire]") {
  Parser parser;
  const std::string bad = "BAD\r\n";
  parser.feed(bad.data(), bad.size());
  RawRequest r;
  Failure f;
  REQUIRE(parser.next(r, f) == Result::failure);
  const std::string good = "GET / HTTP/1.1\r\n\r\n";
  parser.feed(good.data(), good.size());
  CHECK(parser.next(r, f) == Result::failure);
  CHECK(parser.buffered() == 0);
}

TEST_CASE("wire: heads and bodies are bounded", "[http][wire]") {
  Limits limits;
  limits.max_head_bytes = 1024;
  limits.max_headers = 3;
  limits.max_body_bytes = 10;
  SECTION("a head that never ends fails once over the limit") {
    const auto p = parse("GET /" + std::string(2000, 'a'), 100, limits);
    REQUIRE(p.last == Result::failure);
    CHECK(p.failure.status == 431);
  }
  SECTION("too many headers") {
    const auto p = parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 0, limits);
    REQUIRE(p.last == Result::failure);
    CHECK(p.failure.status == 431);
  }
  SECTION("a body at the limit passes, one byte more does not") {
    CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", 0, limits)
              .requests.size() == 1);
    CHECK(parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 0, limits).failure.status == 413);
  }
  SECTION("chunks adding up to more than the limit") {
    const auto p = parse(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n", 0, limits);
    REQUIRE(p.last == Result::failure);
    CHECK(p.failure.status == 413);
  }
}

TEST_CASE("wire: 100-continue is wanted once, only while the body is missing", "[http][wire]") {
  Parser parser;
  const std::string head = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
  parser.feed(head.data(), head.size());
  RawRequest r;
  Failure f;
  REQUIRE(parser.next(r, f) == Result::incomplete);
  CHECK(parser.take_continue());
  CHECK_FALSE(parser.take_continue());
  parser.feed("ok", 2);
  REQUIRE(parser.next(r, f) == Result::request);
  CHECK(r.body == "ok");

  // With its body already there, nobody waits for it.
  Parser eager;
  const std::string whole = head + "ok";
  eager.feed(whole.data(), whole.size());
  REQUIRE(eager.next(r, f) == Result::request);
  CHECK_FALSE(eager.take_continue());
}

TEST_CASE("wire: mid_request tells a partial request from none", "[http][wire]") {
  Parser parser;
  CHECK_FALSE(parser.mid_request());
  parser.feed("GE", 2);
  RawRequest r;
  Failure f;
  CHECK(parser.next(r, f) == Result::incomplete);
  CHECK(parser.mid_request());
  CHECK_FALSE(parser.head_complete());
  const std::string rest = "T / HTTP/1.1\r\nContent-Length: 1\r\n\r\n";
  parser.feed(rest.data(), rest.size());
  CHECK(parser.next(r, f) == Result::incomplete);
  CHECK(parser.head_complete());
  parser.feed("x", 1);
  CHECK(parser.next(r, f) == Result::request);
  CHECK_FALSE(parser.mid_request());
}

TEST_CASE("wire: responses carry status, headers, length and body", "[http][wire]") {
  std::string out;
  roombook::http::wire::write_response(out, 201, {{"Location", "/users/1"}}, "application/json",
                                       "{}", true, false);
  CHECK(out ==
        "HTTP/1.1 201 Created\r\nLocation: /users/1\r\nContent-Type: application/json\r\n"
        "Connection: Keep-Alive\r\nContent-Length: 2\r\n\r\n{}");

  SECTION("HEAD announces the length and sends no body") {
    std::string head;
    roombook::http::wire::write_response(head, 200, {}, "application/json", "[1,2]", false, true);
    CHECK(head ==
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: Close\r\n"
          "Content-Length: 5\r\n\r\n");
  }
  SECTION("204 announces no length") {
    std::string none;
    roombook::http::wire::write_response(none, 204, {}, "", "", true, false);
    CHECK(none == "HTTP/1.1 204 No Content\r\nConnection: Keep-Alive\r\n\r\n");
  }
}

TEST_CASE("wire: a header value holding CR, LF or NUL is left out, never written", "[http][wire]") {
  std::string out;
  std::vector<std::string> dropped;
  roombook::http::wire::write_response(out, 200,
                                       {{"X-Request-Id", "abc\r\nSet-Cookie: pwn=1"},
                                        {"X-Ok", "fine"},
                                        {"X-Nul", std::string("a\0b", 3)},
                                        {"X-Lf", "a\nb"}},
                                       "text/plain", "", true, false, &dropped);
  CHECK(out.find("pwn") == std::string::npos);
  CHECK(out.find("X-Ok: fine\r\n") != std::string::npos);
  CHECK(dropped == std::vector<std::string>{"X-Request-Id", "X-Nul", "X-Lf"});
}
