// Login throttling against a real event log with an injected clock: backoff per (account,
// address), the per-address limit, the per-account ceiling, expiry, and rebuild equality.
#include "projections/login_guard.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/event_types.hpp"
#include "projections/session_commands.hpp"
#include "projections/session_table.hpp"
#include "projections/throttle_table.hpp"
#include "projections/user_table.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::projections {
namespace {

using storage::test_support::FixedMasterKey;
using storage::test_support::TempDir;

constexpr core::Micros kSecond = 1'000'000;

class LoginGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::unique_ptr<storage::InlineProjection>> projections;
    projections.push_back(std::make_unique<UserTable>());
    projections.push_back(std::make_unique<SessionTable>());
    projections.push_back(std::make_unique<ThrottleTable>());
    storage::LogOptions options;
    options.path = dir_.Sub("log");
    auto log = storage::EventLog::Open(options, FixedMasterKey(), clock_, std::move(projections));
    ASSERT_TRUE(log) << log.error().message();
    log_ = std::move(*log);
    for (const char* name : {"alice", "bob"}) {
      ASSERT_TRUE(log_->Execute(users_.SignUp({.id = std::string("usr_") + name,
                                               .username = name,
                                               .email = std::string(name) + "@example.com",
                                               .password_hash = "$argon2id$x",
                                               .roles = {"user"}},
                                              {})));
    }
  }

  LoginAttempt Attempt(const std::string& user, const std::string& ip) const {
    return {.user_id = user, .name_hash = "", .addr = guard_.AddressHash(ip)};
  }

  Origin From(const LoginAttempt& a, const std::string& ip) const {
    return {.actor = a.user_id, .request_id = "req", .ip = ip, .addr = a.addr};
  }

  // One wrong password, through the writer's re-check. Returns the verdict the writer reached.
  ThrottleVerdict Fail(const std::string& user, const std::string& ip) {
    const auto a = Attempt(user, ip);
    auto verdict = std::make_shared<ThrottleVerdict>();
    auto r = log_->Execute(
        guard_.Guard(users_.LoginFailed(user, user, LoginFailure::kBadPassword, From(a, ip)), a,
                     From(a, ip), verdict));
    EXPECT_TRUE(r) << r.error().message();
    return *verdict;
  }

  ThrottleVerdict Succeed(const std::string& user, const std::string& ip) {
    const auto a = Attempt(user, ip);
    auto verdict = std::make_shared<ThrottleVerdict>();
    NewSession session{.user_id = user,
                       .session_id = "ses_" + std::to_string(++sessions_made_),
                       .amr = {"pwd"},
                       .refresh_hash = "h" + std::to_string(sessions_made_),
                       .lifetime = 3600 * kSecond};
    auto r = log_->Execute(
        guard_.Guard(sessions_.Login(std::move(session), From(a, ip)), a, From(a, ip), verdict));
    EXPECT_TRUE(r) << r.error().message();
    return *verdict;
  }

  ThrottleVerdict Check(const std::string& user, const std::string& ip) {
    auto v = guard_.Check(*log_, Attempt(user, ip), clock_.NowMicros());
    EXPECT_TRUE(v);
    return v ? *v : ThrottleVerdict{};
  }

  std::size_t CountOf(std::string_view type) {
    auto events = log_->ReadByType(type, 0, 10'000);
    return events ? events->size() : 0;
  }

  TempDir dir_;
  core::ManualClock clock_;
  UserCommands users_{DeriveKey(FixedMasterKey(), "unique-index")};
  SessionCommands sessions_;
  LoginGuard guard_{DeriveKey(FixedMasterKey(), "client-address"), ThrottlePolicy{}};
  std::unique_ptr<storage::EventLog> log_;
  int sessions_made_ = 0;
};

TEST_F(LoginGuardTest, BackoffStartsAfterFreeFailuresAndDoubles) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(Check("usr_alice", "192.0.2.1").throttled()) << i;
    EXPECT_FALSE(Fail("usr_alice", "192.0.2.1").throttled()) << i;
  }
  auto v = Check("usr_alice", "192.0.2.1");
  ASSERT_TRUE(v.throttled());
  EXPECT_EQ(v.reason, ThrottleReason::kBackoff);
  EXPECT_EQ(v.RetryAfterSeconds(clock_.NowMicros()), 1);
  // The writer refuses too, records the attempt, and the refusal does not lengthen the wait.
  EXPECT_TRUE(Fail("usr_alice", "192.0.2.1").throttled());
  EXPECT_EQ(CountOf(core::events::kUserLoginThrottled), 1U);
  EXPECT_EQ(CountOf(core::events::kUserLoginFailed), 5U);
  clock_.Advance(kSecond);
  EXPECT_FALSE(Fail("usr_alice", "192.0.2.1").throttled());  // 6th failure: next wait 2 s
  EXPECT_EQ(Check("usr_alice", "192.0.2.1").RetryAfterSeconds(clock_.NowMicros()), 2);
}

TEST_F(LoginGuardTest, ConcurrentAttemptsCannotOutrunTheThrottle) {
  // 20 wrong passwords submitted at once: the handler's early look saw no throttle for any of
  // them, but the writer decides them in order, so only the free five count as failures.
  constexpr int kAttempts = 20;
  std::atomic<int> done{0};
  std::vector<std::shared_ptr<ThrottleVerdict>> verdicts;
  for (int i = 0; i < kAttempts; ++i) {
    const auto a = Attempt("usr_alice", "192.0.2.8");
    verdicts.push_back(std::make_shared<ThrottleVerdict>());
    log_->Submit(guard_.Guard(users_.LoginFailed("usr_alice", "alice", LoginFailure::kBadPassword,
                                                 From(a, "192.0.2.8")),
                              a, From(a, "192.0.2.8"), verdicts.back()),
                 [&done](Result<storage::Committed> r) {
                   EXPECT_TRUE(r);
                   done.fetch_add(1);
                 });
  }
  for (int i = 0; i < 500 && done.load() < kAttempts; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(done.load(), kAttempts);
  int throttled = 0;
  for (const auto& v : verdicts)
    throttled += v->throttled() ? 1 : 0;
  EXPECT_EQ(throttled, kAttempts - 5);
  EXPECT_EQ(CountOf(core::events::kUserLoginFailed), 5U);
  EXPECT_EQ(CountOf(core::events::kUserLoginThrottled), static_cast<std::size_t>(kAttempts - 5));
}

TEST_F(LoginGuardTest, RightPasswordIsRefusedWhileThrottledAndAllowedAfter) {
  for (int i = 0; i < 5; ++i)
    Fail("usr_alice", "192.0.2.1");
  EXPECT_TRUE(Succeed("usr_alice", "192.0.2.1").throttled());
  EXPECT_EQ(CountOf(core::events::kUserLoginSucceeded), 0U);
  clock_.Advance(kSecond);
  EXPECT_FALSE(Succeed("usr_alice", "192.0.2.1").throttled());
  EXPECT_EQ(CountOf(core::events::kUserLoginSucceeded), 1U);
  // Success resets the pair: five free failures again.
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(Fail("usr_alice", "192.0.2.1").throttled());
}

TEST_F(LoginGuardTest, AnotherAddressIsNotThrottledByOnesBackoff) {
  for (int i = 0; i < 8; ++i)
    Fail("usr_alice", "192.0.2.1");
  EXPECT_TRUE(Check("usr_alice", "192.0.2.1").throttled());
  EXPECT_FALSE(Check("usr_alice", "198.51.100.2").throttled());
  EXPECT_FALSE(Succeed("usr_alice", "198.51.100.2").throttled());
}

TEST_F(LoginGuardTest, BackoffIsCappedAndExpires) {
  for (int i = 0; i < 40; ++i) {
    Fail("usr_alice", "192.0.2.1");
    clock_.Advance(20 * 60 * kSecond);  // beyond any backoff, so every attempt counts
  }
  clock_.Set(clock_.NowMicros() - 20 * 60 * kSecond);
  const auto v = Check("usr_alice", "192.0.2.1");
  ASSERT_TRUE(v.throttled());
  EXPECT_LE(v.RetryAfterSeconds(clock_.NowMicros()), 15 * 60);
  clock_.Advance(15 * 60 * kSecond);
  EXPECT_FALSE(Check("usr_alice", "192.0.2.1").throttled());
}

TEST_F(LoginGuardTest, SprayFromOneAddressHitsTheAddressLimit) {
  // Unknown names count like accounts: spraying usually hits names that do not exist.
  for (int i = 0; i < 30; ++i) {
    LoginAttempt a{.user_id = "",
                   .name_hash = users_.AttemptedNameHash("victim" + std::to_string(i)),
                   .addr = guard_.AddressHash("203.0.113.9")};
    auto verdict = std::make_shared<ThrottleVerdict>();
    auto origin = From(a, "203.0.113.9");
    ASSERT_TRUE(log_->Execute(guard_.Guard(
        users_.LoginFailed("", "victim" + std::to_string(i), LoginFailure::kUnknownUser, origin), a,
        origin, verdict)));
    EXPECT_FALSE(verdict->throttled()) << i;
  }
  const auto v = Check("usr_bob", "203.0.113.9");
  ASSERT_TRUE(v.throttled());
  EXPECT_EQ(v.reason, ThrottleReason::kAddressLimit);
  EXPECT_EQ(v.RetryAfterSeconds(clock_.NowMicros()), 600);
  // Other addresses are untouched; the window slides.
  EXPECT_FALSE(Check("usr_bob", "203.0.113.10").throttled());
  clock_.Advance(600 * kSecond);
  EXPECT_FALSE(Check("usr_bob", "203.0.113.9").throttled());
}

TEST_F(LoginGuardTest, AccountCeilingSparesAddressesThatLoggedInBefore) {
  EXPECT_FALSE(Succeed("usr_alice", "192.0.2.50").throttled());  // alice's usual address
  // 100 failures from 25 addresses, 4 each (under the backoff).
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(Fail("usr_alice", "10.0.0." + std::to_string(i % 25)).throttled()) << i;
  const auto stranger = Check("usr_alice", "10.9.9.9");
  ASSERT_TRUE(stranger.throttled());
  EXPECT_EQ(stranger.reason, ThrottleReason::kAccountCeiling);
  EXPECT_EQ(stranger.RetryAfterSeconds(clock_.NowMicros()), 3600);
  EXPECT_FALSE(Check("usr_alice", "192.0.2.50").throttled());
  EXPECT_FALSE(Succeed("usr_alice", "192.0.2.50").throttled());
  // The success reset the account: strangers may try again.
  EXPECT_FALSE(Check("usr_alice", "10.9.9.9").throttled());
}

TEST_F(LoginGuardTest, AccountCeilingExpiresWithoutASuccess) {
  for (int i = 0; i < 100; ++i)
    Fail("usr_alice", "10.0.0." + std::to_string(i % 25));
  EXPECT_TRUE(Check("usr_alice", "10.9.9.9").throttled());
  clock_.Advance(3600 * kSecond);
  EXPECT_FALSE(Check("usr_alice", "10.9.9.9").throttled());
  EXPECT_FALSE(Fail("usr_alice", "10.9.9.9").throttled());
  EXPECT_TRUE(Check("usr_alice", "10.9.9.10").throttled());  // each further failure re-arms it
}

TEST_F(LoginGuardTest, StateHoldsNoClearAddressAndEqualsItsRebuild) {
  for (int i = 0; i < 7; ++i)
    Fail("usr_alice", "192.0.2.77");
  Succeed("usr_bob", "192.0.2.77");
  bool clear = false;
  ASSERT_TRUE(log_->Scan(kThrottleFamily, "", "", [&](std::string_view k, std::string_view v) {
    clear = clear || k.find("192.0.2.77") != std::string_view::npos ||
            v.find("192.0.2.77") != std::string_view::npos ||
            k.find("usr_alice") != std::string_view::npos;
    return true;
  }));
  EXPECT_FALSE(clear);
  auto raw = log_->ReadRaw(log_->Head());
  ASSERT_TRUE(raw && *raw);
  EXPECT_EQ((*raw)->find("192.0.2.77"), std::string::npos);
  ThrottleTable fresh;
  auto same = storage::VerifyProjection(*log_, fresh);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->equal) << same->difference;
}

TEST_F(LoginGuardTest, NotEnforcedNeverThrottlesButStillRecordsThePseudonym) {
  LoginGuard relaxed(DeriveKey(FixedMasterKey(), "client-address"), ThrottlePolicy{}, nullptr,
                     /*enforce=*/false);
  for (int i = 0; i < 10; ++i) {
    const auto a = Attempt("usr_alice", "192.0.2.9");
    auto verdict = std::make_shared<ThrottleVerdict>();
    ASSERT_TRUE(log_->Execute(relaxed.Guard(
        users_.LoginFailed("usr_alice", "alice", LoginFailure::kBadPassword, From(a, "192.0.2.9")),
        a, From(a, "192.0.2.9"), verdict)));
    EXPECT_FALSE(verdict->throttled());
    auto early = relaxed.Check(*log_, a, clock_.NowMicros());
    ASSERT_TRUE(early);
    EXPECT_FALSE(early->throttled());
  }
  EXPECT_EQ(CountOf(core::events::kUserLoginFailed), 10U);
  EXPECT_EQ(relaxed.AddressHash("192.0.2.9"), guard_.AddressHash("192.0.2.9"));
  EXPECT_TRUE(Check("usr_alice", "192.0.2.9").throttled());  // the facts were still kept
}

TEST(ThrottledAddressTest, Ipv6CountsPerSlash64AndMappedIpv4AsIpv4) {
  EXPECT_EQ(ThrottledAddress("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(ThrottledAddress("::ffff:192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(ThrottledAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(ThrottledAddress("2001:db8:1:2::1"), ThrottledAddress("2001:db8:1:2:ffff::9"));
  EXPECT_NE(ThrottledAddress("2001:db8:1:2::1"), ThrottledAddress("2001:db8:1:3::1"));
}

TEST_F(LoginGuardTest, RotatingThroughAnIpv6Slash64DoesNotEscapeTheBackoff) {
  for (int i = 0; i < 5; ++i)
    Fail("usr_alice", "2001:db8:7:7::" + std::to_string(i + 1));
  EXPECT_TRUE(Check("usr_alice", "2001:db8:7:7::99").throttled());
  EXPECT_FALSE(Check("usr_alice", "2001:db8:7:8::1").throttled());
}

TEST(ThrottlePolicyTest, RejectsOutOfRangeSettings) {
  EXPECT_EQ(ThrottlePolicy{}.Problem(), "");
  EXPECT_NE((ThrottlePolicy{.account_ceiling = 101}).Problem(), "");
  EXPECT_NE((ThrottlePolicy{.address_limit = 65}).Problem(), "");
  EXPECT_NE((ThrottlePolicy{.pair_free_failures = 0}).Problem(), "");
}

}  // namespace
}  // namespace authd::projections
