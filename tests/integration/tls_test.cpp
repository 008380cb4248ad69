// Black-box tests of HTTPS and WSS (docs/TLS.md) against a real `authd serve --tls-cert
// --tls-key` with a throwaway self-signed certificate: requests work and carry HSTS, what is not
// TLS 1.2+ is refused without harming other clients, a stalled handshake is cut by the read
// deadline, the audit stream works over WSS, and bad certificate files stop the server at start.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "tests/client/ws_client.hpp"
#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

using net::testing::ClientTls;
using Clock = std::chrono::steady_clock;

constexpr const char* kHsts = "max-age=63072000; includeSubDomains";

class TlsTest : public ServerSuite<TlsTest> {
 public:
  static ServerSpec Spec() {
    return {
        .with_admin = true, .flags = {"--sync", "false", "--read-timeout-ms", "1000"}, .tls = true};
  }
};

// A TLS client answered 200 on /healthz right now.
void ExpectServedOverTls(std::uint16_t port) {
  TestClient client(port, std::chrono::seconds(5), ClientTls{});
  ASSERT_TRUE(client.connected()) << client.error().message();
  auto res = client.Do("GET", "/healthz");
  ASSERT_TRUE(res.has_value()) << client.error().message();
  EXPECT_EQ(res->result_int(), 200U);
}

TEST_F(TlsTest, HttpsRequestWorksOverTls13AndCarriesHsts) {
  TestClient client(server().port(), std::chrono::seconds(5), ClientTls{});
  ASSERT_TRUE(client.connected()) << client.error().message();
  EXPECT_EQ(client.tls_version(), "TLSv1.3");
  auto res = client.Do("GET", "/healthz");
  ASSERT_TRUE(res.has_value()) << client.error().message();
  EXPECT_EQ(res->result_int(), 200U);
  EXPECT_EQ((*res)["Strict-Transport-Security"], kHsts);
  ExpectSecurityHeaders(*res);
  // Keep-alive works over TLS, and errors carry HSTS too.
  auto missing = client.Do("GET", "/v1/nowhere");
  ASSERT_TRUE(missing.has_value()) << client.error().message();
  ExpectProblem(*missing, 404, "not_found");
  EXPECT_EQ((*missing)["Strict-Transport-Security"], kHsts);
}

TEST_F(TlsTest, ApiCallsWorkOverTls) {
  Account user = NewUser(api(), "tls");
  ASSERT_FALSE(user.access.empty());
  auto me = api().Get("/v1/users/me", user.access);
  EXPECT_EQ(me.result_int(), 200U) << me.body();
  EXPECT_EQ(me["Strict-Transport-Security"], kHsts);
}

TEST_F(TlsTest, Tls12WithModernCipherIsAccepted) {
  TestClient client(server().port(), std::chrono::seconds(5),
                    ClientTls{.min_version = TLS1_2_VERSION, .max_version = TLS1_2_VERSION});
  ASSERT_TRUE(client.connected()) << client.error().message();
  EXPECT_EQ(client.tls_version(), "TLSv1.2");
  auto res = client.Do("GET", "/healthz");
  ASSERT_TRUE(res.has_value()) << client.error().message();
  EXPECT_EQ(res->result_int(), 200U);
}

TEST_F(TlsTest, PlainHttpToTheTlsPortGetsNoAnswerAndOthersAreServed) {
  TestClient plain(server().port(), std::chrono::seconds(5));
  ASSERT_TRUE(plain.connected());
  ASSERT_TRUE(plain.WriteRaw("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto got = plain.ReadUntilClosed();
  ASSERT_TRUE(got.has_value()) << "the server kept a non-TLS connection open";
  EXPECT_EQ(got->find("HTTP/1.1 200"), std::string::npos) << *got;
  EXPECT_TRUE(server().running());
  ExpectServedOverTls(server().port());
}

TEST_F(TlsTest, Tls10And11AreRefused) {
  for (int version : {TLS1_VERSION, TLS1_1_VERSION}) {
    TestClient old(server().port(), std::chrono::seconds(5),
                   ClientTls{.min_version = version, .max_version = version, .legacy = true});
    EXPECT_FALSE(old.connected()) << "version " << version << " negotiated " << old.tls_version();
    const std::string why = old.error().message();
    // The server's alert, as opposed to a client that could not even offer the version.
    if (why.find("no protocols available") != std::string::npos ||
        why.find("no ciphers available") != std::string::npos) {
      GTEST_SKIP() << "the local OpenSSL will not offer version " << version << ": " << why;
    }
    EXPECT_NE(why.find("protocol version"), std::string::npos) << why;
  }
  EXPECT_TRUE(server().running());
  ExpectServedOverTls(server().port());
}

TEST_F(TlsTest, StalledHandshakeIsCutByTheReadDeadlineWhileOthersAreServed) {
  const auto started = Clock::now();
  // A TLS record header announcing a ClientHello that never comes, and a client silent from the
  // start.
  TestClient stalled(server().port(), std::chrono::seconds(8));
  TestClient silent(server().port(), std::chrono::seconds(8));
  ASSERT_TRUE(stalled.connected() && silent.connected());
  ASSERT_TRUE(stalled.WriteRaw(std::string("\x16\x03\x01\x02\x00\x01", 6)));
  ExpectServedOverTls(server().port());  // while both stall
  EXPECT_TRUE(stalled.ReadUntilClosed().has_value()) << "the stalled handshake was not cut";
  EXPECT_TRUE(silent.ReadUntilClosed().has_value()) << "the silent connection was not cut";
  const auto took = Clock::now() - started;
  EXPECT_GE(took, std::chrono::milliseconds(900));  // --read-timeout-ms 1000
  EXPECT_LT(took, std::chrono::seconds(4));
  ExpectServedOverTls(server().port());
}

TEST_F(TlsTest, AuditStreamWorksOverWss) {
  const Account admin = Admin(api(), server());
  ASSERT_FALSE(admin.access.empty());
  WssClient ws(server().port(), "/v1/audit/stream?after=0",
               {{"Authorization", "Bearer " + admin.access}});
  ASSERT_TRUE(ws.open()) << ws.error().message();
  EXPECT_EQ(ws.response()["Strict-Transport-Security"], kHsts);
  auto first = ws.Read();
  ASSERT_TRUE(first.has_value()) << ws.error().message();
  EXPECT_EQ(json::parse(*first).at("seq").to_number<std::uint64_t>(), 1U);
  // A live event arrives too: a new signup's.
  Account fresh = SignUp(api(), "wss");
  bool seen = false;
  for (int i = 0; i < 10'000 && !seen; ++i) {
    auto msg = ws.Read();
    if (!msg) break;
    seen = msg->find(fresh.id) != std::string::npos;
  }
  EXPECT_TRUE(seen) << "the signup did not reach the WSS stream: " << ws.error().message();
  ws.Close();
}

// Without TLS there is no HSTS unless --hsts says a TLS proxy is in front.
// After a WebSocket upgrade over TLS ends, the server sends close_notify and waits for the client's
// at most `linger_timeout` (1 s), then closes: a client that goes silent instead must not keep its
// connection, here the only one `--max-connections 1` allows.
TEST(TlsUpgradeTest, SilentClientAfterAFailedUpgradeLosesItsConnection) {
  AuthdServer server(ServerSpec{
      .with_admin = true, .flags = {"--sync", "false", "--max-connections", "1"}, .tls = true});
  ASSERT_TRUE(server.ok()) << server.error();
  // A TLS connection that was served /healthz, once the one slot is free (the server releases a
  // closed connection's slot a moment after the client closed it); nullptr after `limit`.
  auto connect_when_free = [&](std::chrono::seconds limit) -> std::unique_ptr<TestClient> {
    const auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      auto client =
          std::make_unique<TestClient>(server.port(), std::chrono::seconds(2), ClientTls{});
      auto res = client->connected() ? client->Do("GET", "/healthz") : std::nullopt;
      if (res && res->result_int() == 200U) return client;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return nullptr;
  };

  std::string token;
  {
    auto client = connect_when_free(std::chrono::seconds(5));
    ASSERT_TRUE(client);
    auto res = client->Do("POST", "/v1/sessions",
                          std::string(R"({"username":")") + AuthdServer::kAdminUsername +
                              R"(","password":")" + AuthdServer::kAdminPassword + R"("})",
                          {{"Content-Type", "application/json"}});
    ASSERT_TRUE(res) << client->error().message();
    ASSERT_EQ(res->result_int(), 200U) << res->body();
    token = std::string(boost::json::parse(res->body()).at("access_token").as_string());
  }
  auto ws = connect_when_free(std::chrono::seconds(5));
  ASSERT_TRUE(ws);
  ASSERT_TRUE(
      ws->WriteRaw("GET /v1/audit/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Authorization: Bearer " +
                   token +
                   "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: a-key-too-long-for-websocket-13\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n"));
  auto upgraded = ws->ReadResponse();
  ASSERT_TRUE(upgraded) << ws->error().message();
  // The route took the upgrade over; Beast's handshake refused the key and ended it. Then the
  // client says nothing, not even TLS's close_notify.
  EXPECT_EQ(upgraded->result_int(), 400U);
  EXPECT_TRUE(connect_when_free(std::chrono::seconds(6)))
      << "the silent client still holds the only connection";
}

TEST(TlsPlainTest, HstsOnlyWhenAskedWithoutTls) {
  AuthdServer plain({.flags = {"--sync", "false"}});
  ASSERT_TRUE(plain.ok()) << plain.error();
  auto res = Api(plain.port()).Get("/healthz");
  EXPECT_EQ(res.result_int(), 200U);
  EXPECT_TRUE(res["Strict-Transport-Security"].empty());

  AuthdServer proxied({.flags = {"--sync", "false", "--hsts", "true"}});
  ASSERT_TRUE(proxied.ok()) << proxied.error();
  auto behind = Api(proxied.port()).Get("/healthz");
  EXPECT_EQ(behind.result_int(), 200U);
  EXPECT_EQ(behind["Strict-Transport-Security"], kHsts);
}

// `authd serve` with unusable TLS files: exit 3 with a message naming the problem, no key bytes.
TEST(TlsStartTest, BadCertificateFilesStopTheServerWithAClearMessage) {
  TempFolder folder;
  const auto good = WriteSelfSigned(folder.path());
  std::filesystem::create_directories(folder.Sub("other"));
  const auto mismatched = WriteSelfSigned(folder.Sub("other"), /*mismatched_key=*/true);
  struct Case {
    std::string cert, key, expect;
  };
  const std::vector<Case> cases = {
      {folder.Sub("missing.pem"), good.key, "cannot read the TLS certificate file"},
      {good.cert, folder.Sub("missing.pem"), "cannot read the TLS key file"},
      {good.key, good.key, "cannot load the TLS certificate chain"},
      {good.cert, good.cert, "cannot load the TLS key"},
      {mismatched.cert, mismatched.key, "does not match"},
  };
  for (const auto& c : cases) {
    auto run = RunProcess({AuthdBinary(), "serve", "--data", folder.Sub("data"), "--listen",
                           "127.0.0.1:0", "--tls-cert", c.cert, "--tls-key", c.key});
    EXPECT_EQ(run.exit_code, 3) << c.cert << " " << c.key << ": " << run.err;
    EXPECT_NE(run.err.find(c.expect), std::string::npos) << run.err;
    EXPECT_EQ(run.err.find("PRIVATE KEY"), std::string::npos) << run.err;
    EXPECT_EQ(run.out.find("PRIVATE KEY"), std::string::npos) << run.out;
  }
  // Only one of the two: a usage error.
  auto half = RunProcess({AuthdBinary(), "serve", "--data", folder.Sub("data"), "--listen",
                          "127.0.0.1:0", "--tls-cert", good.cert});
  EXPECT_EQ(half.exit_code, 2) << half.err;
}

}  // namespace
}  // namespace authd::test
