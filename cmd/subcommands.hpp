#pragma once

// What the commands with subcommands (user, room, booking) share: building
// their subcommands, and finding a record an operator names.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "cmd/commands.hpp"
#include "cmd/output.hpp"
#include "core/error.hpp"

namespace roombook::cmd {

/// The subcommands of one command: each parses into its own options, and
/// the one given runs its run_<name>(Context&, const Options&).
class Subcommands {
 public:
  /// For `command` ("user"), whose flags and database come first.
  Subcommands(CLI::App& app, ConfigFlags& flags, std::string command)
      : app_(app), command_(std::move(command)) {
    flags.bind(app, "--database-url", "DATABASE_URL", "Database URL (DATABASE_URL)");
    app.require_subcommand(0, 1);
  }

  /// Adds `name`; returns its CLI::App and options, to bind its flags to.
  template <class Options>
  std::pair<CLI::App&, Options&> add(const std::string& name, const std::string& help,
                                     int (*run)(Context&, const Options&)) {
    auto options = std::make_shared<Options>();
    auto* sub = app_.add_subcommand(name, help);
    sub->fallthrough();
    sub->callback([chosen = chosen_, options, run] {
      *chosen = [options, run](Context& ctx) { return run(ctx, *options); };
    });
    names_.push_back(name);
    return {*sub, *options};
  }

  /// The command's Runner: the chosen subcommand, or a usage error naming them.
  Runner runner() const {
    std::string list;
    for (const auto& n : names_) list += (list.empty() ? "" : ", ") + n;
    return [chosen = chosen_, message = command_ + " needs a subcommand: " + list +
                                        " (see roombook " + command_ + " --help)"](Context& ctx) {
      if (!*chosen) throw UsageError(message);
      return (*chosen)(ctx);
    };
  }

 private:
  CLI::App& app_;
  std::string command_;
  std::shared_ptr<Runner> chosen_ = std::make_shared<Runner>();
  std::vector<std::string> names_;
};

/// A service's logic on its database, for one command: the database is
/// opened (and its migrations checked) as for every command.
template <class Service>
struct Served {
  std::unique_ptr<db::Pool> pool;
  Service service{*pool};
};

template <class Service>
Served<Service> open_service(const Context& ctx, const std::string& name) {
  return Served<Service>{open_service_db(ctx, name)};
}

/// On stderr, beside a page of a listing: how to get the next one.
template <class Page>
void note_next_page(const Context& ctx, const char* items, const Page& page) {
  if (page.next_after_id) {
    note(ctx, std::string("more ") + items + " follow: add --after-id " +
                  std::to_string(*page.next_after_id));
  }
}

/// The record `key` (an id or a name) names, found by service.find(), or
/// not_found: "room Babbage does not exist".
template <class Service>
auto found(Service& service, const std::string& key, const char* noun) {
  auto record = service.find(key);
  if (!record) throw core::not_found(std::string(noun) + " " + key + " does not exist");
  return *record;
}

}  // namespace roombook::cmd
