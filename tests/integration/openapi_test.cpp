// GET /openapi.json against the router the server actually uses: every route is documented with
// its method, and every documented operation is routed. Plus the health endpoints.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "net/api.hpp"
#include "net/router.hpp"
#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

class OpenApiTest : public ServerSuite<OpenApiTest> {
 public:
  static ServerSpec Spec() { return {}; }
};

TEST_F(OpenApiTest, DocumentMatchesTheRouter) {
  auto res = api().Get("/openapi.json");
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  EXPECT_EQ(res[http::field::content_type].substr(0, 16), "application/json");
  auto doc = JsonObject(res);
  EXPECT_EQ(Str(doc, "openapi"), "3.1.0");
  ASSERT_TRUE(doc.contains("info") && doc.at("info").is_object());
  EXPECT_FALSE(Str(doc.at("info").as_object(), "title").empty());
  EXPECT_FALSE(Str(doc.at("info").as_object(), "version").empty());
  ASSERT_TRUE(doc.contains("paths") && doc.at("paths").is_object());
  const auto& paths = doc.at("paths").as_object();

  net::Router router;
  net::RegisterApiRoutes(router);
  const auto routes = router.Routes();
  ASSERT_FALSE(routes.empty());
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& r : routes) {
    routed.emplace(r.pattern, r.method);
    SCOPED_TRACE(r.method + " " + r.pattern);
    const auto* item = paths.if_contains(r.pattern);
    ASSERT_NE(item, nullptr) << "route not documented";
    ASSERT_TRUE(item->is_object());
    const auto* op = item->as_object().if_contains(Lower(r.method));
    ASSERT_NE(op, nullptr) << "method not documented";
    ASSERT_TRUE(op->is_object());
    ASSERT_TRUE(op->as_object().contains("responses")) << "operation without responses";
  }

  static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
  std::size_t documented = 0;
  for (const auto& [path, item] : paths) {
    ASSERT_TRUE(item.is_object()) << path;
    for (const auto& [method, op] : item.as_object()) {
      if (!kMethods.contains(std::string(method))) continue;  // parameters, summary, ...
      ++documented;
      EXPECT_TRUE(routed.contains({std::string(path), Upper(std::string(method))}))
          << method << " " << path << " is documented but not routed";
      EXPECT_TRUE(router.Has(Upper(std::string(method)), path)) << method << " " << path;
    }
  }
  EXPECT_EQ(documented, routes.size());
}

// Every operation that runs argon2id may answer 503 server_busy when each hashing slot is taken
// (tests/integration/login_shed_test.cpp), so the document must say so.
TEST_F(OpenApiTest, OperationsThatHashAPasswordList503) {
  auto res = api().Get("/openapi.json");
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  const auto doc = JsonObject(res);
  const auto& paths = doc.at("paths").as_object();
  const std::pair<const char*, const char*> hashing[] = {{"/v1/users", "post"},
                                                         {"/v1/sessions", "post"},
                                                         {"/v1/users/me", "delete"},
                                                         {"/v1/users/me/password", "put"},
                                                         {"/v1/users/me/mfa/totp", "delete"},
                                                         {"/v1/password-resets/confirm", "post"}};
  for (const auto& [path, method] : hashing) {
    SCOPED_TRACE(std::string(method) + " " + path);
    const auto* item = paths.if_contains(path);
    ASSERT_NE(item, nullptr);
    const auto* op = item->as_object().if_contains(method);
    ASSERT_NE(op, nullptr);
    EXPECT_TRUE(op->as_object().at("responses").as_object().contains("503"));
  }
}

TEST_F(OpenApiTest, HealthAndReadiness) {
  auto health = api().Get("/healthz");
  EXPECT_EQ(health.result_int(), 200U) << health.body();
  ExpectSecurityHeaders(health);
  auto ready = api().Get("/readyz");
  EXPECT_EQ(ready.result_int(), 200U) << ready.body();
  ExpectSecurityHeaders(ready);
  (void)Json(ready);
}

}  // namespace
}  // namespace authd::test
