// Forbidden: a service never includes another service. The rooms service
// talks to user-mgmt over HTTP, so roombook_rooms does not link
// roombook_user_mgmt and must not see its headers.
#include "user-mgmt/model.hpp"
