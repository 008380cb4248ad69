// The feeds without sockets: SecurityFeed's messages from successive snapshots, and FeedHub's
// hand-over from the log to the live broadcast (no gap, no duplicate) and its security ticks,
// with a fake SecurityView.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "net/feed_hub.hpp"
#include "net/security_feed.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::net {
namespace {

namespace json = boost::json;
using projections::SecurityAlert;
using projections::SecuritySnapshot;
using namespace std::chrono_literals;

constexpr core::Micros kSecond = 1'000'000;

SecurityAlert Alert(std::string id, std::string kind = "brute_force") {
  SecurityAlert a;
  a.id = std::move(id);
  a.kind = std::move(kind);
  a.severity = "high";
  a.started_at = 1'767'225'600'000'000;
  a.last_seen_at = a.started_at;
  a.evidence = {{"attempts", 12}, {"account", "usr_1"}};
  return a;
}

SecuritySnapshot Snap(core::Micros at, std::vector<SecurityAlert> alerts, std::uint64_t ok,
                      std::uint64_t failed, std::uint64_t throttles = 0) {
  SecuritySnapshot s;
  s.at = at;
  s.alerts = std::move(alerts);
  s.counters.logins_succeeded = ok;
  s.counters.logins_failed = failed;
  s.counters.active_throttles = throttles;
  return s;
}

json::object Parse(const std::string& text) {
  return json::parse(text).as_object();
}

std::vector<std::string> Types(const std::vector<std::string>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    auto o = Parse(m);
    std::string t(o.at("type").as_string());
    if (t != "counters") t += ":" + std::string(o.at("alert").at("id").as_string());
    out.push_back(t);
  }
  return out;
}

TEST(SecurityFeedTest, AlertsThatAppearOpenAndThoseThatDisappearClose) {
  SecurityFeed feed;
  const core::Micros t0 = 1'767'225'600'000'000;
  EXPECT_EQ(Types(feed.Next(Snap(t0, {Alert("a1")}, 0, 0))),
            (std::vector<std::string>{"alert_opened:a1", "counters"}));
  EXPECT_EQ(Types(feed.Next(Snap(t0 + kSecond, {Alert("a1"), Alert("a2")}, 0, 0))),
            (std::vector<std::string>{"alert_opened:a2", "counters"}));
  EXPECT_EQ(Types(feed.Next(Snap(t0 + 2 * kSecond, {Alert("a2")}, 0, 0))),
            (std::vector<std::string>{"alert_closed:a1", "counters"}));
  // A new id for the same pattern is a new alert.
  EXPECT_EQ(Types(feed.Next(Snap(t0 + 3 * kSecond, {Alert("a3")}, 0, 0))),
            (std::vector<std::string>{"alert_closed:a2", "alert_opened:a3", "counters"}));
  EXPECT_EQ(Types(feed.OpenAlerts()), (std::vector<std::string>{"alert_opened:a3"}));
  auto opened = Parse(feed.OpenAlerts().front());
  EXPECT_EQ(opened.at("alert").at("kind").as_string(), "brute_force");
  EXPECT_EQ(opened.at("alert").at("evidence").at("attempts").as_int64(), 12);
}

TEST(SecurityFeedTest, CountersAreRatesOfTheMonotonicTotals) {
  SecurityFeed feed;
  const core::Micros t0 = 1'767'225'600'000'000;
  auto first = Parse(feed.Next(Snap(t0, {}, 100, 40, 2)).back());
  EXPECT_EQ(first.at("per_second").at("logins_failed").as_double(), 0.0);  // nothing to diff yet
  EXPECT_EQ(first.at("totals").at("logins_failed").to_number<std::uint64_t>(), 40U);
  EXPECT_EQ(first.at("active_throttles").to_number<std::uint64_t>(), 2U);

  auto second = Parse(feed.Next(Snap(t0 + 2 * kSecond, {}, 110, 70, 3)).back());
  EXPECT_DOUBLE_EQ(second.at("interval_s").as_double(), 2.0);
  EXPECT_DOUBLE_EQ(second.at("per_second").at("logins_succeeded").as_double(), 5.0);
  EXPECT_DOUBLE_EQ(second.at("per_second").at("logins_failed").as_double(), 15.0);
  EXPECT_EQ(second.at("active_throttles").to_number<std::uint64_t>(), 3U);
  EXPECT_EQ(second.at("at").as_string(), core::FormatRfc3339(t0 + 2 * kSecond));

  // Totals that go down (a restarted monitor) are no negative rate.
  auto third = Parse(feed.Next(Snap(t0 + 3 * kSecond, {}, 5, 1)).back());
  EXPECT_EQ(third.at("per_second").at("logins_failed").as_double(), 0.0);
}

// A SecurityView whose snapshot the test sets.
class FakeSecurityView final : public projections::SecurityView {
 public:
  SecuritySnapshot Snapshot(core::Micros now) const override {
    std::lock_guard lock(mu_);
    SecuritySnapshot s = next_;
    s.at = now;
    return s;
  }
  void Set(SecuritySnapshot s) {
    std::lock_guard lock(mu_);
    next_ = std::move(s);
  }

 private:
  mutable std::mutex mu_;
  SecuritySnapshot next_;
};

// Collects what the hub delivers (on the hub thread).
class CollectingSink final : public FeedSink {
 public:
  void Deliver(const FeedBatch& batch) override {
    std::lock_guard lock(mu_);
    for (const auto& item : *batch)
      items_.push_back(item);
    cv_.notify_all();
  }
  void Lost() override {
    std::lock_guard lock(mu_);
    lost_ = true;
    cv_.notify_all();
  }
  // Waits (bounded) until pred(items) holds; returns whether it did.
  template <class Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(items_); });
  }
  std::vector<FeedItem> Items() {
    std::lock_guard lock(mu_);
    return items_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<FeedItem> items_;
  bool lost_ = false;
};

bool HasType(const std::vector<FeedItem>& items, std::string_view type, std::string_view id) {
  for (const auto& i : items) {
    auto o = Parse(*i.text);
    if (o.at("type").as_string() != type) continue;
    if (id.empty() || o.at("alert").at("id").as_string() == id) return true;
  }
  return false;
}

TEST(FeedHubTest, SecurityTicksCarryAlertsOfTheView) {
  storage::test_support::TempDir dir;
  core::ManualClock clock;
  auto log = storage::test_support::OpenOrDie(storage::test_support::Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  FakeSecurityView view;
  view.Set(Snap(0, {Alert("a1")}, 0, 0));
  FeedHub hub(*log, &view, clock, {.security_period = 20ms});
  hub.Start();
  auto sink = std::make_shared<CollectingSink>();
  auto attach = hub.AttachSecurity(sink);
  // Whatever was open already comes with the attach or with the next tick.
  ASSERT_TRUE(sink->WaitFor([](const auto& items) { return HasType(items, "counters", ""); }));
  bool opened = !attach.open_alerts.empty() || HasType(sink->Items(), "alert_opened", "a1");
  EXPECT_TRUE(opened);
  view.Set(Snap(0, {}, 0, 0));
  EXPECT_TRUE(
      sink->WaitFor([](const auto& items) { return HasType(items, "alert_closed", "a1"); }));
  hub.Stop();
}

TEST(FeedHubTest, NoViewMeansCountersOfZero) {
  storage::test_support::TempDir dir;
  core::ManualClock clock;
  auto log = storage::test_support::OpenOrDie(storage::test_support::Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  FeedHub hub(*log, nullptr, clock, {.security_period = 20ms});
  hub.Start();
  auto sink = std::make_shared<CollectingSink>();
  (void)hub.AttachSecurity(sink);
  ASSERT_TRUE(sink->WaitFor([](const auto& items) { return items.size() >= 2; }));
  for (const auto& item : sink->Items()) {
    auto o = Parse(*item.text);
    EXPECT_EQ(o.at("type").as_string(), "counters");
    EXPECT_EQ(o.at("totals").at("logins_failed").to_number<std::uint64_t>(), 0U);
    EXPECT_EQ(o.at("active_throttles").to_number<std::uint64_t>(), 0U);
  }
  hub.Stop();
}

// A subscriber joining while a producer appends: replay from the log up to Published(), attach,
// and the broadcast continues exactly where the replay stopped.
TEST(FeedHubTest, HandOverFromLogToLiveHasNoGapAndNoDuplicate) {
  storage::test_support::TempDir dir;
  core::ManualClock clock;
  auto log = storage::test_support::OpenOrDie(storage::test_support::Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  FeedHub hub(*log, nullptr, clock);
  hub.Start();
  constexpr int kTotal = 400;
  std::thread producer([&] {
    for (int i = 0; i < kTotal; ++i) {
      auto decide = storage::test_support::AppendAll({storage::test_support::MakeEvent(
          "user.roles_changed", "usr_" + std::to_string(i % 7), {{"n", i}})});
      auto r = log->Execute(std::move(decide));
      ASSERT_TRUE(r) << r.error().message();
    }
  });
  // Wait (bounded) until some events are in, so the replay has something to read.
  for (int i = 0; i < 500 && log->Head() < 50; ++i)
    std::this_thread::sleep_for(2ms);
  auto sink = std::make_shared<CollectingSink>();
  std::vector<std::uint64_t> replayed;
  std::uint64_t cursor = 0;
  FeedHub::Attach attach;
  for (int round = 0; round < 10'000; ++round) {
    attach = hub.AttachAudit(sink, cursor);
    if (attach.attached) break;
    auto page = log->ReadRange(cursor, attach.published - cursor);
    ASSERT_TRUE(page);
    for (const auto& e : *page) {
      replayed.push_back(e.seq);
      cursor = e.seq;
    }
  }
  ASSERT_TRUE(attach.attached);
  producer.join();
  ASSERT_TRUE(sink->WaitFor([&](const auto& items) {
    return !items.empty() && items.back().seq == static_cast<std::uint64_t>(kTotal);
  })) << "live events stopped before the head";
  std::vector<std::uint64_t> all = replayed;
  for (const auto& item : sink->Items()) {
    if (item.seq > cursor) all.push_back(item.seq);
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kTotal));
  for (std::size_t i = 0; i < all.size(); ++i)
    ASSERT_EQ(all[i], i + 1) << "gap or duplicate at position " << i;
  // Each broadcast text is the API.md audit event of that seq.
  auto last = Parse(*sink->Items().back().text);
  EXPECT_EQ(last.at("seq").to_number<std::uint64_t>(), static_cast<std::uint64_t>(kTotal));
  EXPECT_EQ(last.at("type").as_string(), "user.roles_changed");
  EXPECT_EQ(last.at("actor").at("user_id").as_string(), "usr_actor");
  EXPECT_TRUE(last.contains("hash"));
  hub.Stop();
}

}  // namespace
}  // namespace authd::net
