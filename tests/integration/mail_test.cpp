// Black-box tests of email verification, password reset and the mail outbox against a real
// `authd serve` and a real SMTP server on loopback (tests/integration/smtp_sink.py): the mails
// arrive, their tokens work once, expired, reused and superseded tokens fail with 400
// invalid_token, a reset request answers the same whether or not the account exists, mail waits
// in the outbox while the SMTP server is down, and tokens never show in logs or the audit feed.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <thread>

#include "tests/integration/api_client.hpp"
#include "tests/integration/smtp_sink.hpp"

namespace authd::test {
namespace {

constexpr const char* kPublicUrl = "https://auth.example.test";

// One SMTP sink and one server for the suite; tests use fresh accounts.
class MailTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    sink_ = std::make_unique<SmtpSink>();
    ASSERT_TRUE(sink_->Start()) << sink_->Log();
    server_ = std::make_unique<AuthdServer>(
        ServerSpec{.with_admin = true,
                   .flags = {"--smtp-url", sink_->url(), "--public-url", kPublicUrl,
                             "--mail-address-burst", "0", "--mail-account-burst", "0"}});
  }
  static void TearDownTestSuite() {
    server_.reset();
    sink_.reset();
  }

 protected:
  void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->error(); }
  static Api api() { return Api(server_->port()); }
  static SmtpSink& sink() { return *sink_; }
  static AuthdServer& server() { return *server_; }

  // The only mail with `subject` to `to`, waiting for it (at most 10 s).
  static std::string MailTo(const std::string& to, const std::string& subject,
                            std::size_t nth = 1) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      std::vector<std::string> found;
      for (auto& m : sink().WaitFor(to, 1, std::chrono::milliseconds(50))) {
        if (SmtpSink::Header(m, "Subject") == subject) found.push_back(std::move(m));
      }
      if (found.size() >= nth) return found[nth - 1];
      if (std::chrono::steady_clock::now() >= deadline) {
        ADD_FAILURE() << "no mail #" << nth << " \"" << subject << "\" to " << to;
        return "";
      }
    }
  }

  static ClientResponse ConfirmEmail(const std::string& token) {
    return api().Send("POST", "/v1/email-verifications/confirm", json::object{{"token", token}});
  }
  static ClientResponse RequestReset(const std::string& email) {
    return api().Send("POST", "/v1/password-resets", json::object{{"email", email}});
  }
  static ClientResponse ConfirmReset(const std::string& token, const std::string& password) {
    return api().Send("POST", "/v1/password-resets/confirm",
                      json::object{{"token", token}, {"new_password", password}});
  }

 private:
  static inline std::unique_ptr<SmtpSink> sink_;
  static inline std::unique_ptr<AuthdServer> server_;
};

constexpr const char* kVerifySubject = "Confirm your email address";
constexpr const char* kResetSubject = "Reset your password";

TEST_F(MailTest, SignupMailsAVerificationLinkWhoseTokenWorksOnce) {
  Account a = SignUp(api(), "verify");
  const std::string mail = MailTo(a.email, kVerifySubject);
  ASSERT_FALSE(mail.empty());
  EXPECT_NE(SmtpSink::Header(mail, "Content-Type").find("multipart/alternative"),
            std::string::npos);
  EXPECT_NE(mail.find("Content-Type: text/plain"), std::string::npos);
  EXPECT_NE(mail.find("Content-Type: text/html"), std::string::npos);
  const std::string token = SmtpSink::Token(mail);
  ASSERT_EQ(token.size(), 43U) << mail;
  EXPECT_NE(mail.find(std::string(kPublicUrl) + "/verify-email?token=" + token), std::string::npos);

  LogIn(api(), a);
  EXPECT_FALSE(JsonObject(api().Get("/v1/users/me", a.access)).at("email_verified").as_bool());
  EXPECT_EQ(ConfirmEmail(token).result_int(), 204U);
  EXPECT_TRUE(JsonObject(api().Get("/v1/users/me", a.access)).at("email_verified").as_bool());
  ExpectProblem(ConfirmEmail(token), 400, "invalid_token");

  // The claim follows the user: a new login carries email_verified true.
  auto login = LogIn(api(), a);
  EXPECT_TRUE(JsonObject(login).at("user").as_object().at("email_verified").as_bool());
  const std::string payload_b64 =
      a.access.substr(a.access.find('.') + 1, a.access.rfind('.') - a.access.find('.') - 1);
  std::string payload;
  // Decode base64url of the JWT payload by hand (no helper in the test harness).
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int bits = 0;
  unsigned acc = 0;
  for (char c : payload_b64) {
    const auto v = kAlphabet.find(c);
    if (v == std::string::npos) break;
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      payload += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  auto claims = json::parse(payload).as_object();
  ASSERT_TRUE(claims.contains("email_verified")) << payload;
  EXPECT_TRUE(claims.at("email_verified").as_bool());
}

TEST_F(MailTest, ConfirmRefusesGarbageTokens) {
  ExpectProblem(ConfirmEmail("not-a-token"), 400, "invalid_token");
  ExpectProblem(ConfirmEmail(std::string(500, 'a')), 400, "invalid_token");
  ExpectProblem(ConfirmReset("not-a-token", "a perfectly fine new password"), 400, "invalid_token");
  ExpectValidation(api().Send("POST", "/v1/email-verifications/confirm", json::object{}), "token",
                   "required");
}

TEST_F(MailTest, ResetMailSetsANewPasswordOnceAndEndsEverySession) {
  Account a = NewUser(api(), "reset");
  ASSERT_EQ(RequestReset(a.email).result_int(), 202U);
  const std::string mail = MailTo(a.email, kResetSubject);
  const std::string token = SmtpSink::Token(mail);
  ASSERT_EQ(token.size(), 43U) << mail;
  EXPECT_NE(mail.find(std::string(kPublicUrl) + "/reset-password?token=" + token),
            std::string::npos);

  // The password policy applies; a refused password does not use the token up.
  ExpectValidation(ConfirmReset(token, "short"), "new_password", "too_short");
  const std::string fresh = "a brand new passphrase 42";
  EXPECT_EQ(ConfirmReset(token, fresh).result_int(), 204U);
  ExpectProblem(ConfirmReset(token, "yet another passphrase 43"), 400, "invalid_token");

  ExpectProblem(api().Get("/v1/users/me", a.access), 401, "invalid_token");
  auto refresh =
      api().Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", a.refresh}});
  EXPECT_EQ(refresh.result_int(), 401U) << refresh.body();
  ExpectProblem(api().Send("POST", "/v1/sessions",
                           json::object{{"username", a.username}, {"password", a.password}}),
                401, "invalid_credentials");
  a.password = fresh;
  EXPECT_EQ(LogIn(api(), a).result_int(), 200U);
}

TEST_F(MailTest, ANewerResetTokenOrAPasswordChangeKillsTheOlderToken) {
  Account a = NewUser(api(), "twice");
  ASSERT_EQ(RequestReset(a.email).result_int(), 202U);
  const std::string first = SmtpSink::Token(MailTo(a.email, kResetSubject, 1));
  ASSERT_EQ(RequestReset(a.email).result_int(), 202U);
  const std::string second = SmtpSink::Token(MailTo(a.email, kResetSubject, 2));
  ASSERT_FALSE(first.empty());
  ASSERT_NE(first, second);
  ExpectProblem(ConfirmReset(first, "a brand new passphrase 42"), 400, "invalid_token");

  auto changed = api().Send(
      "PUT", "/v1/users/me/password",
      json::object{{"current_password", a.password}, {"new_password", "changed by hand 1234"}},
      a.access);
  ASSERT_EQ(changed.result_int(), 204U) << changed.body();
  ExpectProblem(ConfirmReset(second, "a brand new passphrase 42"), 400, "invalid_token");
}

TEST_F(MailTest, ResetAnswersTheSameWhetherOrNotTheAccountExists) {
  Account a = SignUp(api(), "enum");
  auto known = RequestReset(a.email);
  auto unknown = RequestReset("nobody-" + a.username + "@example.com");
  EXPECT_EQ(known.result_int(), 202U);
  EXPECT_EQ(known.result_int(), unknown.result_int());
  EXPECT_EQ(known.body(), unknown.body());
  const auto headers = [](const ClientResponse& r) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : r) {
      const std::string name = Lower(std::string(f.name_string()));
      if (name == "x-request-id" || name == "date") continue;
      out.emplace_back(name, std::string(f.value()));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(headers(known), headers(unknown));
  // Only the real account gets mail.
  EXPECT_FALSE(MailTo(a.email, kResetSubject).empty());
  EXPECT_TRUE(
      sink()
          .WaitFor("nobody-" + a.username + "@example.com", 1, std::chrono::milliseconds(300))
          .empty());
  ExpectValidation(RequestReset("not an address"), "email", "invalid_format");
}

TEST_F(MailTest, EmailChangeAndResendMailANewTokenAndKillTheOldOne) {
  Account a = NewUser(api(), "change");
  const std::string first = SmtpSink::Token(MailTo(a.email, kVerifySubject));
  auto again = api().Send("POST", "/v1/email-verifications", json::object{}, a.access);
  EXPECT_EQ(again.result_int(), 202U) << again.body();
  const std::string second = SmtpSink::Token(MailTo(a.email, kVerifySubject, 2));
  ASSERT_NE(first, second);
  ExpectProblem(ConfirmEmail(first), 400, "invalid_token");
  ASSERT_EQ(ConfirmEmail(second).result_int(), 204U);
  auto already = api().Send("POST", "/v1/email-verifications", json::object{}, a.access);
  EXPECT_EQ(already.result_int(), 409U) << already.body();

  const std::string moved = "moved-" + a.email;
  auto patched = api().Send("PATCH", "/v1/users/me", json::object{{"email", moved}}, a.access);
  ASSERT_EQ(patched.result_int(), 200U) << patched.body();
  EXPECT_FALSE(JsonObject(patched).at("email_verified").as_bool());
  const std::string third = SmtpSink::Token(MailTo(moved, kVerifySubject));
  EXPECT_EQ(ConfirmEmail(third).result_int(), 204U);
  EXPECT_TRUE(JsonObject(api().Get("/v1/users/me", a.access)).at("email_verified").as_bool());
}

TEST_F(MailTest, TheAuditFeedShowsMailButNeverItsToken) {
  Account a = SignUp(api(), "audit");
  const std::string token = SmtpSink::Token(MailTo(a.email, kVerifySubject));
  ASSERT_FALSE(token.empty());
  Account admin = Admin(api(), server());
  // mail.delivered is committed right after the SMTP server accepts: wait for it (bounded).
  json::array events;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool delivered = false;
  while (!delivered && std::chrono::steady_clock::now() < deadline) {
    auto page = api().Get("/v1/audit/events?limit=1000", admin.access);
    ASSERT_EQ(page.result_int(), 200U) << page.body();
    ExpectNoEcho(page, token);
    events = JsonObject(page).at("items").as_array();
    for (const auto& e : events) {
      const auto& o = e.as_object();
      if (Str(o, "type") == "mail.delivered" && Str(o.at("data").as_object(), "user_id") == a.id) {
        delivered = true;
        EXPECT_EQ(Str(o.at("data").as_object(), "template"), "verify_email");
        EXPECT_EQ(Str(o.at("data").as_object(), "status"), "sent");
      }
    }
    if (!delivered) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(delivered);
  bool requested = false;
  for (const auto& e : events) {
    const auto& o = e.as_object();
    if (Str(o, "type") != "mail.requested" || Str(o.at("data").as_object(), "user_id") != a.id) {
      continue;
    }
    requested = true;
    EXPECT_EQ(Str(o.at("data").as_object(), "template"), "verify_email");
    EXPECT_EQ(Str(o.at("data").as_object(), "token_hash"), "[redacted]");
  }
  EXPECT_TRUE(requested);
  EXPECT_EQ(server().Log().find(token), std::string::npos) << "the server log holds a token";
}

// Short token lifetimes and per-address limits: a server of its own, mail in DATA/outbox/
// (the embedded default: no --smtp-url).
class MailLimitsTest : public ::testing::Test {
 protected:
  static ClientResponse Post(const AuthdServer& s, const std::string& path, json::object body) {
    return Api(s.port()).Send("POST", path, body);
  }
};

TEST_F(MailLimitsTest, EmbeddedOutboxFolderAndExpiredTokens) {
  AuthdServer s({.flags = {"--verify-token-ttl", "1", "--reset-token-ttl", "1"}});
  ASSERT_TRUE(s.ok()) << s.error();
  Account a = SignUp(Api(s.port()), "expire");
  const std::string folder = s.data_dir() + "/outbox";
  auto verify = SmtpSink::WaitForMessages(folder, a.email, 1, std::chrono::seconds(10));
  ASSERT_EQ(verify.size(), 1U) << s.Log();
  EXPECT_NE(verify[0].find("valid for 1 second"), std::string::npos);
  ASSERT_EQ(Post(s, "/v1/password-resets", {{"email", a.email}}).result_int(), 202U);
  auto both = SmtpSink::WaitForMessages(folder, a.email, 2, std::chrono::seconds(10));
  ASSERT_EQ(both.size(), 2U);
  std::string reset_token;
  for (const auto& m : both) {
    if (SmtpSink::Header(m, "Subject") == kResetSubject) reset_token = SmtpSink::Token(m);
  }
  ASSERT_FALSE(reset_token.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // both tokens expire
  ExpectProblem(Post(s, "/v1/email-verifications/confirm", {{"token", SmtpSink::Token(verify[0])}}),
                400, "invalid_token");
  ExpectProblem(Post(s, "/v1/password-resets/confirm",
                     {{"token", reset_token}, {"new_password", "a brand new passphrase 42"}}),
                400, "invalid_token");
}

TEST_F(MailLimitsTest, RequireVerifiedEmailRefusesLoginOnlyAfterTheRightPassword) {
  AuthdServer s({.flags = {"--require-verified-email"}});
  ASSERT_TRUE(s.ok()) << s.error();
  Api api(s.port());
  Account a = SignUp(api, "unverified");
  ExpectProblem(api.Send("POST", "/v1/sessions",
                         json::object{{"username", a.username}, {"password", "wrong password!!"}}),
                401, "invalid_credentials");
  ExpectProblem(api.Send("POST", "/v1/sessions",
                         json::object{{"username", a.username}, {"password", a.password}}),
                403, "email_unverified");
  auto mail =
      SmtpSink::WaitForMessages(s.data_dir() + "/outbox", a.email, 1, std::chrono::seconds(10));
  ASSERT_EQ(mail.size(), 1U);
  EXPECT_EQ(Post(s, "/v1/email-verifications/confirm", {{"token", SmtpSink::Token(mail[0])}})
                .result_int(),
            204U);
  EXPECT_EQ(LogIn(api, a).result_int(), 200U);

  // A password reset proves the mailbox too: an unverified account gets in after one.
  Account b = SignUp(api, "unverified");
  ASSERT_EQ(Post(s, "/v1/password-resets", {{"email", b.email}}).result_int(), 202U);
  auto both =
      SmtpSink::WaitForMessages(s.data_dir() + "/outbox", b.email, 2, std::chrono::seconds(10));
  ASSERT_EQ(both.size(), 2U);
  std::string reset_token;
  for (const auto& m : both) {
    if (SmtpSink::Header(m, "Subject") == kResetSubject) reset_token = SmtpSink::Token(m);
  }
  b.password = "a brand new passphrase 42";
  ASSERT_EQ(
      Post(s, "/v1/password-resets/confirm", {{"token", reset_token}, {"new_password", b.password}})
          .result_int(),
      204U);
  EXPECT_EQ(LogIn(api, b).result_int(), 200U);
}

TEST_F(MailLimitsTest, ResetRequestsAreLimitedPerAddressAndPerAccount) {
  AuthdServer s({.flags = {"--mail-address-burst", "2", "--mail-account-burst", "1"}});
  ASSERT_TRUE(s.ok()) << s.error();
  Account a = SignUp(Api(s.port()), "limited");
  // Per account: both answered 202, only one mail goes out.
  EXPECT_EQ(Post(s, "/v1/password-resets", {{"email", a.email}}).result_int(), 202U);
  EXPECT_EQ(Post(s, "/v1/password-resets", {{"email", a.email}}).result_int(), 202U);
  // Per address: the third request from this address is refused.
  auto refused = Post(s, "/v1/password-resets", {{"email", "x-" + a.email}});
  ExpectProblem(refused, 429, "rate_limited");
  EXPECT_FALSE(refused["Retry-After"].empty());
  const std::string folder = s.data_dir() + "/outbox";
  auto mail = SmtpSink::WaitForMessages(folder, a.email, 3, std::chrono::milliseconds(1500));
  int resets = 0;
  for (const auto& m : mail)
    resets += SmtpSink::Header(m, "Subject") == kResetSubject ? 1 : 0;
  EXPECT_EQ(resets, 1);
}

// The outbox: mail requested while the SMTP server is down waits, and goes out exactly once
// when it comes up; mail of a user deleted meanwhile never goes out.
TEST(MailOutboxTest, MailWaitsForTheSmtpServerAndIsDeliveredOnce) {
  SmtpSink sink;  // not started yet: its port refuses connections
  AuthdServer s({.with_admin = true,
                 .flags = {"--smtp-url", sink.url(), "--mail-retry-ms", "100",
                           "--mail-retry-max-ms", "300", "--mail-address-burst", "0"}});
  ASSERT_TRUE(s.ok()) << s.error();
  Api api(s.port());
  Account kept = SignUp(api, "queued");
  Account gone = NewUser(api, "gone");
  // Bounded wait until the sender has failed at least once for each.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline &&
         s.Log().find("will retry") == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(s.Log().find("will retry"), std::string::npos) << s.Log();
  auto deleted =
      api.Send("DELETE", "/v1/users/me", json::object{{"password", gone.password}}, gone.access);
  ASSERT_EQ(deleted.result_int(), 204U) << deleted.body();

  ASSERT_TRUE(sink.Start()) << sink.Log();
  auto mail = sink.WaitFor(kept.email, 1);
  ASSERT_EQ(mail.size(), 1U) << s.Log();
  // Give the sender time to (wrongly) send again, then count: one copy, one mark.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(sink.WaitFor(kept.email, 2, std::chrono::milliseconds(0)).size(), 1U);
  EXPECT_TRUE(sink.WaitFor(gone.email, 1, std::chrono::milliseconds(0)).empty());
  EXPECT_EQ(sink.Messages().size(), 1U);

  Account admin = Admin(api, s);
  auto page = api.Get("/v1/audit/events?type=mail.delivered&limit=100", admin.access);
  ASSERT_EQ(page.result_int(), 200U) << page.body();
  int marks = 0;
  const auto body = JsonObject(page);
  for (const auto& e : body.at("items").as_array()) {
    if (Str(e.as_object().at("data").as_object(), "user_id") == kept.id) ++marks;
  }
  EXPECT_EQ(marks, 1);
  EXPECT_EQ(SmtpSink::Header(mail[0], "X-Envelope-To"), kept.email);
}

TEST(MailOutboxTest, SmtpAuthentication) {
  SmtpSink sink(0, {"--auth", "mailer:s3cret-pw"});
  ASSERT_TRUE(sink.Start()) << sink.Log();
  TempFolder secrets;
  { std::ofstream(secrets.Sub("pw")) << "s3cret-pw\n"; }
  AuthdServer s({.flags = {"--smtp-url", sink.url(), "--smtp-user", "mailer",
                           "--smtp-password-file", secrets.Sub("pw")}});
  ASSERT_TRUE(s.ok()) << s.error();
  Account a = SignUp(Api(s.port()), "authed");
  EXPECT_EQ(sink.WaitFor(a.email, 1).size(), 1U) << s.Log() << sink.Log();
  EXPECT_EQ(s.Log().find("s3cret-pw"), std::string::npos);
}

TEST(MailCliTest, UserAddWithEmailVerifiedVouchesForTheAddress) {
  TempFolder dir;
  auto added =
      RunProcess({AuthdBinary(), "user", "add", "--data", dir.Sub("data"), "--username", "boss",
                  "--email", "boss@example.com", "--email-verified", "--password-stdin"},
                 "correct horse battery staple\n");
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto log = RunProcess({AuthdBinary(), "log", "--data", dir.Sub("data")});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_NE(log.out.find("\"type\":\"user.email_verified\""), std::string::npos) << log.out;
  EXPECT_EQ(log.out.find("mail.requested"), std::string::npos) << log.out;
}

}  // namespace
}  // namespace authd::test
