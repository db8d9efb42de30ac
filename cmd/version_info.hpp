#pragma once

namespace roombook::cmd {

/// Set at build time: the project version and `git describe` of the tree.
extern const char* const kVersion;
extern const char* const kGitRevision;

}  // namespace roombook::cmd
