#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.hpp"
#include "core/text.hpp"
#include "db/db.hpp"
#include "http/http.hpp"
#include "http/wire.hpp"
#include "log/log.hpp"

namespace roombook::http {

namespace {

int status_of(core::ErrorKind kind) {
  switch (kind) {
    case core::ErrorKind::invalid:
      return 400;
    case core::ErrorKind::not_found:
      return 404;
    case core::ErrorKind::conflict:
      return 409;
    case core::ErrorKind::unavailable:
      return 503;
    case core::ErrorKind::unprocessable:
      return 422;
  }
  return 500;
}

std::string join_methods(const std::vector<Method>& methods) {
  std::string out;
  for (auto m : methods) {
    if (!out.empty()) out += ", ";
    out += to_string(m);
  }
  return out;
}

}  // namespace

const char* to_string(Method m) {
  switch (m) {
    case Method::get:
      return "GET";
    case Method::head:
      return "HEAD";
    case Method::post:
      return "POST";
    case Method::put:
      return "PUT";
    case Method::patch:
      return "PATCH";
    case Method::del:
      return "DELETE";
    case Method::options:
      return "OPTIONS";
  }
  return "?";
}

const std::string* Fields::find(std::string_view name) const {
  for (const auto& [n, value] : items_) {
    if (n == name) return &value;
  }
  return nullptr;
}

const std::string* Fields::find_last(std::string_view name) const {
  for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
    if (it->first == name) return &it->second;
  }
  return nullptr;
}

const std::string& Fields::at(std::string_view name) const {
  if (const auto* value = find(name)) return *value;
  throw std::out_of_range("no field named " + std::string(name));
}

std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && wire::hex_digit(in[i + 1]) >= 0 &&
        wire::hex_digit(in[i + 2]) >= 0) {
      out += static_cast<char>(wire::hex_digit(in[i + 1]) * 16 + wire::hex_digit(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

Fields parse_query(std::string_view query) {
  Fields out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      out.emplace(percent_decode(pair.substr(0, eq)), eq == std::string_view::npos
                                                          ? std::string()
                                                          : percent_decode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::optional<std::string> Request::header(std::string_view name) const {
  // Stored names are lower-case already.
  for (auto it = headers.end(); it != headers.begin();) {
    --it;
    const auto& stored = it->first;
    if (stored.size() == name.size() &&
        std::equal(stored.begin(), stored.end(), name.begin(), [](char s, char n) {
          return s == ((n >= 'A' && n <= 'Z') ? static_cast<char>(n - 'A' + 'a') : n);
        })) {
      return it->second;
    }
  }
  return std::nullopt;
}

std::optional<std::string> Request::query_param(const std::string& name) const {
  if (const auto* value = query.find(name)) return *value;
  return std::nullopt;
}

namespace {

/// Where a parse of a JSON document failed: in the value of `member` (the
/// innermost member whose value holds the failure; empty outside any
/// member), or, with `in_name`, in a member name.
struct FailurePlace {
  std::string member;
  bool in_name = false;
};

/// Parses `body` again, following its objects and arrays, to tell where the
/// parse fails. nlohmann's messages quote the offending text (not UTF-8, or
/// 30,000 digits long); a client is better served by the member's name.
FailurePlace locate_failure(const std::string& body) {
  // One frame per open object or array: an object's current member, and
  // whether its value is being read (if not, the next member name is).
  struct Frame {
    bool object = false;
    std::string member;
    bool in_value = false;
  };
  std::vector<Frame> open;
  using Event = nlohmann::json::parse_event_t;
  try {
    auto ignored = nlohmann::json::parse(body, [&](int, Event event, nlohmann::json& parsed) {
      switch (event) {
        case Event::object_start:
        case Event::array_start:
          open.push_back({event == Event::object_start, "", false});
          break;
        case Event::key:
          open.back().member = parsed.get<std::string>();
          open.back().in_value = true;
          break;
        case Event::object_end:
        case Event::array_end:
          open.pop_back();
          [[fallthrough]];
        case Event::value:  // the member's value is complete
          if (!open.empty() && open.back().object) open.back().in_value = false;
          break;
      }
      return true;
    });
    (void)ignored;
  } catch (const nlohmann::json::exception&) {
  }
  FailurePlace place;
  if (!open.empty() && open.back().object && !open.back().in_value) {
    place.in_name = true;
    return place;
  }
  // Inside arrays, the member that holds the array.
  for (auto it = open.rbegin(); it != open.rend(); ++it) {
    if (it->object) {
      place.member = it->member;
      break;
    }
  }
  return place;
}

/// nlohmann's message without its "[json.exception.parse_error.101] " tag.
std::string without_tag(const std::string& what) {
  const auto pos = what.find("] ");
  return what.rfind("[json.exception.", 0) == 0 && pos != std::string::npos ? what.substr(pos + 2)
                                                                            : what;
}

}  // namespace

nlohmann::json Request::json() const {
  if (body.empty()) throw Error(400, "the request body is empty; a JSON document is required");
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::out_of_range&) {
    // 406: a number beyond a double, like 1e400 or -1e999.
    const auto place = locate_failure(body);
    if (!place.member.empty()) {
      throw core::invalid(place.member, place.member + " is a number out of range");
    }
    throw Error(400, "malformed JSON: a number is out of range");
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    if (what.find("UTF-8") != std::string::npos) {
      // The message quotes the offending bytes, which are not UTF-8 either.
      const auto place = locate_failure(body);
      if (place.in_name) throw Error(400, "malformed JSON: a member name is not valid UTF-8");
      // The same words as the models' text checks.
      if (!place.member.empty()) {
        throw core::invalid(place.member, place.member + " is not valid UTF-8");
      }
      throw Error(400, "malformed JSON: a string is not valid UTF-8");
    }
    // nlohmann's message starts with "[json.exception.parse_error.101] parse
    // error at line 1, column 5: ..."; keep the part a client can act on.
    auto pos = what.find("parse error");
    throw Error(400, "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos)));
  } catch (const nlohmann::json::exception& e) {
    // Nothing else is known to come out of parsing; whatever does is still
    // about the client's document, not a server fault.
    throw Error(400, "malformed JSON: " + without_tag(e.what()));
  }
}

std::optional<std::int64_t> Request::query_integer(const std::string& name) const {
  auto text = query_param(name);
  if (!text) return std::nullopt;
  const auto value = core::parse_integer(*text);
  if (!value) {
    throw core::invalid(name, name +
                                  " must be an integer (decimal digits, an optional '-', no "
                                  "leading zeros, within 64 bits), not \"" +
                                  core::excerpt(*text) + "\"");
  }
  return value;
}

core::PageRequest Request::page() const {
  return {query_integer("limit").value_or(core::kDefaultLimit),
          query_integer("after_id").value_or(0)};
}

void add_next_link(Response& response, const std::string& path, const core::PageRequest& page,
                   std::int64_t next_after_id,
                   const std::vector<std::pair<std::string, std::string>>& filters) {
  static const char* hex = "0123456789ABCDEF";
  std::string link = "<" + path + "?limit=" + std::to_string(page.limit) +
                     "&after_id=" + std::to_string(next_after_id);
  for (const auto& [name, value] : filters) {
    link += "&" + name + "=";
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                         (u >= '0' && u <= '9') || c == '-' || c == '.' || c == '_' || c == '~' ||
                         c == ':';
      if (plain) {
        link += c;
      } else {
        link += '%';
        link += hex[u >> 4];
        link += hex[u & 15];
      }
    }
  }
  response.header("Link", link + ">; rel=\"next\"");
}

std::int64_t Request::id_param(const std::string& name, const std::string& what) const {
  const auto* text = params.find(name);
  auto id = text == nullptr ? std::nullopt : core::parse_id(*text);
  if (!id) {
    throw core::invalid(name, "the " + what +
                                  " id in the path must be a positive integer: decimal digits "
                                  "from 1 to 9223372036854775807, without a sign or leading "
                                  "zeros");
  }
  return *id;
}

Response Response::json(int status, const nlohmann::ordered_json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::json_text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  r.content_type = {};
  return r;
}

Response Response::problem(int status, const std::string& detail,
                           const nlohmann::ordered_json& extra) {
  nlohmann::ordered_json doc = {{"type", "about:blank"},
                                {"title", wire::reason_phrase(status)},
                                {"status", status},
                                {"detail", detail}};
  for (const auto& [key, value] : extra.items()) doc[key] = value;
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  // Replace rather than throw on bytes that are not UTF-8: a problem
  // document must always come out.
  r.body = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response& Response::header(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

namespace {

/// The remedy of a core::Error as the API offers it: "; cancel them, or add
/// ?force=true to delete them with the room".
std::string api_remedy(const std::optional<core::Remedy>& remedy) {
  if (!remedy || !remedy->in_api) return {};
  return "; " + (remedy->alternative.empty() ? std::string() : remedy->alternative + ", or ") +
         "add ?" + remedy->option + "=true " + remedy->effect;
}

/// Every outcome of a handler or middleware as a Response: the one place
/// that words errors for HTTP clients.
Response answer_error(std::exception_ptr error, const std::string& where) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return Response::problem(e.status(), e.what(), e.extra());
  } catch (const core::Error& e) {
    nlohmann::ordered_json extra = e.data();
    if (!e.field().empty()) extra["field"] = e.field();
    if (!e.cause().empty()) {
      // Where another service lives and how it failed is for the log.
      log::get("http")->warn("{}: {}: {}", where, e.what(), e.cause());
    }
    auto response =
        Response::problem(status_of(e.kind()), e.what() + api_remedy(e.remedy()), extra);
    if (e.kind() == core::ErrorKind::unavailable) {
      response.header("Retry-After",
                      std::to_string(e.retry_after().value_or(std::chrono::seconds(1)).count()));
    }
    return response;
  } catch (const db::Error& e) {
    // The engine's message may show SQL and schema: log it, never send it.
    switch (e.code()) {
      case db::ErrorCode::constraint:
        log::get("http")->info("{}: constraint: {}", where, e.what());
        return Response::problem(409, "the request conflicts with the data already stored");
      case db::ErrorCode::busy:
        log::get("http")->warn("{}: database busy: {}", where, e.what());
        return Response::problem(503, "the database is busy; retry shortly")
            .header("Retry-After", "1");
      case db::ErrorCode::connection:
        log::get("http")->error("{}: database unavailable: {}", where, e.what());
        // Not "nothing was changed": a connection lost during COMMIT leaves
        // that unknown.
        return Response::problem(503, "the database is unavailable; retry shortly")
            .header("Retry-After", "1");
      case db::ErrorCode::full:
        log::get("http")->error("{}: storage full: {}", where, e.what());
        return Response::problem(507,
                                 "the server's storage is full; nothing was changed, retry "
                                 "later")
            .header("Retry-After", "30");
      default:
        log::get("http")->error("{}: database error: {}", where, e.what());
        return Response::problem(500, "internal error; the server log has the details");
    }
  } catch (const std::exception& e) {
    log::get("http")->error("{}: unhandled exception: {}", where, e.what());
    return Response::problem(500, "internal error; the server log has the details");
  } catch (...) {
    log::get("http")->error("{}: unhandled exception", where);
    return Response::problem(500, "internal error; the server log has the details");
  }
}

}  // namespace

Response failure_response(std::exception_ptr error, const std::string& where) {
  return answer_error(std::move(error), where);
}

namespace {

/// The route itself: 404 and 405 when there is none.
Response run_route(Router::Match& match, Request& request) {
  if (match.handler == nullptr) {
    if (match.allowed.empty()) {
      throw Error(404, "no resource at " + core::excerpt(request.path, 200));
    }
    auto allowed = [&](Method m) {
      return std::find(match.allowed.begin(), match.allowed.end(), m) != match.allowed.end();
    };
    if (allowed(Method::get) && !allowed(Method::head)) match.allowed.push_back(Method::head);
    return Response::problem(405, std::string("method ") + to_string(request.method) +
                                      " is not allowed on " + core::excerpt(request.path, 200))
        .header("Allow", join_methods(match.allowed));
  }
  request.params = std::move(match.params);
  return (*match.handler)(request);
}

}  // namespace

namespace {

/// Runs chain[i], whose `next` runs chain[i + 1], ..., then the route;
/// every stage's errors become a response before the stage around it sees
/// them, so middleware always gets a Response back.
struct Chain {
  const std::vector<Middleware>& chain;
  Router::Match& match;

  Response run(std::size_t i, Request& r) {
    try {
      if (i == chain.size()) return run_route(match, r);
      // Two words: small enough for std::function to hold without
      // allocating, once for every stage of every request.
      const Next next = [self = this, i](Request& inner) { return self->run(i + 1, inner); };
      return chain[i](r, next);
    } catch (...) {
      return answer_error(std::current_exception(),
                          std::string(to_string(r.method)) + " " + r.path);
    }
  }
};

}  // namespace

Response handle(const std::vector<Middleware>& chain, Router::Match match, Request& request) {
  return Chain{chain, match}.run(0, request);
}

Response handle(const Router& router, Request& request, std::size_t max_body_bytes) {
  if (request.body.size() > max_body_bytes) {
    return Response::problem(413, "the request body is " + std::to_string(request.body.size()) +
                                      " bytes; the limit is " + std::to_string(max_body_bytes) +
                                      " bytes (MAX_BODY_BYTES)");
  }
  return handle({}, router.match(request.method, request.path), request);
}

}  // namespace roombook::http
