// Per-address token buckets: bursts, refill over injected time, independence of addresses.
#include "net/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace authd::net {
namespace {

constexpr core::Micros kSecond = 1'000'000;

TEST(RateLimiterTest, BurstThenOnePerRefill) {
  RateLimiter limiter({.burst = 3, .refill = 10 * kSecond});
  core::Micros now = 1'000 * kSecond;
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(limiter.Take("192.0.2.1", now)) << i;
  auto wait = limiter.Take("192.0.2.1", now);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 10 * kSecond);
  EXPECT_FALSE(limiter.Take("192.0.2.2", now));  // another address has its own bucket
  now += 4 * kSecond;
  wait = limiter.Take("192.0.2.1", now);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 6 * kSecond);
  now += 6 * kSecond;
  EXPECT_FALSE(limiter.Take("192.0.2.1", now));
  EXPECT_TRUE(limiter.Take("192.0.2.1", now));
}

TEST(RateLimiterTest, ZeroBurstIsNoLimit) {
  RateLimiter limiter({.burst = 0, .refill = kSecond});
  for (int i = 0; i < 1000; ++i)
    EXPECT_FALSE(limiter.Take("192.0.2.1", 0));
}

TEST(RateLimiterTest, MemoryIsBoundedWithoutFreeingBusyAddressesEarly) {
  RateLimiter limiter({.burst = 1, .refill = 3600 * kSecond}, /*max_addresses=*/4);
  EXPECT_FALSE(limiter.Take("a", 0));
  // Three addresses that used their burst, then more than the tracker holds.
  for (const char* addr : {"b", "c", "d", "e", "f"})
    EXPECT_FALSE(limiter.Take(addr, 0)) << addr;
  // Still bounded and still working: a fresh address gets its burst, a spent one is refused.
  EXPECT_FALSE(limiter.Take("g", 0));
  EXPECT_TRUE(limiter.Take("g", 0));
}

}  // namespace
}  // namespace authd::net
