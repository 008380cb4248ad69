// Live tail: Subscribe's head splits the log into "read it" and "you will be told", with no gap
// and no duplicate however the subscription races the writer.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "storage/event_log.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using test_support::AppendAll;
using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::TempDir;

// Collects what a listener is given, from the writer thread.
class Collector {
 public:
  CommitListener Listener() {
    return [this](const std::shared_ptr<const Committed>& events) {
      std::lock_guard lock(mu_);
      for (const auto& e : *events)
        seqs_.push_back(e.seq);
      ++batches_;
    };
  }
  std::vector<std::uint64_t> Seqs() const {
    std::lock_guard lock(mu_);
    return seqs_;
  }
  int Batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::uint64_t> seqs_;
  int batches_ = 0;
};

// One round: a producer appends `total` commands of 1..3 events; after `subscribe_after` of them
// the subscriber joins, reads up to its head from the log and takes the rest from the listener.
void RunRound(int total, int subscribe_after, bool producer_uses_submit) {
  Collector collector;  // outlives the log
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);

  std::promise<void> reached;
  auto reached_future = reached.get_future();
  std::thread producer([&] {
    for (int i = 0; i < total; ++i) {
      if (i == subscribe_after) reached.set_value();
      std::vector<core::Event> events;
      for (int k = 0; k <= i % 3; ++k)
        events.push_back(MakeEvent("t", "s" + std::to_string(k)));
      if (producer_uses_submit) {
        log->Submit(AppendAll(std::move(events)), [](Result<Committed> r) { EXPECT_TRUE(r); });
      } else {
        EXPECT_TRUE(log->Execute(AppendAll(std::move(events))));
      }
    }
    if (subscribe_after >= total) reached.set_value();
    // A final Execute completes after everything submitted before it.
    EXPECT_TRUE(log->Execute(AppendAll({MakeEvent("t", "last")})));
  });

  struct Joiner {
    std::thread& thread;
    ~Joiner() {
      if (thread.joinable()) thread.join();
    }
  } joiner{producer};

  reached_future.wait();
  const auto sub = log->Subscribe(collector.Listener());
  std::vector<std::uint64_t> from_log;
  std::uint64_t cursor = 0;
  while (cursor < sub.head) {
    auto batch = log->ReadRange(cursor, 7);
    ASSERT_TRUE(batch);
    ASSERT_FALSE(batch->empty()) << "events up to the subscription head must be readable";
    for (const auto& e : *batch) {
      if (e.seq > sub.head) break;
      from_log.push_back(e.seq);
      cursor = e.seq;
    }
  }
  producer.join();

  const std::uint64_t head = log->Head();
  std::vector<std::uint64_t> all = from_log;
  const auto delivered = collector.Seqs();
  all.insert(all.end(), delivered.begin(), delivered.end());
  ASSERT_EQ(all.size(), head) << "subscribed at " << sub.head;
  for (std::uint64_t i = 0; i < head; ++i)
    ASSERT_EQ(all[i], i + 1) << "subscribed at " << sub.head;

  // After Unsubscribe nothing more arrives.
  log->Unsubscribe(sub.id);
  const int batches = collector.Batches();
  ASSERT_TRUE(log->Execute(AppendAll({MakeEvent("t", "after")})));
  EXPECT_EQ(collector.Batches(), batches);
  EXPECT_EQ(collector.Seqs().size(), delivered.size());
}

TEST(SubscriptionTest, LogThenLiveWithoutGapOrDuplicate) {
  const int points[] = {0, 1, 2, 7, 33, 120, 299, 300};
  for (int after : points) {
    SCOPED_TRACE(after);
    ASSERT_NO_FATAL_FAILURE(RunRound(300, after, /*producer_uses_submit=*/false));
    ASSERT_NO_FATAL_FAILURE(RunRound(300, after, /*producer_uses_submit=*/true));
  }
}

TEST(SubscriptionTest, ManySubscribersJoiningWhileTheWriterRuns) {
  constexpr int kSubscribers = 16;
  std::vector<Collector> collectors(kSubscribers);  // outlive the log
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  std::vector<EventLog::Subscription> subs(kSubscribers);

  std::latch go(2);
  std::thread producer([&] {
    go.arrive_and_wait();
    for (int i = 0; i < 400; ++i) {
      log->Submit(AppendAll({MakeEvent("t", "s")}), [](Result<Committed> r) { EXPECT_TRUE(r); });
    }
    EXPECT_TRUE(log->Execute(AppendAll({MakeEvent("t", "last")})));
  });
  go.arrive_and_wait();
  for (int i = 0; i < kSubscribers; ++i)
    subs[i] = log->Subscribe(collectors[i].Listener());
  producer.join();

  const std::uint64_t head = log->Head();
  for (int i = 0; i < kSubscribers; ++i) {
    auto seqs = collectors[i].Seqs();
    ASSERT_EQ(seqs.size(), head - subs[i].head) << i;
    for (std::size_t k = 0; k < seqs.size(); ++k)
      ASSERT_EQ(seqs[k], subs[i].head + k + 1) << i;
    log->Unsubscribe(subs[i].id);
  }
}

TEST(SubscriptionTest, ListenerGetsCommittedEventsOfFailedGroupsNever) {
  Collector collector;
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  const auto sub = log->Subscribe(collector.Listener());
  EXPECT_EQ(sub.head, 0u);
  auto refused = log->Execute([](Txn& txn) -> Result<void> {
    if (auto e = txn.Append(MakeEvent("t", "s")); !e) return e.error();
    return core::Errc::kConflict;
  });
  EXPECT_FALSE(refused);
  auto no_events =
      log->Execute([](Txn& txn) -> Result<void> { return txn.Put("unique", "k", "v"); });
  EXPECT_TRUE(no_events);
  EXPECT_EQ(collector.Batches(), 0);
  ASSERT_TRUE(log->Execute(AppendAll({MakeEvent("t", "s"), MakeEvent("t", "s")})));
  EXPECT_EQ(collector.Seqs(), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(collector.Batches(), 1);
  log->Unsubscribe(sub.id);
}

}  // namespace
}  // namespace authd::storage
