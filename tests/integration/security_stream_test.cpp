// The live security dashboard feed fed by the real failed-login monitor: a password spray from one
// address opens an alert on WS /v1/security/stream, and the counters see the failures.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/client/ws_client.hpp"
#include "tests/integration/api_client.hpp"
#include "tests/integration/throttle_support.hpp"

namespace authd::test {
namespace {

class SecurityStreamTest : public ServerSuite<SecurityStreamTest> {
 public:
  static ServerSpec Spec() {
    return {.with_admin = true, .flags = {"--trusted-proxy", "127.0.0.1"}};
  }
};

TEST_F(SecurityStreamTest, ASprayOpensAnAlertAndMovesTheCounters) {
  const auto api = this->api();
  Account admin = Admin(api, server());
  WsClient ws(server().port(), "/v1/security/stream",
              {{"Authorization", "Bearer " + admin.access}});
  ASSERT_TRUE(ws.open()) << ws.response().body();

  // 12 accounts (the default spray threshold is 10), one wrong password each, one address.
  for (int i = 0; i < 12; ++i) {
    Account target = SignUp(api, "sprayed");
    auto res = LoginFrom(api, "203.0.113.77", target.username, kOtherPassword);
    ExpectProblem(res, 401, "invalid_credentials");
  }

  bool alert = false;
  std::int64_t failed_total = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((!alert || failed_total < 12) && std::chrono::steady_clock::now() < deadline) {
    auto message = ws.Read();
    ASSERT_TRUE(message.has_value()) << ws.error().message();
    const auto m = json::parse(*message).as_object();
    const auto type = Str(m, "type");
    if (type == "counters") {
      failed_total = m.at("totals").as_object().at("logins_failed").to_number<std::int64_t>();
    } else if (type == "alert_opened") {
      const auto& a = m.at("alert").as_object();
      if (Str(a, "kind") != "password_spraying") continue;
      alert = true;
      EXPECT_FALSE(Str(a, "id").empty());
      EXPECT_TRUE(IsRfc3339Utc(Str(a, "started_at"))) << *message;
      // The evidence names the address to the admin; never a password.
      EXPECT_NE(message->find("203.0.113.77"), std::string::npos) << *message;
      EXPECT_EQ(message->find(kOtherPassword), std::string::npos);
    }
  }
  EXPECT_TRUE(alert) << "no password_spraying alert within 10 s";
  EXPECT_GE(failed_total, 12) << "the counters missed failed logins";
}

}  // namespace
}  // namespace authd::test
