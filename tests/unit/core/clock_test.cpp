// RFC 3339 parsing (authd replay --at) against FormatRfc3339 and known instants.
#include "core/clock.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <limits>
#include <random>

namespace authd::core {
namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros k2026 = 1'767'225'600 * kSecond;  // 2026-01-01T00:00:00Z

TEST(ClockTest, ParsesUtcAndOffsets) {
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00Z"), k2026);
  EXPECT_EQ(ParseRfc3339("2026-01-01t00:00:00z"), k2026);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("2026-01-01T01:30:00+01:30"), k2026);
  EXPECT_EQ(ParseRfc3339("2025-12-31T19:00:00-05:00"), k2026);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.5Z"), k2026 + 500'000);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.1234567Z"), k2026 + 123'456);  // truncated
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z"), 1'709'164'800 * kSecond);
}

TEST(ClockTest, FormatsUtcWithMicroseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatRfc3339(k2026 + 123'456), "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(FormatRfc3339(1'709'164'800 * kSecond + 86'399 * kSecond + 999'999),
            "2024-02-29T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(253'402'300'799 * kSecond), "9999-12-31T23:59:59.000000Z");
  EXPECT_EQ(FormatRfc3339(253'402'300'800 * kSecond - 1), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatRfc3339(-62'167'219'200 * kSecond), "0000-01-01T00:00:00.000000Z");
}

// Events are untrusted input to `authd log` and the audit feed: any int64 must format without
// overflow (the fuzz target event_decode found one).
TEST(ClockTest, FormatsEveryInt64WithoutOverflow) {
  for (Micros t : {std::numeric_limits<Micros>::min(), std::numeric_limits<Micros>::max(),
                   Micros{-62'167'219'200 * kSecond - 1}, Micros{253'402'300'800 * kSecond}}) {
    EXPECT_FALSE(FormatRfc3339(t).empty()) << t;
  }
}

// The C library's gmtime_r, as an independent reference, over instants from 1970 to 2100.
TEST(ClockTest, FormatAgreesWithGmtime) {
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<Micros> any(0, 4'102'444'800 * kSecond);
  for (int i = 0; i < 10'000; ++i) {
    const Micros t = any(rng);
    const std::time_t secs = static_cast<std::time_t>(t / kSecond);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&secs, &tm), nullptr);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<long long>(t % kSecond));
    ASSERT_EQ(FormatRfc3339(t), expected) << t;
  }
}

TEST(ClockTest, RoundTripsWithFormat) {
  for (Micros t : {Micros{0}, k2026, k2026 + 123'456, Micros{4'102'444'800'000'001}}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t) << FormatRfc3339(t);
  }
}

TEST(ClockTest, RejectsMalformedTimes) {
  for (const char* bad :
       {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-02-29T00:00:00Z", "2026-01-32T00:00:00Z", "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+0100",
        "2026-01-01T00:00:00Zjunk", "0000-01-01T00:00:00Z", "20x6-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace authd::core
