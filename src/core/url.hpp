#pragma once

#include <string>
#include <string_view>

namespace roombook::core {

/// The URL with its password replaced by "***", for every URL that reaches a
/// log, an error message or `roombook config`. Whatever the URL's shape, no
/// password survives: everything between the first ':' of the user
/// information and the last '@' is masked (so a password may hold '@', '/',
/// '?' or '#'), and so is the value of every "password=" parameter. It may
/// mask more than a password in a malformed URL, never less.
std::string mask_url(std::string_view url);

/// Whether a listening address reaches this machine alone: 127.0.0.0/8,
/// ::1 (bracketed or not) or "localhost".
bool is_loopback_host(std::string_view host);

}  // namespace roombook::core
