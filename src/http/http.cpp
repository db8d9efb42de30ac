#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/error.hpp"
#include "core/text.hpp"
#include "db/db.hpp"
#include "http/http.hpp"
#include "log/log.hpp"

namespace roombook::http {

namespace {

const char* reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
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
    case 422:
      return "Unprocessable Content";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

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

std::optional<std::string> Request::header(const std::string& name) const {
  auto it = headers.find(core::to_lower(name));
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::query_param(const std::string& name) const {
  auto [first, last] = query.equal_range(name);
  if (first == last) return std::nullopt;
  return first->second;
}

nlohmann::json Request::json() const {
  if (body.empty()) throw Error(400, "the request body is empty; a JSON document is required");
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    if (what.find("UTF-8") != std::string::npos) {
      // The message quotes the offending bytes, which are not UTF-8 either.
      // Name the member whose value holds them instead: parse again, noting
      // each key. If the failure came right after a key, its value holds
      // them; otherwise a member name itself does.
      std::string field;
      bool after_key = false;
      try {
        auto ignored = nlohmann::json::parse(
            body, [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
              after_key = event == nlohmann::json::parse_event_t::key;
              if (after_key) field = parsed.get<std::string>();
              return true;
            });
        (void)ignored;
      } catch (const nlohmann::json::exception&) {
      }
      // The same words as the models' text checks.
      if (after_key) throw core::invalid(field, field + " is not valid UTF-8");
      throw Error(400, "malformed JSON: a member name is not valid UTF-8");
    }
    // nlohmann's message starts with "[json.exception.parse_error.101] parse
    // error at line 1, column 5: ..."; keep the part a client can act on.
    auto pos = what.find("parse error");
    throw Error(400, "malformed JSON: " + (pos == std::string::npos ? what : what.substr(pos)));
  }
}

std::optional<std::int64_t> Request::query_integer(const std::string& name) const {
  auto text = query_param(name);
  if (!text) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size()) {
    throw core::invalid(name, name + " must be an integer, not \"" + *text + "\"");
  }
  return value;
}

std::int64_t Request::id_param(const std::string& name, const std::string& what) const {
  auto it = params.find(name);
  auto id = it == params.end() ? std::nullopt : core::parse_id(it->second);
  if (!id) throw core::invalid(name, "the " + what + " id in the path must be a positive integer");
  return *id;
}

Response Response::json(int status, const nlohmann::ordered_json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::no_content() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Response Response::problem(int status, const std::string& detail,
                           const nlohmann::ordered_json& extra) {
  nlohmann::ordered_json doc = {{"type", "about:blank"},
                                {"title", reason_phrase(status)},
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

Response handle(const Router& router, Request& request, std::size_t max_body_bytes) {
  try {
    if (request.body.size() > max_body_bytes) {
      throw Error(413, "the request body is " + std::to_string(request.body.size()) +
                           " bytes; the limit is " + std::to_string(max_body_bytes) +
                           " bytes (MAX_BODY_BYTES)");
    }
    auto match = router.match(request.method, request.path);
    // HEAD is GET without the body, unless a route says otherwise: route it
    // as GET; the server drops the body.
    if (match.handler == nullptr && request.method == Method::head) {
      match = router.match(Method::get, request.path);
    }
    if (match.handler == nullptr) {
      if (match.allowed.empty()) throw Error(404, "no resource at " + request.path);
      auto allowed = [&](Method m) {
        return std::find(match.allowed.begin(), match.allowed.end(), m) != match.allowed.end();
      };
      if (allowed(Method::get) && !allowed(Method::head)) match.allowed.push_back(Method::head);
      return Response::problem(405, std::string("method ") + to_string(request.method) +
                                        " is not allowed on " + request.path)
          .header("Allow", join_methods(match.allowed));
    }
    request.params = std::move(match.params);
    return (*match.handler)(request);
  } catch (const Error& e) {
    return Response::problem(e.status(), e.what(), e.extra());
  } catch (const core::Error& e) {
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();
    if (!e.field().empty()) extra["field"] = e.field();
    auto response = Response::problem(status_of(e.kind()), e.what(), extra);
    if (e.kind() == core::ErrorKind::unavailable) response.header("Retry-After", "1");
    return response;
  } catch (const db::Error& e) {
    // The engine's message may show SQL and schema: log it, never send it.
    switch (e.code()) {
      case db::ErrorCode::constraint:
        log::get("http")->info("{} {}: constraint: {}", to_string(request.method), request.path,
                               e.what());
        return Response::problem(409, "the request conflicts with the data already stored");
      case db::ErrorCode::busy:
        log::get("http")->warn("{} {}: database busy: {}", to_string(request.method), request.path,
                               e.what());
        return Response::problem(503, "the database is busy; retry shortly")
            .header("Retry-After", "1");
      case db::ErrorCode::connection:
        log::get("http")->error("{} {}: database unavailable: {}", to_string(request.method),
                                request.path, e.what());
        return Response::problem(503, "the database is unavailable; nothing was changed")
            .header("Retry-After", "1");
      case db::ErrorCode::full:
        log::get("http")->error("{} {}: storage full: {}", to_string(request.method), request.path,
                                e.what());
        return Response::problem(507,
                                 "the server's storage is full; nothing was changed, retry "
                                 "later")
            .header("Retry-After", "30");
      default:
        log::get("http")->error("{} {}: database error: {}", to_string(request.method),
                                request.path, e.what());
        return Response::problem(500, "internal error; the server log has the details");
    }
  } catch (const std::exception& e) {
    log::get("http")->error("{} {}: unhandled exception: {}", to_string(request.method),
                            request.path, e.what());
    return Response::problem(500, "internal error; the server log has the details");
  }
}

}  // namespace roombook::http
