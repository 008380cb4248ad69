// Limits, timeouts, the connection cap and graceful shutdown. Timeouts are set to a few hundred
// milliseconds; waits are bounded by the client's 5 s deadline.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "net/offload.hpp"
#include "tests/unit/net/server_fixture.hpp"

namespace authd::net::testing {
namespace {

using boost::asio::awaitable;
using namespace std::chrono_literals;

Router EchoRouter() {
  Router router;
  router.Post("/echo", [](RequestContext& ctx) -> awaitable<Response> {
    co_return JsonResponse(200, {{"size", ctx.request.body.size()}});
  });
  // Far more than loopback's socket buffers hold, so a client that does not read stalls it.
  router.Get("/large", [](RequestContext&) -> awaitable<Response> {
    Response res;
    res.content_type = "application/octet-stream";
    res.body.assign(std::size_t{64} << 20, 'x');
    co_return res;
  });
  return router;
}

class LimitsTest : public ServerTest {
 protected:
  void SetUp() override {
    auto options = TestOptions();
    options.max_body_bytes = 1024;
    options.max_header_bytes = 2048;
    options.read_timeout = 300ms;
    options.keepalive_idle = 300ms;
    options.write_timeout = 300ms;
    StartServer(EchoRouter(), options);
  }
};

TEST_F(LimitsTest, BodyAtTheLimitIsAccepted) {
  TestClient client(port());
  auto res = client.Do("POST", "/echo", std::string(1024, 'x'));
  ASSERT_TRUE(res);
  EXPECT_EQ(Json(*res).at("size"), 1024);
}

TEST_F(LimitsTest, BodyOverTheLimitIs413AndCloses) {
  TestClient client(port());
  auto res = client.Do("POST", "/echo", std::string(4096, 'x'));
  ASSERT_TRUE(res) << client.error().message();
  ExpectProblem(*res, 413, "payload_too_large");
  ExpectSecurityHeaders(*res);
  EXPECT_FALSE(res->keep_alive());
  EXPECT_TRUE(client.ReadUntilClosed());
}

TEST_F(LimitsTest, ChunkedBodyOverTheLimitIs413) {
  TestClient client(port());
  std::string chunk(800, 'y');
  std::string raw = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i)
    raw += "320\r\n" + chunk + "\r\n";  // 0x320 = 800
  raw += "0\r\n\r\n";
  ASSERT_TRUE(client.WriteRaw(raw));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  ExpectProblem(*res, 413, "payload_too_large");
}

TEST_F(LimitsTest, ChunkedBodyUnderTheLimitIsAccepted) {
  TestClient client(port());
  ASSERT_TRUE(
      client.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                      "chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(Json(*res).at("size"), 5);
}

TEST_F(LimitsTest, OversizedHeaderIs431AndCloses) {
  TestClient client(port());
  auto res = client.Do("GET", "/healthz", {}, {{"X-Padding", std::string(4096, 'p')}});
  ASSERT_TRUE(res) << client.error().message();
  ExpectProblem(*res, 431, "headers_too_large");
  ExpectSecurityHeaders(*res);
  EXPECT_TRUE(client.ReadUntilClosed());
}

TEST_F(LimitsTest, ContentLengthWithTransferEncodingIs400AndCloses) {
  for (std::string framing :
       {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "Transfer-Encoding: gzip\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"}) {
    SCOPED_TRACE(framing);
    TestClient client(port());
    ASSERT_TRUE(client.WriteRaw("POST /echo HTTP/1.1\r\nHost: x\r\n" + framing +
                                "\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto res = client.ReadResponse();
    ASSERT_TRUE(res);
    ExpectProblem(*res, 400, "malformed_request");
    EXPECT_FALSE(res->keep_alive());
    auto rest = client.ReadUntilClosed();
    ASSERT_TRUE(rest);
    EXPECT_TRUE(rest->empty()) << "the smuggled request was answered: " << *rest;
  }
}

TEST_F(LimitsTest, GarbageIs400) {
  TestClient client(port());
  ASSERT_TRUE(client.WriteRaw("NOT HTTP AT ALL\r\n\r\n"));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  ExpectProblem(*res, 400, "malformed_request");
}

TEST_F(LimitsTest, Http11WithoutOrWithTwoHostsIs400) {
  for (std::string head :
       {"GET /healthz HTTP/1.1\r\n\r\n", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
    TestClient client(port());
    ASSERT_TRUE(client.WriteRaw(head));
    auto res = client.ReadResponse();
    ASSERT_TRUE(res);
    ExpectProblem(*res, 400, "malformed_request");
  }
}

TEST_F(LimitsTest, ExpectContinueGetsContinue) {
  TestClient client(port());
  ASSERT_TRUE(client.WriteRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = client.ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100u);
  ASSERT_TRUE(client.WriteRaw("abc"));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(Json(*res).at("size"), 3);
}

TEST_F(LimitsTest, SlowlorisIsClosedWhileOthersAreServed) {
  TestClient slow(port());
  ASSERT_TRUE(slow.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Half: "));
  TestClient other(port());
  auto res = other.Do("GET", "/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  // The read timeout is 300 ms; the client gives up after 5 s.
  auto got = slow.ReadUntilClosed();
  ASSERT_TRUE(got) << "the stalled connection was not closed";
  EXPECT_TRUE(got->empty());
}

TEST_F(LimitsTest, DribblingBytesDoesNotResetTheDeadline) {
  TestClient slow(port());
  ASSERT_TRUE(slow.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Drip: "));
  // One byte every 50 ms, each well inside the 300 ms timeout; the whole request is not.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    std::this_thread::sleep_for(50ms);
    closed = !slow.WriteRaw("a");
  }
  if (!closed) closed = slow.ReadUntilClosed().has_value();
  EXPECT_TRUE(closed);
}

TEST_F(LimitsTest, IdleKeepAliveConnectionIsClosed) {
  TestClient client(port());
  ASSERT_TRUE(client.Do("POST", "/echo", "x"));
  auto rest = client.ReadUntilClosed();  // keepalive_idle is 300 ms
  ASSERT_TRUE(rest);
  EXPECT_TRUE(rest->empty());
  EXPECT_TRUE(Eventually([&] { return server_->ActiveConnections() == 0; }));
}

// Each request moves the connection's deadline later (net/deadline.hpp): one that keeps asking
// stays open for many times its timeouts.
TEST_F(LimitsTest, BusyKeepAliveConnectionOutlivesItsTimeouts) {
  TestClient client(port());
  const auto until = std::chrono::steady_clock::now() + 1500ms;  // five times each timeout
  int answered = 0;
  while (std::chrono::steady_clock::now() < until) {
    auto res = client.Do("POST", "/echo", "x");
    ASSERT_TRUE(res) << "closed after " << answered << " requests";
    EXPECT_EQ(res->result_int(), 200u);
    ++answered;
    std::this_thread::sleep_for(100ms);  // a third of the idle timeout
  }
  EXPECT_GE(answered, 10);
  EXPECT_EQ(server_->ActiveConnections(), 1u);
}

TEST_F(LimitsTest, ClientThatDoesNotReadItsAnswerIsDropped) {
  TestClient client(port());
  ASSERT_TRUE(client.WriteRaw("GET /large HTTP/1.1\r\nHost: x\r\n\r\n"));
  // The 64 MiB answer fills the socket buffers; the write timeout is 300 ms.
  ASSERT_TRUE(Eventually([&] { return server_->ActiveConnections() == 1; }));
  EXPECT_TRUE(Eventually([&] { return server_->ActiveConnections() == 0; }))
      << "a client that stopped reading kept its connection";
}

TEST_F(ServerTest, ConnectionsOverTheCapGet503) {
  auto options = TestOptions();
  options.max_connections = 2;
  StartServer(Router{}, options);
  auto a = std::make_unique<TestClient>(port());
  TestClient b(port());
  ASSERT_TRUE(a->Do("GET", "/healthz"));
  ASSERT_TRUE(b.Do("GET", "/healthz"));
  ASSERT_EQ(server_->ActiveConnections(), 2u);

  TestClient refused(port());
  auto res = refused.ReadResponse();
  ASSERT_TRUE(res) << refused.error().message();
  ExpectProblem(*res, 503, "server_busy");
  ExpectSecurityHeaders(*res);
  EXPECT_EQ((*res)[http::field::retry_after], "1");
  EXPECT_TRUE(refused.ReadUntilClosed());

  a->Close();
  a.reset();
  ASSERT_TRUE(Eventually([&] { return server_->ActiveConnections() < 2; }));
  TestClient later(port());
  auto ok = later.Do("GET", "/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->result_int(), 200u);
}

// A handler that waits until the test releases it (no timing involved).
struct Gate {
  std::mutex mutex;
  std::optional<Completion<int>> release;
  std::promise<void> entered;
};

Router GateRouter(Gate* gate) {
  Router router;
  router.Get("/slow", [gate](RequestContext&) -> awaitable<Response> {
    int value = co_await AwaitCompletion<int>(
        [gate](Completion<int> done) {
          std::lock_guard lock(gate->mutex);
          gate->release.emplace(std::move(done));
          gate->entered.set_value();
        },
        -1);
    co_return JsonResponse(200, {{"value", value}});
  });
  return router;
}

TEST_F(ServerTest, StopLetsTheRequestInFlightFinishAndClosesIdleOnes) {
  Gate gate;
  StartServer(GateRouter(&gate));
  TestClient idle(port());
  ASSERT_TRUE(idle.Do("GET", "/healthz"));

  TestClient busy(port());
  ClientRequest req{http::verb::get, "/slow", 11};
  req.set(http::field::host, "127.0.0.1");
  ASSERT_TRUE(busy.Send(req));
  ASSERT_EQ(gate.entered.get_future().wait_for(5s), std::future_status::ready);

  auto stopped = std::async(std::launch::async, [&] { server_->Stop(); });
  // The idle keep-alive connection is closed at once...
  auto idle_rest = idle.ReadUntilClosed();
  ASSERT_TRUE(idle_rest);
  EXPECT_TRUE(idle_rest->empty());
  EXPECT_NE(stopped.wait_for(0ms), std::future_status::ready);  // ...while Stop waits for /slow
  {
    std::lock_guard lock(gate.mutex);
    (*gate.release)(7);
    gate.release.reset();
  }
  auto res = busy.ReadResponse();
  ASSERT_TRUE(res) << busy.error().message();
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(Json(*res).at("value"), 7);
  EXPECT_FALSE(res->keep_alive());
  busy.Close();
  ASSERT_EQ(stopped.wait_for(10s), std::future_status::ready);
  TestClient after(port());
  EXPECT_FALSE(after.connected());
}

TEST_F(ServerTest, StopClosesRequestsStillBusyAfterTheGracePeriod) {
  Gate gate;
  auto options = TestOptions();
  options.shutdown_grace = 200ms;
  StartServer(GateRouter(&gate), options);
  TestClient busy(port());
  ClientRequest req{http::verb::get, "/slow", 11};
  req.set(http::field::host, "127.0.0.1");
  ASSERT_TRUE(busy.Send(req));
  ASSERT_EQ(gate.entered.get_future().wait_for(5s), std::future_status::ready);

  server_->Stop();  // returns after the grace period and the forced close
  auto rest = busy.ReadUntilClosed();
  ASSERT_TRUE(rest);
  EXPECT_TRUE(rest->empty());
  // The completion still holds the suspended handler: drop it while the (stopped) io_context
  // exists, as offload.hpp requires.
  std::lock_guard lock(gate.mutex);
  gate.release.reset();
}

}  // namespace
}  // namespace authd::net::testing
