// Browser sessions in cookies and their CSRF defence (API.md, "Browser clients and CSRF"),
// checked over loopback against a real `authd serve`: cookie attributes, what a cookie may do
// without a CSRF token (read) and what it may not (change anything, log in), the signed double
// submit bound to the session, Origin and Sec-Fetch-Site, refresh and logout by cookie.
#include <gtest/gtest.h>

#include "tests/integration/browser_client.hpp"
#include "tests/integration/mfa_support.hpp"

namespace authd::test {
namespace {

constexpr const char* kEvilOrigin = "https://evil.example";

// Every rule is checked twice: over plain HTTP (authd behind a TLS-terminating proxy) and over
// authd's own TLS, where the browser's origin is https.
struct OverHttp {
  static constexpr bool kTls = false;
  static constexpr const char* kOwnOrigin = "http://127.0.0.1";  // the test client's Host
};
struct OverTls {
  static constexpr bool kTls = true;
  static constexpr const char* kOwnOrigin = "https://127.0.0.1";
};

template <class Transport>
class CookieCsrfTest : public ServerSuite<CookieCsrfTest<Transport>> {
 public:
  static ServerSpec Spec() { return {.tls = Transport::kTls}; }
};

class TransportName {
 public:
  template <class T>
  static std::string GetName(int) {
    return T::kTls ? "Tls" : "Http";
  }
};
using Transports = ::testing::Types<OverHttp, OverTls>;
TYPED_TEST_SUITE(CookieCsrfTest, Transports, TransportName);

TYPED_TEST(CookieCsrfTest, CookieLoginSetsHostOnlyHttpOnlyStrictCookiesAndNoTokensInTheBody) {
  Account a = SignUp(this->api(), "cookie");
  Browser browser(this->api(), TypeParam::kOwnOrigin);
  browser.FetchCsrf();
  ASSERT_TRUE(browser.jar().contains("authd_csrf"));
  auto res = browser.LogIn(a);
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  const auto body = JsonObject(res);
  EXPECT_FALSE(body.contains("access_token"));
  EXPECT_FALSE(body.contains("refresh_token"));
  EXPECT_EQ(Str(body.at("user").as_object(), "id"), a.id);
  EXPECT_EQ(Str(body, "csrf_token"), browser.jar().at("authd_csrf"));
  int seen = 0;
  for (const auto& c : SetCookies(res)) {
    EXPECT_NE(c.attributes.find("; Path=/"), std::string::npos) << c.name;
    EXPECT_NE(c.attributes.find("; Secure"), std::string::npos) << c.name;
    EXPECT_NE(c.attributes.find("; SameSite=Strict"), std::string::npos) << c.name;
    EXPECT_EQ(c.attributes.find("Domain"), std::string::npos) << c.name;
    const bool http_only = c.attributes.find("; HttpOnly") != std::string::npos;
    if (c.name == "__Host-authd_at" || c.name == "__Host-authd_rt") {
      EXPECT_TRUE(http_only) << c.name;
      ++seen;
    } else if (c.name == "authd_csrf") {
      EXPECT_FALSE(http_only) << "page scripts read it";
      ++seen;
    }
  }
  EXPECT_EQ(seen, 3);
  EXPECT_EQ(res.body().find(browser.jar().at("__Host-authd_at")), std::string::npos);
  EXPECT_EQ(res.body().find(browser.jar().at("__Host-authd_rt")), std::string::npos);
  // The cookie authenticates reads with no CSRF token.
  auto me = browser.Send("GET", "/v1/users/me", json::object{}, false);
  EXPECT_EQ(me.result_int(), 200U) << me.body();
}

TYPED_TEST(CookieCsrfTest, LoginWithCookiesNeedsThisSitesPageAndToken) {
  Account a = SignUp(this->api(), "logincsrf");
  Browser browser(this->api(), TypeParam::kOwnOrigin);
  browser.FetchCsrf();
  ExpectProblem(
      browser.Send(
          "POST", "/v1/sessions",
          json::object{{"username", a.username}, {"password", a.password}, {"use_cookies", true}},
          false),
      403, "csrf_failed");
  browser.set_origin(kEvilOrigin);
  ExpectProblem(browser.LogIn(a), 403, "csrf_failed");
  browser.set_origin("");  // no Origin and no Sec-Fetch-Site: not a page of this site
  ExpectProblem(browser.LogIn(a), 403, "csrf_failed");
  EXPECT_FALSE(browser.jar().contains("__Host-authd_at"));
  // A token of the attacker's own making is no token of this server.
  browser.set_origin(TypeParam::kOwnOrigin);
  browser.jar()["authd_csrf"] =
      "AAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  ExpectProblem(browser.LogIn(a), 403, "csrf_failed");
  browser.jar().erase("authd_csrf");
  browser.FetchCsrf();
  EXPECT_EQ(browser.LogIn(a).result_int(), 200U);
}

TYPED_TEST(CookieCsrfTest, CookieStateChangesNeedTheSessionsTokenAndThisSitesOrigin) {
  Account a = SignUp(this->api(), "statechange");
  Browser browser(this->api(), TypeParam::kOwnOrigin);
  browser.FetchCsrf();
  const std::string anonymous = browser.jar().at("authd_csrf");
  ASSERT_EQ(browser.LogIn(a).result_int(), 200U);
  const json::object patch{{"display_name", "Changed"}};

  ExpectProblem(browser.Send("PATCH", "/v1/users/me", patch, false), 403, "csrf_failed");
  browser.set_origin(kEvilOrigin);
  ExpectProblem(browser.Send("PATCH", "/v1/users/me", patch), 403, "csrf_failed");
  browser.set_origin("");
  ExpectProblem(
      browser.Send("PATCH", "/v1/users/me", patch, true, {{"Sec-Fetch-Site", "cross-site"}}), 403,
      "csrf_failed");
  // The pre-login token is not this session's token.
  browser.set_origin(TypeParam::kOwnOrigin);
  const std::string session_token = browser.jar().at("authd_csrf");
  browser.jar()["authd_csrf"] = anonymous;
  ExpectProblem(browser.Send("PATCH", "/v1/users/me", patch), 403, "csrf_failed");
  // Nothing changed.
  browser.jar()["authd_csrf"] = session_token;
  auto me = JsonObject(browser.Get("/v1/users/me"));
  EXPECT_NE(Str(me, "display_name"), "Changed");

  auto ok = browser.Send("PATCH", "/v1/users/me", patch);
  ASSERT_EQ(ok.result_int(), 200U) << ok.body();
  EXPECT_EQ(Str(JsonObject(ok), "display_name"), "Changed");
  browser.set_origin("");
  EXPECT_EQ(browser
                .Send("PATCH", "/v1/users/me", json::object{{"display_name", "Again"}}, true,
                      {{"Sec-Fetch-Site", "same-origin"}})
                .result_int(),
            200U);
}

TYPED_TEST(CookieCsrfTest, AnotherSessionsTokenDoesNotWork) {
  Account a = SignUp(this->api(), "twobrowsers");
  Browser first(this->api(), TypeParam::kOwnOrigin);
  Browser second(this->api(), TypeParam::kOwnOrigin);
  first.FetchCsrf();
  second.FetchCsrf();
  ASSERT_EQ(first.LogIn(a).result_int(), 200U);
  ASSERT_EQ(second.LogIn(a).result_int(), 200U);
  first.jar()["authd_csrf"] = second.jar().at("authd_csrf");
  ExpectProblem(first.Send("PATCH", "/v1/users/me", json::object{{"display_name", "x"}}), 403,
                "csrf_failed");
}

TYPED_TEST(CookieCsrfTest, RefreshAndLogoutByCookie) {
  Account a = SignUp(this->api(), "refreshcookie");
  Browser browser(this->api(), TypeParam::kOwnOrigin);
  browser.FetchCsrf();
  ASSERT_EQ(browser.LogIn(a).result_int(), 200U);
  const std::string old_refresh = browser.jar().at("__Host-authd_rt");

  ExpectProblem(browser.Send("POST", "/v1/sessions/refresh", json::object{}, false), 403,
                "csrf_failed");
  EXPECT_EQ(browser.jar().at("__Host-authd_rt"), old_refresh) << "refused: nothing rotated";
  auto refreshed = browser.Send("POST", "/v1/sessions/refresh", json::object{});
  ASSERT_EQ(refreshed.result_int(), 200U) << refreshed.body();
  EXPECT_FALSE(JsonObject(refreshed).contains("refresh_token"));
  EXPECT_NE(browser.jar().at("__Host-authd_rt"), old_refresh);
  EXPECT_EQ(browser.Get("/v1/users/me").result_int(), 200U);

  ExpectProblem(browser.Send("DELETE", "/v1/sessions/current", json::object{}, false), 403,
                "csrf_failed");
  auto out = browser.Send("DELETE", "/v1/sessions/current", json::object{});
  ASSERT_EQ(out.result_int(), 204U) << out.body();
  EXPECT_FALSE(browser.jar().contains("__Host-authd_at")) << "logout clears the cookies";
  browser.jar()["__Host-authd_at"] = "stale";
  ExpectProblem(browser.Get("/v1/users/me"), 401, "invalid_token");
}

TYPED_TEST(CookieCsrfTest, MfaStepSetsCookiesToo) {
  Account a = NewUser(this->api(), "cookiemfa");
  const auto app = Enroll(this->api(), a);
  Browser browser(this->api(), TypeParam::kOwnOrigin);
  browser.FetchCsrf();
  auto first = browser.LogIn(a);
  ASSERT_EQ(first.result_int(), 200U);
  const std::string token = Str(JsonObject(first), "mfa_token");
  EXPECT_FALSE(browser.jar().contains("__Host-authd_at"));
  const json::object step{
      {"mfa_token", token}, {"code", TotpAt(app.key, CurrentStep())}, {"use_cookies", true}};
  ExpectProblem(browser.Send("POST", "/v1/sessions/mfa", step, false), 403, "csrf_failed");
  auto done = browser.Send("POST", "/v1/sessions/mfa", step);
  ASSERT_EQ(done.result_int(), 200U) << done.body();
  EXPECT_TRUE(browser.jar().contains("__Host-authd_at"));
  EXPECT_EQ(browser.Get("/v1/users/me").result_int(), 200U);
}

}  // namespace
}  // namespace authd::test
