// Routing, problems, headers, keep-alive and request ids over real loopback connections.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "net/body.hpp"
#include "net/log.hpp"
#include "net/offload.hpp"
#include "net/problems.hpp"
#include "tests/unit/net/server_fixture.hpp"

namespace authd::net::testing {
namespace {

using boost::asio::awaitable;

// "req_" and 26 Crockford base32 characters (std::regex trips GCC 12 warnings under ASan).
bool IsGeneratedRequestId(std::string_view id) {
  constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  if (id.size() != 30 || id.substr(0, 4) != "req_") return false;
  return id.substr(4).find_first_not_of(kCrockford) == std::string_view::npos;
}

Router TestRouter() {
  Router router;
  router.Get("/v1/users/{id}/roles", [](RequestContext& ctx) -> awaitable<Response> {
    co_return JsonResponse(200, {{"id", *ctx.Param("id")},
                                 {"limit", std::string(ctx.request.Query("limit").value_or(""))}});
  });
  router.Put("/v1/users/{id}/roles",
             [](RequestContext&) -> awaitable<Response> { co_return EmptyResponse(204); });
  router.Post("/echo", [](RequestContext& ctx) -> awaitable<Response> {
    auto body = ParseJsonBody(ctx.request);
    if (!body) co_return ProblemForError(body.error());
    co_return JsonResponse(200, *body);
  });
  router.Post("/invalid", [](RequestContext&) -> awaitable<Response> {
    std::vector<core::FieldError> errors{{"password", "too_short", "At least 12 characters."}};
    co_return ProblemForError(core::Errc::kValidationFailed, errors);
  });
  router.Get("/throw", [](RequestContext&) -> awaitable<Response> {
    throw std::runtime_error("secret-internal-detail-42");
    co_return EmptyResponse(204);
  });
  router.Get("/evil-header", [](RequestContext&) -> awaitable<Response> {
    Response res = JsonResponse(200, {{"ok", true}});
    res.SetHeader("X-Evil", "a\r\nSet-Cookie: pwned=1");
    res.SetHeader("X-Fine", "yes");
    co_return res;
  });
  router.Get("/request-id", [](RequestContext& ctx) -> awaitable<Response> {
    co_return JsonResponse(200, {{"request_id", ctx.request.request_id}});
  });
  return router;
}

class HttpServerTest : public ServerTest {
 protected:
  void SetUp() override { StartServer(TestRouter()); }
};

TEST_F(HttpServerTest, HealthzAnswersOk) {
  TestClient client(port());
  auto res = client.Do("GET", "/healthz");
  ASSERT_TRUE(res) << client.error().message();
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ((*res)[http::field::content_type], "application/json");
  EXPECT_EQ(Json(*res), (boost::json::value{{"status", "ok"}}));
  EXPECT_TRUE(server_->GetRouter().Has("GET", "/healthz"));
}

TEST_F(HttpServerTest, RoutesByPatternWithDecodedParamsAndQuery) {
  TestClient client(port());
  auto res = client.Do("GET", "/v1/users/usr%20A/roles?limit=10&x=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(Json(*res), (boost::json::value{{"id", "usr A"}, {"limit", "10"}}));

  auto put =
      client.Do("PUT", "/v1/users/usr_1/roles", "{}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(put);
  EXPECT_EQ(put->result_int(), 204u);
  EXPECT_EQ(put->find(http::field::content_length), put->end());
  EXPECT_TRUE(put->body().empty());
}

TEST_F(HttpServerTest, UnknownPathIsNotFoundProblem) {
  TestClient client(port());
  auto res = client.Do("GET", "/v1/nothing-here");
  ASSERT_TRUE(res);
  ExpectProblem(*res, 404, "not_found");
  ExpectSecurityHeaders(*res);
}

TEST_F(HttpServerTest, KnownPathWithWrongMethodIs405WithAllow) {
  TestClient client(port());
  auto res = client.Do("DELETE", "/v1/users/u1/roles");
  ASSERT_TRUE(res);
  ExpectProblem(*res, 405, "method_not_allowed");
  EXPECT_EQ((*res)[http::field::allow], "GET, HEAD, PUT");
}

TEST_F(HttpServerTest, HeadAnswersLikeGetWithoutBody) {
  TestClient client(port());
  auto get = client.Do("GET", "/healthz");
  auto head = client.Do("HEAD", "/healthz");
  ASSERT_TRUE(get && head);
  EXPECT_EQ(head->result_int(), 200u);
  EXPECT_TRUE(head->body().empty());
  EXPECT_EQ((*head)[http::field::content_length], std::to_string(get->body().size()));
  // The connection is still in step: a third request works.
  EXPECT_TRUE(client.Do("GET", "/healthz"));
}

TEST_F(HttpServerTest, JsonBodyRules) {
  TestClient client(port());
  auto ok = client.Do("POST", "/echo", R"({"a":[1,2]})",
                      {{"Content-Type", "application/json; charset=UTF-8"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->result_int(), 200u);
  EXPECT_EQ(Json(*ok), (boost::json::value{{"a", {1, 2}}}));

  auto no_type = client.Do("POST", "/echo", R"({"a":1})");
  ASSERT_TRUE(no_type);
  ExpectProblem(*no_type, 415, "unsupported_media_type");

  auto text = client.Do("POST", "/echo", R"({"a":1})", {{"Content-Type", "text/plain"}});
  ASSERT_TRUE(text);
  ExpectProblem(*text, 415, "unsupported_media_type");

  auto broken = client.Do("POST", "/echo", R"({"a":)", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(broken);
  ExpectProblem(*broken, 400, "malformed_json");

  auto array = client.Do("POST", "/echo", "[1,2]", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(array);
  ExpectProblem(*array, 400, "malformed_json");
}

TEST_F(HttpServerTest, ValidationProblemListsFieldErrors) {
  TestClient client(port());
  auto res = client.Do("POST", "/invalid", "{}", {{"Content-Type", "application/json"}});
  ASSERT_TRUE(res);
  ExpectProblem(*res, 422, "validation_failed");
  auto errors = Json(*res).at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (boost::json::value{{"field", "password"},
                                           {"code", "too_short"},
                                           {"message", "At least 12 characters."}}));
}

TEST_F(HttpServerTest, HandlerExceptionIs500WithoutItsText) {
  std::mutex mutex;
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
  });
  TestClient client(port());
  auto res = client.Do("GET", "/throw");
  SetLogSink({});
  ASSERT_TRUE(res);
  ExpectProblem(*res, 500, "internal");
  ExpectSecurityHeaders(*res);
  EXPECT_EQ(res->body().find("secret-internal-detail-42"), std::string::npos);
  // ...but it is in the log, for operators.
  std::lock_guard lock(mutex);
  bool logged = false;
  for (const auto& line : lines)
    logged |= line.find("secret-internal-detail-42") != std::string::npos;
  EXPECT_TRUE(logged);
  // The connection survives a failed handler.
  EXPECT_TRUE(client.Do("GET", "/healthz"));
}

TEST_F(HttpServerTest, HeaderThatCouldSplitTheResponseIsDropped) {
  TestClient client(port());
  auto res = client.Do("GET", "/evil-header");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->find("X-Evil"), res->end());
  EXPECT_EQ(res->find(http::field::set_cookie), res->end());
  EXPECT_EQ((*res)["X-Fine"], "yes");
}

TEST_F(HttpServerTest, SecurityHeadersOnSuccessAndErrors) {
  TestClient client(port());
  for (auto target : {"/healthz", "/missing", "/throw"}) {
    auto res = client.Do("GET", target);
    ASSERT_TRUE(res) << target;
    SCOPED_TRACE(target);
    ExpectSecurityHeaders(*res);
    EXPECT_FALSE((*res)[http::field::date].empty());
  }
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  TestClient client(port());
  auto first = client.Do("GET", "/healthz");
  auto second = client.Do("GET", "/v1/users/u2/roles");
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->keep_alive());
  EXPECT_EQ(second->result_int(), 200u);
  EXPECT_EQ(server_->ActiveConnections(), 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  TestClient client(port());
  ASSERT_TRUE(
      client.WriteRaw("GET /v1/users/one/roles HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /v1/users/two/roles HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = client.ReadResponse();
  auto second = client.ReadResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(Json(*first).at("id"), "one");
  EXPECT_EQ(Json(*second).at("id"), "two");
}

TEST_F(HttpServerTest, ConnectionCloseIsHonored) {
  TestClient client(port());
  auto res = client.Do("GET", "/healthz", {}, {{"Connection", "close"}});
  ASSERT_TRUE(res);
  EXPECT_FALSE(res->keep_alive());
  auto rest = client.ReadUntilClosed();
  ASSERT_TRUE(rest) << "server kept the connection open";
  EXPECT_TRUE(rest->empty());
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveIsClosed) {
  TestClient client(port());
  ASSERT_TRUE(client.WriteRaw("GET /healthz HTTP/1.0\r\n\r\n"));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->version(), 10u);
  EXPECT_TRUE(client.ReadUntilClosed());
}

TEST_F(HttpServerTest, ValidRequestIdIsEchoed) {
  TestClient client(port());
  auto res = client.Do("GET", "/request-id", {}, {{"X-Request-Id", "abc-DEF_1.2"}});
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)["X-Request-Id"], "abc-DEF_1.2");
  EXPECT_EQ(Json(*res).at("request_id"), "abc-DEF_1.2");
}

TEST_F(HttpServerTest, MissingRequestIdIsGenerated) {
  TestClient client(port());
  auto a = client.Do("GET", "/request-id");
  auto b = client.Do("GET", "/request-id");
  ASSERT_TRUE(a && b);
  std::string id_a((*a)["X-Request-Id"]);
  EXPECT_TRUE(IsGeneratedRequestId(id_a)) << id_a;
  EXPECT_NE(id_a, std::string((*b)["X-Request-Id"]));
  EXPECT_EQ(Json(*a).at("request_id").as_string(), id_a);  // the handler saw the same id
}

TEST_F(HttpServerTest, BadRequestIdIsReplaced) {
  TestClient client(port());
  for (std::string bad : {std::string(65, 'a'), std::string("has space"), std::string("<script>"),
                          std::string("a;b")}) {
    auto res = client.Do("GET", "/request-id", {}, {{"X-Request-Id", bad}});
    ASSERT_TRUE(res) << bad;
    EXPECT_NE((*res)["X-Request-Id"], bad);
    EXPECT_EQ((*res)["X-Request-Id"].substr(0, 4), "req_");
  }
}

TEST_F(HttpServerTest, RequestIdWithLineBreakIsRejectedAndNotEchoed) {
  TestClient client(port());
  ASSERT_TRUE(client.WriteRaw(
      "GET /request-id HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\rSet-Cookie: x=1\r\n\r\n"));
  auto res = client.ReadResponse();
  ASSERT_TRUE(res);
  ExpectProblem(*res, 400, "malformed_request");
  EXPECT_EQ((*res)["X-Request-Id"].substr(0, 4), "req_");
  EXPECT_EQ(res->find(http::field::set_cookie), res->end());
}

// Access-log lines are batched per I/O thread (net/connection.cpp): every answered request must
// still get exactly one line, pipelined ones included, and none may be lost at Stop().
TEST(HttpServerAccessLog, EveryAnsweredRequestGetsExactlyOneLine) {
  std::mutex mutex;
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
  });
  // A failed ASSERT returns early: the sink must not outlive `lines` (nor the server the sink).
  struct SinkReset {
    ~SinkReset() { SetLogSink({}); }
  } sink_reset;
  auto options = ServerTest::TestOptions();
  options.access_log = true;
  auto server = std::make_unique<HttpServer>(options, TestRouter());
  ASSERT_TRUE(server->Start().has_value());
  constexpr int kPipelined = 40;
  constexpr int kSequential = 10;
  TestClient pipelining(server->Port());
  std::string burst;
  for (int i = 0; i < kPipelined; ++i)
    burst +=
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: pipe-" + std::to_string(i) + "\r\n\r\n";
  ASSERT_TRUE(pipelining.WriteRaw(burst));
  for (int i = 0; i < kPipelined; ++i)
    ASSERT_TRUE(pipelining.ReadResponse());
  TestClient one_by_one(server->Port());
  for (int i = 0; i < kSequential; ++i)
    ASSERT_TRUE(
        one_by_one.Do("GET", "/missing", "", {{"X-Request-Id", "seq-" + std::to_string(i)}}));
  server->Stop();
  server.reset();
  SetLogSink({});

  std::lock_guard lock(mutex);
  std::vector<std::string> ids;
  for (const auto& line : lines) {
    auto json = boost::json::parse(line).as_object();  // every line is one JSON object
    if (json.at("msg") != "request") continue;
    ids.emplace_back(json.at("request_id").as_string());
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> expected;
  for (int i = 0; i < kPipelined; ++i)
    expected.push_back("pipe-" + std::to_string(i));
  for (int i = 0; i < kSequential; ++i)
    expected.push_back("seq-" + std::to_string(i));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(ids, expected);
}

TEST(HttpServerIds, InjectedGeneratorIsUsed) {
  auto options = ServerTest::TestOptions();
  HttpServer server(options, Router{}, {}, std::make_shared<core::SequentialIdGenerator>());
  ASSERT_TRUE(server.Start().has_value());
  TestClient client(server.Port());
  auto res = client.Do("GET", "/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)["X-Request-Id"], "req_00000000000000000000000001");
  server.Stop();
}

TEST(HttpServerStart, BindFailureIsAnError) {
  auto options = ServerTest::TestOptions();
  HttpServer first(options, Router{});
  ASSERT_TRUE(first.Start().has_value());
  options.port = first.Port();
  HttpServer second(options, Router{});
  auto started = second.Start();
  EXPECT_FALSE(started.has_value());
  options.host = "not-an-address";
  HttpServer third(options, Router{});
  EXPECT_FALSE(third.Start().has_value());
}

// --- leaving the I/O thread and coming back, inside a real handler ---

struct OffloadApp {
  boost::asio::thread_pool pool{1};
};

TEST(HttpServerOffload, HandlerRunsBlockingWorkOnAPoolAndResumesOnItsIoThread) {
  OffloadApp app;
  Router router;
  router.Get("/offload", [](RequestContext& ctx) -> awaitable<Response> {
    OffloadApp* app_ptr = ctx.App<OffloadApp>();
    auto executor = co_await boost::asio::this_coro::executor;
    const auto io_thread = std::this_thread::get_id();
    auto worker = co_await RunOn(app_ptr->pool, [] { return std::this_thread::get_id(); });
    // Back on the connection's own io_context, on the very thread the handler started on.
    using IoExecutor = boost::asio::io_context::executor_type;
    const auto* io = executor.target<IoExecutor>();
    co_return JsonResponse(
        200, {{"other_thread", worker != io_thread},
              {"same_io_thread", std::this_thread::get_id() == io_thread && io != nullptr &&
                                     io->running_in_this_thread()}});
  });
  router.Get("/callback", [](RequestContext&) -> awaitable<Response> {
    std::thread foreign;
    int value = co_await AwaitCompletion<int>(
        [&](Completion<int> done) { foreign = std::thread([done] { done(42); }); }, -1);
    foreign.join();
    co_return JsonResponse(200, {{"value", value}});
  });
  auto options = ServerTest::TestOptions();
  HttpServer server(options, std::move(router), std::any(&app));
  ASSERT_TRUE(server.Start().has_value());
  TestClient client(server.Port());
  auto res = client.Do("GET", "/offload");
  ASSERT_TRUE(res);
  EXPECT_EQ(ServerTest::Json(*res),
            (boost::json::value{{"other_thread", true}, {"same_io_thread", true}}));
  auto cb = client.Do("GET", "/callback");
  ASSERT_TRUE(cb);
  EXPECT_EQ(ServerTest::Json(*cb).at("value"), 42);
  server.Stop();
}

}  // namespace
}  // namespace authd::net::testing
