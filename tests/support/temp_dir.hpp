#pragma once

// Helpers every test folder needs: a private temporary directory, and the
// exception a call throws.

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

namespace roombook::test {

/// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "roombook-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// sqlite:///<dir>/<name>
  std::string url(const std::string& name) const { return "sqlite://" + (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// The E that f throws; fails the test if it throws nothing or something else.
template <class E, class F>
E thrown(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e;
  }
  FAIL("expected an exception of the awaited type");
  throw std::logic_error("unreachable");
}

}  // namespace roombook::test
