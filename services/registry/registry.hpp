#pragma once

// The services this binary serves, in the order of the registry
// (services/CMakeLists.txt, which generates the definition).

#include <vector>

#include "service/service.hpp"

namespace roombook::services {

const std::vector<service::ServiceInfo>& registry();

}  // namespace roombook::services
