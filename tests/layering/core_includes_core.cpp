// Control: a target sees its own headers. Proves the core probes are
// compiled with core's include root.
#include "core/text.hpp"
