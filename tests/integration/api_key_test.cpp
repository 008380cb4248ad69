// Black-box tests of API keys against a real `authd serve`: the lifecycle (create, use, list,
// rotate, revoke), scopes on every kind of endpoint, keys dying with their user, and the secret
// never shown again after creation.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/integration/api_client.hpp"
#include "tests/integration/process.hpp"

namespace authd::test {
namespace {

class ApiKeyTest : public ServerSuite<ApiKeyTest> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }
};

ClientResponse CreateKey(const Api& api, const Account& owner, json::array scopes,
                         std::string name = "ci") {
  return api.Send("POST", "/v1/api-keys",
                  json::object{{"name", std::move(name)}, {"scopes", std::move(scopes)}},
                  owner.access);
}

// Creates a key (asserting 201) and returns {id, secret}.
std::pair<std::string, std::string> NewKey(const Api& api, const Account& owner,
                                           json::array scopes) {
  auto res = CreateKey(api, owner, std::move(scopes));
  EXPECT_EQ(res.result_int(), 201U) << res.body();
  auto body = JsonObject(res);
  return {Str(body, "id"), Str(body, "key")};
}

TEST_F(ApiKeyTest, KeyIsShownOnceAndWorksUntilRotatedOrRevoked) {
  Account a = NewUser(api(), "keyowner");
  auto created = CreateKey(api(), a, json::array{"profile:read"});
  ASSERT_EQ(created.result_int(), 201U) << created.body();
  ExpectSecurityHeaders(created);
  auto body = JsonObject(created);
  const std::string id = Str(body, "id");
  const std::string secret = Str(body, "key");
  EXPECT_EQ(secret.rfind("ak_", 0), 0U);
  EXPECT_EQ(secret.size(), 46U);
  EXPECT_EQ(created["Location"], "/v1/api-keys/" + id);

  auto me = api().Get("/v1/users/me", secret);
  ASSERT_EQ(me.result_int(), 200U) << me.body();
  EXPECT_EQ(Str(JsonObject(me), "id"), a.id);

  auto list = api().Get("/v1/api-keys", a.access);
  ASSERT_EQ(list.result_int(), 200U) << list.body();
  ExpectNoEcho(list, secret);
  const auto listed = JsonObject(list);
  const auto& items = listed.at("items").as_array();
  ASSERT_EQ(items.size(), 1U);
  EXPECT_EQ(Str(items[0].as_object(), "id"), id);
  EXPECT_FALSE(items[0].as_object().contains("key"));
  EXPECT_TRUE(IsRfc3339Utc(Str(items[0].as_object(), "last_used_at")));

  auto rotated = api().Send("POST", "/v1/api-keys/" + id + "/rotate", json::object{}, a.access);
  ASSERT_EQ(rotated.result_int(), 201U) << rotated.body();
  const std::string fresh = Str(JsonObject(rotated), "key");
  EXPECT_NE(fresh, secret);
  ExpectProblem(api().Get("/v1/users/me", secret), 401, "invalid_token");
  EXPECT_EQ(api().Get("/v1/users/me", fresh).result_int(), 200U);

  EXPECT_EQ(api().Get("/v1/api-keys/" + id, a.access, "DELETE").result_int(), 204U);
  ExpectProblem(api().Get("/v1/users/me", fresh), 401, "invalid_token");
  ExpectProblem(api().Get("/v1/api-keys/" + id, a.access, "DELETE"), 404, "not_found");
}

TEST_F(ApiKeyTest, ScopesAreEnforcedOnEveryKindOfEndpoint) {
  Account a = NewUser(api(), "scoped");
  auto [id, reader] = NewKey(api(), a, json::array{"profile:read"});
  EXPECT_EQ(api().Get("/v1/users/me", reader).result_int(), 200U);
  auto patch = api().Send("PATCH", "/v1/users/me", json::object{{"display_name", "x"}}, reader);
  ExpectProblem(patch, 403, "forbidden");
  EXPECT_NE(patch["WWW-Authenticate"].find("insufficient_scope"), std::string::npos);
  ExpectProblem(api().Get("/v1/sessions", reader), 403, "forbidden");
  // Never with a key, whatever its scopes: password-guarded actions and key management.
  auto [id2, writer] = NewKey(api(), a, json::array{"profile:read", "profile:write"});
  ExpectProblem(api().Send("DELETE", "/v1/users/me", json::object{{"password", kPassword}}, writer),
                403, "forbidden");
  ExpectProblem(
      api().Send("PUT", "/v1/users/me/password",
                 json::object{{"current_password", kPassword}, {"new_password", kOtherPassword}},
                 writer),
      403, "forbidden");
  ExpectProblem(CreateKey(api(), Account{.access = writer}, json::array{"profile:read"}), 403,
                "forbidden");
  ExpectProblem(api().Get("/v1/api-keys", writer), 403, "forbidden");
  EXPECT_EQ(
      api().Send("PATCH", "/v1/users/me", json::object{{"display_name", "x"}}, writer).result_int(),
      200U);
  // The account is intact: the password still works.
  EXPECT_EQ(LogIn(api(), a).result_int(), 200U);
}

TEST_F(ApiKeyTest, AKeyCannotExceedItsUsersRoles) {
  Account plain = NewUser(api(), "plainkey");
  auto [id, key] = NewKey(api(), plain, json::array{"users:read", "roles:write"});
  ExpectProblem(api().Get("/v1/users", key), 403, "forbidden");
  ExpectProblem(api().Send("PUT", "/v1/users/" + plain.id + "/roles",
                           json::object{{"roles", json::array{"admin"}}}, key),
                403, "forbidden");

  Account admin = Admin(api(), server());
  auto [aid, admin_key] = NewKey(api(), admin, json::array{"users:read"});
  EXPECT_EQ(api().Get("/v1/users", admin_key).result_int(), 200U);
  ExpectProblem(api().Send("PUT", "/v1/users/" + plain.id + "/roles",
                           json::object{{"roles", json::array{"auditor"}}}, admin_key),
                403, "forbidden");
  EXPECT_EQ(Roles(JsonObject(api().Get("/v1/users/me", plain.access))), R"(["user"])");
}

TEST_F(ApiKeyTest, KeysDieWithTheirUser) {
  Account doomed = NewUser(api(), "doomed");
  auto [id, key] = NewKey(api(), doomed, json::array{"profile:read"});
  ASSERT_EQ(api().Get("/v1/users/me", key).result_int(), 200U);
  Account admin = Admin(api(), server());
  ASSERT_EQ(api().Get("/v1/users/" + doomed.id, admin.access, "DELETE").result_int(), 204U);
  ExpectProblem(api().Get("/v1/users/me", key), 401, "invalid_token");
}

TEST_F(ApiKeyTest, OthersKeysAreNotFound) {
  Account a = NewUser(api(), "keya");
  Account b = NewUser(api(), "keyb");
  auto [id, key] = NewKey(api(), a, json::array{"profile:read"});
  ExpectProblem(api().Get("/v1/api-keys/" + id, b.access, "DELETE"), 404, "not_found");
  ExpectProblem(api().Send("POST", "/v1/api-keys/" + id + "/rotate", json::object{}, b.access), 404,
                "not_found");
  EXPECT_EQ(api().Get("/v1/users/me", key).result_int(), 200U);
}

TEST_F(ApiKeyTest, BadRequestsAreRefusedAndCreateNothing) {
  Account a = NewUser(api(), "badkeys");
  ExpectValidation(CreateKey(api(), a, json::array{"profile:read", "root"}), "scopes",
                   "unknown_scope");
  ExpectValidation(CreateKey(api(), a, json::array{}), "scopes", "required");
  ExpectValidation(CreateKey(api(), a, json::array{"profile:read"}, ""), "name", "invalid");
  ExpectValidation(CreateKey(api(), a, json::array{"profile:read"}, "bell\x07"), "name", "invalid");
  ExpectValidation(
      api().Send("POST", "/v1/api-keys",
                 json::object{
                     {"name", "short"}, {"scopes", json::array{"profile:read"}}, {"expires_in", 5}},
                 a.access),
      "expires_in", "out_of_range");
  ExpectProblem(CreateKey(api(), Account{}, json::array{"profile:read"}), 401, "invalid_token");
  auto list = api().Get("/v1/api-keys", a.access);
  EXPECT_EQ(JsonObject(list).at("items").as_array().size(), 0U) << list.body();
}

TEST_F(ApiKeyTest, GuessedAndMalformedKeysAreRefused) {
  const std::vector<std::string> guesses = {"ak_", "ak_short", "ak_" + std::string(43, 'A'),
                                            "ak_" + std::string(500, 'A'),
                                            "ak_" + std::string(43, '=')};
  for (const auto& bad : guesses) {
    ExpectProblem(api().Get("/v1/users/me", bad), 401, "invalid_token");
  }
}

TEST_F(ApiKeyTest, TheSecretNeverReachesTheLog) {
  Account a = NewUser(api(), "logged");
  auto [id, key] = NewKey(api(), a, json::array{"profile:read"});
  ASSERT_EQ(api().Get("/v1/users/me", key).result_int(), 200U);
  auto log = RunProcess({AuthdBinary(), "log", "--data", server().data_dir()});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_NE(log.out.find("apikey.created"), std::string::npos);
  EXPECT_EQ(log.out.find(key), std::string::npos);
  EXPECT_EQ(log.out.find(key.substr(3)), std::string::npos);
}

// A 2-second step-up window, so the test can outwait it (auth_time has whole seconds, so 1 would
// be flaky right after a login).
class ApiKeyStepUpTest : public ServerSuite<ApiKeyStepUpTest> {
 public:
  static ServerSpec Spec() { return {.flags = {"--reauth-window", "2"}}; }
};

TEST_F(ApiKeyStepUpTest, CreatingAKeyNeedsARecentPassword) {
  Account a = NewUser(api(), "stepup");
  std::this_thread::sleep_for(std::chrono::milliseconds(3100));
  ExpectProblem(CreateKey(api(), a, json::array{"profile:read"}), 401, "reauthentication_required");
  // A refresh is not a password: the session's auth_time stays where it was.
  auto refreshed =
      api().Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", a.refresh}});
  ASSERT_EQ(refreshed.result_int(), 200U) << refreshed.body();
  a.access = Str(JsonObject(refreshed), "access_token");
  ExpectProblem(CreateKey(api(), a, json::array{"profile:read"}), 401, "reauthentication_required");
  ASSERT_EQ(LogIn(api(), a).result_int(), 200U);
  EXPECT_EQ(CreateKey(api(), a, json::array{"profile:read"}).result_int(), 201U);
}

}  // namespace
}  // namespace authd::test
