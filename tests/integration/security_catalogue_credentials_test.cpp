// Security catalogue, credentials (OWASP ASVS 4.0.3 V2 and V7): password rules, credential
// storage and what is never echoed. Black-box: a real `authd serve` over loopback. Every case
// names its ASVS requirement; docs/SECURITY.md lists them all.
#include <gtest/gtest.h>

#include "tests/integration/security_catalogue.hpp"

namespace authd::test {
namespace {

class SecCredentials : public ServerSuite<SecCredentials> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }

 protected:
  static ClientResponse SignUpWith(const std::string& name, const std::string& password) {
    return api().Send("POST", "/v1/users", SignupBody(name, name + "@example.com", password));
  }
  static ClientResponse LogInWith(const std::string& name, const std::string& password) {
    return api().Send("POST", "/v1/sessions",
                      json::object{{"username", name}, {"password", password}});
  }
};

// ASVS V2.1.1: passwords shorter than 12 characters are refused.
TEST_F(SecCredentials, V2_1_1_ShortPasswordIsRefused) {
  const std::string name = NewName("cred");
  auto res = SignUpWith(name, "plum ink 4x");  // 11 characters
  ExpectValidation(res, "password", "too_short");
  ExpectNoEcho(res, "plum ink 4x");
}

// ASVS V2.1.2: passwords of at least 64 characters are allowed, and more than 128 are refused.
TEST_F(SecCredentials, V2_1_2_LongPasswordsAreAllowedUpTo128) {
  std::string long_password;
  for (int i = 0; long_password.size() < 128; ++i)
    long_password += "quartz meadow ";
  long_password.resize(128);
  EXPECT_EQ(SignUpWith(NewName("cred"), long_password.substr(0, 64)).result_int(), 201U);
  EXPECT_EQ(SignUpWith(NewName("cred"), long_password).result_int(), 201U);
  ExpectValidation(SignUpWith(NewName("cred"), long_password + "q"), "password", "too_long");
}

// ASVS V2.1.3: the whole password counts (no truncation, e.g. at bcrypt's 72 bytes).
TEST_F(SecCredentials, V2_1_3_PasswordIsNotTruncated) {
  const std::string name = NewName("cred");
  const std::string password = std::string(80, 'k') + " final words 93";
  ASSERT_EQ(SignUpWith(name, password).result_int(), 201U);
  ExpectProblem(LogInWith(name, password.substr(0, 72)), 401, "invalid_credentials");
  ExpectProblem(LogInWith(name, password.substr(0, password.size() - 1)), 401,
                "invalid_credentials");
  EXPECT_EQ(LogInWith(name, password).result_int(), 200U);
}

// ASVS V2.1.4: any printable Unicode character, spaces and emoji included, is allowed.
TEST_F(SecCredentials, V2_1_4_UnicodePasswordsWork) {
  const std::string name = NewName("cred");
  const std::string password = "ünïcödé 密码 ☃ 🦊 pass phrase";
  auto res = SignUpWith(name, password);
  ASSERT_EQ(res.result_int(), 201U) << res.body();
  EXPECT_EQ(LogInWith(name, password).result_int(), 200U);
}

// ASVS V2.1.9: no composition rules (no required upper case, digit or symbol).
TEST_F(SecCredentials, V2_1_9_NoCompositionRules) {
  auto res = SignUpWith(NewName("cred"), "lowercase words only here");
  EXPECT_EQ(res.result_int(), 201U) << res.body();
}

// ASVS V2.1.7: passwords from the breached/common list are refused.
TEST_F(SecCredentials, V2_1_7_BreachedPasswordIsRefused) {
  auto res = SignUpWith(NewName("cred"), "password1234");
  ExpectValidation(res, "password", "common_password");
  ExpectNoEcho(res, "password1234");
}

// ASVS V2.1.7 (context-specific words, NIST 800-63B 5.1.1.2): the username is not a password.
TEST_F(SecCredentials, V2_1_7_PasswordContainingTheUsernameIsRefused) {
  const std::string name = NewName("cred");
  ExpectValidation(SignUpWith(name, "my name is " + name + " ok"), "password", "contains_username");
}

// ASVS V2.1.5 and V2.1.6: a user can change the password, only by giving the current one.
TEST_F(SecCredentials, V2_1_6_PasswordChangeNeedsTheCurrentPassword) {
  Account a = NewUser(api(), "cred");
  auto wrong = api().Send("PUT", "/v1/users/me/password",
                          json::object{{"current_password", kOtherPassword},
                                       {"new_password", "fresh lantern code 5511"}},
                          a.access);
  ExpectProblem(wrong, 401, "invalid_credentials");
  auto right = api().Send(
      "PUT", "/v1/users/me/password",
      json::object{{"current_password", a.password}, {"new_password", "fresh lantern code 5511"}},
      a.access);
  EXPECT_EQ(right.result_int(), 204U) << right.body();
  ExpectProblem(LogInWith(a.username, a.password), 401, "invalid_credentials");
  EXPECT_EQ(LogInWith(a.username, "fresh lantern code 5511").result_int(), 200U);
}

// ASVS V2.1.7 on change too: a new password is checked by the same rules.
TEST_F(SecCredentials, V2_1_7_NewPasswordFollowsTheRules) {
  Account a = NewUser(api(), "cred");
  auto res = api().Send(
      "PUT", "/v1/users/me/password",
      json::object{{"current_password", a.password}, {"new_password", "password1234"}}, a.access);
  ExpectValidation(res, "new_password", "common_password");
}

// ASVS V2.4.1: no response ever carries a password or its hash.
TEST_F(SecCredentials, V2_4_1_NoPasswordOrHashInResponses) {
  Account a = SignUp(api(), "cred");
  auto login = LogIn(api(), a);
  auto me = api().Get("/v1/users/me", a.access);
  for (const auto* res : {&login, &me}) {
    EXPECT_EQ(res->body().find("argon2"), std::string::npos) << res->body();
    EXPECT_EQ(res->body().find("password"), std::string::npos) << res->body();
    ExpectNoEcho(*res, a.password);
  }
}

// ASVS V7.1.1: passwords never reach the server's log, not even failed ones.
TEST_F(SecCredentials, V7_1_1_PasswordsNeverReachTheLog) {
  const std::string name = NewName("cred");
  const std::string password = "secret harbor melody 6627";
  ASSERT_EQ(SignUpWith(name, password).result_int(), 201U);
  EXPECT_EQ(LogInWith(name, password).result_int(), 200U);
  EXPECT_EQ(LogInWith(name, "wrong harbor melody 6628").result_int(), 401U);
  // A password typed into the username field is not logged either.
  EXPECT_EQ(LogInWith("typed harbor melody 6629", password).result_int(), 401U);
  const std::string log = server().Log();
  for (const char* secret :
       {"secret harbor melody", "wrong harbor melody", "typed harbor melody"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret;
  }
}

// ASVS V7.4.1 (generic failures; also avoids account enumeration): unknown user, wrong password
// and deleted user get the same answer.
TEST_F(SecCredentials, V7_4_1_LoginFailuresAreIndistinguishable) {
  Account admin = Admin(api(), server());
  Account wrong = SignUp(api(), "cred");
  Account gone = SignUp(api(), "cred");
  ASSERT_EQ(api().Get("/v1/users/" + gone.id, admin.access, "DELETE").result_int(), 204U);
  auto a = LogInWith(wrong.username, kOtherPassword);
  auto b = LogInWith(NewName("nobody"), kPassword);
  auto c = LogInWith(gone.username, kPassword);
  for (const auto* res : {&a, &b, &c})
    ExpectProblem(*res, 401, "invalid_credentials");
  EXPECT_EQ(JsonObject(a).at("detail"), JsonObject(b).at("detail"));
  EXPECT_EQ(JsonObject(a).at("detail"), JsonObject(c).at("detail"));
}

// ASVS V3.7.1: deleting one's own account needs the password again.
TEST_F(SecCredentials, V3_7_1_SelfDeleteNeedsThePassword) {
  Account a = NewUser(api(), "cred");
  auto wrong =
      api().Send("DELETE", "/v1/users/me", json::object{{"password", kOtherPassword}}, a.access);
  ExpectProblem(wrong, 401, "invalid_credentials");
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);
}

// ASVS V5.1.3 (allow list): reserved names cannot be taken by signup.
TEST_F(SecCredentials, V5_1_3_ReservedUsernamesCannotBeTaken) {
  for (const char* name : {"root", "security", "Admin"}) {
    auto res = api().Send("POST", "/v1/users",
                          SignupBody(name, NewName("resv") + "@example.com", kPassword));
    EXPECT_EQ(res.result_int(), 422U) << name << ": " << res.body();
  }
}

// ASVS V2.2.1 / V7.4.1: a disabled account is told so only after the right password, so the
// state of an account cannot be probed without its password.
TEST_F(SecCredentials, V7_4_1_DisabledAccountIsRevealedOnlyToItsOwner) {
  Account admin = Admin(api(), server());
  Account a = SignUp(api(), "cred");
  ASSERT_EQ(api()
                .Send("PATCH", "/v1/users/" + a.id, json::object{{"disabled", true}}, admin.access)
                .result_int(),
            200U);
  ExpectProblem(LogInWith(a.username, kOtherPassword), 401, "invalid_credentials");
  ExpectProblem(LogInWith(a.username, a.password), 403, "account_disabled");
}

}  // namespace
}  // namespace authd::test
