// Forbidden: inside src/, a target sees only the targets it links.
// roombook_core is the bottom of src/ and does not link roombook_http.
#include "http/http.hpp"
