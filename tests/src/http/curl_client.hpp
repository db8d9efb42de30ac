#pragma once

// A small libcurl client for the server tests: one Client is one easy handle,
// so consecutive requests reuse its connection when the server allows it.

#include <curl/curl.h>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace roombook::http::test {

struct Reply {
  CURLcode code = CURLE_OK;  ///< not OK: no response (the other members are empty)
  long status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  ///< names lower-cased
  long num_connects = 0;  ///< new connections this request opened (0: reused one)

  /// The first value of a header, or "" when absent.
  std::string header(const std::string& name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string() : it->second;
  }
  bool has_header(const std::string& name) const { return headers.count(lower(name)) > 0; }
};

struct RequestOptions {
  std::string method = "GET";
  std::string body;
  std::vector<std::string> headers;  ///< "Name: value"
  bool http10 = false;
};

/// RequestOptions in one expression (designated initializers that skip a
/// member trip -Wmissing-field-initializers).
inline RequestOptions with(std::string method, std::string body = {},
                           std::vector<std::string> headers = {}, bool http10 = false) {
  RequestOptions o;
  o.method = std::move(method);
  o.body = std::move(body);
  o.headers = std::move(headers);
  o.http10 = http10;
  return o;
}

class Client {
 public:
  Client() : curl_(curl_easy_init()) {
    if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
  }
  ~Client() { curl_easy_cleanup(curl_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Reply request(const std::string& url, const RequestOptions& o = {}) {
    Reply reply;
    curl_easy_reset(curl_);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    // A guard against a hung server, not a timing assertion.
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Client::on_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &Client::on_header);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply.headers);
    curl_easy_setopt(curl_, CURLOPT_HTTP_VERSION,
                     o.http10 ? CURL_HTTP_VERSION_1_0 : CURL_HTTP_VERSION_1_1);
    if (o.method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    } else if (o.method != "GET") {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, o.method.c_str());
    }
    if (!o.body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, o.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(o.body.size()));
    }
    curl_slist* list = nullptr;
    // No "Expect: 100-continue" round trip for larger bodies.
    list = curl_slist_append(list, "Expect:");
    for (const auto& h : o.headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);

    reply.code = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    if (reply.code != CURLE_OK) return reply;
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &reply.num_connects);
    return reply;
  }

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
  }
  static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
    const std::string line(data, size * n);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      static_cast<std::multimap<std::string, std::string>*>(user)->emplace(
          lower(trim(line.substr(0, colon))), trim(line.substr(colon + 1)));
    }
    return size * n;
  }

  CURL* curl_;
};

}  // namespace roombook::http::test
