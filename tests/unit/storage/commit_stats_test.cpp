// EventLog::Stats: group sizes and commit latency as the writer saw them.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
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
using test_support::WriterGate;

TEST(CommitStatsTest, CountsGroupsAndTheirSizes) {
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  const auto empty = log->Stats();
  EXPECT_EQ(empty.group_commands.count, 0U);
  EXPECT_EQ(empty.commit_seconds.count, 0U);

  // One group of 1, then (while the writer is held) 5 commands that become one group of 5.
  ASSERT_TRUE(log->Execute(AppendAll({MakeEvent("t.a", "s1")})));
  std::vector<std::future<Result<Committed>>> pending;
  {
    WriterGate gate;
    gate.Hold(*log);
    for (int i = 0; i < 5; ++i) {
      auto promise = std::make_shared<std::promise<Result<Committed>>>();
      pending.push_back(promise->get_future());
      log->Submit(AppendAll({MakeEvent("t.b", "s" + std::to_string(i + 2))}),
                  [promise](Result<Committed> r) { promise->set_value(std::move(r)); });
    }
  }
  for (auto& f : pending)
    ASSERT_TRUE(f.get());

  const auto stats = log->Stats();
  // Groups: {first}, {gate} (writes nothing: the gate appends no event), {5 commands}.
  EXPECT_EQ(stats.group_commands.count, 3U);
  EXPECT_DOUBLE_EQ(stats.group_commands.sum, 7.0);
  ASSERT_EQ(stats.group_commands.bounds.size(), stats.group_commands.counts.size());
  // Buckets are cumulative: two groups of one command, all three within "<= 8".
  EXPECT_EQ(stats.group_commands.bounds[0], 1.0);
  EXPECT_EQ(stats.group_commands.counts[0], 2U);
  EXPECT_EQ(stats.group_commands.bounds[3], 8.0);
  EXPECT_EQ(stats.group_commands.counts[3], 3U);
  // Every group decided at least one command successfully (the gate's appends nothing but
  // succeeds), so all three were written and timed.
  EXPECT_EQ(stats.commit_seconds.count, 3U);
  EXPECT_GT(stats.commit_seconds.sum, 0.0);
  EXPECT_LE(stats.commit_seconds.counts.back(), stats.commit_seconds.count);
}

TEST(CommitStatsTest, RefusedGroupsAreCountedButNotTimed) {
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  auto refused = log->Execute([](Txn&) -> Result<void> { return core::Errc::kConflict; });
  EXPECT_FALSE(refused);
  const auto stats = log->Stats();
  EXPECT_EQ(stats.group_commands.count, 1U);
  EXPECT_EQ(stats.commit_seconds.count, 0U);
}

}  // namespace
}  // namespace authd::storage
