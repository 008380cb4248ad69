#include "net/csrf.hpp"

#include <gtest/gtest.h>

#include "net/services.hpp"

namespace authd::net {
namespace {

core::Key256 KeyOf(std::uint8_t fill) {
  core::Key256 key;
  std::fill(key.data(), key.data() + core::Key256::kSize, fill);
  return key;
}

TEST(CsrfTokensTest, ATokenVerifiesOnlyForItsSessionAndItsServer) {
  const CsrfTokens tokens(KeyOf(1));
  const auto mine = tokens.Issue("ses_a");
  EXPECT_TRUE(tokens.Verify(mine, "ses_a"));
  EXPECT_FALSE(tokens.Verify(mine, "ses_b"));
  EXPECT_FALSE(tokens.Verify(mine, ""));
  EXPECT_FALSE(CsrfTokens(KeyOf(2)).Verify(mine, "ses_a"));
  const auto anonymous = tokens.Issue("");
  EXPECT_TRUE(tokens.Verify(anonymous, ""));
  EXPECT_FALSE(tokens.Verify(anonymous, "ses_a"));
  EXPECT_NE(tokens.Issue("ses_a"), mine) << "fresh nonce each time";
  std::string tampered = mine;
  tampered[2] = tampered[2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens.Verify(tampered, "ses_a"));
  EXPECT_FALSE(tokens.Verify("", "ses_a"));
  EXPECT_FALSE(tokens.Verify("no-dot-at-all", "ses_a"));
  EXPECT_FALSE(tokens.Verify(std::string(500, 'a') + "." + "b", "ses_a"));
}

Request From(std::initializer_list<std::pair<std::string, std::string>> headers) {
  Request r;
  r.method = "POST";
  for (const auto& h : headers)
    r.headers.push_back(h);
  return r;
}

TEST(CsrfOriginTest, OwnOriginAllowedOriginsAndSameOriginFetchesPass) {
  ApiOptions options;
  options.allowed_origins = {"https://app.example"};
  EXPECT_TRUE(FromAllowedOrigin(
      From({{"Host", "auth.example"}, {"Origin", "https://auth.example"}}), options));
  EXPECT_TRUE(FromAllowedOrigin(From({{"Host", "auth.example"}, {"Origin", "https://app.example"}}),
                                options));
  EXPECT_TRUE(FromAllowedOrigin(From({{"Sec-Fetch-Site", "same-origin"}}), options));
  EXPECT_FALSE(FromAllowedOrigin(
      From({{"Host", "auth.example"}, {"Origin", "https://auth.example.evil.test"}}), options));
  EXPECT_FALSE(FromAllowedOrigin(From({{"Host", "auth.example"}, {"Origin", "null"}}), options));
  EXPECT_FALSE(FromAllowedOrigin(From({{"Sec-Fetch-Site", "same-site"}}), options));
  EXPECT_FALSE(FromAllowedOrigin(From({{"Host", "auth.example"}}), options));
  // An Origin decides even when Sec-Fetch-Site claims same-origin.
  EXPECT_FALSE(FromAllowedOrigin(
      From({{"Origin", "https://evil.test"}, {"Sec-Fetch-Site", "same-origin"}}), options));
}

}  // namespace
}  // namespace authd::net
