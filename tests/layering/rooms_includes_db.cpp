// Control: roombook_rooms links roombook_db, so a rooms source sees its
// headers. Proves the rooms probes are compiled with rooms' include roots.
#include "db/db.hpp"
