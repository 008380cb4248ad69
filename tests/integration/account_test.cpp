// Black-box tests of API.md against a real `authd serve`: the caller's own account
// (GET/PATCH/DELETE /v1/users/me, PUT /v1/users/me/password).
#include <gtest/gtest.h>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

class AccountApiTest : public ServerSuite<AccountApiTest> {
 public:
  static ServerSpec Spec() { return {}; }
};

ClientResponse Login(const Api& api, const std::string& username, const std::string& password) {
  return api.Send("POST", "/v1/sessions",
                  json::object{{"username", username}, {"password", password}});
}

TEST_F(AccountApiTest, GetMeNeedsATokenAndShowsTheUser) {
  Account a = NewUser(api(), "me");
  auto res = api().Get("/v1/users/me", a.access);
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  EXPECT_EQ(res["Cache-Control"], "no-store");
  auto user = Json(res);
  ExpectUserObject(user);
  EXPECT_EQ(Str(user.as_object(), "id"), a.id);
  EXPECT_EQ(Str(user.as_object(), "username"), a.username);
  EXPECT_EQ(Str(user.as_object(), "email"), a.email);

  auto anonymous = api().Get("/v1/users/me");
  ExpectProblem(anonymous, 401, "invalid_token");
  EXPECT_EQ(anonymous["Cache-Control"], "no-store");
}

TEST_F(AccountApiTest, PatchMeChangesDisplayNameAndEmail) {
  Account a = NewUser(api(), "patch");
  Account b = SignUp(api(), "taken");

  auto named =
      api().Send("PATCH", "/v1/users/me", json::object{{"display_name", "Ada L."}}, a.access);
  ASSERT_EQ(named.result_int(), 200U) << named.body();
  ExpectUserObject(Json(named));
  EXPECT_EQ(Str(JsonObject(named), "display_name"), "Ada L.");
  EXPECT_EQ(Str(JsonObject(named), "email"), a.email);  // untouched
  EXPECT_EQ(Str(JsonObject(api().Get("/v1/users/me", a.access)), "display_name"), "Ada L.");

  ExpectProblem(api().Send("PATCH", "/v1/users/me", json::object{{"email", b.email}}, a.access),
                409, "email_taken");
  ExpectProblem(api().Send("PATCH", "/v1/users/me",
                           json::object{{"email", "TAKEN" + b.email.substr(5)}}, a.access),
                409, "email_taken");
  ExpectValidation(
      api().Send("PATCH", "/v1/users/me", json::object{{"email", "not an email"}}, a.access),
      "email", "invalid_format");
  ExpectProblem(api().Send("PATCH", "/v1/users/me", json::object{{"display_name", "x"}}), 401,
                "invalid_token");

  const std::string fresh = NewName("newmail") + "@example.com";
  auto moved = api().Send("PATCH", "/v1/users/me", json::object{{"email", fresh}}, a.access);
  ASSERT_EQ(moved.result_int(), 200U) << moved.body();
  EXPECT_EQ(Str(JsonObject(moved), "email"), fresh);
  EXPECT_EQ(JsonObject(moved).at("email_verified"), false);
  auto by_new_mail =
      api().Send("POST", "/v1/sessions", json::object{{"email", fresh}, {"password", a.password}});
  EXPECT_EQ(by_new_mail.result_int(), 200U) << by_new_mail.body();
  // The old address is free again.
  auto reuse = api().Send("POST", "/v1/users", SignupBody(NewName("reuse"), a.email, kPassword));
  EXPECT_EQ(reuse.result_int(), 201U) << reuse.body();
}

TEST_F(AccountApiTest, PasswordChangeChecksTheOldOneAndEndsOtherSessions) {
  Account a = NewUser(api(), "pwchange");
  Account other = a;
  LogIn(api(), other);

  auto wrong = api().Send("PUT", "/v1/users/me/password",
                          json::object{{"current_password", "not the password at all"},
                                       {"new_password", kOtherPassword}},
                          a.access);
  ExpectProblem(wrong, 401, "invalid_credentials");
  ExpectNoEcho(wrong, "not the password at all");
  ExpectNoEcho(wrong, kOtherPassword);

  auto weak = api().Send("PUT", "/v1/users/me/password",
                         json::object{{"current_password", a.password}, {"new_password", "short"}},
                         a.access);
  ExpectProblem(weak, 422, "validation_failed");
  ExpectNoEcho(weak, a.password);
  auto common = api().Send(
      "PUT", "/v1/users/me/password",
      json::object{{"current_password", a.password}, {"new_password", "password1234"}}, a.access);
  ExpectProblem(common, 422, "validation_failed");
  auto with_name = api().Send(
      "PUT", "/v1/users/me/password",
      json::object{{"current_password", a.password}, {"new_password", "x " + a.username + " y z"}},
      a.access);
  ExpectProblem(with_name, 422, "validation_failed");
  // Nothing changed so far.
  EXPECT_EQ(Login(api(), a.username, a.password).result_int(), 200U);
  EXPECT_EQ(api().Get("/v1/users/me", other.access).result_int(), 200U);

  auto changed = api().Send(
      "PUT", "/v1/users/me/password",
      json::object{{"current_password", a.password}, {"new_password", kOtherPassword}}, a.access);
  ASSERT_EQ(changed.result_int(), 204U) << changed.body();
  EXPECT_TRUE(changed.body().empty());

  ExpectProblem(Login(api(), a.username, a.password), 401, "invalid_credentials");
  EXPECT_EQ(Login(api(), a.username, kOtherPassword).result_int(), 200U);
  // Other sessions are revoked; the one that made the change keeps working.
  EXPECT_EQ(api().Get("/v1/users/me", other.access).result_int(), 401U);
  EXPECT_EQ(
      api()
          .Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", other.refresh}})
          .result_int(),
      401U);
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);
  EXPECT_EQ(api()
                .Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", a.refresh}})
                .result_int(),
            200U);

  ExpectProblem(
      api().Send("PUT", "/v1/users/me/password",
                 json::object{{"current_password", kOtherPassword}, {"new_password", kPassword}}),
      401, "invalid_token");
}

TEST_F(AccountApiTest, DeleteMeNeedsThePasswordAndFreesTheUsername) {
  Account a = NewUser(api(), "bye");

  auto wrong =
      api().Send("DELETE", "/v1/users/me", json::object{{"password", kOtherPassword}}, a.access);
  ExpectProblem(wrong, 401, "invalid_credentials");
  ExpectNoEcho(wrong, kOtherPassword);
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);
  ExpectProblem(api().Send("DELETE", "/v1/users/me", json::object{}, a.access), 422,
                "validation_failed");

  auto gone =
      api().Send("DELETE", "/v1/users/me", json::object{{"password", a.password}}, a.access);
  ASSERT_EQ(gone.result_int(), 204U) << gone.body();
  ExpectProblem(Login(api(), a.username, a.password), 401, "invalid_credentials");
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 401U);
  EXPECT_EQ(api()
                .Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", a.refresh}})
                .result_int(),
            401U);

  // The username can be taken again (by someone new, with a new id).
  auto again = api().Send("POST", "/v1/users",
                          SignupBody(a.username, NewName("again") + "@example.com", kPassword));
  ASSERT_EQ(again.result_int(), 201U) << again.body();
  EXPECT_NE(Str(JsonObject(again), "id"), a.id);
  EXPECT_EQ(Login(api(), a.username, kPassword).result_int(), 200U);
}

}  // namespace
}  // namespace authd::test
