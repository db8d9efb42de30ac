// Silences the logs for the whole test run: the tests that link this read
// responses and results, not log lines.

#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include "log/log.hpp"

namespace {

struct QuietLogs : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunStarting(const Catch::TestRunInfo& info) override {
    TestEventListenerBase::testRunStarting(info);
    roombook::log::init("off", "text");
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(QuietLogs)
