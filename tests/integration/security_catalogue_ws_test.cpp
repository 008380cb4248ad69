// Security catalogue, WebSocket feeds (OWASP ASVS 4.0.3 V4.1, V4.2.2, V3.1.1, V12.1.1): who may
// open the audit and security streams, cross-site WebSocket hijacking, oversized messages.
// ASVS 4.0.3 has no WebSocket chapter; the cases cite the nearest general requirement.
#include <gtest/gtest.h>

#include "tests/client/ws_client.hpp"
#include "tests/integration/security_catalogue.hpp"

namespace authd::test {
namespace {

constexpr const char* kAllowedOrigin = "https://dash.example.com";

class SecWs : public ServerSuite<SecWs> {
 public:
  static ServerSpec Spec() {
    return {.with_admin = true, .flags = {"--allowed-origin", kAllowedOrigin}};
  }

 protected:
  static WsClient Open(const std::string& target, WsClient::Headers headers) {
    return WsClient(server().port(), target, std::move(headers));
  }
  static void ExpectRefused(const WsClient& ws, unsigned status) {
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.response().result_int(), status) << ws.response().body();
  }
};

// ASVS V4.1.1: an upgrade without a (valid) token is refused before any event is sent.
TEST_F(SecWs, V4_1_1_UpgradeWithoutATokenIsRefused) {
  for (const char* target : {"/v1/audit/stream", "/v1/security/stream"}) {
    ExpectRefused(Open(target, {}), 401);
    ExpectRefused(Open(target, {{"Authorization", "Bearer not.a.token"}}), 401);
  }
}

// ASVS V4.1.3: a plain user cannot open the audit or security stream.
TEST_F(SecWs, V4_1_3_PlainUserCannotOpenTheStreams) {
  Account a = NewUser(api(), "ws");
  for (const char* target : {"/v1/audit/stream", "/v1/security/stream"})
    ExpectRefused(Open(target, {{"Authorization", "Bearer " + a.access}}), 403);
}

// ASVS V4.2.2 (cross-site WebSocket hijacking): an upgrade authenticated by the browser cookie
// from a foreign origin, or from none, is refused; the allowed origin works.
TEST_F(SecWs, V4_2_2_CookieUpgradeFromAForeignOriginIsRefused) {
  Account admin = Admin(api(), server());
  const std::string cookie = "__Host-authd_at=" + admin.access;
  ExpectRefused(Open("/v1/audit/stream", {{"Cookie", cookie}, {"Origin", "https://evil.example"}}),
                403);
  ExpectRefused(Open("/v1/audit/stream", {{"Cookie", cookie}}), 403);
  ExpectRefused(Open("/v1/audit/stream",
                     {{"Cookie", cookie}, {"Origin", "https://dash.example.com.evil.example"}}),
                403);
  auto ok = Open("/v1/audit/stream", {{"Cookie", cookie}, {"Origin", kAllowedOrigin}});
  EXPECT_TRUE(ok.open()) << ok.response().body();
}

// ASVS V3.1.1: the stream does not take a token from the URL.
TEST_F(SecWs, V3_1_1_TokenInTheUrlIsIgnored) {
  Account admin = Admin(api(), server());
  ExpectRefused(Open("/v1/audit/stream?access_token=" + admin.access, {}), 401);
}

// ASVS V12.1.1 (size limits): a client message over the limit closes the stream with 1009.
TEST_F(SecWs, V12_1_1_OversizedClientMessageCloses) {
  Account admin = Admin(api(), server());
  auto ws = Open("/v1/security/stream", {{"Authorization", "Bearer " + admin.access}});
  ASSERT_TRUE(ws.open()) << ws.response().body();
  ASSERT_TRUE(ws.Write(std::string(8 * 1024, 'x')));  // over --ws-max-message-bytes (4 KiB)
  for (int i = 0; i < 100 && ws.Read(); ++i) {
  }
  EXPECT_EQ(ws.close_code(), 1009U);
}

}  // namespace
}  // namespace authd::test
