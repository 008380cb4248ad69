// Black-box tests of API.md's admin endpoints against a real `authd serve`: who may call them,
// listing with pagination and search, reading and changing users, deleting them, and roles.
#include <gtest/gtest.h>

#include <set>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

class AdminApiTest : public ServerSuite<AdminApiTest> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }
};

ClientResponse SetRoles(const Api& api, const std::string& id, json::array roles,
                        const std::string& token) {
  return api.Send("PUT", "/v1/users/" + id + "/roles", json::object{{"roles", std::move(roles)}},
                  token);
}

TEST_F(AdminApiTest, EveryAdminEndpointIsForbiddenToOthers) {
  Account a = NewUser(api(), "plain");
  Account b = SignUp(api(), "other");
  const json::object put_body{{"email", b.email}, {"display_name", "B"}, {"disabled", false}};
  struct Call {
    std::string method;
    std::string target;
    std::optional<json::value> body;
  };
  const std::vector<Call> calls = {
      {"GET", "/v1/users", std::nullopt},
      {"GET", "/v1/users?limit=1", std::nullopt},
      {"GET", "/v1/users/" + b.id, std::nullopt},
      {"PUT", "/v1/users/" + b.id, put_body},
      {"PATCH", "/v1/users/" + b.id, json::object{{"display_name", "pwned"}}},
      {"PATCH", "/v1/users/" + b.id, json::object{{"disabled", true}}},
      {"DELETE", "/v1/users/" + b.id, json::object{{"password", kPassword}}},
      {"PUT", "/v1/users/" + b.id + "/roles", json::object{{"roles", json::array{"admin"}}}},
      // Roles and PUT are admin-only even on one's own record.
      {"PUT", "/v1/users/" + a.id + "/roles", json::object{{"roles", json::array{"admin"}}}},
      {"PUT", "/v1/users/" + a.id,
       json::object{{"email", a.email}, {"display_name", "A"}, {"disabled", false}}},
      // Unknown ids say nothing about whether they exist.
      {"GET", "/v1/users/usr_doesnotexist", std::nullopt},
      {"DELETE", "/v1/users/usr_doesnotexist", std::nullopt},
  };
  for (const auto& c : calls) {
    SCOPED_TRACE(c.method + " " + c.target);
    auto res = c.body ? api().Send(c.method, c.target, *c.body, a.access)
                      : api().Get(c.target, a.access, c.method);
    ExpectProblem(res, 403, "forbidden");
  }
  // Nothing changed: b can still log in, a is still a plain user.
  EXPECT_EQ(LogIn(api(), b).result_int(), 200U);
  EXPECT_EQ(Str(JsonObject(api().Get("/v1/users/me", b.access)), "display_name"), "");
  EXPECT_EQ(Roles(JsonObject(api().Get("/v1/users/me", a.access))), R"(["user"])");
  // Without a token: 401.
  ExpectProblem(api().Get("/v1/users"), 401, "invalid_token");
}

TEST_F(AdminApiTest, ListPaginatesAndSearches) {
  Account admin = Admin(api(), server());
  const std::string tag = NewName("pgq");  // unique, so q picks out exactly these users
  std::set<std::string> ids;
  std::vector<Account> users;
  for (int i = 0; i < 5; ++i) {
    users.push_back(SignUp(api(), tag));
    ids.insert(users.back().id);
  }

  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (; pages < 10; ++pages) {
    std::string target = "/v1/users?limit=2&q=" + tag;
    if (!cursor.empty()) target += "&cursor=" + cursor;
    auto res = api().Get(target, admin.access);
    ASSERT_EQ(res.result_int(), 200U) << res.body();
    EXPECT_EQ(res["Cache-Control"], "no-store");
    auto page = JsonObject(res);
    ASSERT_TRUE(page.contains("items") && page.at("items").is_array()) << res.body();
    ASSERT_TRUE(page.contains("next_cursor")) << res.body();
    EXPECT_LE(page.at("items").as_array().size(), 2U);
    for (const auto& item : page.at("items").as_array()) {
      ExpectUserObject(item);
      EXPECT_TRUE(seen.insert(Str(item.as_object(), "id")).second) << "listed twice: " << item;
    }
    if (page.at("next_cursor").is_null()) break;
    ASSERT_TRUE(page.at("next_cursor").is_string()) << res.body();
    cursor = std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen, ids);
  EXPECT_GE(pages, 2);  // 5 users, 2 a page: three pages

  // Without q the admin and everyone else show up; a default limit applies.
  auto all = api().Get("/v1/users", admin.access);
  ASSERT_EQ(all.result_int(), 200U) << all.body();
  EXPECT_GE(JsonObject(all).at("items").as_array().size(), 6U);

  // q matches the email too (no username holds '@'), and finds nothing for a string nobody has.
  auto by_mail = JsonObject(api().Get("/v1/users?q=" + users[2].username + "@exa", admin.access));
  ASSERT_EQ(by_mail.at("items").as_array().size(), 1U) << json::serialize(by_mail);
  EXPECT_EQ(Str(by_mail.at("items").as_array()[0].as_object(), "id"), users[2].id);
  auto none = JsonObject(api().Get("/v1/users?q=zzz-nobody-has-this", admin.access));
  EXPECT_TRUE(none.at("items").as_array().empty());
  EXPECT_TRUE(none.at("next_cursor").is_null());

  for (const char* bad : {"limit=0", "limit=abc", "limit=-1", "limit=", "limit=2x"}) {
    SCOPED_TRACE(bad);
    auto res = api().Get(std::string("/v1/users?") + bad, admin.access);
    ExpectProblem(res, 422, "validation_failed");
    bool names_limit = false;
    const auto problem = JsonObject(res);
    if (const auto* errors = problem.if_contains("errors"); errors && errors->is_array()) {
      for (const auto& e : errors->as_array())
        names_limit |= Str(e.as_object(), "field") == "limit";
    }
    EXPECT_TRUE(names_limit) << res.body();
  }
}

TEST_F(AdminApiTest, AdminReadsChangesAndDeletesUsers) {
  Account admin = Admin(api(), server());
  Account u = NewUser(api(), "managed");
  Account taken = SignUp(api(), "busy");

  auto got = api().Get("/v1/users/" + u.id, admin.access);
  ASSERT_EQ(got.result_int(), 200U) << got.body();
  ExpectUserObject(Json(got));
  EXPECT_EQ(Str(JsonObject(got), "username"), u.username);

  // PATCH: any subset.
  auto patched = api().Send("PATCH", "/v1/users/" + u.id,
                            json::object{{"display_name", "Managed One"}}, admin.access);
  ASSERT_EQ(patched.result_int(), 200U) << patched.body();
  EXPECT_EQ(Str(JsonObject(patched), "display_name"), "Managed One");
  EXPECT_EQ(Str(JsonObject(patched), "email"), u.email);

  // PUT: the whole body.
  const std::string new_mail = NewName("put") + "@example.com";
  auto put = api().Send(
      "PUT", "/v1/users/" + u.id,
      json::object{{"email", new_mail}, {"display_name", "Put Name"}, {"disabled", false}},
      admin.access);
  ASSERT_EQ(put.result_int(), 200U) << put.body();
  EXPECT_EQ(Str(JsonObject(put), "email"), new_mail);
  EXPECT_EQ(Str(JsonObject(put), "display_name"), "Put Name");
  ExpectProblem(
      api().Send("PUT", "/v1/users/" + u.id, json::object{{"display_name", "Only"}}, admin.access),
      422, "validation_failed");
  ExpectProblem(
      api().Send("PUT", "/v1/users/" + u.id,
                 json::object{{"email", taken.email}, {"display_name", "X"}, {"disabled", false}},
                 admin.access),
      409, "email_taken");
  ExpectProblem(
      api().Send("PATCH", "/v1/users/" + u.id, json::object{{"email", taken.email}}, admin.access),
      409, "email_taken");
  ExpectValidation(
      api().Send("PATCH", "/v1/users/" + u.id, json::object{{"email", "nope"}}, admin.access),
      "email", "invalid_format");
  EXPECT_EQ(api().Get("/v1/users/me", u.access).result_int(), 200U);

  // Unknown ids: 404 for every method.
  const std::string unknown = "/v1/users/usr_doesnotexist";
  ExpectProblem(api().Get(unknown, admin.access), 404, "not_found");
  ExpectProblem(api().Send("PATCH", unknown, json::object{{"display_name", "x"}}, admin.access),
                404, "not_found");
  ExpectProblem(api().Send("PUT", unknown,
                           json::object{{"email", NewName("ghost") + "@example.com"},
                                        {"display_name", "x"},
                                        {"disabled", false}},
                           admin.access),
                404, "not_found");
  ExpectProblem(api().Get(unknown, admin.access, "DELETE"), 404, "not_found");
  ExpectProblem(SetRoles(api(), "usr_doesnotexist", json::array{"auditor"}, admin.access), 404,
                "not_found");

  // DELETE: the user's sessions die, the record is gone, the name cannot log in.
  auto deleted = api().Get("/v1/users/" + u.id, admin.access, "DELETE");
  ASSERT_EQ(deleted.result_int(), 204U) << deleted.body();
  EXPECT_EQ(api().Get("/v1/users/me", u.access).result_int(), 401U);
  ExpectProblem(api().Get("/v1/users/" + u.id, admin.access), 404, "not_found");
  ExpectProblem(api().Send("POST", "/v1/sessions",
                           json::object{{"username", u.username}, {"password", u.password}}),
                401, "invalid_credentials");
  ExpectProblem(api().Get("/v1/users/" + u.id, admin.access, "DELETE"), 404, "not_found");
}

TEST_F(AdminApiTest, UsersMayReadAndPatchTheirOwnRecord) {
  Account a = NewUser(api(), "selfrec");
  auto got = api().Get("/v1/users/" + a.id, a.access);
  ASSERT_EQ(got.result_int(), 200U) << got.body();
  EXPECT_EQ(Str(JsonObject(got), "id"), a.id);
  EXPECT_EQ(got["Cache-Control"], "no-store");

  auto patched = api().Send("PATCH", "/v1/users/" + a.id,
                            json::object{{"display_name", "Self Made"}}, a.access);
  ASSERT_EQ(patched.result_int(), 200U) << patched.body();
  EXPECT_EQ(Str(JsonObject(patched), "display_name"), "Self Made");

  // A user cannot disable themselves through the admin field.
  auto disable =
      api().Send("PATCH", "/v1/users/" + a.id, json::object{{"disabled", true}}, a.access);
  ExpectProblem(disable, 422, "validation_failed");
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);
}

TEST_F(AdminApiTest, RolesTakeEffectOnTheNextRequest) {
  Account admin = Admin(api(), server());
  Account u = NewUser(api(), "promo");
  ExpectProblem(api().Get("/v1/users", u.access), 403, "forbidden");

  auto promoted = SetRoles(api(), u.id, json::array{"admin"}, admin.access);
  ASSERT_EQ(promoted.result_int(), 200U) << promoted.body();
  ExpectUserObject(Json(promoted));
  EXPECT_EQ(Roles(JsonObject(promoted)), R"(["admin","user"])");
  // The same access token (whose roles claim says only "user") now lists users.
  EXPECT_EQ(api().Get("/v1/users", u.access).result_int(), 200U);

  auto demoted = SetRoles(api(), u.id, json::array{}, admin.access);
  ASSERT_EQ(demoted.result_int(), 200U) << demoted.body();
  EXPECT_EQ(Roles(JsonObject(demoted)), R"(["user"])");
  ExpectProblem(api().Get("/v1/users", u.access), 403, "forbidden");

  // Other built-in roles are accepted; "user" (everyone) is always kept.
  auto auditor = SetRoles(api(), u.id, json::array{"auditor"}, admin.access);
  ASSERT_EQ(auditor.result_int(), 200U) << auditor.body();
  auto roles = JsonObject(auditor).at("roles").as_array();
  std::set<std::string> have;
  for (const auto& r : roles)
    have.insert(std::string(r.as_string()));
  EXPECT_EQ(have, (std::set<std::string>{"auditor", "user"}));
  ExpectProblem(api().Get("/v1/users", u.access), 403, "forbidden");
}

TEST_F(AdminApiTest, InvalidRoleNamesAreRefused) {
  Account admin = Admin(api(), server());
  Account u = SignUp(api(), "badrole");
  for (const char* bad : {"Admin", "9lives", "has space", "", "-dash", "x!"}) {
    SCOPED_TRACE(bad);
    ExpectProblem(SetRoles(api(), u.id, json::array{bad}, admin.access), 422, "validation_failed");
  }
  ExpectProblem(SetRoles(api(), u.id, json::array{std::string(33, 'a')}, admin.access), 422,
                "validation_failed");
  ExpectProblem(api().Send("PUT", "/v1/users/" + u.id + "/roles", json::object{{"roles", "admin"}},
                           admin.access),
                422, "validation_failed");
  ExpectProblem(api().Send("PUT", "/v1/users/" + u.id + "/roles", json::object{}, admin.access),
                422, "validation_failed");
  // Still a plain user.
  EXPECT_EQ(Roles(JsonObject(api().Get("/v1/users/" + u.id, admin.access))), R"(["user"])");
}

// The last admin: a server of its own, where the operator's admin is the only one.
class LastAdminTest : public ServerSuite<LastAdminTest> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }
};

TEST_F(LastAdminTest, TheOnlyAdminCannotDropAdmin) {
  Account admin = Admin(api(), server());
  ExpectProblem(SetRoles(api(), admin.id, json::array{}, admin.access), 409, "last_admin");
  ExpectProblem(SetRoles(api(), admin.id, json::array{"auditor"}, admin.access), 409, "last_admin");
  EXPECT_EQ(api().Get("/v1/users", admin.access).result_int(), 200U);

  // With a second admin, the first may step down, and loses access at once.
  Account other = NewUser(api(), "second");
  ASSERT_EQ(SetRoles(api(), other.id, json::array{"admin"}, admin.access).result_int(), 200U);
  auto stepped_down = SetRoles(api(), admin.id, json::array{}, admin.access);
  ASSERT_EQ(stepped_down.result_int(), 200U) << stepped_down.body();
  ExpectProblem(api().Get("/v1/users", admin.access), 403, "forbidden");
  // Now `other` is the last one.
  ExpectProblem(SetRoles(api(), other.id, json::array{}, other.access), 409, "last_admin");
}

}  // namespace
}  // namespace authd::test
