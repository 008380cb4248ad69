// The verified-token cache, on an injected clock: it holds about the tokens in use, not every
// token ever verified, and it stays within its bound.
#include <gtest/gtest.h>

#include "core/ids.hpp"
#include "net/tokens.hpp"
#include "projections/signing_keys.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::net {
namespace {

namespace ts = storage::test_support;
constexpr core::Micros kSecond = 1'000'000;

class TokenCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = ts::OpenOrDie(ts::Options(dir_.Sub("log")), clock_, ts::NoProjections());
    ASSERT_NE(log_, nullptr);
    auto keys = projections::SigningKeys::Load(*log_, ids_);
    ASSERT_TRUE(keys) << keys.error().message();
    keys_ = std::move(*keys);
  }

  std::unique_ptr<TokenService> Service(std::size_t entries) {
    return std::make_unique<TokenService>(
        TokenOptions{.access_lifetime = 60 * kSecond, .cache_entries = entries}, clock_, *keys_,
        ids_, core::Key256::Random());
  }

  // Issues and verifies `n` tokens of one user.
  static void VerifyFresh(TokenService& tokens, int n) {
    for (int i = 0; i < n; ++i) {
      const auto issued = tokens.IssueAccess("usr_cache", {"user"}, "ses_cache", {"pwd"}, 0);
      ASSERT_TRUE(tokens.Verify(issued.token));
    }
  }

  ts::TempDir dir_;
  core::ManualClock clock_;
  core::RandomIdGenerator ids_{clock_};
  std::unique_ptr<storage::EventLog> log_;
  std::unique_ptr<projections::SigningKeys> keys_;
};

TEST_F(TokenCacheTest, ExpiredTokensLeaveAsTheCacheGrows) {
  auto tokens = Service(16'384);
  VerifyFresh(*tokens, 3000);
  EXPECT_EQ(tokens->CachedTokens(), 3000U);
  // Every one of them expires; the next tokens sweep them out as the shards grow.
  clock_.Advance(120 * kSecond);
  VerifyFresh(*tokens, 3000);
  EXPECT_LE(tokens->CachedTokens(), 3000U);
  EXPECT_GE(tokens->CachedTokens(), 3000U / 2);
}

TEST_F(TokenCacheTest, LiveTokensStayWithinTheBound) {
  auto tokens = Service(1024);
  VerifyFresh(*tokens, 5000);
  EXPECT_LE(tokens->CachedTokens(), 1024U);
  // A cached token still expires on time.
  const auto issued = tokens->IssueAccess("usr_cache", {"user"}, "ses_cache", {"pwd"}, 0);
  ASSERT_TRUE(tokens->Verify(issued.token));
  clock_.Advance(61 * kSecond);
  const auto expired = tokens->Verify(issued.token);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error(), core::JwtErrc::kExpired);
}

}  // namespace
}  // namespace authd::net
