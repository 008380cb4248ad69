// The failed-login monitor on hand-made events and an injected clock: detection of the three
// attack patterns, alerts that keep their id while open and clear when the pattern stops, top
// lists, active throttles, and priming from the log.
#include "projections/failed_login_monitor.hpp"

#include <gtest/gtest.h>

#include "core/event_types.hpp"
#include "projections/throttle_table.hpp"
#include "projections/user_commands.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;
constexpr core::Micros kSecond = 1'000'000;
constexpr core::Micros kMinute = 60 * kSecond;

class MonitorTest : public ::testing::Test {
 protected:
  core::Event Login(std::string_view type, std::string_view user, std::string_view addr) {
    core::Event e;
    e.seq = ++seq_;
    e.type = std::string(type);
    e.stream = std::string(user);
    e.at = clock_.NowMicros();
    if (!addr.empty()) e.data["addr"] = addr;
    return e;
  }
  void Failed(std::string_view user, std::string_view addr) {
    monitor_.Observe(Login(ev::kUserLoginFailed, user, addr));
  }
  std::vector<SecurityAlert> Alerts() { return monitor_.Snapshot(clock_.NowMicros()).alerts; }
  static const SecurityAlert* Find(const std::vector<SecurityAlert>& alerts,
                                   std::string_view kind) {
    for (const auto& a : alerts) {
      if (a.kind == kind) return &a;
    }
    return nullptr;
  }

  core::ManualClock clock_;
  AddressBook book_;
  FailedLoginMonitor monitor_{MonitorOptions{.addresses = &book_}};
  std::uint64_t seq_ = 0;
};

TEST_F(MonitorTest, QuietTrafficRaisesNothing) {
  monitor_.Observe(Login(ev::kUserLoginSucceeded, "usr_a", "aa01"));
  Failed("usr_a", "aa01");
  Failed("usr_b", "aa02");
  const auto snap = monitor_.Snapshot(clock_.NowMicros());
  EXPECT_TRUE(snap.alerts.empty());
  EXPECT_EQ(snap.counters.logins_succeeded, 1U);
  EXPECT_EQ(snap.counters.logins_failed, 2U);
  EXPECT_EQ(snap.counters.active_throttles, 0U);
}

TEST_F(MonitorTest, BruteForceOnOneAccountOpensAndClearsWhenItStops) {
  const auto start = clock_.NowMicros();
  for (int i = 0; i < 12; ++i) {
    Failed("usr_victim", "bf01");
    clock_.Advance(kSecond);
  }
  auto alerts = Alerts();
  const auto* bf = Find(alerts, "brute_force");
  ASSERT_NE(bf, nullptr);
  EXPECT_EQ(bf->severity, "low");
  EXPECT_EQ(bf->started_at, start);
  EXPECT_EQ(bf->last_seen_at, start + 11 * kSecond);
  EXPECT_EQ(bf->evidence.at("account").as_string(), "usr_victim");
  EXPECT_EQ(bf->evidence.at("failures").to_number<std::int64_t>(), 12);
  EXPECT_EQ(Find(alerts, "password_spraying"), nullptr);
  EXPECT_EQ(Find(alerts, "distributed_guessing"), nullptr);
  const std::string id = bf->id;
  // The backoff these failures earned shows as an active throttle.
  EXPECT_GE(monitor_.Snapshot(clock_.NowMicros()).counters.active_throttles, 1U);

  // Still going: the same alert, now seen later and more severe.
  for (int i = 0; i < 30; ++i)
    Failed("usr_victim", "bf01");
  alerts = Alerts();
  bf = Find(alerts, "brute_force");
  ASSERT_NE(bf, nullptr);
  EXPECT_EQ(bf->id, id);
  EXPECT_EQ(bf->started_at, start);
  EXPECT_EQ(bf->severity, "high");

  // It stops: once the window has slid past it the alert clears, and a new wave is a new alert.
  clock_.Advance(15 * kMinute);
  EXPECT_TRUE(Alerts().empty());
  for (int i = 0; i < 10; ++i)
    Failed("usr_victim", "bf01");
  alerts = Alerts();
  bf = Find(alerts, "brute_force");
  ASSERT_NE(bf, nullptr);
  EXPECT_NE(bf->id, id);
}

TEST_F(MonitorTest, SprayFromOneAddressAcrossManyAccounts) {
  book_.Note("5a5a5a5a5a5a5a5a5a5a", "203.0.113.9");
  for (int i = 0; i < 50; ++i)
    Failed("usr_" + std::to_string(i), "5a5a5a5a5a5a5a5a5a5a");
  const auto snapshot = monitor_.Snapshot(clock_.NowMicros());
  ASSERT_NE(Find(snapshot.alerts, "password_spraying"), nullptr);
  const auto report = monitor_.Report(clock_.NowMicros());
  const auto* spray = Find(report.snapshot.alerts, "password_spraying");
  ASSERT_NE(spray, nullptr);
  EXPECT_EQ(spray->id, Find(snapshot.alerts, "password_spraying")->id);  // still the same alert
  EXPECT_EQ(spray->severity, "high");
  EXPECT_EQ(spray->evidence.at("address").as_string(), "203.0.113.9");
  EXPECT_EQ(spray->evidence.at("account_count").to_number<std::int64_t>(), 50);
  EXPECT_EQ(spray->evidence.at("accounts").as_array().size(), 10U);
  // No single account was hammered.
  EXPECT_EQ(Find(report.snapshot.alerts, "brute_force"), nullptr);
  ASSERT_FALSE(report.top_addresses.empty());
  EXPECT_EQ(report.top_addresses.front().name, "203.0.113.9");
  EXPECT_EQ(report.top_addresses.front().failures, 50U);
  EXPECT_EQ(report.top_addresses.front().distinct, 50U);
  // 50 failures from one address exceed the per-address limit (30 in 10 minutes).
  bool address_throttle = false;
  for (const auto& t : report.throttles)
    address_throttle =
        address_throttle || (t.reason == "address_limit" && t.address == "203.0.113.9");
  EXPECT_TRUE(address_throttle);
  // Both the alert and the throttle expire with time.
  clock_.Advance(15 * kMinute);
  const auto later = monitor_.Snapshot(clock_.NowMicros());
  EXPECT_TRUE(later.alerts.empty());
  EXPECT_EQ(later.counters.active_throttles, 0U);
}

TEST_F(MonitorTest, DistributedGuessingOnOneAccountFromManyAddresses) {
  for (int i = 0; i < 6; ++i)
    Failed("usr_target", "d" + std::to_string(i));
  const auto alerts = Alerts();
  const auto* dist = Find(alerts, "distributed_guessing");
  ASSERT_NE(dist, nullptr);
  EXPECT_EQ(dist->evidence.at("address_count").to_number<std::int64_t>(), 6);
  // Unknown pseudonyms show as such, never as something that looks like an address.
  EXPECT_EQ(dist->evidence.at("addresses").as_array().front().as_string().subview(0, 5), "addr:");
  EXPECT_EQ(Find(alerts, "brute_force"), nullptr);
}

TEST_F(MonitorTest, WindowIsBoundedInMemory) {
  FailedLoginMonitor small(MonitorOptions{.max_failures = 100});
  for (int i = 0; i < 150; ++i)
    small.Observe(Login(ev::kUserLoginFailed, "usr_many", "bb01"));
  const auto report = small.Report(clock_.NowMicros());
  ASSERT_EQ(report.top_accounts.size(), 1U);
  EXPECT_EQ(report.top_accounts.front().failures, 100U);
  EXPECT_EQ(report.snapshot.counters.logins_failed, 150U);
}

// A server that sees a few failures on each of many accounts (a typo, then the user goes away)
// must not keep every account it ever saw: once their throttles can no longer matter (after the
// default one-hour account lockout), the entries go.
TEST_F(MonitorTest, ThrottleMirrorsForgetAccountsWhoseThrottlesLapsed) {
  constexpr int kAccounts = 3000;
  const auto fail_each = [&](std::string_view prefix) {
    for (int i = 0; i < kAccounts; ++i)
      Failed(std::string(prefix) + std::to_string(i), "cc01");
  };
  fail_each("usr_old_");
  EXPECT_EQ(monitor_.TrackedEntries(), 2U * kAccounts + 1);  // accounts, pairs, one address
  clock_.Advance(2 * 60 * kMinute);
  fail_each("usr_new_");
  EXPECT_EQ(monitor_.TrackedEntries(), 2U * kAccounts + 1);
}

// The monitor beside a real log with the throttle table, as `authd serve` runs it.
class MonitorOnLogTest : public MonitorTest {
 protected:
  void SetUp() override {
    std::vector<std::unique_ptr<storage::InlineProjection>> projections;
    projections.push_back(std::make_unique<ThrottleTable>());
    storage::LogOptions options;
    options.path = dir_.Sub("log");
    options.sync = false;  // no power loss to survive here; hundreds of appends stay fast
    auto log = storage::EventLog::Open(options, storage::test_support::FixedMasterKey(), clock_,
                                       std::move(projections));
    ASSERT_TRUE(log) << log.error().message();
    log_ = std::move(*log);
  }

  // Commits one failed login, as the login path would.
  bool AppendFailure(std::string_view user, std::string_view addr) {
    auto e = Login(ev::kUserLoginFailed, user, addr);
    e.seq = 0;
    e.at = 0;
    e.subject = std::string(kAnonymousSubject);
    return log_
        ->Execute([e](storage::Txn& txn) -> Result<void> {
          auto r = txn.Append(e);
          if (!r) return r.error();
          return {};
        })
        .has_value();
  }

  storage::test_support::TempDir dir_;
  std::unique_ptr<storage::EventLog> log_;
};

TEST_F(MonitorOnLogTest, PrimesFromRecentLogEventsAndFollowsNewOnes) {
  ASSERT_TRUE(AppendFailure("usr_old", "0ld0"));  // two hours ago: outside every window
  clock_.Advance(2 * 3600 * kSecond);
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(AppendFailure("usr_recent", "4e40"));
  FailedLoginMonitor monitor;
  ASSERT_TRUE(monitor.Attach(*log_, clock_.NowMicros()));
  ASSERT_TRUE(AppendFailure("usr_recent", "4e41"));
  const auto report = monitor.Report(clock_.NowMicros());
  EXPECT_EQ(report.snapshot.counters.logins_failed, 11U);
  ASSERT_EQ(report.top_accounts.size(), 1U);
  EXPECT_EQ(report.top_accounts.front().name, "usr_recent");
  EXPECT_EQ(report.top_accounts.front().failures, 11U);
  EXPECT_NE(Find(report.snapshot.alerts, "brute_force"), nullptr);
}

// A slow guesser: ten failures, a pause longer than the backoff cap, then one more. Meanwhile
// other failures make the mirrors sweep the lapsed pair. The throttle table still counts ten, so
// the eleventh failure is enforced with a 64 s backoff, and the monitor must show that backoff
// rather than a count started again from one.
TEST_F(MonitorOnLogTest, ThrottleShownAfterASweepIsTheOneTheTableEnforces) {
  FailedLoginMonitor monitor;
  ASSERT_TRUE(monitor.Attach(*log_, clock_.NowMicros()));
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(AppendFailure("usr_slow", "5105"));
  clock_.Advance(20 * kMinute);
  for (int i = 0; i < 600; ++i)  // 1,200 entries: past the sweep's floor of 1,024
    ASSERT_TRUE(AppendFailure("usr_other_" + std::to_string(i), "0e0e"));
  ASSERT_TRUE(AppendFailure("usr_slow", "5105"));

  const auto now = clock_.NowMicros();
  const auto report = monitor.Report(now);
  const ActiveThrottle* backoff = nullptr;
  for (const auto& t : report.throttles) {
    if (t.reason == "backoff" && t.account == "usr_slow") backoff = &t;
  }
  ASSERT_NE(backoff, nullptr) << "the eleventh failure's backoff is not shown";
  EXPECT_EQ(backoff->until, now + 64 * kSecond);  // 1 s doubled once per failure past the 5th
}

}  // namespace
}  // namespace authd::projections
