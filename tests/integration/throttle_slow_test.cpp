// Password spraying across 50 accounts from one address against a real server: throttled, seen
// by the failed-login monitor, and still in force after a restart (the throttle state is an
// inline projection of the log). Slow: 50 signups with argon2id.
#include <gtest/gtest.h>

#include "tests/integration/throttle_support.hpp"

namespace authd::test {
namespace {

class ThrottleSlowTest : public ServerSuite<ThrottleSlowTest> {
 public:
  static ServerSpec Spec() {
    return {.with_admin = true, .flags = {"--trusted-proxy", "127.0.0.1"}};
  }
};

TEST_F(ThrottleSlowTest, SprayAcrossAccountsIsThrottledAlertedAndSurvivesARestart) {
  const auto api = this->api();
  std::vector<Account> accounts;
  for (int i = 0; i < 50; ++i)
    accounts.push_back(SignUp(api, "sprayed"));
  int throttled = 0;
  int first_throttled = 0;
  for (int i = 0; i < 50; ++i) {
    auto res = LoginFrom(api, "203.0.113.77", accounts[i].username, "Winter2026!winter");
    if (res.result_int() == 429) {
      ExpectProblem(res, 429, "too_many_attempts");
      EXPECT_GE(RetryAfter(res), 1);
      ++throttled;
      if (first_throttled == 0) first_throttled = i + 1;
    }
  }
  EXPECT_EQ(first_throttled, 31);  // the default: 30 failures per address in 10 minutes
  EXPECT_EQ(throttled, 20);
  // Each account can still log in from its usual place.
  auto owner = LoginFrom(api, "198.51.100.50", accounts[40].username, accounts[40].password);
  EXPECT_EQ(owner.result_int(), 200U) << Describe(owner);

  Account admin = Admin(api, server());
  auto res = api.Get("/v1/security/failed-logins", admin.access);
  ASSERT_EQ(res.result_int(), 200U) << Describe(res);
  const auto report = JsonObject(res);
  const auto* spray = FindAlert(report, "password_spraying");
  ASSERT_NE(spray, nullptr) << res.body();
  const auto& evidence = spray->at("evidence").as_object();
  EXPECT_EQ(evidence.at("address").as_string(), "203.0.113.77");
  EXPECT_EQ(evidence.at("account_count").as_int64(), 30);
  EXPECT_TRUE(IsRfc3339Utc(spray->at("started_at").as_string()));
  EXPECT_FALSE(std::string(spray->at("id").as_string()).empty());
  bool address_throttle = false;
  for (const auto& t : report.at("active_throttles").as_array()) {
    const auto& o = t.as_object();
    address_throttle = address_throttle || (o.at("reason").as_string() == "address_limit" &&
                                            o.at("address").as_string() == "203.0.113.77");
  }
  EXPECT_TRUE(address_throttle) << res.body();
  EXPECT_GE(report.at("counters").as_object().at("logins_throttled").as_int64(), 20);
  const auto& top = report.at("top_addresses").as_array();
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top.front().as_object().at("address").as_string(), "203.0.113.77");
  ExpectNoEcho(res, "Winter2026!winter");

  // The throttle is in the log, not in memory: `authd verify` finds the projection equal to its
  // rebuild, and after a restart the address is still refused.
  ASSERT_TRUE(server().Stop());
  auto verify = RunProcess({AuthdBinary(), "verify", "--data", server().data_dir()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("projection throttle: ok"), std::string::npos) << verify.out;
  ASSERT_TRUE(server().Restart()) << server().error();
  const auto again = this->api();
  auto still = LoginFrom(again, "203.0.113.77", accounts[45].username, accounts[45].password);
  ExpectProblem(still, 429, "too_many_attempts");
  // The monitor primed itself from the log: the alert is there again, the address shown by its
  // pseudonym (this process has not seen it yet).
  admin = Admin(again, server());
  res = again.Get("/v1/security/failed-logins", admin.access);
  ASSERT_EQ(res.result_int(), 200U) << Describe(res);
  const auto primed = JsonObject(res);
  const auto* after = FindAlert(primed, "password_spraying");
  ASSERT_NE(after, nullptr) << res.body();
  EXPECT_EQ(after->at("evidence").as_object().at("account_count").as_int64(), 30);
}

}  // namespace
}  // namespace authd::test
