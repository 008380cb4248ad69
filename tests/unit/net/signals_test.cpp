#include "net/signals.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>

namespace authd::net {
namespace {

using namespace std::chrono_literals;

TEST(ShutdownSignals, TimesOutWithoutASignal) {
  ShutdownSignals signals;
  EXPECT_FALSE(signals.WaitFor(20ms).has_value());
}

TEST(ShutdownSignals, CatchesSigtermAndSigint) {
  ShutdownSignals signals;
  ASSERT_EQ(std::raise(SIGTERM), 0);  // would kill the test without the handler
  auto got = signals.WaitFor(5s);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, SIGTERM);
  ASSERT_EQ(std::raise(SIGINT), 0);
  EXPECT_EQ(signals.Wait(), SIGINT);
}

}  // namespace
}  // namespace authd::net
