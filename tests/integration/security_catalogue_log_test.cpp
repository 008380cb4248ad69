// Security catalogue, event log and audit (OWASP ASVS 4.0.3 V7.1, V7.2, V7.3): security events are
// recorded with who did them, hold no secrets, and any change to the stored log made behind the
// server's back (with it stopped) is found by `authd verify` or refused by `authd serve`.
#include <gtest/gtest.h>

#include "tests/integration/security_catalogue.hpp"

namespace authd::test {
namespace {

// A stopped server's folder holding an admin, a few users and a role change.
class SecLogTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<AuthdServer>(ServerSpec{.with_admin = true});
    ASSERT_TRUE(server_->ok()) << server_->error();
    Api api(server_->port());
    Account admin = Admin(api, *server_);
    Account a = SignUp(api, "tamper");
    SignUp(api, "tamper");
    ASSERT_EQ(api.Send("PUT", "/v1/users/" + a.id + "/roles",
                       json::object{{"roles", json::array{"auditor", "user"}}}, admin.access)
                  .result_int(),
              200U);
    ASSERT_TRUE(server_->Stop());
    ASSERT_EQ(Verify().exit_code, 0);
  }

  ProcessResult Verify() {
    return RunProcess({AuthdBinary(), "verify", "--data", server_->data_dir()});
  }

  std::unique_ptr<AuthdServer> server_;
};

// ASVS V7.3.3 (log integrity): one changed byte in a stored event breaks the hash chain there.
TEST_F(SecLogTamper, V7_3_3_RewrittenEventIsFound) {
  {
    RawLog log(server_->data_dir());
    ASSERT_TRUE(log.ok());
    std::string value;
    ASSERT_TRUE(log.db().Get({}, log.family("events"), RawLog::EventKey(3), &value).ok());
    value[value.size() / 2] = static_cast<char>(value[value.size() / 2] ^ 0x01);
    ASSERT_TRUE(log.db().Put({}, log.family("events"), RawLog::EventKey(3), value).ok());
  }
  auto verify = Verify();
  EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("FAILED at seq 3"), std::string::npos) << verify.out;
}

// ASVS V7.3.3: an event removed from the middle of the log is found.
TEST_F(SecLogTamper, V7_3_3_RemovedEventIsFound) {
  {
    RawLog log(server_->data_dir());
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE(log.db().Delete({}, log.family("events"), RawLog::EventKey(2)).ok());
  }
  auto verify = Verify();
  EXPECT_NE(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("FAILED"), std::string::npos) << verify.out << verify.err;
}

// ASVS V7.3.3: dropping the newest event (e.g. hiding the last action) is refused at start-up:
// the recorded head no longer matches the log.
TEST_F(SecLogTamper, V7_3_3_TruncatedLogIsRefusedByServe) {
  std::uint64_t last = 0;
  {
    RawLog log(server_->data_dir());
    ASSERT_TRUE(log.ok());
    std::unique_ptr<rocksdb::Iterator> it(log.db().NewIterator({}, log.family("events")));
    it->SeekToLast();
    ASSERT_TRUE(it->Valid());
    for (unsigned char c : it->key().ToString())
      last = (last << 8) | c;
    ASSERT_TRUE(log.db().Delete({}, log.family("events"), it->key()).ok());
  }
  ASSERT_GT(last, 1U);
  EXPECT_FALSE(server_->Restart());
  EXPECT_NE(Lower(server_->error()).find("corrupt"), std::string::npos) << server_->error();
  EXPECT_NE(Verify().exit_code, 0);
}

// ASVS V7.3.3 / V4.1.2: a role granted by editing the stored user table (not through the log)
// is found: the projection no longer equals its rebuild from the log.
TEST_F(SecLogTamper, V7_3_3_EditedUserTableIsFound) {
  {
    RawLog log(server_->data_dir());
    ASSERT_TRUE(log.ok());
    std::unique_ptr<rocksdb::Iterator> it(log.db().NewIterator({}, log.family("proj_users")));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    const std::string key = it->key().ToString();
    std::string value = it->value().ToString();
    it.reset();
    value.push_back('\x01');
    ASSERT_TRUE(log.db().Put({}, log.family("proj_users"), key, value).ok());
  }
  auto verify = Verify();
  EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("projection users: FAILED"), std::string::npos) << verify.out;
}

class SecAudit : public ServerSuite<SecAudit> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }

 protected:
  // The audit events of `type` about `subject`.
  static std::vector<json::object> Events(const std::string& token, const std::string& type,
                                          const std::string& subject) {
    auto res = api().Get("/v1/audit/events?limit=1000&type=" + type, token);
    EXPECT_EQ(res.result_int(), 200U) << res.body();
    std::vector<json::object> out;
    const auto body = JsonObject(res);
    const auto* items = body.if_contains("items");
    if (items == nullptr || !items->is_array()) return out;
    for (const auto& e : items->get_array()) {
      if (Str(e.as_object(), "subject") == subject) out.push_back(e.as_object());
    }
    return out;
  }
};

// ASVS V7.2.1: authentication decisions, successes and failures, are recorded.
TEST_F(SecAudit, V7_2_1_LoginsAndFailuresAreAudited) {
  Account admin = Admin(api(), server());
  Account a = SignUp(api(), "aud");
  EXPECT_EQ(api()
                .Send("POST", "/v1/sessions",
                      json::object{{"username", a.username}, {"password", kOtherPassword}})
                .result_int(),
            401U);
  LogIn(api(), a);
  EXPECT_EQ(Events(admin.access, "user.login_failed", a.id).size(), 1U);
  EXPECT_EQ(Events(admin.access, "user.login_succeeded", a.id).size(), 1U);
}

// ASVS V7.2.2: access-control changes are recorded with the acting user.
TEST_F(SecAudit, V7_2_2_RoleChangesAreAuditedWithTheActor) {
  Account admin = Admin(api(), server());
  Account a = SignUp(api(), "aud");
  ASSERT_EQ(api()
                .Send("PUT", "/v1/users/" + a.id + "/roles",
                      json::object{{"roles", json::array{"auditor", "user"}}}, admin.access)
                .result_int(),
            200U);
  auto events = Events(admin.access, "user.roles_changed", a.id);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(Str(events[0].at("actor").as_object(), "user_id"), admin.id);
  EXPECT_FALSE(Str(events[0], "hash").empty());
}

// ASVS V7.1.1: the audit feed holds no password, hash or token.
TEST_F(SecAudit, V7_1_1_AuditFeedHoldsNoSecrets) {
  Account admin = Admin(api(), server());
  Account a = NewUser(api(), "aud");
  api().Send("PUT", "/v1/users/me/password",
             json::object{{"current_password", a.password}, {"new_password", kOtherPassword}},
             a.access);
  auto res = api().Get("/v1/audit/events?limit=1000", admin.access);
  ASSERT_EQ(res.result_int(), 200U);
  for (const std::string& secret : {std::string(kPassword), std::string(kOtherPassword), a.refresh,
                                    std::string("$argon2"), a.access}) {
    EXPECT_EQ(res.body().find(secret), std::string::npos) << secret.substr(0, 12);
  }
}

}  // namespace
}  // namespace authd::test
