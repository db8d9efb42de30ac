#include <algorithm>
#include <sstream>

#include "http/http.hpp"

namespace roombook::http {

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::string segment;
  std::istringstream in(path);
  while (std::getline(in, segment, '/')) {
    if (!segment.empty()) out.push_back(segment);
  }
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(Method method, const std::string& pattern, Handler handler, Dispatch dispatch) {
  routes_.push_back(Route{method, split_path(pattern), std::move(handler), dispatch});
}

Router::Match Router::match(Method method, const std::string& path) const {
  auto found = match_exactly(method, path);
  if (found.handler == nullptr && method == Method::head) {
    auto get = match_exactly(Method::get, path);
    if (get.handler != nullptr) return get;
  }
  return found;
}

Router::Match Router::match_exactly(Method method, const std::string& path) const {
  const auto segments = split_path(path);
  Match result;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool ok = true;
    for (std::size_t i = 0; i < segments.size() && ok; ++i) {
      const auto& want = route.segments[i];
      if (is_param(want)) {
        params[want.substr(1, want.size() - 2)] = segments[i];
      } else {
        ok = want == segments[i];
      }
    }
    if (!ok) continue;
    if (route.method == method) {
      result.handler = &route.handler;
      result.dispatch = route.dispatch;
      result.params = std::move(params);
      result.allowed.clear();
      return result;
    }
    if (std::find(result.allowed.begin(), result.allowed.end(), route.method) ==
        result.allowed.end()) {
      result.allowed.push_back(route.method);
    }
  }
  return result;
}

}  // namespace roombook::http
