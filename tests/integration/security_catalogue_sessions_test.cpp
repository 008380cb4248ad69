// Security catalogue, sessions (OWASP ASVS 4.0.3 V3.3, V3.5, V4.2): logout, revocation, refresh
// token rotation, timeouts, and the end of sessions when an account changes.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/security_catalogue.hpp"

namespace authd::test {
namespace {

ClientResponse Refresh(const Api& api, const std::string& token) {
  return api.Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", token}});
}

class SecSessions : public ServerSuite<SecSessions> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }
};

// ASVS V3.3.1: logout ends the session: its access and refresh tokens stop working at once.
TEST_F(SecSessions, V3_3_1_LogoutKillsBothTokens) {
  Account a = NewUser(api(), "ses");
  ASSERT_EQ(api().Get("/v1/sessions/current", a.access, "DELETE").result_int(), 204U);
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 401U);
  ExpectProblem(Refresh(api(), a.refresh), 401, "invalid_refresh_token");
}

// ASVS V3.3.4: a user sees their active sessions and can end any of them.
TEST_F(SecSessions, V3_3_4_UserListsAndEndsOwnSessions) {
  Account phone = NewUser(api(), "ses");
  Account laptop = phone;
  LogIn(api(), laptop);
  auto list = api().Get("/v1/sessions", laptop.access);
  ASSERT_EQ(list.result_int(), 200U);
  EXPECT_EQ(JsonObject(list).at("items").as_array().size(), 2U);
  EXPECT_EQ(api().Get("/v1/sessions/" + phone.session_id, laptop.access, "DELETE").result_int(),
            204U);
  EXPECT_EQ(api().Get("/v1/users/me", phone.access).result_int(), 401U);
  EXPECT_EQ(api().Get("/v1/users/me", laptop.access).result_int(), 200U);
}

// ASVS V4.2.1 (IDOR): another user's session can neither be seen nor ended.
TEST_F(SecSessions, V4_2_1_OthersSessionsAreNotFound) {
  Account a = NewUser(api(), "ses");
  Account b = NewUser(api(), "ses");
  auto res = api().Get("/v1/sessions/" + b.session_id, a.access, "DELETE");
  ExpectProblem(res, 404, "not_found");
  EXPECT_EQ(api().Get("/v1/users/me", b.access).result_int(), 200U);
  auto list = api().Get("/v1/sessions", a.access);
  EXPECT_EQ(list.body().find(b.session_id), std::string::npos);
}

// ASVS V3.5.1/V3.3.1 (refresh token rotation, RFC 9700 4.14): a refresh token works once; using
// a rotated one again ends the whole session, also for the thief's fresh token.
TEST_F(SecSessions, V3_3_1_RefreshTokenReuseEndsTheSession) {
  Account a = NewUser(api(), "ses");
  auto first = Refresh(api(), a.refresh);
  ASSERT_EQ(first.result_int(), 200U) << first.body();
  const std::string next = Str(JsonObject(first), "refresh_token");
  const std::string access = Str(JsonObject(first), "access_token");
  ExpectProblem(Refresh(api(), a.refresh), 401, "refresh_token_reused");
  EXPECT_EQ(Refresh(api(), next).result_int(), 401U);
  EXPECT_EQ(api().Get("/v1/users/me", access).result_int(), 401U);
}

// ASVS V3.5.3: a made-up, empty or altered refresh token is refused.
TEST_F(SecSessions, V3_5_3_ForgedRefreshTokenIsRefused) {
  Account a = NewUser(api(), "ses");
  std::string altered = a.refresh;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  for (const std::string& token :
       {"rt_" + std::string(43, 'A'), std::string(), altered, a.refresh + "A", a.access}) {
    ExpectProblem(Refresh(api(), token), 401, "invalid_refresh_token");
  }
  EXPECT_EQ(Refresh(api(), a.refresh).result_int(), 200U);  // the real one was not burnt
}

// ASVS V3.3.3: a password change ends every other session.
TEST_F(SecSessions, V3_3_3_PasswordChangeEndsOtherSessions) {
  Account a = NewUser(api(), "ses");
  Account other = a;
  LogIn(api(), other);
  auto res = api().Send(
      "PUT", "/v1/users/me/password",
      json::object{{"current_password", a.password}, {"new_password", kOtherPassword}}, a.access);
  ASSERT_EQ(res.result_int(), 204U) << res.body();
  EXPECT_EQ(api().Get("/v1/users/me", other.access).result_int(), 401U);
  EXPECT_EQ(Refresh(api(), other.refresh).result_int(), 401U);
}

// ASVS V3.3.1: disabling or deleting an account ends its sessions on the next request.
TEST_F(SecSessions, V3_3_1_DisabledAndDeletedUsersLoseTheirSessions) {
  Account admin = Admin(api(), server());
  Account off = NewUser(api(), "ses");
  Account gone = NewUser(api(), "ses");
  ASSERT_EQ(
      api()
          .Send("PATCH", "/v1/users/" + off.id, json::object{{"disabled", true}}, admin.access)
          .result_int(),
      200U);
  ASSERT_EQ(api().Get("/v1/users/" + gone.id, admin.access, "DELETE").result_int(), 204U);
  for (const Account* a : {&off, &gone}) {
    EXPECT_EQ(api().Get("/v1/users/me", a->access).result_int(), 401U) << a->username;
    EXPECT_EQ(Refresh(api(), a->refresh).result_int(), 401U) << a->username;
  }
}

// A server whose access tokens live 1 s and whose sessions die after 2 idle seconds.
class SecShortLived : public ServerSuite<SecShortLived> {
 public:
  static ServerSpec Spec() { return {.flags = {"--access-ttl", "1", "--session-idle", "2"}}; }
};

// ASVS V3.5.3 (exp) and V3.3.2 (idle timeout): an expired access token is refused with
// token_expired, and a session left idle past its limit cannot be refreshed.
TEST_F(SecShortLived, V3_3_2_ExpiredTokensAndIdleSessionsAreRefused) {
  Account a = NewUser(api(), "idle");
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  ExpectProblem(api().Get("/v1/users/me", a.access), 401, "token_expired");
  ExpectProblem(Refresh(api(), a.refresh), 401, "invalid_refresh_token");
}

}  // namespace
}  // namespace authd::test
