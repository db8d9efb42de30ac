#include <ostream>

#include <CLI/CLI.hpp>

#include "cmd/commands.hpp"
#include "cmd/version_info.hpp"

namespace roombook::cmd {

Runner setup_version(CLI::App& /*app*/, ConfigFlags& /*flags*/) {
  return [](Context& ctx) {
    ctx.out << "roombook " << kVersion << " (git " << kGitRevision << ")\n";
    return kExitOk;
  };
}

}  // namespace roombook::cmd
