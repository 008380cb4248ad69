// Security catalogue, anti-automation (OWASP ASVS 4.0.3 V2.2.1, V11.1.4): login throttling per
// account and address, password spraying, signup and refresh limits. Client addresses come from
// X-Forwarded-For, which the server trusts from 127.0.0.1 here (--trusted-proxy).
#include <gtest/gtest.h>

#include "tests/integration/security_catalogue.hpp"
#include "tests/integration/throttle_support.hpp"

namespace authd::test {
namespace {

class SecLimits : public ServerSuite<SecLimits> {
 public:
  static ServerSpec Spec() {
    return {.flags = {"--trusted-proxy", "127.0.0.1", "--login-backoff-after", "3",
                      "--login-backoff-base-ms", "60000", "--login-address-limit", "5",
                      "--signup-burst", "3", "--signup-refill-ms", "600000", "--refresh-burst", "2",
                      "--refresh-refill-ms", "600000"}};
  }

 protected:
  // Signs a user up from `address` (each test uses its own addresses).
  static Account SignUpFrom(const std::string& address) {
    Account a;
    a.username = NewName("lim");
    a.email = a.username + "@example.com";
    a.password = kPassword;
    auto res = SendFrom(api(), address, "/v1/users", SignupBody(a.username, a.email, kPassword));
    EXPECT_EQ(res.result_int(), 201U) << res.body();
    a.id = Str(JsonObject(res), "id");
    return a;
  }
};

// ASVS V2.2.1: repeated failures on one account from one address are slowed down (429 with
// Retry-After), even for the right password from that address.
TEST_F(SecLimits, V2_2_1_GuessingOneAccountIsThrottled) {
  Account a = SignUpFrom("192.0.2.10");
  for (int i = 0; i < 3; ++i) {
    ExpectProblem(LoginFrom(api(), "198.51.100.1", a.username, kOtherPassword), 401,
                  "invalid_credentials");
  }
  auto throttled = LoginFrom(api(), "198.51.100.1", a.username, kOtherPassword);
  ExpectProblem(throttled, 429, "too_many_attempts");
  EXPECT_GT(RetryAfter(throttled), 0);
  ExpectProblem(LoginFrom(api(), "198.51.100.1", a.username, a.password), 429, "too_many_attempts");
}

// ASVS V2.2.1 (no lockout denial of service): the owner still logs in from another address.
TEST_F(SecLimits, V2_2_1_OwnerIsNotLockedOutByAnAttacker) {
  Account a = SignUpFrom("192.0.2.11");
  for (int i = 0; i < 5; ++i)
    LoginFrom(api(), "198.51.100.2", a.username, kOtherPassword);
  EXPECT_EQ(LoginFrom(api(), "203.0.113.2", a.username, a.password).result_int(), 200U);
}

// ASVS V2.2.1 (password spraying): one address failing across many accounts is limited.
TEST_F(SecLimits, V2_2_1_SprayingFromOneAddressIsLimited) {
  std::vector<Account> victims;
  for (int i = 0; i < 6; ++i)
    victims.push_back(SignUpFrom("192.0.2." + std::to_string(20 + i)));
  int refused = 0;
  for (const auto& v : victims) {
    auto res = LoginFrom(api(), "198.51.100.3", v.username, kOtherPassword);
    if (res.result_int() == 429) ++refused;
  }
  EXPECT_GE(refused, 1);
  auto spray = LoginFrom(api(), "198.51.100.3", victims[0].username, victims[0].password);
  ExpectProblem(spray, 429, "too_many_attempts");
}

// ASVS V11.1.4 (anti-automation): signups per address are limited.
TEST_F(SecLimits, V11_1_4_SignupsPerAddressAreLimited) {
  for (int i = 0; i < 3; ++i)
    SignUpFrom("198.51.100.4");
  const std::string name = NewName("lim");
  auto res = SendFrom(api(), "198.51.100.4", "/v1/users",
                      SignupBody(name, name + "@example.com", kPassword));
  ExpectProblem(res, 429, "rate_limited");
  EXPECT_GT(RetryAfter(res), 0);
}

// ASVS V11.1.4: refreshes per address are limited.
TEST_F(SecLimits, V11_1_4_RefreshesPerAddressAreLimited) {
  Account a = SignUpFrom("192.0.2.30");
  auto login = LoginFrom(api(), "198.51.100.5", a.username, a.password);
  ASSERT_EQ(login.result_int(), 200U);
  std::string token = Str(JsonObject(login), "refresh_token");
  unsigned last = 0;
  for (int i = 0; i < 3; ++i) {
    auto res = SendFrom(api(), "198.51.100.5", "/v1/sessions/refresh",
                        json::object{{"refresh_token", token}});
    last = res.result_int();
    if (last == 200) token = Str(JsonObject(res), "refresh_token");
  }
  EXPECT_EQ(last, 429U);
}

}  // namespace
}  // namespace authd::test
