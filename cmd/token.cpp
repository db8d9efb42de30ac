#include "cmd/token.hpp"

#include <charconv>
#include <chrono>
#include <memory>
#include <vector>

#include "auth/store.hpp"
#include "auth/token.hpp"
#include "cmd/subcommands.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "services/registry.hpp"

namespace roombook::cmd {

namespace {

constexpr std::chrono::seconds kLongestLifetime = std::chrono::hours(24 * 3650);

/// The services a command acts on: the one named, else every one.
std::vector<std::string> chosen_services(const std::optional<std::string>& service) {
  if (service) return {*service};
  std::vector<std::string> names;
  for (const auto& entry : services::registry()) names.emplace_back(entry.name);
  return names;
}

std::string format_time(const std::optional<core::SysSeconds>& t) {
  return t ? core::format_rfc3339(*t) : std::string();
}

nlohmann::ordered_json time_or_null(const std::optional<core::SysSeconds>& t) {
  if (!t) return nullptr;
  return core::format_rfc3339(*t);
}

/// One service's tokens, on its database.
struct Opened {
  std::unique_ptr<db::Pool> pool;
  auth::TokenStore store;
  Opened(const Context& ctx, const std::string& service)
      : pool(open_service_db(ctx, service)), store(*pool, service) {}
};

}  // namespace

std::optional<std::chrono::seconds> parse_token_lifetime(const std::string& text) {
  if (text.size() < 2 || text.size() > 12) return std::nullopt;
  std::int64_t n = 0;
  const auto digits = text.substr(0, text.size() - 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc{} || end != digits.data() + digits.size() || n <= 0) return std::nullopt;
  if (digits.front() < '0' || digits.front() > '9') return std::nullopt;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    default:
      return std::nullopt;
  }
  if (n > kLongestLifetime.count() / unit) return std::nullopt;
  return std::chrono::seconds(n * unit);
}

int run_token_create(Context& ctx, const TokenCreateOptions& o) {
  if (!auth::valid_token_name(o.name)) {
    throw UsageError("invalid token name \"" + o.name +
                     "\": 1-64 characters of a-z, 0-9, '.', '_', '-'");
  }
  const auto scope = http::parse_scope(o.scope);
  if (!scope) throw UsageError("--scope must be read, write or admin");
  std::optional<core::SysSeconds> expires_at;
  const auto now = core::now();
  if (o.expires) {
    const auto lifetime = parse_token_lifetime(*o.expires);
    if (!lifetime) {
      throw UsageError("--expires \"" + *o.expires +
                       "\" is not a lifetime: digits and a unit, s, m, h or d (30d, 12h), at "
                       "most 3650d");
    }
    expires_at = now + *lifetime;
  }

  const auto services = chosen_services(o.service);
  std::vector<std::unique_ptr<Opened>> opened;
  for (const auto& service : services) {
    opened.push_back(std::make_unique<Opened>(ctx, service));
    for (const auto& t : opened.back()->store.list()) {
      if (t.name == o.name) {
        throw core::conflict("a token named " + o.name + " exists already for " + service +
                             " (roombook token revoke " + o.name + " first)");
      }
    }
  }
  const auto token = auth::new_token();
  std::vector<auth::TokenStore*> done;
  try {
    for (auto& s : opened) {
      s->store.create(o.name, *scope, token, expires_at, now);
      done.push_back(&s->store);
    }
  } catch (...) {
    // All services or none: a token half made is taken back.
    for (auto* store : done) store->revoke(o.name);
    throw;
  }

  nlohmann::ordered_json service_list = nlohmann::ordered_json::array();
  std::string joined;
  for (const auto& s : services) {
    service_list.push_back(s);
    joined += (joined.empty() ? "" : ",") + s;
  }
  const auto format = format_of(ctx.out_is_terminal, o.output);
  Table table{{"name", "scope", "service", "prefix", "created_at", "expires_at", "token"}, {}};
  table.rows.push_back(
      {{"name", o.name},
       {"scope", http::to_string(*scope)},
       {"service", format == "json" ? service_list : nlohmann::ordered_json(joined)},
       {"prefix", auth::prefix_of(token)},
       {"created_at", core::format_rfc3339(now)},
       {"expires_at", time_or_null(expires_at)},
       {"token", token}});
  print(ctx.out, table, format, true);
  note(ctx, "created token " + o.name + " for " + joined +
                ": store its secret now, it is not shown again");
  return kExitOk;
}

int run_token_list(Context& ctx, const TokenListOptions& o) {
  Table table{{"name", "scope", "service", "prefix", "created_at", "last_used_at", "expires_at"},
              {}};
  for (const auto& service : chosen_services(o.service)) {
    Opened s(ctx, service);
    for (const auto& t : s.store.list()) {
      table.rows.push_back({{"name", t.name},
                            {"scope", http::to_string(t.scope)},
                            {"service", t.service},
                            {"prefix", t.prefix},
                            {"created_at", format_time(t.created_at)},
                            {"last_used_at", time_or_null(t.last_used_at)},
                            {"expires_at", time_or_null(t.expires_at)}});
    }
  }
  print(ctx.out, table, format_of(ctx.out_is_terminal, o.output));
  return kExitOk;
}

int run_token_revoke(Context& ctx, const TokenRevokeOptions& o) {
  std::string revoked;
  for (const auto& service : chosen_services(o.service)) {
    Opened s(ctx, service);
    if (s.store.revoke(o.name)) revoked += (revoked.empty() ? "" : ", ") + service;
  }
  if (revoked.empty()) {
    throw core::not_found("no token named " + o.name +
                          (o.service ? " for " + *o.service : std::string()));
  }
  note(ctx, "revoked token " + o.name + " for " + revoked + "; running services refuse it within " +
                std::to_string(auth::kTokenCacheTime.count()) + " s");
  return kExitOk;
}

Runner setup_token(CLI::App& app, ConfigFlags& flags) {
  Subcommands subs(app, flags, "token");
  std::vector<std::string> names;
  for (const auto& entry : services::registry()) names.emplace_back(entry.name);

  auto [create_cmd, create] = subs.add(
      "create", "Make a bearer token and print it, the only time it is shown", run_token_create);
  create_cmd.add_option("name", create.name, "1-64 characters of a-z, 0-9, '.', '_', '-'")
      ->required();
  create_cmd.add_option("--scope", create.scope, "read, write or admin")
      ->required()
      ->check(CLI::IsMember({"read", "write", "admin"}));
  create_cmd.add_option("--service", create.service, "Only for this service (default: every one)")
      ->check(CLI::IsMember(names));
  create_cmd.add_option("--expires", create.expires,
                        "Lifetime: digits and s, m, h or d (30d); default: never");
  add_format_option(create_cmd, create.output);

  auto [list_cmd, list] = subs.add("list", "List tokens, never their secrets", run_token_list);
  list_cmd.add_option("--service", list.service, "Only this service's")
      ->check(CLI::IsMember(names));
  add_format_option(list_cmd, list.output);

  auto [revoke_cmd, revoke] = subs.add("revoke", "Delete a token", run_token_revoke);
  revoke_cmd.add_option("name", revoke.name, "The token's name")->required();
  revoke_cmd.add_option("--service", revoke.service, "Only for this service (default: every one)")
      ->check(CLI::IsMember(names));

  return subs.runner();
}

}  // namespace roombook::cmd
