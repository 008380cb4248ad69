// MFA facts in the user table: enrollment seals the secret, each TOTP step and recovery code is
// spent once by the writer (also when decisions race in one group), disable clears it all, and
// the table equals its rebuild.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/recovery_codes.hpp"
#include "core/sealing.hpp"
#include "projections/event_render.hpp"
#include "storage/verify.hpp"
#include "tests/unit/projections/user_fixture.hpp"

namespace authd::projections {
namespace {

class MfaCommandsTest : public UserCommandsTest {
 protected:
  void SetUp() override {
    UserCommandsTest::SetUp();
    ASSERT_TRUE(Run(commands_.SignUp(Person("mia"), {})));
  }

  UserRecord Mia() {
    auto u = users_->Find("usr_mia");
    EXPECT_TRUE(u && *u);
    return u && *u ? **u : UserRecord{};
  }

  Result<storage::Committed> Enroll(std::uint64_t step) {
    std::vector<std::string> hashes;
    for (int i = 0; i < 10; ++i)
      hashes.push_back(core::HashRecoveryCode("usr_mia", "code-" + std::to_string(i)));
    return Run(
        commands_.EnrollTotp("usr_mia", std::string(kSecret), step, hashes, {.actor = "usr_mia"}));
  }

  NewSession Login(std::optional<std::uint64_t> step, std::optional<std::uint32_t> index) {
    return {.user_id = "usr_mia",
            .session_id = "ses_" + std::to_string(++sessions_opened_),
            .amr = {"pwd", "otp"},
            .refresh_hash = "r" + std::to_string(sessions_opened_),
            .lifetime = 3'600'000'000,
            .totp_step = step,
            .recovery_index = index};
  }

  static constexpr std::string_view kSecret = "12345678901234567890";
  int sessions_opened_ = 0;
};

TEST_F(MfaCommandsTest, EnrollmentSealsTheSecretAndRemembersTheConfirmingStep) {
  ASSERT_TRUE(Enroll(100));
  const auto mia = Mia();
  EXPECT_TRUE(mia.mfa_enabled);
  EXPECT_EQ(mia.totp_last_step, 100U);
  auto key = log_->DataKey("usr_mia");
  ASSERT_TRUE(key);
  auto secret = core::Open(*key, "usr_mia", "totp_secret", mia.sealed.at("totp_secret"));
  ASSERT_TRUE(secret);
  EXPECT_EQ(*secret, kSecret);
  auto raw = log_->ReadRaw(2);
  ASSERT_TRUE(raw && *raw);
  EXPECT_EQ((*raw)->find(kSecret), std::string::npos) << "sealed in the event too";
  auto events = log_->ReadRange(1, 1);
  ASSERT_TRUE(events && events->size() == 1);
  const auto rendered = boost::json::serialize(RenderEvent(events->front(), *log_));
  EXPECT_EQ(rendered.find(kSecret), std::string::npos);
  EXPECT_EQ(rendered.find(core::HashRecoveryCode("usr_mia", "code-0")), std::string::npos);
  EXPECT_EQ(Enroll(101).error(), core::Errc::kConflict);
}

TEST_F(MfaCommandsTest, EachStepAndRecoveryCodeIsSpentOnce) {
  ASSERT_TRUE(Enroll(100));
  EXPECT_EQ(Run(sessions_.Login(Login(100, {}), {})).error(), core::Errc::kInvalidMfaCode);
  EXPECT_EQ(Run(sessions_.Login(Login(99, {}), {})).error(), core::Errc::kInvalidMfaCode);
  ASSERT_TRUE(Run(sessions_.Login(Login(101, {}), {})));
  EXPECT_EQ(Mia().totp_last_step, 101U);
  EXPECT_EQ(Run(sessions_.Login(Login(101, {}), {})).error(), core::Errc::kInvalidMfaCode);

  ASSERT_TRUE(Run(sessions_.Login(Login({}, 3), {})));
  EXPECT_EQ(Mia().recovery_used, std::vector<std::uint32_t>{3});
  EXPECT_EQ(Run(sessions_.Login(Login({}, 3), {})).error(), core::Errc::kInvalidMfaCode);
  ASSERT_TRUE(Run(sessions_.Login(Login({}, 0), {})));
  EXPECT_EQ(Mia().recovery_used, (std::vector<std::uint32_t>{0, 3}));
}

TEST_F(MfaCommandsTest, RacingDecisionsInOneGroupSpendAStepOnce) {
  ASSERT_TRUE(Enroll(100));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  std::vector<NewSession> logins;
  for (int i = 0; i < 8; ++i)
    logins.push_back(Login(101, {}));
  for (auto& login : logins) {
    threads.emplace_back([this, &ok, login] {
      if (log_->Execute(sessions_.Login(login, {}))) ++ok;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 1);
}

TEST_F(MfaCommandsTest, DisableClearsEverythingAndTheTableEqualsItsRebuild) {
  ASSERT_TRUE(Enroll(100));
  ASSERT_TRUE(Run(sessions_.Login(Login(105, {}), {})));
  ASSERT_TRUE(Run(sessions_.Login(Login({}, 4), {})));
  EXPECT_EQ(Run(commands_.DisableTotp("usr_mia", 105, {})).error(), core::Errc::kInvalidMfaCode);
  ASSERT_TRUE(Run(commands_.DisableTotp("usr_mia", 106, {.actor = "usr_mia"})));
  const auto mia = Mia();
  EXPECT_FALSE(mia.mfa_enabled);
  EXPECT_FALSE(mia.sealed.contains("totp_secret"));
  EXPECT_FALSE(mia.sealed.contains("recovery_codes"));
  EXPECT_TRUE(mia.recovery_used.empty());
  EXPECT_EQ(Run(commands_.DisableTotp("usr_mia", std::nullopt, {})).error(), core::Errc::kConflict);
  // A second factor is refused once MFA is off.
  EXPECT_EQ(Run(sessions_.Login(Login(200, {}), {})).error(), core::Errc::kInvalidMfaCode);

  ASSERT_TRUE(Enroll(300));
  ASSERT_TRUE(Run(sessions_.Login(Login({}, 1), {})));
  UserTable fresh;
  auto same = storage::VerifyProjection(*log_, fresh);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->equal) << same->difference;
}

}  // namespace
}  // namespace authd::projections
