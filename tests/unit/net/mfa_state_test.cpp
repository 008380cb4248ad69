#include "net/mfa_state.hpp"

#include <gtest/gtest.h>

namespace authd::net {
namespace {

constexpr core::Micros kSecond = 1'000'000;

TEST(MfaStateTest, AChallengeIsTakenOnceAndExpires) {
  MfaState state({.challenge_ttl = 60 * kSecond});
  const auto token = state.NewChallenge("usr_a", 0);
  EXPECT_EQ(token.rfind("mfa_", 0), 0U);
  auto taken = state.TakeChallenge(token, 10 * kSecond);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->user_id, "usr_a");
  EXPECT_FALSE(state.TakeChallenge(token, 10 * kSecond)) << "one request owns it";
  const auto late = state.NewChallenge("usr_a", 0);
  EXPECT_FALSE(state.TakeChallenge(late, 60 * kSecond));
  EXPECT_FALSE(state.TakeChallenge("mfa_unknown", 0));
}

TEST(MfaStateTest, AReturnedChallengeDiesAtTheFifthFailure) {
  MfaState state({});
  const auto token = state.NewChallenge("usr_a", 0);
  for (int i = 1; i < MfaState::kMaxFailures; ++i) {
    auto c = state.TakeChallenge(token, 0);
    ASSERT_TRUE(c) << "failure " << i;
    state.ReturnChallenge(token, std::move(*c));
  }
  auto last = state.TakeChallenge(token, 0);
  ASSERT_TRUE(last);
  state.ReturnChallenge(token, std::move(*last));
  EXPECT_FALSE(state.TakeChallenge(token, 0));
}

TEST(MfaStateTest, FullMapsMakeRoomInsteadOfGrowing) {
  MfaState state({.challenge_ttl = 60 * kSecond, .max_entries = 3});
  const auto first = state.NewChallenge("usr_1", 0);
  const auto second = state.NewChallenge("usr_2", kSecond);
  const auto third = state.NewChallenge("usr_3", 2 * kSecond);
  const auto fourth = state.NewChallenge("usr_4", 3 * kSecond);
  EXPECT_FALSE(state.TakeChallenge(first, 4 * kSecond)) << "closest to expiry made room";
  EXPECT_TRUE(state.TakeChallenge(second, 4 * kSecond));
  EXPECT_TRUE(state.TakeChallenge(third, 4 * kSecond));
  EXPECT_TRUE(state.TakeChallenge(fourth, 4 * kSecond));
}

TEST(MfaStateTest, EnrollmentsArePerUserReplacedAndExpire) {
  MfaState state({.enrollment_ttl = 60 * kSecond});
  state.BeginEnrollment("usr_a", "first", 0);
  state.BeginEnrollment("usr_a", "second", kSecond);
  EXPECT_EQ(state.PendingSecret("usr_a", 2 * kSecond), "second");
  EXPECT_FALSE(state.PendingSecret("usr_b", 2 * kSecond));
  EXPECT_FALSE(state.PendingSecret("usr_a", 61 * kSecond));
  state.EndEnrollment("usr_a");
  EXPECT_FALSE(state.PendingSecret("usr_a", 2 * kSecond));
}

}  // namespace
}  // namespace authd::net
