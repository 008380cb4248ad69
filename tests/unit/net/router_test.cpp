#include "net/router.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace authd::net {
namespace {

using boost::asio::awaitable;

Handler Named(int id) {
  // The handler is never run here; the id tells which route matched.
  return [id](RequestContext&) -> awaitable<Response> { co_return EmptyResponse(200 + id); };
}

// Identify the matched route by comparing handler addresses.
class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Get("/v1/users/{id}", Named(1));
    router_.Patch("/v1/users/{id}", Named(2));
    router_.Get("/v1/users/{id}/roles", Named(3));
    router_.Delete("/v1/sessions/{id}", Named(4));
    router_.Delete("/v1/sessions/current", Named(5));
    router_.Get("/", Named(6));
  }
  Router router_;
};

TEST_F(RouterTest, MatchesPatternsAndCapturesParams) {
  auto m = router_.Find("GET", "/v1/users/usr_1/roles");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "usr_1");
  EXPECT_EQ(router_.Find("GET", "/").kind, Router::Match::Kind::kFound);
}

TEST_F(RouterTest, MatchNamesItsPatternForMetrics) {
  EXPECT_EQ(router_.Find("GET", "/v1/users/usr_1/roles").pattern, "/v1/users/{id}/roles");
  EXPECT_EQ(router_.Find("HEAD", "/v1/users/usr_2").pattern, "/v1/users/{id}");
  EXPECT_EQ(router_.Find("DELETE", "/v1/sessions/current").pattern, "/v1/sessions/current");
  EXPECT_EQ(router_.Find("DELETE", "/v1/sessions/ses_1").pattern, "/v1/sessions/{id}");
  EXPECT_EQ(router_.Find("GET", "/nowhere").pattern, "");
  EXPECT_EQ(router_.Find("PUT", "/v1/users/usr_1").pattern, "");  // 405: no route matched
}

TEST_F(RouterTest, ParamsArePercentDecodedButSegmentsSplitFirst) {
  auto m = router_.Find("GET", "/v1/users/a%2Fb%20c");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.params[0].second, "a/b c");
  EXPECT_EQ(router_.Find("GET", "/v1/users/bad%zz").kind, Router::Match::Kind::kNotFound);
}

TEST_F(RouterTest, LiteralBeatsParamWhateverTheOrder) {
  auto current = router_.Find("DELETE", "/v1/sessions/current");
  auto other = router_.Find("DELETE", "/v1/sessions/ses_1");
  ASSERT_EQ(current.kind, Router::Match::Kind::kFound);
  ASSERT_EQ(other.kind, Router::Match::Kind::kFound);
  EXPECT_NE(current.handler, other.handler);
  EXPECT_TRUE(current.params.empty());
  EXPECT_EQ(other.params[0].second, "ses_1");
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  for (auto path : {"/v1/users", "/v1/users/", "/v1/users/x/roles/y", "//", "", "v1/users/x",
                    "/v1/users//roles"}) {
    EXPECT_EQ(router_.Find("GET", path).kind, Router::Match::Kind::kNotFound) << path;
  }
}

TEST_F(RouterTest, WrongMethodListsAllowedOnes) {
  auto m = router_.Find("POST", "/v1/users/u1");
  EXPECT_EQ(m.kind, Router::Match::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, HEAD, PATCH");
  EXPECT_EQ(m.handler, nullptr);
}

TEST_F(RouterTest, HeadFallsBackToGet) {
  auto m = router_.Find("HEAD", "/v1/users/u1");
  ASSERT_EQ(m.kind, Router::Match::Kind::kFound);
  EXPECT_EQ(m.handler, router_.Find("GET", "/v1/users/u1").handler);
}

TEST_F(RouterTest, RoutesListsRegistrationsInOrder) {
  std::vector<RouteInfo> expected = {
      {"GET", "/v1/users/{id}"},          {"PATCH", "/v1/users/{id}"},
      {"GET", "/v1/users/{id}/roles"},    {"DELETE", "/v1/sessions/{id}"},
      {"DELETE", "/v1/sessions/current"}, {"GET", "/"}};
  EXPECT_EQ(router_.Routes(), expected);
  EXPECT_TRUE(router_.Has("PATCH", "/v1/users/{id}"));
  EXPECT_FALSE(router_.Has("PUT", "/v1/users/{id}"));
}

TEST(RouterAdd, RejectsBadPatternsAndDuplicates) {
  Router router;
  router.Get("/a/{id}", Named(1));
  EXPECT_THROW(router.Get("/a/{other}", Named(2)), std::invalid_argument);  // same shape
  EXPECT_NO_THROW(router.Post("/a/{other}", Named(2)));
  for (auto bad : {"", "a", "/a//b", "/a/", "/{", "/{}", "/{1x}", "/x{y}", "/{a}/{a}"}) {
    EXPECT_THROW(router.Get(bad, Named(3)), std::invalid_argument) << bad;
  }
  EXPECT_THROW(router.Add("get", "/b", Named(4)), std::invalid_argument);
  EXPECT_THROW(router.Add("GET", "/b", Handler{}), std::invalid_argument);
}

TEST(RequestContextTest, ParamAndApp) {
  Request request;
  int services = 5;
  std::any app(&services);
  RequestContext ctx{request, {{"id", "u1"}}, &app};
  EXPECT_EQ(ctx.Param("id"), "u1");
  EXPECT_FALSE(ctx.Param("nope"));
  ASSERT_NE(ctx.App<int>(), nullptr);
  EXPECT_EQ(*ctx.App<int>(), 5);
  EXPECT_EQ(ctx.App<double>(), nullptr);  // wrong type: null, not a crash
}

}  // namespace
}  // namespace authd::net
