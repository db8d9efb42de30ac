#include <iomanip>
#include <ostream>

#include <CLI/CLI.hpp>

#include "cmd/commands.hpp"
#include "core/url.hpp"

namespace roombook::cmd {

Runner setup_config(CLI::App& app, ConfigFlags& /*flags*/) {
  app.footer("Precedence, highest first: flag, environment, .env file, default.");
  return [](Context& ctx) {
    std::size_t name_width = 4, value_width = 5;
    auto shown = [](const config::Setting& s) {
      // A token is never printed, only whether one is set; a URL may carry
      // a password, which is masked.
      if (s.secret) return std::string(s.value.empty() ? "" : "(set, not shown)");
      return s.name.find("_URL") != std::string::npos ? core::mask_url(s.value) : s.value;
    };
    for (const auto& s : ctx.config.settings()) {
      name_width = std::max(name_width, s.name.size());
      value_width = std::max(value_width, shown(s).size());
    }
    ctx.out << std::left << std::setw(static_cast<int>(name_width + 2)) << "NAME"
            << std::setw(static_cast<int>(value_width + 2)) << "VALUE"
            << "SOURCE\n";
    for (const auto& s : ctx.config.settings()) {
      ctx.out << std::left << std::setw(static_cast<int>(name_width + 2)) << s.name
              << std::setw(static_cast<int>(value_width + 2)) << shown(s) << s.origin << "\n";
    }
    return kExitOk;
  };
}

}  // namespace roombook::cmd
