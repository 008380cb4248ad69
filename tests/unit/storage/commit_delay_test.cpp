// Commit delay: while the caller's hint says so, the writer holds a group open so that commands
// arriving meanwhile share one write; otherwise nothing waits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "storage/event_log.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using namespace std::chrono_literals;
using test_support::AppendAll;
using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::TempDir;

// Submits one event and returns a future of its commit.
std::future<Result<Committed>> SubmitOne(EventLog& log, int id) {
  auto promise = std::make_shared<std::promise<Result<Committed>>>();
  auto future = promise->get_future();
  log.Submit(AppendAll({MakeEvent("t", "stream", {{"id", id}})}),
             [promise](Result<Committed> r) { promise->set_value(std::move(r)); });
  return future;
}

// A fresh log in a temp folder for each test.
class CommitDelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = OpenOrDie(Options(dir_.path()), clock_);
    ASSERT_NE(log_, nullptr);
  }
  // Hints capture the test's locals: none may be asked after the test body.
  void TearDown() override {
    if (log_) log_->SetCommitDelay(0us, {});
  }
  EventLog& log() { return *log_; }
  // Reopens the log with at most `max_group` commands a group.
  void ReopenWithMaxGroup(std::size_t max_group) {
    log_.reset();
    auto options = Options(dir_.path());
    options.max_group = max_group;
    log_ = OpenOrDie(options, clock_);
    ASSERT_NE(log_, nullptr);
  }

 private:
  TempDir dir_;
  core::ManualClock clock_;
  std::unique_ptr<EventLog> log_;
};

TEST_F(CommitDelayTest, CommandsArrivingWhileAGroupIsHeldShareItsCommit) {
  // Long enough that the three submits below, 20 ms apart, land inside it even on a slow CI
  // machine; the test never waits for it to run out.
  log().SetCommitDelay(10s, [] { return true; });

  std::vector<std::future<Result<Committed>>> commits;
  for (int i = 0; i < 3; ++i) {
    commits.push_back(SubmitOne(log(), i));
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(log().Head(), 0U) << "the first command was committed without waiting";
  // Close does not wait for the delay to run out.
  const auto closing = std::chrono::steady_clock::now();
  log().Close();
  EXPECT_LT(std::chrono::steady_clock::now() - closing, 5s);
  for (auto& c : commits) {
    auto r = c.get();
    ASSERT_TRUE(r) << r.error().message();
    ASSERT_EQ(r->size(), 1U);
  }
  EXPECT_EQ(log().Head(), 3U);
  const auto stats = log().Stats();
  EXPECT_EQ(stats.group_commands.count, 1U) << "one group for the three commands";
  EXPECT_DOUBLE_EQ(stats.group_commands.sum, 3.0);
}

TEST_F(CommitDelayTest, AHeldGroupIsCommittedWhenTheDelayRunsOut) {
  log().SetCommitDelay(100ms, [] { return true; });
  const auto started = std::chrono::steady_clock::now();
  auto r = SubmitOne(log(), 1).get();
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 10s);
  EXPECT_EQ(log().Head(), 1U);
  const auto stats = log().Stats();
  EXPECT_EQ(stats.held, 1U);
  EXPECT_EQ(stats.held_to_deadline, 1U);
  EXPECT_EQ(stats.held_released, 0U);
}

TEST_F(CommitDelayTest, AFullGroupGoesWithoutWaitingForTheDelay) {
  ASSERT_NO_FATAL_FAILURE(ReopenWithMaxGroup(3));
  log().SetCommitDelay(std::chrono::minutes(1), [] { return true; });
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::future<Result<Committed>>> commits;
  for (int i = 0; i < 3; ++i)
    commits.push_back(SubmitOne(log(), i));
  for (auto& c : commits)
    ASSERT_TRUE(c.get());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  EXPECT_EQ(log().Stats().group_commands.count, 1U);
  EXPECT_DOUBLE_EQ(log().Stats().group_commands.sum, 3.0);
}

TEST_F(CommitDelayTest, NothingWaitsWhenTheHintSaysNo) {
  std::atomic<int> asked{0};
  log().SetCommitDelay(10s, [&asked] {
    asked.fetch_add(1);
    return false;
  });
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    auto r = SubmitOne(log(), i).get();
    ASSERT_TRUE(r) << r.error().message();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(asked.load(), 3) << "the hint is asked once a group that is not held";
  EXPECT_EQ(log().Stats().group_commands.count, 3U);
}

TEST_F(CommitDelayTest, TurningTheDelayOffReleasesAHeldGroup) {
  log().SetCommitDelay(10s, [] { return true; });
  auto held = SubmitOne(log(), 1);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(log().Head(), 0U);
  const auto released = std::chrono::steady_clock::now();
  log().SetCommitDelay(0us, {});
  auto r = held.get();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - released, 5s);
  EXPECT_EQ(log().Head(), 1U);
}

// Polls `done` (bounded), for states another thread reaches.
template <class Done>
bool Eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  return done();
}

TEST_F(CommitDelayTest, AHeldGroupGoesWhenARecheckFindsTheHintTurnedFalse) {
  std::atomic<bool> busy{true};
  std::atomic<int> asked{0};
  log().SetCommitDelay(10s, [&] {
    asked.fetch_add(1);
    return busy.load();
  });
  auto held = SubmitOne(log(), 1);
  ASSERT_TRUE(Eventually([&] { return log().Stats().held == 1; }));
  ASSERT_EQ(asked.load(), 1);

  log().RecheckCommitDelay();  // the hint still says wait
  ASSERT_TRUE(Eventually([&] { return asked.load() == 2; })) << "a recheck asks the hint again";
  EXPECT_EQ(log().Head(), 0U) << "a recheck that still finds it worth waiting keeps the group";

  const auto released = std::chrono::steady_clock::now();
  busy = false;
  log().RecheckCommitDelay();
  auto r = held.get();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - released, 5s) << "not held to its deadline";
  EXPECT_EQ(log().Head(), 1U);
  const auto stats = log().Stats();
  EXPECT_EQ(stats.held, 1U);
  EXPECT_EQ(stats.held_released, 1U);
  EXPECT_EQ(stats.held_to_deadline, 0U);
}

TEST_F(CommitDelayTest, ClearingTheDelayStopsAskingTheHint) {
  std::atomic<int> asked{0};
  log().SetCommitDelay(10s, [&asked] {
    asked.fetch_add(1);
    return false;
  });
  ASSERT_TRUE(SubmitOne(log(), 1).get());
  log().SetCommitDelay(0us, {});
  ASSERT_TRUE(SubmitOne(log(), 2).get());
  EXPECT_EQ(asked.load(), 1);
  EXPECT_EQ(log().Head(), 2U);
}

}  // namespace
}  // namespace authd::storage
