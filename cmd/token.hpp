#pragma once

#include <optional>
#include <string>

#include "cmd/commands.hpp"
#include "cmd/output.hpp"

namespace roombook::cmd {

/// `service` unset: every service of the registry.
struct TokenCreateOptions {
  std::string name;
  std::string scope;
  std::optional<std::string> service;
  std::optional<std::string> expires;  ///< "30d", "12h", "90m", "3600s"
  OutputOptions output;
};

struct TokenListOptions {
  std::optional<std::string> service;
  OutputOptions output;
};

struct TokenRevokeOptions {
  std::string name;
  std::optional<std::string> service;
};

/// Makes a token, stores its hash in each service's database and prints it
/// with its secret: the one time the secret is shown.
int run_token_create(Context& ctx, const TokenCreateOptions& options);
/// Lists the tokens, never their secrets.
int run_token_list(Context& ctx, const TokenListOptions& options);
/// Deletes the token; running processes refuse it within seconds.
int run_token_revoke(Context& ctx, const TokenRevokeOptions& options);

/// "30d" and the like as seconds: digits and one of s, m, h, d; from 1 s to
/// 3650 days. Nullopt for anything else.
std::optional<std::chrono::seconds> parse_token_lifetime(const std::string& text);

}  // namespace roombook::cmd
