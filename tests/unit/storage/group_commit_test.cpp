// Group commit: many concurrent commands, per-command rollback, read-your-writes in a group.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "storage/error.hpp"
#include "storage/event_log.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using test_support::AppendAll;
using test_support::CountingProjection;
using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::Seqs;
using test_support::TempDir;
using test_support::WriterGate;

void ExpectChainAndProjectionVerify(const EventLog& log) {
  auto chain = VerifyChain(log);
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->first_bad.has_value()) << *chain->first_bad << ": " << chain->reason;
  EXPECT_EQ(chain->checked, log.Head());
  CountingProjection fresh;
  auto projection = VerifyProjection(log, fresh);
  ASSERT_TRUE(projection);
  EXPECT_TRUE(projection->equal) << projection->difference;
}

TEST(GroupCommitTest, ConcurrentSubmitsCompleteOnceWithContiguousSeqs) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  constexpr int kTotal = kThreads * kPerThread;
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);

  std::vector<std::atomic<int>> calls(kTotal);
  std::vector<std::uint64_t> seq_of(kTotal, 0);
  std::atomic<int> failures{0};
  std::latch all_done(kTotal);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        const int id = t * kPerThread + i;
        log->Submit(AppendAll({MakeEvent("t" + std::to_string(id % 3),
                                         "stream-" + std::to_string(t), {{"id", id}})}),
                    [&, id](Result<Committed> r) {
                      calls[static_cast<std::size_t>(id)].fetch_add(1);
                      if (r && r->size() == 1) {
                        seq_of[static_cast<std::size_t>(id)] = (*r)[0].seq;
                      } else {
                        failures.fetch_add(1);
                      }
                      all_done.count_down();
                    });
      }
    });
  }
  for (auto& th : threads)
    th.join();
  all_done.wait();

  EXPECT_EQ(failures.load(), 0);
  for (int id = 0; id < kTotal; ++id)
    EXPECT_EQ(calls[static_cast<std::size_t>(id)].load(), 1) << id;
  std::vector<std::uint64_t> sorted = seq_of;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < kTotal; ++i)
    ASSERT_EQ(sorted[static_cast<std::size_t>(i)], i + 1u);
  EXPECT_EQ(log->Head(), static_cast<std::uint64_t>(kTotal));

  // Each acknowledged seq holds that command's event; each thread's stream has versions 1..200 in
  // the order the thread submitted.
  auto all = log->ReadRange(0, kTotal + 10);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), static_cast<std::size_t>(kTotal));
  for (int id = 0; id < kTotal; ++id) {
    const auto& e = (*all)[seq_of[static_cast<std::size_t>(id)] - 1];
    EXPECT_EQ(e.data.at("id").as_int64(), id);
    EXPECT_EQ(e.version, static_cast<std::uint64_t>(id % kPerThread) + 1);
  }
  ExpectChainAndProjectionVerify(*log);
}

TEST(GroupCommitTest, FailedOrThrowingCommandsInAGroupLeaveNoTrace) {
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  auto prior = log->Execute([](Txn& txn) -> Result<void> {
    if (auto k = txn.CreateDataKey("usr_keep"); !k) return k.error();
    return {};
  });
  ASSERT_TRUE(prior);

  std::map<std::string, Result<Committed>> results;
  std::mutex results_mu;
  std::latch done(4);
  auto record = [&](std::string name) {
    return [&, name](Result<Committed> r) {
      {
        std::lock_guard lock(results_mu);
        results.insert_or_assign(name, std::move(r));
      }
      done.count_down();
    };
  };
  {
    WriterGate gate;
    gate.Hold(*log);
    log->Submit(
        [](Txn& txn) -> Result<void> {
          auto e = txn.Append(MakeEvent("x", "s1", {{"by", "a"}}));
          if (!e) return e.error();
          return txn.Put("unique", "a", "owner_a");
        },
        record("a"));
    log->Submit(
        [](Txn& txn) -> Result<void> {
          if (auto r = txn.Put("unique", "b", "owner_b"); !r) return r.error();
          if (auto r = txn.Delete("unique", "a"); !r) return r.error();
          if (auto e = txn.Append(MakeEvent("x", "s1", {{"by", "b"}})); !e) return e.error();
          if (auto e = txn.Append(MakeEvent("x", "s2", {{"by", "b"}})); !e) return e.error();
          if (auto k = txn.CreateDataKey("usr_b"); !k) return k.error();
          txn.DestroyDataKey("usr_keep");
          return core::Errc::kConflict;
        },
        record("b"));
    log->Submit(
        [](Txn& txn) -> Result<void> {
          if (auto r = txn.Put("unique", "c", "owner_c"); !r) return r.error();
          if (auto e = txn.Append(MakeEvent("x", "s1", {{"by", "c"}})); !e) return e.error();
          if (auto k = txn.CreateDataKey("usr_c"); !k) return k.error();
          txn.DestroyDataKey("usr_keep");
          throw std::runtime_error("decider bug");
        },
        record("c"));
    log->Submit(
        [](Txn& txn) -> Result<void> {
          // Sees a's write, and none of b's or c's.
          auto a = txn.Get("unique", "a");
          auto b = txn.Get("unique", "b");
          auto c = txn.Get("unique", "c");
          EXPECT_TRUE(a && a->has_value());
          EXPECT_TRUE(b && !b->has_value());
          EXPECT_TRUE(c && !c->has_value());
          auto v1 = txn.StreamVersion("s1");
          auto v2 = txn.StreamVersion("s2");
          EXPECT_TRUE(v1 && *v1 == 1u);
          EXPECT_TRUE(v2 && *v2 == 0u);
          EXPECT_TRUE(txn.DataKey("usr_keep"));
          EXPECT_EQ(txn.DataKey("usr_b").error(), core::Errc::kKeyErased);
          auto e = txn.Append(MakeEvent("x", "s1", {{"by", "d"}}));
          if (!e) return e.error();
          return {};
        },
        record("d"));
    gate.Release();
  }
  done.wait();

  ASSERT_TRUE(results.at("a"));
  EXPECT_EQ(results.at("b").error(), core::Errc::kConflict);
  EXPECT_FALSE(results.at("c")) << "a throwing decision must be refused";
  ASSERT_TRUE(results.at("d"));
  const auto& a = *results.at("a");
  const auto& d = *results.at("d");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(a[0].seq, 1u);
  EXPECT_EQ(d[0].seq, 2u);  // no hole where b's and c's events were
  EXPECT_EQ(d[0].version, 2u);
  EXPECT_EQ(d[0].prev_hash, a[0].hash);
  EXPECT_EQ(a[0].at, d[0].at);  // one group, one commit time
  EXPECT_EQ(log->Head(), 2u);

  auto all = log->ReadRange(0, 10);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], a[0]);
  EXPECT_EQ((*all)[1], d[0]);
  auto s2 = log->ReadStream("s2", 0, 10);
  ASSERT_TRUE(s2);
  EXPECT_TRUE(s2->empty());
  EXPECT_EQ(log->Get("unique", "a")->value_or(""), "owner_a");
  EXPECT_FALSE(log->Get("unique", "b")->has_value());
  EXPECT_FALSE(log->Get("unique", "c")->has_value());
  EXPECT_FALSE(log->Get("keys", "usr_b")->has_value());
  EXPECT_FALSE(log->Get("keys", "usr_c")->has_value());
  EXPECT_TRUE(log->DataKey("usr_keep"));
  EXPECT_EQ(log->Get("proj_counts", "x")->value_or(""), "2");
  ExpectChainAndProjectionVerify(*log);

  // The next group continues the stream where d left it.
  auto next = log->Execute(AppendAll({MakeEvent("x", "s1"), MakeEvent("x", "s2")}));
  ASSERT_TRUE(next);
  EXPECT_EQ(Seqs(*next), (std::vector<std::uint64_t>{3, 4}));
  EXPECT_EQ((*next)[0].version, 3u);
  EXPECT_EQ((*next)[1].version, 1u);
}

TEST(GroupCommitTest, OnlyOneOfManyConcurrentClaimsOfANameWins) {
  constexpr int kClaimants = 50;
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);

  std::atomic<int> won{0};
  std::atomic<int> taken{0};
  std::atomic<int> other{0};
  std::latch submitted(kClaimants);
  std::latch done(kClaimants);
  std::vector<std::thread> threads;
  {
    // Hold the writer so that all 50 claims are decided in one group against each other.
    WriterGate gate;
    gate.Hold(*log);
    for (int i = 0; i < kClaimants; ++i) {
      threads.emplace_back([&, i] {
        const std::string owner = "usr_" + std::to_string(i);
        log->Submit(
            [owner](Txn& txn) -> Result<void> {
              auto existing = txn.Get("unique", "username:alice");
              if (!existing) return existing.error();
              if (existing->has_value()) return core::Errc::kUsernameTaken;
              if (auto put = txn.Put("unique", "username:alice", owner); !put) return put.error();
              auto e = txn.Append(MakeEvent("user.signed_up", owner, {{"username", "alice"}}));
              if (!e) return e.error();
              return {};
            },
            [&](Result<Committed> r) {
              if (r) {
                won.fetch_add(1);
              } else if (r.error() == core::Errc::kUsernameTaken) {
                taken.fetch_add(1);
              } else {
                other.fetch_add(1);
              }
              done.count_down();
            });
        submitted.count_down();
      });
    }
    submitted.wait();
    gate.Release();
  }
  for (auto& th : threads)
    th.join();
  done.wait();

  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(taken.load(), kClaimants - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(log->Head(), 1u);
  std::vector<std::string> owners;
  auto scan = log->Scan("unique", "username:", "", [&](std::string_view, std::string_view v) {
    owners.emplace_back(v);
    return true;
  });
  ASSERT_TRUE(scan);
  ASSERT_EQ(owners.size(), 1u);
  auto signups = log->ReadByType("user.signed_up", 0, 100);
  ASSERT_TRUE(signups);
  ASSERT_EQ(signups->size(), 1u);
  EXPECT_EQ((*signups)[0].stream, owners[0]);
  ExpectChainAndProjectionVerify(*log);

  // And the same race without forcing one group (threads racing Execute directly).
  std::atomic<int> won_bob{0};
  std::latch go(kClaimants);
  std::vector<std::thread> racers;
  for (int i = 0; i < kClaimants; ++i) {
    racers.emplace_back([&, i] {
      go.arrive_and_wait();
      auto r = log->Execute([i](Txn& txn) -> Result<void> {
        auto existing = txn.Get("unique", "username:bob");
        if (!existing) return existing.error();
        if (existing->has_value()) return core::Errc::kUsernameTaken;
        return txn.Put("unique", "username:bob", "usr_b" + std::to_string(i));
      });
      if (r) won_bob.fetch_add(1);
    });
  }
  for (auto& th : racers)
    th.join();
  EXPECT_EQ(won_bob.load(), 1);
}

TEST(GroupCommitTest, GroupSizeOfOneStillCommitsEverything) {
  TempDir dir;
  core::ManualClock clock;
  auto options = Options(dir.path());
  options.max_group = 1;
  auto log = OpenOrDie(options, clock);
  ASSERT_NE(log, nullptr);
  std::latch done(100);
  for (int i = 0; i < 100; ++i) {
    log->Submit(AppendAll({MakeEvent("t", "s")}), [&](Result<Committed> r) {
      EXPECT_TRUE(r);
      done.count_down();
    });
  }
  done.wait();
  EXPECT_EQ(log->Head(), 100u);
  ExpectChainAndProjectionVerify(*log);
}

TEST(GroupCommitTest, CloseFinishesQueuedCommands) {
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  std::atomic<int> ok{0};
  {
    WriterGate gate;
    gate.Hold(*log);
    for (int i = 0; i < 20; ++i) {
      log->Submit(AppendAll({MakeEvent("t", "s")}), [&](Result<Committed> r) {
        if (r) ok.fetch_add(1);
      });
    }
    gate.Release();
  }
  log->Close();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(log->Head(), 20u);
  log->Close();  // idempotent
}

// A decider that throws something that is not a std::exception must still be refused like an
// error, not take the writer thread (and the process) down.
TEST(GroupCommitDeathTest, DecisionThrowingANonStdExceptionIsRefusedNotFatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The death-test child re-runs this body: it inherits the parent's folder through the
  // environment, so the parent removes whatever the child left behind.
  constexpr const char* kDirVariable = "AUTHD_TEST_DEATH_DIR";
  std::optional<TempDir> owned;
  std::string path;
  if (const char* inherited = std::getenv(kDirVariable); inherited != nullptr) {
    path = inherited;
  } else {
    owned.emplace();
    path = owned->path();
    ::setenv(kDirVariable, path.c_str(), 1);
  }
  EXPECT_EXIT(
      {
        int code = 3;
        {
          core::ManualClock clock;
          auto log = OpenOrDie(Options(path + "/log"), clock);
          if (log != nullptr) {
            auto r = log->Execute([](Txn&) -> Result<void> { throw 42; });
            auto after = log->Execute(AppendAll({MakeEvent("t", "s")}));
            if (!r && after) code = 0;
          }
        }
        std::_Exit(code);
      },
      ::testing::ExitedWithCode(0), "");
  ::unsetenv(kDirVariable);
}

}  // namespace
}  // namespace authd::storage
