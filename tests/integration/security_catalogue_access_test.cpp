// Security catalogue, access control (OWASP ASVS 4.0.3 V4, V5.1.2, V13.1): who may call what,
// privilege escalation, insecure direct object references and API key scopes.
#include <gtest/gtest.h>

#include "tests/integration/security_catalogue.hpp"

namespace authd::test {
namespace {

ClientResponse SetRoles(const Api& api, const std::string& id, json::array roles,
                        const std::string& token) {
  return api.Send("PUT", "/v1/users/" + id + "/roles", json::object{{"roles", std::move(roles)}},
                  token);
}

class SecAccess : public ServerSuite<SecAccess> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }

 protected:
  // An API key of `a` (logged in just now, so the recent-password rule holds) with `scopes`.
  static std::string KeyOf(const Account& a, json::array scopes) {
    auto res = api().Send("POST", "/v1/api-keys",
                          json::object{{"name", "k"}, {"scopes", std::move(scopes)}}, a.access);
    EXPECT_EQ(res.result_int(), 201U) << res.body();
    return Str(JsonObject(res), "key");
  }
};

// ASVS V4.1.1 (deny by default): every non-public endpoint needs authentication.
TEST_F(SecAccess, V4_1_1_ProtectedEndpointsNeedAuthentication) {
  for (const char* target : {"/v1/users/me", "/v1/sessions", "/v1/users", "/v1/audit/events",
                             "/v1/api-keys", "/v1/security/failed-logins", "/v1/users/usr_x"}) {
    ExpectProblem(api().Get(target), 401, "invalid_token");
  }
  ExpectProblem(api().Send("PATCH", "/v1/users/me", json::object{{"display_name", "x"}}), 401,
                "invalid_token");
}

// ASVS V4.1.2: a user cannot grant themselves roles.
TEST_F(SecAccess, V4_1_2_UsersCannotGrantThemselvesRoles) {
  Account a = NewUser(api(), "acc");
  ExpectProblem(SetRoles(api(), a.id, json::array{"admin", "user"}, a.access), 403, "forbidden");
  EXPECT_EQ(Roles(JsonObject(api().Get("/v1/users/me", a.access))), R"(["user"])");
}

// ASVS V5.1.2 (mass assignment): fields a user may not set are not set through PATCH.
TEST_F(SecAccess, V5_1_2_MassAssignmentChangesNothing) {
  Account a = NewUser(api(), "acc");
  auto res = api().Send("PATCH", "/v1/users/me",
                        json::object{{"roles", json::array{"admin"}},
                                     {"email_verified", true},
                                     {"disabled", false},
                                     {"id", "usr_0000"},
                                     {"username", "takeover"},
                                     {"mfa_enabled", true}},
                        a.access);
  EXPECT_TRUE(res.result_int() == 200U || res.result_int() == 422U || res.result_int() == 403U)
      << res.body();
  auto me = JsonObject(api().Get("/v1/users/me", a.access));
  EXPECT_EQ(Roles(me), R"(["user"])");
  EXPECT_EQ(me.at("email_verified"), json::value(false));
  EXPECT_EQ(me.at("mfa_enabled"), json::value(false));
  EXPECT_EQ(Str(me, "id"), a.id);
  EXPECT_EQ(Str(me, "username"), a.username);
}

// ASVS V4.2.1 (IDOR): another user's record can be neither read, changed nor deleted.
TEST_F(SecAccess, V4_2_1_OtherUsersRecordsAreOutOfReach) {
  Account a = NewUser(api(), "acc");
  Account b = NewUser(api(), "acc");
  EXPECT_EQ(api().Get("/v1/users/" + b.id, a.access).result_int(), 403U);
  EXPECT_EQ(
      api()
          .Send("PATCH", "/v1/users/" + b.id, json::object{{"display_name", "pwned"}}, a.access)
          .result_int(),
      403U);
  EXPECT_EQ(api().Get("/v1/users/" + b.id, a.access, "DELETE").result_int(), 403U);
  auto me = JsonObject(api().Get("/v1/users/me", b.access));
  EXPECT_NE(Str(me, "display_name"), "pwned");
}

// ASVS V4.1.3 (least privilege): an auditor reads the audit log but administers nothing.
TEST_F(SecAccess, V4_1_3_AuditorReadsButCannotAdminister) {
  Account admin = Admin(api(), server());
  Account auditor = NewUser(api(), "acc");
  Account victim = SignUp(api(), "acc");
  ASSERT_EQ(SetRoles(api(), auditor.id, json::array{"auditor", "user"}, admin.access).result_int(),
            200U);
  EXPECT_EQ(api().Get("/v1/audit/events?limit=1", auditor.access).result_int(), 200U);
  EXPECT_EQ(api().Get("/v1/security/failed-logins", auditor.access).result_int(), 200U);
  ExpectProblem(SetRoles(api(), victim.id, json::array{"admin"}, auditor.access), 403, "forbidden");
  ExpectProblem(api().Get("/v1/users", auditor.access), 403, "forbidden");
  ExpectProblem(api().Get("/v1/users/" + victim.id, auditor.access, "DELETE"), 403, "forbidden");
}

// ASVS V4.1.1: plain users cannot read the audit log or the security dashboard.
TEST_F(SecAccess, V4_1_1_AuditAndSecurityDataAreForbiddenToUsers) {
  Account a = NewUser(api(), "acc");
  ExpectProblem(api().Get("/v1/audit/events", a.access), 403, "forbidden");
  ExpectProblem(api().Get("/v1/security/failed-logins", a.access), 403, "forbidden");
}

// ASVS V4.1.3: taking a role away takes effect on the next request, not when tokens expire.
TEST_F(SecAccess, V4_1_3_RevokedRoleStopsWorkingAtOnce) {
  Account admin = Admin(api(), server());
  Account a = NewUser(api(), "acc");
  ASSERT_EQ(SetRoles(api(), a.id, json::array{"admin", "user"}, admin.access).result_int(), 200U);
  EXPECT_EQ(api().Get("/v1/users?limit=1", a.access).result_int(), 200U);
  ASSERT_EQ(SetRoles(api(), a.id, json::array{"user"}, admin.access).result_int(), 200U);
  ExpectProblem(api().Get("/v1/users?limit=1", a.access), 403, "forbidden");
}

// ASVS V4.1.3: an API key opens only the routes of its scopes.
TEST_F(SecAccess, V4_1_3_ApiKeyIsLimitedToItsScopes) {
  Account a = NewUser(api(), "acc");
  const std::string key = KeyOf(a, json::array{"profile:read"});
  EXPECT_EQ(api().Get("/v1/users/me", key).result_int(), 200U);
  auto write = api().Send("PATCH", "/v1/users/me", json::object{{"display_name", "k"}}, key);
  ExpectProblem(write, 403, "forbidden");
  EXPECT_NE(write["WWW-Authenticate"].find("insufficient_scope"), std::string::npos);
  EXPECT_EQ(api().Get("/v1/sessions", key).result_int(), 403U);
}

// ASVS V4.1.3: a key never exceeds its user's roles, whatever scopes it names.
TEST_F(SecAccess, V4_1_3_ApiKeyCannotExceedItsUser) {
  Account a = NewUser(api(), "acc");
  auto res =
      api().Send("POST", "/v1/api-keys",
                 json::object{{"name", "k"}, {"scopes", json::array{"users:read"}}}, a.access);
  if (res.result_int() == 201) {
    ExpectProblem(api().Get("/v1/users", Str(JsonObject(res), "key")), 403, "forbidden");
  } else {
    EXPECT_EQ(res.result_int(), 422U) << res.body();
  }
}

// ASVS V3.7.1 / V4.1.3: a key cannot change the password, delete its user or mint more keys.
TEST_F(SecAccess, V3_7_1_ApiKeyCannotDoSensitiveOperations) {
  Account a = NewUser(api(), "acc");
  const std::string key = KeyOf(a, json::array{"profile:read", "profile:write"});
  auto pw = api().Send(
      "PUT", "/v1/users/me/password",
      json::object{{"current_password", a.password}, {"new_password", kOtherPassword}}, key);
  EXPECT_TRUE(pw.result_int() == 401U || pw.result_int() == 403U) << Describe(pw);
  auto del = api().Send("DELETE", "/v1/users/me", json::object{{"password", a.password}}, key);
  EXPECT_TRUE(del.result_int() == 401U || del.result_int() == 403U) << Describe(del);
  auto mint =
      api().Send("POST", "/v1/api-keys",
                 json::object{{"name", "k2"}, {"scopes", json::array{"profile:read"}}}, key);
  EXPECT_TRUE(mint.result_int() == 401U || mint.result_int() == 403U) << Describe(mint);
  EXPECT_EQ(LogIn(api(), a).result_int(), 200U);  // the password is unchanged
}

// ASVS V4.2.1: another user's API key is not found (neither revoked nor rotated).
TEST_F(SecAccess, V4_2_1_OthersApiKeysAreNotFound) {
  Account a = NewUser(api(), "acc");
  Account b = NewUser(api(), "acc");
  auto created =
      api().Send("POST", "/v1/api-keys",
                 json::object{{"name", "b"}, {"scopes", json::array{"profile:read"}}}, b.access);
  ASSERT_EQ(created.result_int(), 201U);
  const std::string id = Str(JsonObject(created), "id");
  ExpectProblem(api().Get("/v1/api-keys/" + id, a.access, "DELETE"), 404, "not_found");
  ExpectProblem(api().Send("POST", "/v1/api-keys/" + id + "/rotate", json::object{}, a.access), 404,
                "not_found");
  EXPECT_EQ(api().Get("/v1/users/me", Str(JsonObject(created), "key")).result_int(), 200U);
}

}  // namespace
}  // namespace authd::test
