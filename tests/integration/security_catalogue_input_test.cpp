// Security catalogue, input validation (OWASP ASVS 4.0.3 V5, V7.3, V12, V13): malformed bodies,
// allow lists, hostile strings, oversized input and log injection.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/integration/security_catalogue.hpp"

namespace authd::test {
namespace {

class SecInput : public ServerSuite<SecInput> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }

 protected:
  static ClientResponse PostJson(std::string_view target, std::string body,
                                 std::string_view token = {}) {
    ExtraHeaders headers = {{"Content-Type", "application/json"}};
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(token));
    return api().Call("POST", target, std::move(body), headers);
  }
};

// ASVS V13.1.5: a body that does not say it is JSON is refused.
TEST_F(SecInput, V13_1_5_WrongContentTypeIsRefused) {
  const std::string name = NewName("inp");
  const std::string body = json::serialize(SignupBody(name, name + "@example.com", kPassword));
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "text/html"}) {
    ExpectProblem(api().Call("POST", "/v1/users", body, {{"Content-Type", type}}), 415,
                  "unsupported_media_type");
  }
}

// ASVS V5.1.4: JSON that does not parse, or is not an object, is refused.
TEST_F(SecInput, V5_1_4_MalformedJsonIsRefused) {
  for (const char* body : {"{", "[1,2]", "\"text\"", "null", "{\"username\": }", "{} {}"}) {
    auto res = PostJson("/v1/users", body);
    ExpectProblem(res, 400, "malformed_json");
  }
}

// ASVS V5.1.4: fields of the wrong JSON type are refused with the field named.
TEST_F(SecInput, V5_1_4_WrongTypesAreRefused) {
  auto res = PostJson("/v1/users",
                      R"({"username": 123, "email": ["a@example.com"], "password": {"x": 1}})");
  EXPECT_EQ(res.result_int(), 422U) << res.body();
  EXPECT_NE(res.body().find("username"), std::string::npos);
}

// ASVS V5.1.3 (allow list): usernames outside [a-z0-9._-]{3,32} are refused, including
// look-alike letters, markup, NUL and whitespace.
TEST_F(SecInput, V5_1_3_UsernameAllowList) {
  for (const std::string& name :
       {std::string("ab"), std::string(33, 'a'), std::string("bad name"), std::string("a<b>c"),
        std::string("nul\0x", 5),
        std::string("\xd0\xb0"
                    "dmin1"),
        std::string("x' OR '1'='1"), std::string("../../etc"), std::string("tab\tname")}) {
    auto res = api().Send("POST", "/v1/users",
                          SignupBody(name, NewName("inp") + "@example.com", kPassword));
    EXPECT_EQ(res.result_int(), 422U) << json::serialize(json::value(name)) << ": " << res.body();
  }
}

// ASVS V5.1.3: email addresses must be plausible, at most 254 characters and free of header
// injection.
TEST_F(SecInput, V5_1_3_EmailValidation) {
  for (const std::string& email :
       {std::string("not-an-email"), std::string(250, 'e') + "@example.com",
        std::string("a@example.com\r\nBcc: victim@example.com"), std::string("<a>@example.com"),
        std::string("a@")}) {
    auto res = api().Send("POST", "/v1/users", SignupBody(NewName("inp"), email, kPassword));
    EXPECT_EQ(res.result_int(), 422U) << email.substr(0, 40) << ": " << res.body();
  }
}

// ASVS V5.1.4: invalid UTF-8 is refused, not stored.
TEST_F(SecInput, V5_1_4_InvalidUtf8IsRefused) {
  const std::string name = NewName("inp");
  auto res = PostJson("/v1/users", "{\"username\":\"" + name + "\",\"email\":\"" + name +
                                       "@example.com\",\"password\":\"" + kPassword +
                                       "\",\"display_name\":\"bad \xff\xfe byte\"}");
  EXPECT_TRUE(res.result_int() == 400U || res.result_int() == 422U) << res.body();
  EXPECT_EQ(api()
                .Send("POST", "/v1/users", SignupBody(name, name + "@example.com", kPassword))
                .result_int(),
            201U);  // nothing was reserved by the refused request
}

// ASVS V5.1.4 / V12.1.1: deeply nested JSON is refused cheaply and the server stays up.
TEST_F(SecInput, V5_1_4_DeeplyNestedJsonIsRefused) {
  auto res = PostJson("/v1/users", std::string(30000, '[') + std::string(30000, ']'));
  EXPECT_EQ(res.result_int(), 400U) << res.body().substr(0, 200);
  EXPECT_EQ(api().Get("/healthz").result_int(), 200U);
}

// ASVS V12.1.1 (size limits): a body over the limit is refused with 413 before it is stored.
TEST_F(SecInput, V12_1_1_OversizedBodyIsRefused) {
  const std::string name = NewName("inp");
  json::object body = SignupBody(name, name + "@example.com", kPassword);
  body["display_name"] = std::string(70 * 1024, 'x');
  ExpectProblem(PostJson("/v1/users", json::serialize(body)), 413, "payload_too_large");
  ExpectProblem(
      api().Send("POST", "/v1/sessions", json::object{{"username", name}, {"password", kPassword}}),
      401, "invalid_credentials");
}

// ASVS V5.3.3 / V14.4.1: markup is stored as data and only ever served as JSON with nosniff, so
// it cannot run in a browser.
TEST_F(SecInput, V5_3_3_MarkupIsServedAsJsonData) {
  Account a = NewUser(api(), "inp");
  const std::string markup = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  ASSERT_EQ(api()
                .Send("PATCH", "/v1/users/me", json::object{{"display_name", markup}}, a.access)
                .result_int(),
            200U);
  auto me = api().Get("/v1/users/me", a.access);
  EXPECT_EQ(me[http::field::content_type], "application/json");
  EXPECT_EQ(me["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(Str(JsonObject(me), "display_name"), markup);
}

// ASVS V5.1.4 / V12.3.1: ids with path tricks or encodings find nothing.
TEST_F(SecInput, V12_3_1_PathTricksInIdsFindNothing) {
  Account admin = Admin(api(), server());
  for (const char* target :
       {"/v1/users/..%2F..%2Fetc%2Fpasswd", "/v1/users/%2e%2e", "/v1/users/usr_x%00",
        "/v1/users/"
        "%E2%80%AE",
        "/v1/users/me/../../healthz"}) {
    auto res = api().Get(target, admin.access);
    EXPECT_TRUE(res.result_int() == 404U || res.result_int() == 400U)
        << target << ": " << Describe(res);
  }
}

// ASVS V5.1.4: out-of-range or non-numeric query parameters are refused.
TEST_F(SecInput, V5_1_4_BadQueryParametersAreRefused) {
  Account admin = Admin(api(), server());
  for (const char* target :
       {"/v1/users?limit=-1", "/v1/users?limit=abc", "/v1/users?limit=99999999999999999999",
        "/v1/audit/events?after=-5", "/v1/audit/events?limit=0x10"}) {
    auto res = api().Get(target, admin.access);
    EXPECT_EQ(res.result_int(), 422U) << target << ": " << res.body();
  }
  // A cursor is a position (an id); one longer than any id is refused.
  EXPECT_EQ(api().Get("/v1/users?cursor=" + std::string(65, 'c'), admin.access).result_int(), 422U);
}

// ASVS V7.3.1 (log injection): hostile strings in requests cannot forge or break log lines:
// every line the server wrote is still one JSON object.
TEST_F(SecInput, V7_3_1_LogInjectionIsNeutralised) {
  const std::string hostile = "x\n{\"level\":\"error\",\"msg\":\"forged\"}\r\x1b[31m";
  auto res = api().Send("POST", "/v1/sessions",
                        json::object{{"username", hostile}, {"password", kPassword}});
  EXPECT_TRUE(res.result_int() == 401U || res.result_int() == 422U) << res.body();
  api().Call("GET", "/v1/users/me", {}, {{"X-Request-Id", "evil\x1b[0m"}, {"User-Agent", hostile}});
  std::istringstream log(server().Log());
  int lines = 0;
  for (std::string line; std::getline(log, line) && lines < 100000; ++lines) {
    boost::system::error_code ec;
    auto v = json::parse(line, ec);
    EXPECT_TRUE(!ec && v.is_object()) << line;
    EXPECT_EQ(line.find("\"msg\":\"forged\""), std::string::npos) << line;
  }
  EXPECT_GT(lines, 0);
}

}  // namespace
}  // namespace authd::test
