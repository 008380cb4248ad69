// Black-box tests of TOTP MFA against a real `authd serve`: enrollment through the otpauth URI
// (read by the tests' own TOTP code), the second login step, single use of codes (also under
// concurrency), recovery codes, throttling of wrong codes, and no secret in any output.
#include <gtest/gtest.h>
#include <sodium.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/integration/mfa_support.hpp"

namespace authd::test {
namespace {

class MfaTest : public ServerSuite<MfaTest> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }
};

json::object Claims(const std::string& jwt) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  const std::string payload = jwt.substr(first + 1, second - first - 1);
  std::string out(payload.size(), '\0');
  std::size_t len = 0;
  sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), payload.data(),
                    payload.size(), nullptr, &len, nullptr,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(len);
  return json::parse(out).as_object();
}

bool MfaEnabled(const Api& api, const Account& a) {
  return JsonObject(api.Get("/v1/users/me", a.access)).at("mfa_enabled").as_bool();
}

// Sends `count` second steps at once, each with its own mfa_token and field/code; the statuses.
std::vector<unsigned> Race(const Api& api, const std::vector<std::string>& tokens,
                           std::string_view field, const std::string& code) {
  std::vector<unsigned> statuses(tokens.size());
  std::vector<std::thread> threads;
  std::atomic<bool> go{false};
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    threads.emplace_back([&, i] {
      while (!go.load())
        std::this_thread::yield();
      statuses[i] = SecondStep(api, tokens[i], field, code).result_int();
    });
  }
  go = true;
  for (auto& t : threads)
    t.join();
  return statuses;
}

TEST_F(MfaTest, EnrollmentUriIsWhatAuthenticatorAppsRead) {
  Account a = NewUser(api(), "enroll");
  auto begun = api().Send("POST", "/v1/users/me/mfa/totp", json::object{}, a.access);
  ASSERT_EQ(begun.result_int(), 200U) << begun.body();
  ExpectSecurityHeaders(begun);
  const auto body = JsonObject(begun);
  const auto uri = ParseOtpauth(Str(body, "otpauth_uri"));
  ASSERT_TRUE(uri.has_value()) << Str(body, "otpauth_uri");
  EXPECT_EQ(uri->type, "totp");
  EXPECT_EQ(uri->label, "authd:" + a.username);
  EXPECT_EQ(uri->params.at("issuer"), "authd");
  EXPECT_EQ(uri->params.at("algorithm"), "SHA1");
  EXPECT_EQ(uri->params.at("digits"), "6");
  EXPECT_EQ(uri->params.at("period"), "30");
  EXPECT_EQ(uri->params.at("secret"), Str(body, "secret"));
  const auto key = Base32Decode(uri->params.at("secret"));
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 20U);  // RFC 4226: at least 128 bits, 160 recommended
  EXPECT_FALSE(MfaEnabled(api(), a)) << "pending until a code confirms it";

  WaitForFreshStep();
  const std::string wrong = TotpAt(*key, CurrentStep() + 5);
  ExpectProblem(
      api().Send("POST", "/v1/users/me/mfa/totp/confirm", json::object{{"code", wrong}}, a.access),
      401, "invalid_mfa_code");
  auto confirmed = api().Send("POST", "/v1/users/me/mfa/totp/confirm",
                              json::object{{"code", TotpAt(*key, CurrentStep())}}, a.access);
  ASSERT_EQ(confirmed.result_int(), 200U) << confirmed.body();
  const auto codes = JsonObject(confirmed).at("recovery_codes").as_array();
  std::set<std::string> distinct;
  for (const auto& c : codes)
    distinct.insert(std::string(c.as_string()));
  EXPECT_EQ(distinct.size(), 10U);
  EXPECT_TRUE(MfaEnabled(api(), a));
  ExpectProblem(api().Send("POST", "/v1/users/me/mfa/totp", json::object{}, a.access), 409,
                "conflict");
}

TEST_F(MfaTest, LoginNeedsTheSecondFactorAndTokensSayOtp) {
  Account a = NewUser(api(), "twostep");
  const auto app = Enroll(api(), a);
  ASSERT_EQ(app.recovery_codes.size(), 10U);

  const std::string token = PasswordStep(api(), a);
  ASSERT_FALSE(token.empty());
  // The mfa_token is no access token.
  ExpectProblem(api().Get("/v1/users/me", token), 401, "invalid_token");
  ExpectProblem(SecondStep(api(), token, "code", TotpAt(app.key, CurrentStep() + 3)), 401,
                "invalid_mfa_code");
  const std::string code = TotpAt(app.key, CurrentStep());
  auto done = SecondStep(api(), token, "code", code);
  ASSERT_EQ(done.result_int(), 200U) << done.body();
  ExpectSecurityHeaders(done);
  const auto body = JsonObject(done);
  const auto claims = Claims(Str(body, "access_token"));
  EXPECT_EQ(json::serialize(claims.at("amr")), R"(["pwd","otp"])");
  EXPECT_EQ(api().Get("/v1/users/me", Str(body, "access_token")).result_int(), 200U);
  // A refreshed token keeps the factors the session proved.
  auto refreshed = api().Send("POST", "/v1/sessions/refresh",
                              json::object{{"refresh_token", body.at("refresh_token")}});
  ASSERT_EQ(refreshed.result_int(), 200U) << refreshed.body();
  EXPECT_EQ(json::serialize(Claims(Str(JsonObject(refreshed), "access_token")).at("amr")),
            R"(["pwd","otp"])");

  // The mfa_token worked once; the code works once, even with a new mfa_token.
  ExpectProblem(SecondStep(api(), token, "code", code), 401, "invalid_mfa_code");
  ExpectProblem(SecondStep(api(), PasswordStep(api(), a), "code", code), 401, "invalid_mfa_code");
  ExpectProblem(SecondStep(api(), "mfa_not-a-real-token", "code", code), 401, "invalid_mfa_code");
  // Expired: a code from two steps ago is never accepted.
  ExpectProblem(
      SecondStep(api(), PasswordStep(api(), a), "code", TotpAt(app.key, CurrentStep() - 2)), 401,
      "invalid_mfa_code");
  ExpectValidation(SecondStep(api(), PasswordStep(api(), a), "code", ""), "code", "invalid");
}

TEST_F(MfaTest, OneCodeRacedFromSixLoginsSucceedsOnce) {
  Account a = NewUser(api(), "racer");
  const auto app = Enroll(api(), a);
  std::vector<std::string> tokens;
  // Six, so the five failures stay under the throttle (a sixth could be 429 instead of 401).
  for (int i = 0; i < 6; ++i)
    tokens.push_back(PasswordStep(api(), a));
  const auto statuses = Race(api(), tokens, "code", TotpAt(app.key, CurrentStep()));
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200U), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 401U), 5);
}

TEST_F(MfaTest, RecoveryCodeWorksOnceEvenWhenRaced) {
  Account a = NewUser(api(), "recover");
  const auto app = Enroll(api(), a);
  ASSERT_EQ(app.recovery_codes.size(), 10U);
  // Typed loosely: upper case, spaces instead of dashes.
  std::string typed = Upper(app.recovery_codes[0]);
  std::replace(typed.begin(), typed.end(), '-', ' ');
  auto done = SecondStep(api(), PasswordStep(api(), a), "recovery_code", typed);
  ASSERT_EQ(done.result_int(), 200U) << done.body();
  EXPECT_EQ(json::serialize(Claims(Str(JsonObject(done), "access_token")).at("amr")),
            R"(["pwd","otp"])");
  ExpectProblem(SecondStep(api(), PasswordStep(api(), a), "recovery_code", app.recovery_codes[0]),
                401, "invalid_mfa_code");

  // Another user's code is no code of this user.
  Account b = NewUser(api(), "recover2");
  const auto other = Enroll(api(), b);
  ExpectProblem(SecondStep(api(), PasswordStep(api(), a), "recovery_code", other.recovery_codes[2]),
                401, "invalid_mfa_code");

  // Four at once (with the two failures above, five at most: under the throttle).
  std::vector<std::string> tokens;
  for (int i = 0; i < 4; ++i)
    tokens.push_back(PasswordStep(api(), a));
  const auto statuses = Race(api(), tokens, "recovery_code", app.recovery_codes[1]);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200U), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 401U), 3);
}

TEST_F(MfaTest, WrongCodesAreThrottledLikeWrongPasswords) {
  Account a = NewUser(api(), "guessed");
  const auto app = Enroll(api(), a);
  const std::string token = PasswordStep(api(), a);
  const std::string right = TotpAt(app.key, CurrentStep());
  int guesses = 0;
  for (int i = 0; i < 5; ++i) {
    const std::string guess = right == "000000" ? "111111" : "000000";
    ExpectProblem(SecondStep(api(), token, "code", guess), 401, "invalid_mfa_code");
    ++guesses;
  }
  // Five wrong codes: the token died, and the next attempt from here waits, even the password.
  ExpectProblem(SecondStep(api(), token, "code", right), 401, "invalid_mfa_code");
  auto next = api().Send("POST", "/v1/sessions",
                         json::object{{"username", a.username}, {"password", a.password}});
  ExpectProblem(next, 429, "too_many_attempts");
  EXPECT_FALSE(next["Retry-After"].empty());
  EXPECT_EQ(guesses, 5);
}

TEST_F(MfaTest, DisablingNeedsASessionThatProvedTheCode) {
  Account a = NewUser(api(), "disable");
  const auto app = Enroll(api(), a);
  // The session that enrolled proved only the password.
  ExpectProblem(api().Send("DELETE", "/v1/users/me/mfa/totp",
                           json::object{{"password", a.password}}, a.access),
                401, "reauthentication_required");
  ASSERT_EQ(LogInWithCode(api(), a, app).result_int(), 200U);
  ExpectProblem(api().Send("DELETE", "/v1/users/me/mfa/totp",
                           json::object{{"password", kOtherPassword}}, a.access),
                401, "invalid_credentials");
  ExpectValidation(api().Send("DELETE", "/v1/users/me/mfa/totp", json::object{}, a.access), "code",
                   "required");
  auto off = api().Send("DELETE", "/v1/users/me/mfa/totp", json::object{{"password", a.password}},
                        a.access);
  ASSERT_EQ(off.result_int(), 204U) << off.body();
  EXPECT_FALSE(MfaEnabled(api(), a));
  auto plain = LogIn(api(), a);
  EXPECT_FALSE(JsonObject(plain).contains("mfa_required"));
}

TEST_F(MfaTest, SecretsAndCodesNeverShowInTheAuditFeedOrTheLog) {
  Account a = NewUser(api(), "secretive");
  const auto app = Enroll(api(), a);
  ASSERT_EQ(SecondStep(api(), PasswordStep(api(), a), "recovery_code", app.recovery_codes[3])
                .result_int(),
            200U);
  Account admin = Admin(api(), server());
  auto audit = api().Get("/v1/audit/events?limit=1000&user=" + a.id, admin.access);
  ASSERT_EQ(audit.result_int(), 200U) << audit.body();
  std::set<std::string> types;
  const auto events = JsonObject(audit);
  for (const auto& e : events.at("items").as_array())
    types.insert(std::string(e.at("type").as_string()));
  EXPECT_TRUE(types.contains("user.mfa_enrolled"));
  EXPECT_TRUE(types.contains("user.recovery_code_used"));
  ExpectNoEcho(audit, app.secret_b32);
  const std::string log = server().Log();
  EXPECT_EQ(log.find(app.secret_b32), std::string::npos);
  for (const auto& code : app.recovery_codes) {
    ExpectNoEcho(audit, code);
    EXPECT_EQ(log.find(code), std::string::npos);
  }
}

// Sensitive operations need a recent sign-in: a short window makes "not recent" quick.
class StepUpTest : public ServerSuite<StepUpTest> {
 public:
  // Two seconds: auth_time has whole seconds, so one would be flaky right after a login.
  static ServerSpec Spec() { return {.flags = {"--reauth-window", "2"}}; }
};

TEST_F(StepUpTest, StaleSessionsMustSignInAgainForSensitiveOperations) {
  Account a = NewUser(api(), "stale");
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  ExpectProblem(
      api().Send("PUT", "/v1/users/me/password",
                 json::object{{"current_password", a.password}, {"new_password", kOtherPassword}},
                 a.access),
      401, "reauthentication_required");
  ExpectProblem(
      api().Send("DELETE", "/v1/users/me", json::object{{"password", a.password}}, a.access), 401,
      "reauthentication_required");
  ExpectProblem(
      api().Send("DELETE", "/v1/users/" + a.id, json::object{{"password", a.password}}, a.access),
      401, "reauthentication_required");
  ExpectProblem(api().Send("POST", "/v1/users/me/mfa/totp/confirm",
                           json::object{{"code", "123456"}}, a.access),
                401, "reauthentication_required");
  // Refreshing does not make a session fresh; signing in again does.
  auto refreshed =
      api().Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", a.refresh}});
  ASSERT_EQ(refreshed.result_int(), 200U);
  ExpectProblem(api().Send("DELETE", "/v1/users/me", json::object{{"password", a.password}},
                           Str(JsonObject(refreshed), "access_token")),
                401, "reauthentication_required");
  LogIn(api(), a);
  EXPECT_EQ(api()
                .Send("DELETE", "/v1/users/me", json::object{{"password", a.password}}, a.access)
                .result_int(),
            204U);
}

// --require-admin-mfa: admin powers only for sessions that proved a second factor.
class AdminMfaPolicyTest : public ServerSuite<AdminMfaPolicyTest> {
 public:
  static ServerSpec Spec() {
    return {.with_admin = true, .flags = {"--require-admin-mfa", "true"}};
  }
};

TEST_F(AdminMfaPolicyTest, AdminsWithoutASecondFactorGetMfaRequired) {
  Account admin = Admin(api(), server());
  ExpectProblem(api().Get("/v1/users", admin.access), 403, "mfa_required");
  ExpectProblem(api().Get("/v1/audit/events", admin.access), 403, "mfa_required");
  // Everything else still works, including enrolling.
  EXPECT_EQ(api().Get("/v1/users/me", admin.access).result_int(), 200U);
  const auto app = Enroll(api(), admin);
  ExpectProblem(api().Get("/v1/users", admin.access), 403, "mfa_required");
  ASSERT_EQ(LogInWithCode(api(), admin, app).result_int(), 200U);
  EXPECT_EQ(api().Get("/v1/users", admin.access).result_int(), 200U);
  // Plain users are not affected, and still get plain 403s.
  Account u = NewUser(api(), "plain");
  ExpectProblem(api().Get("/v1/users", u.access), 403, "forbidden");
  EXPECT_EQ(api().Get("/v1/users/me", u.access).result_int(), 200U);
}

}  // namespace
}  // namespace authd::test
