#pragma once

// A shared library loaded when it is first needed rather than at start: the
// PostgreSQL client library and libcurl bring some thirty libraries with
// them (Kerberos, LDAP, TLS), whose loading and relocation were half of the
// time from exec to the first answer, and a good part of the memory of a
// process that uses neither.

#include <stdexcept>
#include <string>

namespace roombook::core {

class SharedLibrary {
 public:
  /// Loads `soname` ("libpq.so.5"); throws std::runtime_error naming it and
  /// what to install (`package`) when it cannot.
  SharedLibrary(const char* soname, const char* package);
  /// Kept loaded: its functions may be called until the process exits.
  ~SharedLibrary() = default;
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  /// The function `name`, as the type of its declaration: symbol<decltype(&::f)>("f").
  template <class Function>
  Function symbol(const char* name) const {
    return reinterpret_cast<Function>(address(name));
  }

 private:
  void* address(const char* name) const;

  std::string soname_;
  void* handle_;
};

}  // namespace roombook::core
