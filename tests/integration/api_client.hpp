// Helpers for the black-box API tests: one HTTP call per fresh loopback connection, JSON and
// problem+json checks from API.md, and short-hands for signing up and logging in.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

#include "tests/client/test_client.hpp"
#include "tests/integration/server.hpp"

namespace authd::test {

using net::testing::ClientResponse;
using net::testing::ExtraHeaders;
using net::testing::TestClient;
namespace http = boost::beast::http;
namespace json = boost::json;

// A strong password that contains none of the test usernames (they all start with a tag and
// end with a number; this has no digits next to letters of a tag).
inline constexpr const char* kPassword = "violet comet lantern 4821";
inline constexpr const char* kOtherPassword = "amber tide orchard 7730";

// Talks to one server. Every call opens its own connection, so calls are independent and a
// broken connection cannot leak into the next call. With `tls` every call is HTTPS (a test that
// should run over both: `Api api(server.port(), 10s, server.tls())`).
class Api {
 public:
  explicit Api(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10),
               bool tls = false)
      : port_(port), timeout_(timeout), tls_(tls) {}

  // Sends the request and returns the answer; on a transport failure records a test failure and
  // returns a response with status 0 (which no expectation accepts).
  ClientResponse Call(std::string_view method, std::string_view target, std::string body = {},
                      ExtraHeaders headers = {}) const {
    TestClient client(
        port_, timeout_,
        tls_ ? std::optional<net::testing::ClientTls>(net::testing::ClientTls{}) : std::nullopt);
    if (!client.connected()) {
      ADD_FAILURE() << "cannot connect to 127.0.0.1:" << port_ << ": " << client.error().message();
      return Failed();
    }
    auto res = client.Do(method, target, std::move(body), headers);
    if (!res) {
      ADD_FAILURE() << method << " " << target << " got no answer: " << client.error().message();
      return Failed();
    }
    return std::move(*res);
  }

  // A JSON request (Content-Type: application/json), optionally with a bearer token.
  ClientResponse Send(std::string_view method, std::string_view target, const json::value& body,
                      std::string_view token = {}) const {
    ExtraHeaders headers = {{"Content-Type", "application/json"}};
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(token));
    return Call(method, target, json::serialize(body), headers);
  }

  // A request without a body, optionally with a bearer token.
  ClientResponse Get(std::string_view target, std::string_view token = {},
                     std::string_view method = "GET") const {
    ExtraHeaders headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + std::string(token));
    return Call(method, target, {}, headers);
  }

  // A request with a raw Authorization header value.
  ClientResponse GetWithAuthorization(std::string_view target, std::string authorization) const {
    return Call("GET", target, {}, {{"Authorization", std::move(authorization)}});
  }

  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  static ClientResponse Failed() {
    ClientResponse res;
    res.result(0U);
    return res;
  }

  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
  bool tls_ = false;
};

// The body as JSON; null (and a test failure) when it is not JSON.
inline json::value Json(const ClientResponse& res) {
  boost::system::error_code ec;
  auto v = json::parse(res.body(), ec);
  if (ec) {
    ADD_FAILURE() << "body is not JSON (status " << res.result_int() << "): " << res.body();
    return nullptr;
  }
  return v;
}

inline json::object JsonObject(const ClientResponse& res) {
  auto v = Json(res);
  if (!v.is_object()) {
    ADD_FAILURE() << "body is not a JSON object: " << res.body();
    return {};
  }
  return v.as_object();
}

inline std::string Str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::string Upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

inline std::string Lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "status code: body" for failure messages.
inline std::string Describe(const ClientResponse& res) {
  return std::to_string(res.result_int()) + ": " + res.body();
}

// API.md "Errors": problem+json with type, title, status and code (and detail when present).
inline void ExpectProblem(const ClientResponse& res, unsigned status, std::string_view code) {
  if (res.result_int() == 0) return;  // no answer at all: Api::Call has reported it
  EXPECT_EQ(res.result_int(), status) << res.body();
  EXPECT_EQ(res[http::field::content_type], "application/problem+json") << res.body();
  auto body = JsonObject(res);
  const auto* type = body.if_contains("type");
  EXPECT_TRUE(type != nullptr && type->is_string() && !type->get_string().empty()) << res.body();
  const auto* title = body.if_contains("title");
  EXPECT_TRUE(title != nullptr && title->is_string() && !title->get_string().empty()) << res.body();
  const auto* st = body.if_contains("status");
  EXPECT_TRUE(st != nullptr && st->is_int64() && st->get_int64() == static_cast<int>(status))
      << res.body();
  EXPECT_EQ(Str(body, "code"), code) << res.body();
  if (const auto* detail = body.if_contains("detail")) {
    EXPECT_TRUE(detail->is_string());
  }
}

// True when the 422 body lists an error for `field` with `code`.
inline bool HasFieldError(const ClientResponse& res, std::string_view field,
                          std::string_view code) {
  auto body = JsonObject(res);
  const auto* errors = body.if_contains("errors");
  if (errors == nullptr || !errors->is_array()) return false;
  for (const auto& e : errors->get_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.get_object();
    if (Str(o, "field") == field && Str(o, "code") == code && o.contains("message")) return true;
  }
  return false;
}

inline void ExpectValidation(const ClientResponse& res, std::string_view field,
                             std::string_view code) {
  if (res.result_int() == 0) return;  // no answer at all: Api::Call has reported it
  ExpectProblem(res, 422, "validation_failed");
  EXPECT_TRUE(HasFieldError(res, field, code))
      << "expected errors[] to hold {field: " << field << ", code: " << code << "}: " << res.body();
}

// API.md: no error ever echoes a password or a token (neither in the body nor in a header).
inline void ExpectNoEcho(const ClientResponse& res, const std::string& secret) {
  EXPECT_EQ(res.body().find(secret), std::string::npos)
      << "the body echoes a secret: " << res.body();
  for (const auto& field : res) {
    EXPECT_EQ(std::string(field.value()).find(secret), std::string::npos)
        << "header " << field.name_string() << " echoes a secret";
  }
}

// API.md "Conventions": headers every response carries.
inline void ExpectSecurityHeaders(const ClientResponse& res) {
  EXPECT_FALSE(res["X-Request-Id"].empty());
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(res["Referrer-Policy"], "no-referrer");
  EXPECT_EQ(res["X-Frame-Options"], "DENY");
}

inline bool IsRfc3339Utc(std::string_view s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$)");
  return std::regex_match(s.begin(), s.end(), re);
}

// API.md "User object": every field, with its type.
inline void ExpectUserObject(const json::value& v) {
  ASSERT_TRUE(v.is_object()) << json::serialize(v);
  const auto& u = v.get_object();
  for (const char* key : {"id", "username", "email", "display_name", "created_at", "updated_at"}) {
    ASSERT_TRUE(u.contains(key)) << key << " missing: " << json::serialize(v);
    EXPECT_TRUE(u.at(key).is_string()) << key;
  }
  EXPECT_FALSE(Str(u, "id").empty());
  ASSERT_TRUE(u.contains("roles") && u.at("roles").is_array()) << json::serialize(v);
  for (const auto& r : u.at("roles").get_array())
    EXPECT_TRUE(r.is_string());
  ASSERT_TRUE(u.contains("email_verified") && u.at("email_verified").is_bool());
  ASSERT_TRUE(u.contains("mfa_enabled") && u.at("mfa_enabled").is_bool());
  EXPECT_TRUE(IsRfc3339Utc(Str(u, "created_at"))) << Str(u, "created_at");
  EXPECT_TRUE(IsRfc3339Utc(Str(u, "updated_at"))) << Str(u, "updated_at");
  EXPECT_EQ(u.find("password"), u.end());
  EXPECT_EQ(u.find("password_hash"), u.end());
}

inline std::string Roles(const json::object& user) {
  const auto* roles = user.if_contains("roles");
  return roles != nullptr ? json::serialize(*roles) : std::string("<none>");
}

// A username no earlier call gave: "<tag>_<n>" (tag: a few lower-case letters).
inline std::string NewName(std::string_view tag) {
  static std::atomic<int> counter{0};
  return std::string(tag) + "_" + std::to_string(++counter);
}

// Someone signed up (and, after Login, signed in).
struct Account {
  std::string id;
  std::string username;
  std::string email;
  std::string password;
  // From the last login:
  std::string access;
  std::string refresh;
  std::string session_id;
};

inline json::object SignupBody(const std::string& username, const std::string& email,
                               const std::string& password) {
  return {{"username", username}, {"email", email}, {"password", password}};
}

// Signs a fresh user up (asserting 201) and returns it (not logged in).
inline Account SignUp(const Api& api, std::string_view tag, std::string password = kPassword) {
  Account a;
  a.username = NewName(tag);
  a.email = a.username + "@example.com";
  a.password = std::move(password);
  auto res = api.Send("POST", "/v1/users", SignupBody(a.username, a.email, a.password));
  EXPECT_EQ(res.result_int(), 201U) << res.body();
  if (res.result_int() == 201) a.id = Str(JsonObject(res), "id");
  return a;
}

// Logs `a` in with its password, stores the tokens in it and returns the login response.
inline ClientResponse LogIn(const Api& api, Account& a) {
  auto res = api.Send("POST", "/v1/sessions",
                      json::object{{"username", a.username}, {"password", a.password}});
  EXPECT_EQ(res.result_int(), 200U) << res.body();
  if (res.result_int() == 200) {
    auto body = JsonObject(res);
    a.access = Str(body, "access_token");
    a.refresh = Str(body, "refresh_token");
    a.session_id = Str(body, "session_id");
  }
  return res;
}

// A signed-up and logged-in fresh user.
inline Account NewUser(const Api& api, std::string_view tag) {
  Account a = SignUp(api, tag);
  LogIn(api, a);
  return a;
}

// The operator-made admin of a server started with `with_admin`, logged in.
inline Account Admin(const Api& api, const AuthdServer& server) {
  Account a{.id = server.admin_id(),
            .username = AuthdServer::kAdminUsername,
            .email = AuthdServer::kAdminEmail,
            .password = AuthdServer::kAdminPassword};
  LogIn(api, a);
  return a;
}

// One server for a whole test suite (tests in it use fresh usernames, so they do not interfere).
// The suite names its server with a static `ServerSpec Spec()`.
template <class Suite>
class ServerSuite : public ::testing::Test {
 public:
  static void SetUpTestSuite() { server_ = std::make_unique<AuthdServer>(Suite::Spec()); }
  static void TearDownTestSuite() { server_.reset(); }

 protected:
  void SetUp() override {
    // A server that died after the previous test ended (heap damage can abort it a request or
    // two later) is replaced too, so this test starts on a live one.
    if (server_ != nullptr && !server_->running()) {
      ReportDeath("before this test");
      server_ = std::make_unique<AuthdServer>(Suite::Spec());
    }
    ASSERT_TRUE(server_ != nullptr && server_->ok()) << (server_ ? server_->error() : "");
  }
  // A server that died during a test is named, with the end of its log, and replaced, so one
  // crash does not fail every later test of the suite.
  void TearDown() override {
    if (server_ == nullptr || server_->running()) return;
    ReportDeath("during this test");
    server_ = std::make_unique<AuthdServer>(Suite::Spec());
  }
  static void ReportDeath(std::string_view when) {
    const std::string log = server_->Log();
    ADD_FAILURE() << "authd serve died " << when << " (" << server_->ExitDescription()
                  << "); end of its log:\n"
                  << log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
  }
  static AuthdServer& server() { return *server_; }
  static Api api() { return Api(server_->port(), std::chrono::seconds(10), server_->tls()); }

 private:
  static inline std::unique_ptr<AuthdServer> server_;
};

}  // namespace authd::test
