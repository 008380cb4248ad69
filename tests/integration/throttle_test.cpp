// Attack cases against a real server: password guessing on one account, who may read the
// failed-login monitor, and the per-address limits on signup and refresh (spraying across many
// accounts is in throttle_slow_test.cpp). Client addresses differ through the trusted-proxy option:
// the server trusts X-Forwarded-For from 127.0.0.1, so each request names its own client address.
#include <gtest/gtest.h>

#include "tests/integration/throttle_support.hpp"

namespace authd::test {
namespace {

class ThrottleTest : public ServerSuite<ThrottleTest> {
 public:
  static ServerSpec Spec() {
    return {.with_admin = true, .flags = {"--trusted-proxy", "127.0.0.1"}};
  }
};

TEST_F(ThrottleTest, GuessingOneAccountIsThrottledButItsOwnerStillLogsInElsewhere) {
  const auto api = this->api();
  Account victim = SignUp(api, "victim");
  int first_throttled = 0;
  for (int attempt = 1; attempt <= 40; ++attempt) {
    auto res = LoginFrom(api, "198.51.100.10", victim.username, kOtherPassword);
    if (res.result_int() == 429) {
      ExpectProblem(res, 429, "too_many_attempts");
      EXPECT_GE(RetryAfter(res), 1) << Describe(res);
      if (first_throttled == 0) first_throttled = attempt;
    } else {
      ExpectProblem(res, 401, "invalid_credentials");
    }
  }
  ASSERT_NE(first_throttled, 0) << "40 wrong passwords were never throttled";
  EXPECT_LE(first_throttled, 20);
  // From the guessing address even the right password is refused for now.
  auto right = LoginFrom(api, "198.51.100.10", victim.username, victim.password);
  ExpectProblem(right, 429, "too_many_attempts");
  EXPECT_GE(RetryAfter(right), 1);
  // The owner, from another address, is not locked out.
  auto owner = LoginFrom(api, "198.51.100.11", victim.username, victim.password);
  EXPECT_EQ(owner.result_int(), 200U) << Describe(owner);
}

TEST_F(ThrottleTest, FailedLoginReportIsForAdminsAndAuditorsOnly) {
  const auto api = this->api();
  ExpectProblem(api.Get("/v1/security/failed-logins"), 401, "invalid_token");
  Account user = NewUser(api, "plain");
  ExpectProblem(api.Get("/v1/security/failed-logins", user.access), 403, "forbidden");
  Account admin = Admin(api, server());
  auto roles = api.Send("PUT", "/v1/users/" + user.id + "/roles",
                        json::object{{"roles", json::array{"auditor"}}}, admin.access);
  ASSERT_EQ(roles.result_int(), 200U) << Describe(roles);
  auto res = api.Get("/v1/security/failed-logins", user.access);
  EXPECT_EQ(res.result_int(), 200U) << Describe(res);
}

class RateLimitTest : public ServerSuite<RateLimitTest> {
 public:
  static ServerSpec Spec() {
    return {.flags = {"--trusted-proxy", "127.0.0.1", "--signup-burst", "3", "--signup-refill-ms",
                      "600000", "--refresh-burst", "2", "--refresh-refill-ms", "600000"}};
  }
};

TEST_F(RateLimitTest, SignupsPerAddressAreLimited) {
  const auto api = this->api();
  for (int i = 0; i < 3; ++i) {
    const auto name = NewName("limited");
    auto res = SendFrom(api, "192.0.2.30", "/v1/users",
                        SignupBody(name, name + "@example.com", kPassword));
    EXPECT_EQ(res.result_int(), 201U) << Describe(res);
  }
  const auto name = NewName("limited");
  auto res =
      SendFrom(api, "192.0.2.30", "/v1/users", SignupBody(name, name + "@example.com", kPassword));
  ExpectProblem(res, 429, "rate_limited");
  EXPECT_GE(RetryAfter(res), 1);
  EXPECT_LE(RetryAfter(res), 600);
  // Another address is not affected.
  res =
      SendFrom(api, "192.0.2.31", "/v1/users", SignupBody(name, name + "@example.com", kPassword));
  EXPECT_EQ(res.result_int(), 201U) << Describe(res);
}

TEST_F(RateLimitTest, RefreshesPerAddressAreLimited) {
  const auto api = this->api();
  Account a = SignUp(api, "refresher");
  auto login = LoginFrom(api, "192.0.2.40", a.username, a.password);
  ASSERT_EQ(login.result_int(), 200U);
  std::string token = Str(JsonObject(login), "refresh_token");
  for (int i = 0; i < 2; ++i) {
    auto res = SendFrom(api, "192.0.2.41", "/v1/sessions/refresh", {{"refresh_token", token}});
    ASSERT_EQ(res.result_int(), 200U) << Describe(res);
    token = Str(JsonObject(res), "refresh_token");
  }
  auto res = SendFrom(api, "192.0.2.41", "/v1/sessions/refresh", {{"refresh_token", token}});
  ExpectProblem(res, 429, "rate_limited");
  EXPECT_GE(RetryAfter(res), 1);
  // The refused refresh did not use the token up: it still works from elsewhere.
  res = SendFrom(api, "192.0.2.42", "/v1/sessions/refresh", {{"refresh_token", token}});
  EXPECT_EQ(res.result_int(), 200U) << Describe(res);
}

}  // namespace
}  // namespace authd::test
