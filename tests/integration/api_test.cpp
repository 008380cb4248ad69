// Black-box tests of API.md against a real `authd serve`: signup, login and the headers every
// response carries.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

class ApiTest : public ServerSuite<ApiTest> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }
};

// Every header but the per-response ones (X-Request-Id, Date), as (lower-case name, value).
std::multimap<std::string, std::string> StableHeaders(const ClientResponse& res) {
  std::multimap<std::string, std::string> out;
  for (const auto& field : res) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == "x-request-id" || name == "date") continue;
    out.emplace(name, std::string(field.value()));
  }
  return out;
}

// ---- Signup ---------------------------------------------------------------------------------

TEST_F(ApiTest, SignupAnswersCreatedWithLocationAndUserObject) {
  const std::string name = NewName("signup");
  const std::string email = name + "@example.com";
  json::object body = SignupBody(Upper(name), email, kPassword);
  body["display_name"] = "Sig Nup";
  auto res = api().Send("POST", "/v1/users", body);
  ASSERT_EQ(res.result_int(), 201U) << res.body();
  EXPECT_EQ(res[http::field::content_type].substr(0, 16), "application/json");
  EXPECT_EQ(res["Cache-Control"], "no-store");
  ExpectNoEcho(res, kPassword);
  auto user = Json(res);
  ExpectUserObject(user);
  const auto& u = user.as_object();
  const std::string id = Str(u, "id");
  EXPECT_EQ(res[http::field::location], "/v1/users/" + id);
  EXPECT_EQ(Str(u, "username"), name);  // unique without regard to case: stored lower-case
  EXPECT_EQ(Str(u, "email"), email);
  EXPECT_EQ(Str(u, "display_name"), "Sig Nup");
  EXPECT_EQ(Roles(u), R"(["user"])");
  EXPECT_EQ(u.at("email_verified"), false);
  EXPECT_EQ(u.at("mfa_enabled"), false);

  // The Location names the new user: the user can read it.
  Account a{.id = id, .username = name, .email = email, .password = kPassword};
  LogIn(api(), a);
  auto own = api().Get(res[http::field::location], a.access);
  ASSERT_EQ(own.result_int(), 200U) << own.body();
  EXPECT_EQ(Str(JsonObject(own), "id"), id);
}

TEST_F(ApiTest, SignupConflictsIgnoreCase) {
  const std::string name = NewName("bob");
  auto first = api().Send("POST", "/v1/users", SignupBody(name, name + "@example.com", kPassword));
  ASSERT_EQ(first.result_int(), 201U) << first.body();

  auto same_name =
      api().Send("POST", "/v1/users", SignupBody(Upper(name), name + "-2@example.com", kPassword));
  ExpectProblem(same_name, 409, "username_taken");
  ExpectNoEcho(same_name, kPassword);

  auto same_email = api().Send("POST", "/v1/users",
                               SignupBody(NewName("bob"), Upper(name) + "@EXAMPLE.com", kPassword));
  ExpectProblem(same_email, 409, "email_taken");
  ExpectNoEcho(same_email, kPassword);
}

TEST_F(ApiTest, SignupValidationNamesEachField) {
  struct Case {
    std::string what;
    json::object body;
    std::string field;
    std::string code;
  };
  const std::string a = NewName("val");
  const std::string mail = a + "@example.com";
  const std::string contains = "my " + a + " passphrase";
  const std::string contains_upper = "MY " + Upper(a) + " PASSPHRASE";
  const std::vector<Case> cases = {
      {"short password", SignupBody(a, mail, "short pw 1"), "password", "too_short"},
      {"common password", SignupBody(a, mail, "password1234"), "password", "common_password"},
      {"password holds the username", SignupBody(a, mail, contains), "password",
       "contains_username"},
      {"password holds the username in upper case", SignupBody(a, mail, contains_upper), "password",
       "contains_username"},
      {"bad email", SignupBody(a, "not-an-email", kPassword), "email", "invalid_format"},
      {"bad username characters", SignupBody("bad name!", mail, kPassword), "username",
       "invalid_characters"},
      {"reserved name", SignupBody("admin", mail, kPassword), "username", "reserved"},
      {"reserved name, other case", SignupBody("Root", mail, kPassword), "username", "reserved"},
      {"username too short", SignupBody("ab", mail, kPassword), "username", "too_short"},
      {"missing password", json::object{{"username", a}, {"email", mail}}, "password", "required"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto res = api().Send("POST", "/v1/users", c.body);
    ExpectValidation(res, c.field, c.code);
    if (const auto* pw = c.body.if_contains("password")) {
      ExpectNoEcho(res, std::string(pw->as_string()));
    }
  }

  // Several bad fields at once: one error per field.
  auto all = api().Send("POST", "/v1/users", SignupBody("bad name!", "nope", "tiny"));
  ExpectValidation(all, "username", "invalid_characters");
  EXPECT_TRUE(HasFieldError(all, "email", "invalid_format")) << all.body();
  EXPECT_TRUE(HasFieldError(all, "password", "too_short")) << all.body();
  ExpectNoEcho(all, "tiny");

  // Nothing was created by any of these.
  auto later = api().Send("POST", "/v1/users", SignupBody(a, mail, kPassword));
  EXPECT_EQ(later.result_int(), 201U) << later.body();
}

TEST_F(ApiTest, SignupRejectsBodiesThatAreNotJsonObjects) {
  const std::string name = NewName("body");
  const std::string body = json::serialize(SignupBody(name, name + "@example.com", kPassword));

  auto text = api().Call("POST", "/v1/users", body, {{"Content-Type", "text/plain"}});
  ExpectProblem(text, 415, "unsupported_media_type");
  ExpectNoEcho(text, kPassword);

  auto none = api().Call("POST", "/v1/users", body);
  ExpectProblem(none, 415, "unsupported_media_type");

  auto broken = api().Call("POST", "/v1/users", R"({"username": "x", "password": "violet co)",
                           {{"Content-Type", "application/json"}});
  ExpectProblem(broken, 400, "malformed_json");
  ExpectNoEcho(broken, "violet co");

  auto array = api().Call("POST", "/v1/users", "[1, 2]", {{"Content-Type", "application/json"}});
  ExpectProblem(array, 400, "malformed_json");

  json::object big = SignupBody(name, name + "@example.com", kPassword);
  big["display_name"] = std::string(70 * 1024, 'x');
  auto too_large =
      api().Call("POST", "/v1/users", json::serialize(big), {{"Content-Type", "application/json"}});
  ExpectProblem(too_large, 413, "payload_too_large");
  ExpectNoEcho(too_large, kPassword);

  // None of them created the user.
  auto ok = api().Call("POST", "/v1/users", body, {{"Content-Type", "application/json"}});
  EXPECT_EQ(ok.result_int(), 201U) << ok.body();
}

// ---- Login ----------------------------------------------------------------------------------

TEST_F(ApiTest, LoginAnswersTokenResponse) {
  Account a = SignUp(api(), "login");
  auto res = LogIn(api(), a);
  ASSERT_EQ(res.result_int(), 200U);
  EXPECT_EQ(res["Cache-Control"], "no-store");
  ExpectNoEcho(res, kPassword);
  auto body = JsonObject(res);
  EXPECT_EQ(std::count(a.access.begin(), a.access.end(), '.'), 2) << a.access;
  EXPECT_EQ(Str(body, "token_type"), "Bearer");
  ASSERT_TRUE(body.contains("expires_in") && body.at("expires_in").is_int64());
  EXPECT_EQ(body.at("expires_in").as_int64(), 15 * 60);  // the default lifetime
  EXPECT_FALSE(a.refresh.empty());
  EXPECT_FALSE(a.session_id.empty());
  ASSERT_TRUE(body.contains("user"));
  ExpectUserObject(body.at("user"));
  EXPECT_EQ(Str(body.at("user").as_object(), "id"), a.id);

  auto me = api().Get("/v1/users/me", a.access);
  ASSERT_EQ(me.result_int(), 200U) << me.body();
  EXPECT_EQ(Str(JsonObject(me), "id"), a.id);
}

TEST_F(ApiTest, LoginByEmailInAnyCase) {
  Account a = SignUp(api(), "bymail");
  auto res = api().Send("POST", "/v1/sessions",
                        json::object{{"email", Upper(a.email)}, {"password", a.password}});
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  EXPECT_EQ(Str(JsonObject(res).at("user").as_object(), "id"), a.id);

  auto by_name =
      api().Send("POST", "/v1/sessions",
                 json::object{{"username", Upper(a.username)}, {"password", a.password}});
  EXPECT_EQ(by_name.result_int(), 200U) << by_name.body();
}

TEST_F(ApiTest, LoginFailuresAreIndistinguishable) {
  Account known = SignUp(api(), "known");
  Account gone = NewUser(api(), "gone");
  auto deleted =
      api().Send("DELETE", "/v1/users/me", json::object{{"password", gone.password}}, gone.access);
  ASSERT_EQ(deleted.result_int(), 204U) << deleted.body();

  auto unknown = api().Send("POST", "/v1/sessions",
                            json::object{{"username", NewName("nobody")}, {"password", kPassword}});
  auto wrong = api().Send("POST", "/v1/sessions",
                          json::object{{"username", known.username}, {"password", kOtherPassword}});
  auto after_delete = api().Send(
      "POST", "/v1/sessions", json::object{{"username", gone.username}, {"password", kPassword}});

  for (const auto* res : {&unknown, &wrong, &after_delete}) {
    ExpectProblem(*res, 401, "invalid_credentials");
    ExpectNoEcho(*res, kPassword);
    ExpectNoEcho(*res, kOtherPassword);
  }
  EXPECT_EQ(unknown.body(), wrong.body());
  EXPECT_EQ(unknown.body(), after_delete.body());
  EXPECT_EQ(StableHeaders(unknown), StableHeaders(wrong));
  EXPECT_EQ(StableHeaders(unknown), StableHeaders(after_delete));

  // Unknown email too.
  auto unknown_mail = api().Send(
      "POST", "/v1/sessions",
      json::object{{"email", NewName("nobody") + "@example.com"}, {"password", kPassword}});
  ExpectProblem(unknown_mail, 401, "invalid_credentials");
  EXPECT_EQ(unknown_mail.body(), unknown.body());
}

TEST_F(ApiTest, DisabledAccountIsToldOnlyAfterTheRightPassword) {
  Account admin = Admin(api(), server());
  Account a = NewUser(api(), "off");
  auto disable =
      api().Send("PATCH", "/v1/users/" + a.id, json::object{{"disabled", true}}, admin.access);
  ASSERT_EQ(disable.result_int(), 200U) << disable.body();

  auto right = api().Send("POST", "/v1/sessions",
                          json::object{{"username", a.username}, {"password", a.password}});
  ExpectProblem(right, 403, "account_disabled");
  auto wrong = api().Send("POST", "/v1/sessions",
                          json::object{{"username", a.username}, {"password", kOtherPassword}});
  ExpectProblem(wrong, 401, "invalid_credentials");
  // Its live token stops working at once.
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 401U);

  auto enable =
      api().Send("PATCH", "/v1/users/" + a.id, json::object{{"disabled", false}}, admin.access);
  ASSERT_EQ(enable.result_int(), 200U) << enable.body();
  EXPECT_EQ(LogIn(api(), a).result_int(), 200U);
}

TEST_F(ApiTest, LoginValidation) {
  auto no_password = api().Send("POST", "/v1/sessions", json::object{{"username", NewName("who")}});
  ExpectValidation(no_password, "password", "required");
  auto no_name = api().Send("POST", "/v1/sessions", json::object{{"password", kPassword}});
  ExpectProblem(no_name, 422, "validation_failed");
  ExpectNoEcho(no_name, kPassword);
  auto text = api().Call("POST", "/v1/sessions", "username=a&password=b",
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  ExpectProblem(text, 415, "unsupported_media_type");
}

// ---- Headers --------------------------------------------------------------------------------

TEST_F(ApiTest, EveryResponseCarriesTheSecurityHeaders) {
  Account a = SignUp(api(), "hdr");
  auto login = LogIn(api(), a);
  std::vector<std::pair<std::string, ClientResponse>> answers;
  answers.emplace_back("healthz", api().Get("/healthz"));
  answers.emplace_back("signup 422", api().Send("POST", "/v1/users", json::object{}));
  answers.emplace_back("login 200", login);
  answers.emplace_back("login 401",
                       api().Send("POST", "/v1/sessions",
                                  json::object{{"username", a.username}, {"password", "nope"}}));
  answers.emplace_back("me 200", api().Get("/v1/users/me", a.access));
  answers.emplace_back("me 401", api().Get("/v1/users/me"));
  answers.emplace_back("sessions 200", api().Get("/v1/sessions", a.access));
  answers.emplace_back("users 403", api().Get("/v1/users", a.access));
  answers.emplace_back("refresh 200", api().Send("POST", "/v1/sessions/refresh",
                                                 json::object{{"refresh_token", a.refresh}}));
  answers.emplace_back("unknown path 404", api().Get("/v1/nothing-here"));
  answers.emplace_back("jwks", api().Get("/.well-known/jwks.json"));
  answers.emplace_back("openapi", api().Get("/openapi.json"));
  for (const auto& [what, res] : answers) {
    SCOPED_TRACE(what);
    EXPECT_NE(res.result_int(), 0U);
    ExpectSecurityHeaders(res);
  }
  // Anything carrying credentials, user data or an error about them is not cached.
  for (const auto& [what, res] : answers) {
    if (what == "jwks" || what == "openapi" || what == "healthz") continue;
    SCOPED_TRACE(what);
    EXPECT_EQ(res["Cache-Control"], "no-store");
  }
}

TEST_F(ApiTest, RequestIdIsEchoedWhenSaneAndGeneratedOtherwise) {
  auto echoed = api().Call("GET", "/healthz", {}, {{"X-Request-Id", "client-42.A_b"}});
  EXPECT_EQ(echoed["X-Request-Id"], "client-42.A_b");
  auto error = api().Call("GET", "/v1/users/me", {}, {{"X-Request-Id", "client-43"}});
  EXPECT_EQ(error.result_int(), 401U);
  EXPECT_EQ(error["X-Request-Id"], "client-43");

  auto first = api().Get("/healthz");
  auto second = api().Get("/healthz");
  EXPECT_FALSE(first["X-Request-Id"].empty());
  EXPECT_NE(first["X-Request-Id"], second["X-Request-Id"]);

  for (const std::string& insane : {std::string("has space"), std::string(200, 'a'),
                                    std::string("semi;colon"), std::string("<script>")}) {
    SCOPED_TRACE(insane);
    auto res = api().Call("GET", "/healthz", {}, {{"X-Request-Id", insane}});
    EXPECT_EQ(res.result_int(), 200U);
    EXPECT_FALSE(res["X-Request-Id"].empty());
    EXPECT_NE(res["X-Request-Id"], insane);
  }
}

}  // namespace
}  // namespace authd::test
