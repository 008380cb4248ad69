// Helpers for the MFA tests: enroll a user's authenticator, finish logins with a code.
#pragma once

#include <gtest/gtest.h>

#include "tests/integration/api_client.hpp"
#include "tests/integration/totp_client.hpp"

namespace authd::test {

struct Authenticator {
  std::string key;  // the decoded secret
  std::string secret_b32;
  std::vector<std::string> recovery_codes;
};

// Enrolls `a` (logged in) and confirms with the PREVIOUS step's code, so the current step's code
// is still unused for the next login (each step is accepted once).
inline Authenticator Enroll(const Api& api, const Account& a) {
  Authenticator out;
  auto begun = api.Send("POST", "/v1/users/me/mfa/totp", json::object{}, a.access);
  EXPECT_EQ(begun.result_int(), 200U) << begun.body();
  if (begun.result_int() != 200) return out;
  const auto body = JsonObject(begun);
  out.secret_b32 = Str(body, "secret");
  const auto uri = ParseOtpauth(Str(body, "otpauth_uri"));
  EXPECT_TRUE(uri.has_value());
  if (!uri) return out;
  out.key = Base32Decode(uri->params.at("secret")).value_or("");
  WaitForFreshStep();
  auto confirmed = api.Send("POST", "/v1/users/me/mfa/totp/confirm",
                            json::object{{"code", TotpAt(out.key, CurrentStep() - 1)}}, a.access);
  EXPECT_EQ(confirmed.result_int(), 200U) << confirmed.body();
  if (confirmed.result_int() != 200) return out;
  const auto confirmed_body = JsonObject(confirmed);
  for (const auto& c : confirmed_body.at("recovery_codes").as_array())
    out.recovery_codes.emplace_back(c.as_string());
  return out;
}

// The password step of a login for a user with MFA on: the mfa_token (asserting the answer).
inline std::string PasswordStep(const Api& api, const Account& a) {
  auto res = api.Send("POST", "/v1/sessions",
                      json::object{{"username", a.username}, {"password", a.password}});
  EXPECT_EQ(res.result_int(), 200U) << res.body();
  if (res.result_int() != 200) return {};
  const auto body = JsonObject(res);
  EXPECT_TRUE(body.contains("mfa_required") && body.at("mfa_required").as_bool()) << res.body();
  EXPECT_FALSE(body.contains("access_token"));
  return body.contains("mfa_token") ? Str(body, "mfa_token") : std::string();
}

inline ClientResponse SecondStep(const Api& api, const std::string& mfa_token,
                                 std::string_view field, const std::string& code) {
  return api.Send("POST", "/v1/sessions/mfa",
                  json::object{{"mfa_token", mfa_token}, {field, code}});
}

// Both steps with the current TOTP code; stores the tokens in `a`.
inline ClientResponse LogInWithCode(const Api& api, Account& a, const Authenticator& app) {
  const auto token = PasswordStep(api, a);
  auto res = SecondStep(api, token, "code", TotpAt(app.key, CurrentStep()));
  if (res.result_int() == 200) {
    const auto body = JsonObject(res);
    a.access = Str(body, "access_token");
    a.refresh = Str(body, "refresh_token");
    a.session_id = Str(body, "session_id");
  }
  return res;
}

}  // namespace authd::test
