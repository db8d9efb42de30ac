#pragma once

// How every list is paged, in both services and both front ends: in id
// order, at most `limit` items (1 to kMaxLimit) with an id greater than
// `after_id`, one more row fetched than shown to tell whether a next page
// follows.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace roombook::core {

constexpr std::int64_t kDefaultLimit = 100;
constexpr std::int64_t kMaxLimit = 1000;

struct PageRequest {
  std::int64_t limit = kDefaultLimit;
  std::int64_t after_id = 0;
};

/// One page of items, and where the next one starts (none: this was the last).
template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::int64_t> next_after_id;
};

/// Throws core::Error(invalid) naming limit or after_id when out of range.
inline void check(const PageRequest& page) {
  if (page.limit < 1 || page.limit > kMaxLimit) {
    throw invalid("limit", "limit must be an integer from 1 to " + std::to_string(kMaxLimit));
  }
  if (page.after_id < 0) throw invalid("after_id", "after_id must be an integer >= 0");
}

/// How many rows to read for a page: one more than it shows.
inline std::int64_t rows_to_read(const PageRequest& page) { return page.limit + 1; }

/// A page of `rows`, read in id order with rows_to_read(); T has an `id`.
template <class T>
Page<T> make_page(std::vector<T> rows, const PageRequest& page) {
  Page<T> out;
  if (static_cast<std::int64_t>(rows.size()) > page.limit) {
    rows.resize(static_cast<std::size_t>(page.limit));
    out.next_after_id = rows.back().id;
  }
  out.items = std::move(rows);
  return out;
}

}  // namespace roombook::core
