#include <algorithm>
#include <string_view>

#include "http/http.hpp"

namespace roombook::http {

namespace {

/// Calls `each` with every non-empty segment of a path, in order, until it
/// returns false.
template <class Each>
void for_each_segment(std::string_view path, Each each) {
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto segment = path.substr(0, slash);
    if (!segment.empty() && !each(segment)) return;
    if (slash == std::string_view::npos) return;
    path.remove_prefix(slash + 1);
  }
}

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  for_each_segment(path, [&](std::string_view segment) {
    out.emplace_back(segment);
    return true;
  });
  return out;
}

bool is_param(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::add(Method method, const std::string& pattern, Handler handler, Dispatch dispatch) {
  routes_.push_back(Route{method, split_path(pattern), std::move(handler), dispatch});
}

Router::Match Router::match(Method method, std::string_view path) const {
  auto found = match_exactly(method, path);
  if (found.handler == nullptr && method == Method::head) {
    auto get = match_exactly(Method::get, path);
    if (get.handler != nullptr) return get;
  }
  return found;
}

Router::Match Router::match_exactly(Method method, std::string_view path) const {
  Match result;
  for (const auto& route : routes_) {
    std::size_t i = 0;
    bool ok = true;
    for_each_segment(path, [&](std::string_view segment) {
      ok = i < route.segments.size() &&
           (is_param(route.segments[i]) || route.segments[i] == segment);
      ++i;
      return ok;
    });
    if (!ok || i != route.segments.size()) continue;
    if (route.method == method) {
      // Only the route that answers pays for its parameters.
      std::size_t at = 0;
      for_each_segment(path, [&](std::string_view segment) {
        const auto& want = route.segments[at++];
        if (is_param(want))
          result.params.emplace(want.substr(1, want.size() - 2), std::string(segment));
        return true;
      });
      result.handler = &route.handler;
      result.dispatch = route.dispatch;
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
