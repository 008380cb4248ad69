// Mail tokens and the outbox against a real event log in a temp folder, with a manual clock:
// tokens work once, expire, die when superseded, on password change and with their user; the
// outbox is requested minus delivered; every projection rebuilds to the same bytes.
#include "projections/mail_commands.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "core/sealing.hpp"
#include "projections/email_tokens.hpp"
#include "projections/event_render.hpp"
#include "projections/mail_outbox.hpp"
#include "projections/session_table.hpp"
#include "projections/user_record.hpp"
#include "projections/user_table.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::projections {
namespace {

using storage::test_support::FixedMasterKey;
using storage::test_support::TempDir;

constexpr core::Micros kMinute = 60LL * 1'000'000;
constexpr const char* kHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aA";

class MailCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::unique_ptr<storage::InlineProjection>> projections;
    projections.push_back(std::make_unique<UserTable>());
    projections.push_back(std::make_unique<SessionTable>());
    projections.push_back(std::make_unique<EmailTokenTable>());
    projections.push_back(std::make_unique<MailOutbox>());
    storage::LogOptions options;
    options.path = dir_.Sub("log");
    auto log = storage::EventLog::Open(options, FixedMasterKey(), clock_, std::move(projections));
    ASSERT_TRUE(log) << log.error().message();
    log_ = std::move(*log);
  }

  Result<storage::Committed> Run(storage::DecideFn fn) { return log_->Execute(std::move(fn)); }

  // Signs `name` up with the verification mail "mail_<name>" in the same commit.
  void SignUp(const std::string& name) {
    auto signup = users_.SignUp({.id = "usr_" + name,
                                 .username = name,
                                 .email = name + "@example.com",
                                 .password_hash = kHash,
                                 .roles = {"user"}},
                                {});
    auto committed =
        Run(mail_.WithVerificationMail(std::move(signup), "usr_" + name, "mail_" + name, {}));
    ASSERT_TRUE(committed);
    ASSERT_EQ(committed->size(), 2U);
    EXPECT_EQ(committed->back().type, core::events::kMailRequested);
  }

  std::string Token(const std::string& mail_id) const {
    return mail_.tokens().Hash(mail_.tokens().TokenFor(mail_id));
  }

  std::vector<std::string> Pending() {
    auto pending = PendingMail(*log_);
    EXPECT_TRUE(pending);
    std::vector<std::string> ids;
    for (const auto& m : *pending)
      ids.push_back(m.id);
    return ids;
  }

  bool UserVerified(const std::string& id) {
    auto row = log_->Get(kUsersFamily, UserKey(id));
    return row && *row && DecodeUserRecord(**row)->email_verified;
  }

  void ExpectRebuildsEqual() {
    for (auto* p : log_->Projections()) {
      auto same = storage::VerifyProjection(*log_, *p);
      ASSERT_TRUE(same);
      EXPECT_TRUE(same->equal) << p->Name() << ": " << same->difference;
    }
  }

  TempDir dir_;
  core::ManualClock clock_;
  UserCommands users_{DeriveKey(FixedMasterKey(), "unique-index")};
  MailCommands mail_{MailTokens(DeriveKey(FixedMasterKey(), "mail-token"),
                                DeriveKey(FixedMasterKey(), "mail-token-hash")),
                     MailPolicy{.verify_ttl = 60 * kMinute, .reset_ttl = 30 * kMinute}};
  std::unique_ptr<storage::EventLog> log_;
};

TEST_F(MailCommandsTest, TokensAreDerivedFromTheMailIdAndOnlyTheirHashIsStored) {
  const MailTokens& t = mail_.tokens();
  EXPECT_EQ(t.TokenFor("mail_1"), t.TokenFor("mail_1"));
  EXPECT_NE(t.TokenFor("mail_1"), t.TokenFor("mail_2"));
  EXPECT_EQ(t.TokenFor("mail_1").size(), 43U);
  const MailTokens other(DeriveKey(FixedMasterKey(), "x"), DeriveKey(FixedMasterKey(), "y"));
  EXPECT_NE(other.TokenFor("mail_1"), t.TokenFor("mail_1"));

  SignUp("alice");
  auto events = log_->ReadRange(0, 10);
  ASSERT_TRUE(events);
  const std::string token = t.TokenFor("mail_alice");
  for (const auto& e : *events) {
    const std::string rendered = boost::json::serialize(RenderEvent(e, *log_));
    EXPECT_EQ(rendered.find(token), std::string::npos) << rendered;
    EXPECT_EQ(rendered.find(Token("mail_alice")), std::string::npos) << "hash not redacted";
  }
  // The recipient is sealed under the user's key.
  const auto& requested = events->back();
  auto key = log_->DataKey("usr_alice");
  ASSERT_TRUE(key);
  auto to = core::Open(*key, "usr_alice", "to", requested.sealed.at("to"));
  ASSERT_TRUE(to);
  EXPECT_EQ(*to, "alice@example.com");
}

TEST_F(MailCommandsTest, AVerificationTokenWorksOnceAndOnlyForItsPurpose) {
  SignUp("alice");
  auto wrong = Run(mail_.ResetPassword(Token("mail_alice"), "usr_alice", kHash, {}));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error(), core::Errc::kNotFound);
  ASSERT_TRUE(Run(mail_.ConfirmVerification(Token("mail_alice"), {})));
  EXPECT_TRUE(UserVerified("usr_alice"));
  auto again = Run(mail_.ConfirmVerification(Token("mail_alice"), {}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), core::Errc::kNotFound);
  auto resend = Run(mail_.RequestVerification("usr_alice", "mail_2", {}));
  ASSERT_FALSE(resend);
  EXPECT_EQ(resend.error(), core::Errc::kConflict);
  ExpectRebuildsEqual();
}

TEST_F(MailCommandsTest, TwoConfirmsInOneGroupSucceedExactlyOnce) {
  SignUp("alice");
  // Both decided by the writer, one after the other: the second sees the first's effect.
  std::atomic<int> ok{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = log_->Execute(mail_.ConfirmVerification(Token("mail_alice"), {}));
      (r ? ok : refused)++;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(refused.load(), 7);
}

TEST_F(MailCommandsTest, TokensExpireAtTheirLifetime) {
  SignUp("alice");
  ASSERT_TRUE(Run(mail_.RequestPasswordReset(users_.EmailKey("alice@example.com"), "mail_r", {})));
  clock_.Advance(30 * kMinute);  // the reset token's lifetime: dead exactly now
  EXPECT_FALSE(Run(mail_.ResetPassword(Token("mail_r"), "usr_alice", kHash, {})));
  auto live = LiveToken(*log_, Token("mail_r"), TokenPurpose::kPasswordReset, clock_.NowMicros());
  ASSERT_TRUE(live);
  EXPECT_FALSE(*live);
  // The verification token (60 minutes) still works.
  EXPECT_TRUE(Run(mail_.ConfirmVerification(Token("mail_alice"), {})));
}

TEST_F(MailCommandsTest, ResetSetsThePasswordAndUsesTheToken) {
  SignUp("alice");
  ASSERT_TRUE(Run(mail_.RequestPasswordReset(users_.EmailKey("alice@example.com"), "mail_r", {})));
  const std::string fresh = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3";
  auto committed = Run(mail_.ResetPassword(Token("mail_r"), "usr_alice", fresh, {}));
  ASSERT_TRUE(committed);
  EXPECT_EQ(committed->front().type, core::events::kUserPasswordReset);
  EXPECT_EQ(committed->front().data.at("mail_id").as_string(), "mail_r");
  EXPECT_FALSE(Run(mail_.ResetPassword(Token("mail_r"), "usr_alice", kHash, {})));
  ExpectRebuildsEqual();
}

TEST_F(MailCommandsTest, ANewerTokenOrAPasswordChangeKillsTheOlderOne) {
  SignUp("alice");
  const std::string email_key = users_.EmailKey("alice@example.com");
  ASSERT_TRUE(Run(mail_.RequestPasswordReset(email_key, "mail_r1", {})));
  ASSERT_TRUE(Run(mail_.RequestPasswordReset(email_key, "mail_r2", {})));
  EXPECT_FALSE(Run(mail_.ResetPassword(Token("mail_r1"), "usr_alice", kHash, {})));
  ASSERT_TRUE(Run(users_.ChangePassword("usr_alice", kHash, "", {})));
  EXPECT_FALSE(Run(mail_.ResetPassword(Token("mail_r2"), "usr_alice", kHash, {})));

  // An email change kills the verification token of the old address and mails the new one.
  ProfileChange change{.email = std::string("new@example.com")};
  auto committed = Run(mail_.WithVerificationMail(users_.UpdateProfile("usr_alice", change, {}),
                                                  "usr_alice", "mail_v2", {}));
  ASSERT_TRUE(committed);
  ASSERT_EQ(committed->size(), 2U);
  EXPECT_FALSE(Run(mail_.ConfirmVerification(Token("mail_alice"), {})));
  EXPECT_TRUE(Run(mail_.ConfirmVerification(Token("mail_v2"), {})));
  // A profile change that leaves the address alone mails nothing.
  ProfileChange name_only{.display_name = std::string("Alice")};
  auto quiet = Run(mail_.WithVerificationMail(users_.UpdateProfile("usr_alice", name_only, {}),
                                              "usr_alice", "mail_v3", {}));
  ASSERT_TRUE(quiet);
  EXPECT_EQ(quiet->size(), 1U);
  ExpectRebuildsEqual();
}

TEST_F(MailCommandsTest, ResetForAnUnknownAddressAppendsNothing) {
  SignUp("alice");
  const auto head = log_->Head();
  auto r = Run(mail_.RequestPasswordReset(users_.EmailKey("nobody@example.com"), "mail_x", {}));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  EXPECT_EQ(log_->Head(), head);
}

TEST_F(MailCommandsTest, TheOutboxIsRequestedMinusDeliveredAndDropsDeletedUsers) {
  SignUp("alice");
  SignUp("bob");
  EXPECT_EQ(Pending(), (std::vector<std::string>{"mail_alice", "mail_bob"}));
  ASSERT_TRUE(Run(mail_.MarkDelivered("mail_alice", 1, "sent")));
  EXPECT_EQ(Pending(), std::vector<std::string>{"mail_bob"});
  // Marking twice appends nothing the second time.
  auto twice = Run(mail_.MarkDelivered("mail_alice", 1, "sent"));
  ASSERT_TRUE(twice);
  EXPECT_TRUE(twice->empty());

  ASSERT_TRUE(Run(users_.Delete("usr_bob", {})));
  EXPECT_TRUE(Pending().empty());
  EXPECT_FALSE(Run(mail_.ConfirmVerification(Token("mail_bob"), {})));
  auto late = Run(mail_.MarkDelivered("mail_bob", 1, "sent"));
  ASSERT_TRUE(late);
  EXPECT_TRUE(late->empty());
  ExpectRebuildsEqual();
}

}  // namespace
}  // namespace authd::projections
