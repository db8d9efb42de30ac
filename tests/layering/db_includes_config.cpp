// Forbidden: inside src/, a target sees only the targets it links.
// roombook_db does not link roombook_config (config links db, not the other
// way round).
#include "config/config.hpp"
