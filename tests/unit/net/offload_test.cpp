// Offloading to thread pools and awaiting foreign-thread callbacks, on a local io_context driven
// with run_for (bounded) from the test thread.
#include "net/offload.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace authd::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Strand = asio::strand<asio::io_context::executor_type>;

class OffloadTest : public ::testing::Test {
 protected:
  // Runs `coroutine` on a strand of io_ until it finishes (bounded).
  template <class Coroutine>
  void RunOnStrand(Coroutine coroutine) {
    bool finished = false;
    std::exception_ptr failure;
    asio::co_spawn(strand_, std::move(coroutine), [&](std::exception_ptr e) {
      finished = true;
      failure = e;
    });
    io_.restart();
    io_.run_for(10s);
    ASSERT_TRUE(finished) << "the coroutine did not finish";
    if (failure) std::rethrow_exception(failure);
  }

  asio::io_context io_;
  Strand strand_ = asio::make_strand(io_);
};

TEST_F(OffloadTest, RunOnUsesThePoolAndResumesOnTheStrand) {
  asio::thread_pool pool(1);
  std::thread::id caller, worker, resumed;
  bool on_strand = false;
  RunOnStrand([&]() -> asio::awaitable<void> {
    caller = std::this_thread::get_id();
    worker = co_await RunOn(pool, [] { return std::this_thread::get_id(); });
    resumed = std::this_thread::get_id();
    on_strand = strand_.running_in_this_thread();
  });
  EXPECT_NE(worker, caller);
  EXPECT_EQ(resumed, caller);  // io_ is run by this thread only
  EXPECT_TRUE(on_strand);
}

TEST_F(OffloadTest, RunOnRethrowsInTheCaller) {
  asio::thread_pool pool(1);
  std::string caught;
  bool void_ran = false;
  RunOnStrand([&]() -> asio::awaitable<void> {
    try {
      co_await RunOn(pool, []() -> int { throw std::runtime_error("boom"); });
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
    co_await RunOn(pool, [&] { void_ran = true; });
  });
  EXPECT_EQ(caught, "boom");
  EXPECT_TRUE(void_ran);
}

TEST_F(OffloadTest, NamedJobsWithOwningCapturesAreCopied) {
  // The GCC 12 safe form for captures that own memory: a named lambda, passed as an lvalue.
  asio::thread_pool threads(1);
  BoundedPool pool(1, 4);
  std::string secret(64, 's');  // long enough to live on the heap
  std::size_t from_run_on = 0;
  Result<std::size_t> from_try_run = 0u;
  RunOnStrand([&]() -> asio::awaitable<void> {
    auto job = [secret] { return secret.size(); };
    from_run_on = co_await RunOn(threads, job);
    from_try_run = co_await pool.TryRun(job);
  });
  EXPECT_EQ(from_run_on, 64u);
  ASSERT_TRUE(from_try_run.has_value());
  EXPECT_EQ(*from_try_run, 64u);
}

TEST_F(OffloadTest, AwaitCompletionFromAForeignThread) {
  std::thread foreign;
  std::string value;
  bool on_strand = false;
  RunOnStrand([&]() -> asio::awaitable<void> {
    value = co_await AwaitCompletion<std::string>(
        [&](Completion<std::string> done) {
          foreign = std::thread([done] { done("from the writer"); });
        },
        "abandoned");
    on_strand = strand_.running_in_this_thread();
  });
  foreign.join();
  EXPECT_EQ(value, "from the writer");
  EXPECT_TRUE(on_strand);
}

TEST_F(OffloadTest, DroppedCompletionResumesWithTheFallback) {
  int value = 0;
  RunOnStrand([&]() -> asio::awaitable<void> {
    value = co_await AwaitCompletion<int>([](Completion<int>) { /* dropped */ }, -1);
  });
  EXPECT_EQ(value, -1);
}

TEST_F(OffloadTest, OnlyTheFirstCompletionCounts) {
  int value = 0;
  RunOnStrand([&]() -> asio::awaitable<void> {
    value = co_await AwaitCompletion<int>(
        [](Completion<int> done) {
          Completion<int> copy = done;
          done(1);
          copy(2);
        },
        -1);
  });
  EXPECT_EQ(value, 1);
}

TEST_F(OffloadTest, ThrowingStartStillResumes) {
  int value = 0;
  RunOnStrand([&]() -> asio::awaitable<void> {
    value = co_await AwaitCompletion<int>(
        [](Completion<int>) { throw std::runtime_error("start failed"); }, -1);
  });
  EXPECT_EQ(value, -1);
}

TEST_F(OffloadTest, BoundedPoolRefusesWhenFull) {
  BoundedPool pool(1, 2);
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  int done = 0;
  int busy = 0;
  auto blocked_job = [&]() -> asio::awaitable<void> {
    auto r = co_await pool.TryRun([&open] {
      open.wait();
      return 1;
    });
    if (r) done += *r;
    if (!r && r.error() == Errc::kServerBusy) ++busy;
  };
  asio::co_spawn(strand_, blocked_job(), asio::detached);
  asio::co_spawn(strand_, blocked_job(), asio::detached);
  io_.poll();  // both coroutines start and are admitted: 1 running, 1 queued
  EXPECT_EQ(pool.Pending(), 2u);

  // A third one is refused at once, without running.
  asio::co_spawn(strand_, blocked_job(), asio::detached);
  io_.poll();
  EXPECT_EQ(busy, 1);
  EXPECT_EQ(pool.Pending(), 2u);

  gate.set_value();
  io_.restart();
  io_.run_for(10s);
  EXPECT_EQ(done, 2);
  EXPECT_EQ(pool.Pending(), 0u);

  // Room again.
  RunOnStrand([&]() -> asio::awaitable<void> {
    auto r = co_await pool.TryRun([] {});
    EXPECT_TRUE(r.has_value());
  });
}

// Runs the io_context until `finished` reaches `n` (bounded).
bool AwaitFinished(asio::io_context& io, const int& finished, int n) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (finished != n && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(1ms);
  }
  return finished == n;
}

TEST_F(OffloadTest, BoundedPoolTellsAWatcherWhenPendingFallsBelowItsLevel) {
  std::atomic<int> told{0};  // declared before the pool, which may still tell it when destroyed
  BoundedPool pool(1, 8);
  pool.WatchDrop(2, [&told] { told.fetch_add(1); });
  // Jobs run one at a time on the pool's one thread, each until its gate opens. A job's slot, and
  // so the watch, is released before its caller resumes and counts it finished.
  std::vector<std::promise<void>> gates(7);
  int finished = 0;
  auto job = [&](std::size_t i) -> asio::awaitable<void> {
    std::shared_future<void> open = gates[i].get_future().share();
    auto wait_for_gate = [open] { open.wait(); };
    auto r = co_await pool.TryRun(wait_for_gate);
    EXPECT_TRUE(r.has_value());
    ++finished;
  };
  for (std::size_t i = 0; i < 3; ++i)
    asio::co_spawn(strand_, job(i), asio::detached);
  io_.restart();
  io_.poll();
  ASSERT_EQ(pool.Pending(), 3U);

  gates[0].set_value();  // 3 -> 2: still at the level
  ASSERT_TRUE(AwaitFinished(io_, finished, 1));
  EXPECT_EQ(told.load(), 0);
  gates[1].set_value();  // 2 -> 1: below it
  ASSERT_TRUE(AwaitFinished(io_, finished, 2));
  EXPECT_EQ(told.load(), 1);
  gates[2].set_value();  // 1 -> 0: was below already
  ASSERT_TRUE(AwaitFinished(io_, finished, 3));
  EXPECT_EQ(told.load(), 1);

  // Each fall through the level is told again.
  for (std::size_t i = 3; i < 5; ++i)
    asio::co_spawn(strand_, job(i), asio::detached);
  io_.restart();
  io_.poll();
  ASSERT_EQ(pool.Pending(), 2U);
  gates[3].set_value();
  ASSERT_TRUE(AwaitFinished(io_, finished, 4));
  EXPECT_EQ(told.load(), 2);
  gates[4].set_value();
  ASSERT_TRUE(AwaitFinished(io_, finished, 5));

  // An empty function removes the watch.
  pool.WatchDrop(2, {});
  for (std::size_t i = 5; i < 7; ++i)
    asio::co_spawn(strand_, job(i), asio::detached);
  io_.restart();
  io_.poll();
  ASSERT_EQ(pool.Pending(), 2U);
  gates[5].set_value();
  gates[6].set_value();
  ASSERT_TRUE(AwaitFinished(io_, finished, 7));
  EXPECT_EQ(told.load(), 2);
}

}  // namespace
}  // namespace authd::net
