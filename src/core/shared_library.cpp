#include "core/shared_library.hpp"

#include <dlfcn.h>

namespace roombook::core {

SharedLibrary::SharedLibrary(const char* soname, const char* package)
    : soname_(soname), handle_(::dlopen(soname, RTLD_NOW | RTLD_LOCAL)) {
  if (handle_ == nullptr) {
    const char* why = ::dlerror();
    throw std::runtime_error("cannot load " + soname_ + " (Debian package " + package +
                             "): " + (why ? why : "unknown error"));
  }
}

void* SharedLibrary::address(const char* name) const {
  ::dlerror();
  void* found = ::dlsym(handle_, name);
  if (found == nullptr) {
    throw std::runtime_error(soname_ + " has no " + name + ": an unexpected version of it");
  }
  return found;
}

}  // namespace roombook::core
