#include "core/url.hpp"

#include <algorithm>

namespace roombook::core {

namespace {

bool is_scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '-' || c == '.';
}

/// Where the user information would start: after "scheme://", or at the
/// start of anything else ("u:p@host" may be user and password). npos when
/// there can be none: "sqlite:path" and "sqlite:///path" have no authority,
/// and their paths may hold ':' and '@'.
std::size_t authority_start(std::string_view url) {
  std::size_t i = 0;
  while (i < url.size() && is_scheme_char(url[i])) ++i;
  if (i == 0 || i >= url.size() || url[i] != ':') return 0;
  if (url.substr(i + 1, 2) != "//")
    return url.substr(0, i) == "sqlite" ? std::string_view::npos : 0;
  i += 3;
  if (i < url.size() && url[i] == '/') return std::string_view::npos;
  return i;
}

}  // namespace

std::string mask_url(std::string_view url) {
  std::string out(url);
  const std::size_t start = authority_start(url);
  // The last '@' ends the user information, so that a password holding '@'
  // (or '/', '?', '#', which a careless URL leaves unencoded) is masked whole.
  const auto at = out.rfind('@');
  if (start != std::string::npos && at != std::string::npos && at >= start) {
    const auto colon = out.find(':', start);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  // libpq also takes the password as a parameter: ?password=... or
  // "password=..." in a key/value string.
  constexpr std::string_view kKey = "password=";
  for (auto pos = out.find(kKey); pos != std::string::npos; pos = out.find(kKey, pos + 1)) {
    const auto value = pos + kKey.size();
    auto end = out.find_first_of("& ", value);
    if (end == std::string::npos) end = out.size();
    out.replace(value, end - value, "***");
  }
  return out;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  // 127.a.b.c, each part 0-255 in plain digits.
  if (!host.starts_with("127.")) return false;
  int parts = 0;
  std::size_t i = 0;
  while (i <= host.size()) {
    const auto dot = std::min(host.find('.', i), host.size());
    const auto part = host.substr(i, dot - i);
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    ++parts;
    i = dot + 1;
  }
  return parts == 4;
}

}  // namespace roombook::core
