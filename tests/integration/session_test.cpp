// Black-box tests of API.md against a real `authd serve`: refresh-token rotation and reuse
// detection, listing and revoking sessions, logout, and the idle timeout.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

class SessionApiTest : public ServerSuite<SessionApiTest> {
 public:
  static ServerSpec Spec() { return {}; }
};

ClientResponse Refresh(const Api& api, const std::string& token) {
  return api.Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", token}});
}

// A second login of the same account: a second session.
Account SecondSession(const Api& api, const Account& a) {
  Account b = a;
  LogIn(api, b);
  EXPECT_NE(b.session_id, a.session_id);
  return b;
}

const json::object* FindSession(const json::object& list, const std::string& id) {
  for (const auto& item : list.at("items").as_array()) {
    if (Str(item.as_object(), "id") == id) return &item.as_object();
  }
  return nullptr;
}

// ---- Refresh --------------------------------------------------------------------------------

TEST_F(SessionApiTest, RefreshRotatesAndReuseKillsTheSession) {
  Account a = NewUser(api(), "rot");
  Account other = SecondSession(api(), a);

  auto first = Refresh(api(), a.refresh);
  ASSERT_EQ(first.result_int(), 200U) << first.body();
  EXPECT_EQ(first["Cache-Control"], "no-store");
  auto r1 = JsonObject(first);
  const std::string refresh2 = Str(r1, "refresh_token");
  const std::string access2 = Str(r1, "access_token");
  EXPECT_FALSE(refresh2.empty());
  EXPECT_NE(refresh2, a.refresh);
  EXPECT_FALSE(access2.empty());
  EXPECT_EQ(Str(r1, "token_type"), "Bearer");
  EXPECT_EQ(Str(r1, "session_id"), a.session_id);
  ASSERT_TRUE(r1.contains("user"));
  ExpectUserObject(r1.at("user"));
  EXPECT_EQ(api().Get("/v1/users/me", access2).result_int(), 200U);

  // The new refresh token works in turn.
  auto second = Refresh(api(), refresh2);
  ASSERT_EQ(second.result_int(), 200U) << second.body();
  const std::string refresh3 = Str(JsonObject(second), "refresh_token");
  const std::string access3 = Str(JsonObject(second), "access_token");

  // The first one is dead: presenting it again is reuse, and ends the whole session.
  auto reused = Refresh(api(), a.refresh);
  ExpectProblem(reused, 401, "refresh_token_reused");
  ExpectNoEcho(reused, a.refresh);
  EXPECT_EQ(api().Get("/v1/users/me", access3).result_int(), 401U);
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 401U);
  auto after = Refresh(api(), refresh3);
  EXPECT_EQ(after.result_int(), 401U) << after.body();

  // Only that session: the other one lives on.
  EXPECT_EQ(api().Get("/v1/users/me", other.access).result_int(), 200U);
  EXPECT_EQ(Refresh(api(), other.refresh).result_int(), 200U);
}

TEST_F(SessionApiTest, UnknownRefreshTokenIsRejected) {
  const std::string bogus = "this-is-not-a-refresh-token-abcdefghijkl";
  auto res = Refresh(api(), bogus);
  ExpectProblem(res, 401, "invalid_refresh_token");
  ExpectNoEcho(res, bogus);
  ExpectProblem(Refresh(api(), ""), 401, "invalid_refresh_token");
  ExpectProblem(Refresh(api(), std::string(300, 'a')), 401, "invalid_refresh_token");
  auto missing = api().Send("POST", "/v1/sessions/refresh", json::object{});
  ExpectProblem(missing, 422, "validation_failed");
}

// ---- Sessions -------------------------------------------------------------------------------

TEST_F(SessionApiTest, ListShowsOwnSessionsAndMarksTheCurrentOne) {
  Account a = NewUser(api(), "list");
  Account b = SecondSession(api(), a);
  Account stranger = NewUser(api(), "stranger");

  auto res = api().Get("/v1/sessions", a.access);
  ASSERT_EQ(res.result_int(), 200U) << res.body();
  EXPECT_EQ(res["Cache-Control"], "no-store");
  auto list = JsonObject(res);
  ASSERT_TRUE(list.contains("items") && list.at("items").is_array()) << res.body();
  EXPECT_EQ(list.at("items").as_array().size(), 2U) << res.body();
  const auto* mine = FindSession(list, a.session_id);
  const auto* other = FindSession(list, b.session_id);
  ASSERT_NE(mine, nullptr) << res.body();
  ASSERT_NE(other, nullptr) << res.body();
  EXPECT_EQ(FindSession(list, stranger.session_id), nullptr);
  EXPECT_EQ(mine->at("current"), true);
  EXPECT_EQ(other->at("current"), false);
  for (const auto* s : {mine, other}) {
    for (const char* key : {"id", "created_at", "last_seen_at", "ip", "user_agent"}) {
      EXPECT_TRUE(s->contains(key) && s->at(key).is_string()) << key << ": " << res.body();
    }
    EXPECT_TRUE(IsRfc3339Utc(Str(*s, "created_at")));
    EXPECT_TRUE(IsRfc3339Utc(Str(*s, "last_seen_at")));
    EXPECT_EQ(Str(*s, "ip"), "127.0.0.1");
  }

  // From the other session's point of view, that one is current.
  auto seen_by_b = JsonObject(api().Get("/v1/sessions", b.access));
  ASSERT_TRUE(seen_by_b.contains("items"));
  ASSERT_NE(FindSession(seen_by_b, b.session_id), nullptr);
  EXPECT_EQ(FindSession(seen_by_b, b.session_id)->at("current"), true);
  EXPECT_EQ(FindSession(seen_by_b, a.session_id)->at("current"), false);

  ExpectProblem(api().Get("/v1/sessions"), 401, "invalid_token");
}

TEST_F(SessionApiTest, RevokingAnotherOwnSessionEndsItAtOnce) {
  Account a = NewUser(api(), "revoke");
  Account b = SecondSession(api(), a);
  ASSERT_EQ(api().Get("/v1/users/me", b.access).result_int(), 200U);

  auto res = api().Get("/v1/sessions/" + b.session_id, a.access, "DELETE");
  EXPECT_EQ(res.result_int(), 204U) << res.body();
  EXPECT_TRUE(res.body().empty());
  ExpectProblem(api().Get("/v1/users/me", b.access), 401, "invalid_token");
  EXPECT_EQ(Refresh(api(), b.refresh).result_int(), 401U);
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);

  auto list = JsonObject(api().Get("/v1/sessions", a.access));
  ASSERT_TRUE(list.contains("items"));
  EXPECT_EQ(FindSession(list, b.session_id), nullptr);
  EXPECT_NE(FindSession(list, a.session_id), nullptr);

  // Revoking it again: it no longer exists.
  ExpectProblem(api().Get("/v1/sessions/" + b.session_id, a.access, "DELETE"), 404, "not_found");
}

TEST_F(SessionApiTest, SomeoneElsesSessionIsNotFound) {
  Account a = NewUser(api(), "nosy");
  Account victim = NewUser(api(), "victim");
  ExpectProblem(api().Get("/v1/sessions/" + victim.session_id, a.access, "DELETE"), 404,
                "not_found");
  ExpectProblem(api().Get("/v1/sessions/ses_doesnotexist", a.access, "DELETE"), 404, "not_found");
  EXPECT_EQ(api().Get("/v1/users/me", victim.access).result_int(), 200U);
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);
}

TEST_F(SessionApiTest, LogoutEndsTheCurrentSession) {
  Account a = NewUser(api(), "logout");
  Account b = SecondSession(api(), a);
  auto res = api().Get("/v1/sessions/current", a.access, "DELETE");
  EXPECT_EQ(res.result_int(), 204U) << res.body();
  ExpectProblem(api().Get("/v1/users/me", a.access), 401, "invalid_token");
  EXPECT_EQ(Refresh(api(), a.refresh).result_int(), 401U);
  EXPECT_EQ(api().Get("/v1/sessions/current", a.access, "DELETE").result_int(), 401U);
  // The other session is untouched.
  EXPECT_EQ(api().Get("/v1/users/me", b.access).result_int(), 200U);
}

// ---- Idle timeout ---------------------------------------------------------------------------

class SessionIdleTest : public ServerSuite<SessionIdleTest> {
 public:
  static ServerSpec Spec() { return {.flags = {"--session-idle", "1"}}; }
};

TEST_F(SessionIdleTest, IdleSessionCannotBeRefreshed) {
  Account a = NewUser(api(), "idle");
  // The idle timeout is wall-clock time in another process: waiting is the only way.
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  auto res = Refresh(api(), a.refresh);
  EXPECT_EQ(res.result_int(), 401U) << res.body();
  ExpectProblem(res, 401, "invalid_refresh_token");
  // A fresh login still works.
  EXPECT_EQ(LogIn(api(), a).result_int(), 200U);
  EXPECT_EQ(Refresh(api(), a.refresh).result_int(), 200U);
}

}  // namespace
}  // namespace authd::test
