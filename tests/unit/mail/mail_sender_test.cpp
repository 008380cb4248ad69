// The outbox sender against a real event log and a scripted transport, driven by RunOnce and a
// manual clock: retries with backoff, one mark per mail, a failed mark retried without a second
// send, expiry, deleted users, and the MIME shape of what goes out.
#include "mail/mail_sender.hpp"

#include <gtest/gtest.h>

#include <deque>

#include "core/event_types.hpp"
#include "mail/mail_templates.hpp"
#include "projections/email_tokens.hpp"
#include "projections/mail_outbox.hpp"
#include "projections/session_table.hpp"
#include "projections/user_table.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::mail {
namespace {

using storage::test_support::FixedMasterKey;
using storage::test_support::TempDir;

constexpr core::Micros kSecond = 1'000'000;

// Answers from a script (then success), and records what it was given.
class ScriptedTransport final : public MailTransport {
 public:
  std::deque<SendResult> script;
  std::vector<MailMessage> sent;
  std::vector<std::string> mime;
  int calls = 0;

  SendResult Send(const MailMessage& m, const std::string& bytes) override {
    ++calls;
    if (!script.empty()) {
      auto r = script.front();
      script.pop_front();
      if (!r.ok) return r;
    }
    sent.push_back(m);
    mime.push_back(bytes);
    return {.ok = true};
  }
  [[nodiscard]] std::string_view Kind() const override { return "scripted"; }
};

class MailSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::unique_ptr<storage::InlineProjection>> projections;
    projections.push_back(std::make_unique<projections::UserTable>());
    projections.push_back(std::make_unique<projections::SessionTable>());
    projections.push_back(std::make_unique<projections::EmailTokenTable>());
    projections.push_back(std::make_unique<projections::MailOutbox>());
    storage::LogOptions options;
    options.path = dir_.Sub("log");
    auto log = storage::EventLog::Open(options, FixedMasterKey(), clock_, std::move(projections));
    ASSERT_TRUE(log) << log.error().message();
    log_ = std::move(*log);
    auto transport = std::make_unique<ScriptedTransport>();
    transport_ = transport.get();
    sender_ = std::make_unique<MailSender>(*log_, mail_, clock_, std::move(transport),
                                           SenderOptions{.from = "authd <no-reply@example.com>",
                                                         .public_url = "https://id.example.com",
                                                         .first_retry = kSecond,
                                                         .max_retry = 4 * kSecond,
                                                         .max_attempts = 5});
  }

  void SignUp(const std::string& name) {
    auto signup = users_.SignUp({.id = "usr_" + name,
                                 .username = name,
                                 .email = name + "@example.com",
                                 .password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aA",
                                 .roles = {"user"}},
                                {});
    ASSERT_TRUE(log_->Execute(
        mail_.WithVerificationMail(std::move(signup), "usr_" + name, "mail_" + name, {})));
  }

  std::vector<std::string> Delivered() {
    auto events = log_->ReadByType(core::events::kMailDelivered, 0, 100);
    EXPECT_TRUE(events);
    std::vector<std::string> out;
    for (const auto& e : *events)
      out.push_back(e.stream + ":" + std::string(e.data.at("status").as_string()));
    return out;
  }

  TempDir dir_;
  core::ManualClock clock_;
  projections::UserCommands users_{projections::DeriveKey(FixedMasterKey(), "unique-index")};
  projections::MailCommands mail_{
      projections::MailTokens(projections::DeriveKey(FixedMasterKey(), "t"),
                              projections::DeriveKey(FixedMasterKey(), "h")),
      projections::MailPolicy{.verify_ttl = 3600 * kSecond, .reset_ttl = 1800 * kSecond}};
  std::unique_ptr<storage::EventLog> log_;
  ScriptedTransport* transport_ = nullptr;
  std::unique_ptr<MailSender> sender_;
};

TEST_F(MailSenderTest, SendsEachPendingMailOnceAndMarksIt) {
  SignUp("alice");
  sender_->RunOnce();
  ASSERT_EQ(transport_->sent.size(), 1U);
  const auto& m = transport_->sent[0];
  EXPECT_EQ(m.to, "alice@example.com");
  EXPECT_EQ(m.id, "mail_alice");
  EXPECT_EQ(m.subject, "Confirm your email address");
  const std::string token = mail_.tokens().TokenFor("mail_alice");
  EXPECT_NE(m.text.find("https://id.example.com/verify-email?token=" + token), std::string::npos);
  EXPECT_NE(m.html.find("href=\"https://id.example.com/verify-email?token=" + token + "\""),
            std::string::npos);
  EXPECT_EQ(Delivered(), std::vector<std::string>{"mail_alice:sent"});
  sender_->RunOnce();
  EXPECT_EQ(transport_->calls, 1);
  EXPECT_EQ(sender_->Stats().sent, 1U);
}

TEST_F(MailSenderTest, RetriesWithBackoffUntilTheTransportTakesIt) {
  SignUp("alice");
  transport_->script = {{.error = "connection refused"}, {.error = "connection refused"}};
  EXPECT_EQ(sender_->RunOnce(), kSecond);  // first retry after 1 s
  EXPECT_EQ(transport_->calls, 1);
  sender_->RunOnce();  // not due yet
  EXPECT_EQ(transport_->calls, 1);
  clock_.Advance(kSecond);
  EXPECT_EQ(sender_->RunOnce(), 2 * kSecond);  // doubled
  EXPECT_EQ(transport_->calls, 2);
  clock_.Advance(2 * kSecond);
  sender_->RunOnce();
  EXPECT_EQ(transport_->calls, 3);
  EXPECT_EQ(transport_->sent.size(), 1U);
  EXPECT_EQ(Delivered(), std::vector<std::string>{"mail_alice:sent"});
  EXPECT_EQ(sender_->Stats().failures, 2U);
}

TEST_F(MailSenderTest, GivesUpOnPermanentRefusalsAndExpiredTokens) {
  SignUp("alice");
  SignUp("bob");
  transport_->script = {{.permanent = true, .error = "550 no such user"}, {.error = "timeout"}};
  sender_->RunOnce();  // alice refused for good; bob fails once
  EXPECT_EQ(Delivered(), std::vector<std::string>{"mail_alice:failed"});
  clock_.Advance(3600 * kSecond);  // bob's token is dead before the retry
  sender_->RunOnce();
  EXPECT_EQ(Delivered(), (std::vector<std::string>{"mail_alice:failed", "mail_bob:expired"}));
  EXPECT_EQ(transport_->calls, 2);
}

TEST_F(MailSenderTest, NeverSendsMailOfADeletedUser) {
  SignUp("alice");
  ASSERT_TRUE(log_->Execute(users_.Delete("usr_alice", {})));
  sender_->RunOnce();
  EXPECT_EQ(transport_->calls, 0);
  EXPECT_TRUE(Delivered().empty());
}

TEST_F(MailSenderTest, TheThreadPicksUpMailCommittedAfterItStarted) {
  // RunOnce above is the same code the thread runs; here the commit listener must wake it.
  sender_->Start();
  SignUp("carol");
  for (int i = 0; i < 500 && Delivered().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  sender_->Stop();
  EXPECT_EQ(Delivered(), std::vector<std::string>{"mail_carol:sent"});
}

TEST(MailMessageTest, MimeIsMultipartAlternativeWithCrlfAndNoHeaderInjection) {
  MailMessage m{.id = "mail_1",
                .from = "authd <a@example.com>",
                .to = "b@example.com",
                .subject = "Hello\r\nBcc: evil@example.com",
                .text = "line one\nline two\n",
                .html = "<p>hi</p>"};
  const std::string mime = ToMime(m, 1'767'225'600'000'000);
  EXPECT_NE(mime.find("Content-Type: multipart/alternative; boundary=\"=_authd_mail_1\"\r\n"),
            std::string::npos);
  EXPECT_NE(mime.find("Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"), std::string::npos);
  EXPECT_EQ(mime.find("\r\nBcc:"), std::string::npos);
  EXPECT_NE(mime.find("line one\r\nline two\r\n"), std::string::npos);
  EXPECT_NE(mime.find("--=_authd_mail_1--\r\n"), std::string::npos);
  EXPECT_EQ(AddressOf("authd <a@example.com>"), "a@example.com");
  EXPECT_EQ(AddressOf("a@example.com"), "a@example.com");
}

TEST(MailTemplatesTest, LinksCarryTheTokenAndHtmlIsEscaped) {
  auto c = RenderMail(projections::TokenPurpose::kPasswordReset, "https://x.test/a&b", "TOK",
                      30 * 60 * kSecond);
  EXPECT_EQ(c.subject, "Reset your password");
  EXPECT_NE(c.text.find("https://x.test/a&b/reset-password?token=TOK"), std::string::npos);
  EXPECT_NE(c.html.find("https://x.test/a&amp;b/reset-password?token=TOK"), std::string::npos);
  EXPECT_NE(c.text.find("valid for 30 minutes"), std::string::npos);
  EXPECT_EQ(Duration(24 * 3600 * kSecond), "24 hours");
  EXPECT_EQ(Duration(kSecond), "1 second");
}

}  // namespace
}  // namespace authd::mail
