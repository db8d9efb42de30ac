// Control: roombook_db links roombook_core PRIVATE, and a target's own
// sources see its PRIVATE links too. Proves the db probes are compiled with
// db's include roots and links.
#include "core/url.hpp"
