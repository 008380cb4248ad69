// Inline projections: applied in the append's batch, checkpointed, verified against a rebuild,
// rebuilt on a version change, and caught up when added to an existing log.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "storage/error.hpp"
#include "storage/event_log.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/raw_rocks.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using test_support::AppendAll;
using test_support::CountingProjection;
using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::RawDb;
using test_support::TempDir;

std::vector<std::unique_ptr<InlineProjection>> Counting(std::uint32_t version,
                                                        std::string fail_type = "") {
  std::vector<std::unique_ptr<InlineProjection>> out;
  out.push_back(std::make_unique<CountingProjection>(version, "counts", std::move(fail_type)));
  return out;
}

class ProjectionTest : public ::testing::Test {
 protected:
  void Open(std::vector<std::unique_ptr<InlineProjection>> projections = Counting(1)) {
    log_.reset();
    log_ = OpenOrDie(Options(dir_.path()), clock_, std::move(projections));
    ASSERT_NE(log_, nullptr);
  }
  void AppendMany(const std::string& type, int n) {
    std::vector<core::Event> events;
    for (int i = 0; i < n; ++i)
      events.push_back(MakeEvent(type, "s" + std::to_string(i % 7)));
    auto r = log_->Execute(AppendAll(std::move(events)));
    ASSERT_TRUE(r) << r.error().message();
  }
  std::string Count(const std::string& type) {
    auto v = log_->Get("proj_counts", type);
    EXPECT_TRUE(v);
    return v ? v->value_or("") : "";
  }
  ProjectionReport VerifyCounts(std::uint32_t version = 1) {
    CountingProjection fresh(version);
    auto report = VerifyProjection(*log_, fresh);
    EXPECT_TRUE(report) << report.error().message();
    return report ? *report : ProjectionReport{};
  }

  TempDir dir_;
  core::ManualClock clock_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(ProjectionTest, AppliedInlineAndCheckpointedWithTheHead) {
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(log_->Checkpoint("counts"), (std::pair<std::uint32_t, std::uint64_t>{1, 0}));
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 3));
  EXPECT_EQ(Count("a"), "3");
  ASSERT_NO_FATAL_FAILURE(AppendMany("b", 1));
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 2));
  EXPECT_EQ(Count("a"), "5");
  EXPECT_EQ(Count("b"), "1");
  EXPECT_EQ(log_->Checkpoint("counts"), (std::pair<std::uint32_t, std::uint64_t>{1, 6}));
  EXPECT_EQ(log_->Checkpoint("nonexistent"), (std::pair<std::uint32_t, std::uint64_t>{0, 0}));
  const auto report = VerifyCounts();
  EXPECT_EQ(report.name, "counts");
  EXPECT_TRUE(report.equal) << report.difference;
  ASSERT_EQ(log_->Projections().size(), 1u);
  EXPECT_EQ(log_->Projections()[0]->Name(), "counts");
}

TEST_F(ProjectionTest, SeveralProjectionsAreKeptInStep) {
  std::vector<std::unique_ptr<InlineProjection>> two;
  two.push_back(std::make_unique<CountingProjection>(1, "counts"));
  two.push_back(std::make_unique<CountingProjection>(4, "tally"));
  ASSERT_NO_FATAL_FAILURE(Open(std::move(two)));
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 4));
  EXPECT_EQ(log_->Get("proj_tally", "a")->value_or(""), "4");
  EXPECT_EQ(log_->Checkpoint("tally"), (std::pair<std::uint32_t, std::uint64_t>{4, 4}));
  CountingProjection tally(4, "tally");
  auto report = VerifyProjection(*log_, tally);
  ASSERT_TRUE(report);
  EXPECT_TRUE(report->equal) << report->difference;
}

TEST_F(ProjectionTest, StrayStateIsReportedAndRebuildRemovesIt) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 3));
  ASSERT_NO_FATAL_FAILURE(AppendMany("b", 2));
  log_.reset();
  {
    RawDb raw(dir_.path());
    raw.Put("proj_counts", "bogus", "1");
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  auto report = VerifyCounts();
  EXPECT_FALSE(report.equal);
  EXPECT_NE(report.difference.find("626f677573"), std::string::npos) << report.difference;

  std::vector<std::pair<std::uint64_t, std::uint64_t>> progress;
  auto rebuilt = log_->Rebuild("counts", [&](std::uint64_t done, std::uint64_t total) {
    progress.emplace_back(done, total);
  });
  ASSERT_TRUE(rebuilt) << rebuilt.error().message();
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), (std::pair<std::uint64_t, std::uint64_t>{5, 5}));
  report = VerifyCounts();
  EXPECT_TRUE(report.equal) << report.difference;
  EXPECT_FALSE(log_->Get("proj_counts", "bogus")->has_value());
  EXPECT_EQ(Count("a"), "3");
  EXPECT_EQ(log_->Checkpoint("counts"), (std::pair<std::uint32_t, std::uint64_t>{1, 5}));
}

// RocksDB's row cache (storage/rocks.cpp) does not see range tombstones in this version: a row read
// from a table file before a rebuild cleared its family came back on the second read after it,
// and stayed until a compaction. A rebuild must leave no row it did not write, however often the
// old rows were read before.
TEST_F(ProjectionTest, RowsReadBeforeARebuildDoNotComeBackAfterIt) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 3));
  log_.reset();
  {
    RawDb raw(dir_.path());
    raw.Put("proj_counts", "bogus", "1");  // between the first and the last row
    raw.Put("proj_counts", "zzz", "1");
    raw.FlushAll();  // the rows are read from a table file, where the row cache applies
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(log_->Get("proj_counts", "bogus")->value_or(""), "1");

  auto rebuilt = log_->Rebuild("counts", [](std::uint64_t, std::uint64_t) {});
  ASSERT_TRUE(rebuilt) << rebuilt.error().message();
  for (int i = 0; i < 3; ++i) {
    auto row = log_->Get("proj_counts", "bogus");
    ASSERT_TRUE(row);
    EXPECT_FALSE(row->has_value()) << "read " << i << " after the rebuild saw the cleared row";
  }
  EXPECT_EQ(Count("a"), "3");
  EXPECT_TRUE(VerifyCounts().equal);
}

TEST_F(ProjectionTest, ChangedOrMissingStateIsReported) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 3));
  ASSERT_NO_FATAL_FAILURE(AppendMany("b", 2));
  log_.reset();
  {
    RawDb raw(dir_.path());
    raw.Put("proj_counts", "a", "999");
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  auto report = VerifyCounts();
  EXPECT_FALSE(report.equal);
  EXPECT_NE(report.difference.find("differs"), std::string::npos) << report.difference;
  log_.reset();
  {
    RawDb raw(dir_.path());
    raw.Put("proj_counts", "a", "3");
    raw.Delete("proj_counts", "b");
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  report = VerifyCounts();
  EXPECT_FALSE(report.equal);
  EXPECT_NE(report.difference.find("missing"), std::string::npos) << report.difference;
  // A projection verified at the wrong version is not equal either.
  ASSERT_TRUE(log_->Rebuild("counts"));
  EXPECT_TRUE(VerifyCounts(1).equal);
  EXPECT_FALSE(VerifyCounts(2).equal);
}

TEST_F(ProjectionTest, VersionBumpRebuildsOnOpen) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 3));
  log_.reset();
  {
    RawDb raw(dir_.path());
    raw.Put("proj_counts", "bogus", "1");  // shape of the old version
  }
  ASSERT_NO_FATAL_FAILURE(Open(Counting(2)));
  EXPECT_EQ(log_->Checkpoint("counts"), (std::pair<std::uint32_t, std::uint64_t>{2, 3}));
  EXPECT_FALSE(log_->Get("proj_counts", "bogus")->has_value());
  EXPECT_EQ(Count("a"), "3");
  auto report = VerifyCounts(2);
  EXPECT_TRUE(report.equal) << report.difference;
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 1));
  EXPECT_EQ(log_->Checkpoint("counts"), (std::pair<std::uint32_t, std::uint64_t>{2, 4}));
}

TEST_F(ProjectionTest, VerifyReportsAFamilyOfAnotherVersionAsOutdated) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 3));
  // What `authd verify` of a newer authd sees before its first start on the folder.
  auto report = VerifyCounts(2);
  EXPECT_TRUE(report.outdated);
  EXPECT_FALSE(report.equal);
  EXPECT_NE(report.difference.find("stored as version 1, this authd builds version 2"),
            std::string::npos)
      << report.difference;
  auto same = VerifyCounts(1);
  EXPECT_FALSE(same.outdated);
  EXPECT_TRUE(same.equal) << same.difference;
}

TEST_F(ProjectionTest, AProjectionAddedLaterCatchesUpOnOpen) {
  ASSERT_NO_FATAL_FAILURE(Open(test_support::NoProjections()));
  // More than one catch-up chunk (10 000 events).
  for (int i = 0; i < 5; ++i)
    ASSERT_NO_FATAL_FAILURE(AppendMany(i % 2 == 0 ? "a" : "b", 5'000));
  EXPECT_FALSE(log_->Get("proj_counts", "a"));  // no such family yet
  ASSERT_NO_FATAL_FAILURE(Open(Counting(1)));
  EXPECT_EQ(Count("a"), "15000");
  EXPECT_EQ(Count("b"), "10000");
  EXPECT_EQ(log_->Checkpoint("counts"), (std::pair<std::uint32_t, std::uint64_t>{1, 25'000}));
  auto report = VerifyCounts();
  EXPECT_TRUE(report.equal) << report.difference;
  ASSERT_NO_FATAL_FAILURE(AppendMany("a", 1));
  EXPECT_EQ(Count("a"), "15001");
}

// Who is "in": `join` puts the stream's key, `leave` deletes it. A rebuild holds a chunk's writes
// in memory and writes only each key's last one, so a key put and deleted (or deleted and put
// back) inside one chunk, or across chunks, must end as the log says.
class MembersProjection final : public InlineProjection {
 public:
  [[nodiscard]] std::string_view Name() const override { return "members"; }
  [[nodiscard]] std::uint32_t Version() const override { return 1; }
  [[nodiscard]] Result<void> Apply(const core::Event& event, ProjectionStore& store) override {
    auto present = store.Get(event.stream);
    if (!present) return present.error();
    if (event.type == "join") {
      const auto times = present->has_value() ? std::stoull(**present) + 1 : 1;
      store.Put(event.stream, std::to_string(times));
    } else {
      store.Delete(event.stream);
    }
    return {};
  }
};

TEST_F(ProjectionTest, RebuildKeepsEachKeysLastWriteWithinAndAcrossChunks) {
  std::vector<std::unique_ptr<InlineProjection>> members;
  members.push_back(std::make_unique<MembersProjection>());
  ASSERT_NO_FATAL_FAILURE(Open(std::move(members)));
  // 24,000 events, more than two 10,000-event chunks: s<i> joins, leaves when i is even, and joins
  // again when i is a multiple of 4, all in one group of 3,000 users at a time.
  for (int round = 0; round < 4; ++round) {
    std::vector<core::Event> events;
    for (int i = round * 3'000; i < (round + 1) * 3'000; ++i) {
      const std::string who = "s" + std::to_string(i);
      events.push_back(MakeEvent("join", who));
      if (i % 2 == 0) events.push_back(MakeEvent("leave", who));
      if (i % 4 == 0) events.push_back(MakeEvent("join", who));
    }
    ASSERT_TRUE(log_->Execute(AppendAll(std::move(events))));
  }
  // Someone who left long ago, in an earlier chunk, joins again at the very end.
  ASSERT_TRUE(log_->Execute(AppendAll({MakeEvent("join", "s2")})));
  ASSERT_TRUE(log_->Rebuild("members"));
  MembersProjection fresh;
  auto report = VerifyProjection(*log_, fresh);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->equal) << report->difference;
  EXPECT_EQ(log_->Get("proj_members", "s1")->value_or("-"), "1");
  EXPECT_EQ(log_->Get("proj_members", "s2")->value_or("-"), "1");
  EXPECT_FALSE(log_->Get("proj_members", "s6")->has_value());
  EXPECT_EQ(log_->Get("proj_members", "s8")->value_or("-"), "1");
  EXPECT_EQ(log_->Get("proj_members", "s11999")->value_or("-"), "1");
}

TEST_F(ProjectionTest, RebuildWhileWritersRun) {
  ASSERT_NO_FATAL_FAILURE(Open());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop.load())
      EXPECT_TRUE(log_->Execute(AppendAll({MakeEvent("w", "s")})));
  });
  // The rebuilds must overlap writes: on a loaded machine (ASan in CI) the writer thread could
  // otherwise start only after they finished, leaving nothing to count (a CI failure).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (log_->Head() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_GT(log_->Head(), 0U) << "the writer thread never appended";
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(log_->Rebuild("counts"));
  stop.store(true);
  writer.join();
  auto report = VerifyCounts();
  EXPECT_TRUE(report.equal) << report.difference;
  EXPECT_EQ(Count("w"), std::to_string(log_->Head()));
}

TEST_F(ProjectionTest, RebuildOfAnUnknownProjectionOrReadOnlyLogFails) {
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(log_->Rebuild("nope").error(), Errc::kNotFound);
  log_.reset();
  auto options = Options(dir_.path());
  options.read_only = true;
  log_ = OpenOrDie(options, clock_);
  ASSERT_NE(log_, nullptr);
  EXPECT_EQ(log_->Rebuild("counts").error(), Errc::kInvalidArgument);
}

// A refused Apply whose decision returns the error leaves nothing behind.
TEST_F(ProjectionTest, RefusedApplyRollsBackWithItsCommand) {
  ASSERT_NO_FATAL_FAILURE(Open(Counting(1, "bad")));
  auto r = log_->Execute(AppendAll({MakeEvent("a", "s"), MakeEvent("bad", "s")}));
  EXPECT_FALSE(r);
  EXPECT_EQ(log_->Head(), 0u);
  EXPECT_FALSE(log_->Get("proj_counts", "partial")->has_value());
  EXPECT_FALSE(log_->Get("proj_counts", "a")->has_value());
}

// projection.hpp: "An error aborts the command whose event is being applied." Even when the
// decision goes on after the failed Append, the projection must not keep the half of the event it
// wrote before refusing it (otherwise the stored state no longer equals a rebuild).
TEST_F(ProjectionTest, RefusedApplyAbortsTheCommandEvenIfTheDecisionCarriesOn) {
  ASSERT_NO_FATAL_FAILURE(Open(Counting(1, "bad")));
  auto r = log_->Execute([](Txn& txn) -> Result<void> {
    auto refused = txn.Append(MakeEvent("bad", "s"));
    EXPECT_FALSE(refused);
    auto fallback = txn.Append(MakeEvent("a", "s"));
    if (!fallback) return fallback.error();
    return {};
  });
  EXPECT_FALSE(r) << "the command was not aborted";
  EXPECT_FALSE(log_->Get("proj_counts", "partial")->has_value())
      << "state written by the refused Apply was committed";
  auto report = VerifyCounts();
  EXPECT_TRUE(report.equal) << report.difference;
}

}  // namespace
}  // namespace authd::storage
