#pragma once

// Helpers shared by the http tests: reading a Response the way a client
// would, and checking the RFC 9457 problem document every error carries.

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace roombook::http::test {

inline std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

inline std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

/// "GET, HEAD, POST" -> {"GET", "HEAD", "POST"}
inline std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> out;
  std::string::size_type start = 0;
  for (;;) {
    const auto comma = value.find(',', start);
    out.push_back(trim(value.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

/// Checks the members every problem document has and returns the document.
inline nlohmann::json check_problem(std::string_view content_type, const std::string& body,
                                    int status) {
  INFO("body: " << body);
  CHECK(lower(std::string(content_type)) == "application/problem+json");
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  REQUIRE(doc.is_object());
  CHECK(doc.value("type", "") == "about:blank");
  REQUIRE(doc.contains("title"));
  CHECK(doc.at("title").is_string());
  CHECK_FALSE(doc.at("title").get<std::string>().empty());
  CHECK(doc.value("status", 0) == status);
  REQUIRE(doc.contains("detail"));
  CHECK(doc.at("detail").is_string());
  CHECK_FALSE(doc.at("detail").get<std::string>().empty());
  return doc;
}

}  // namespace roombook::http::test
