// Failures the log must report as values: locked or foreign folders, closed or overloaded writer.
#include <gtest/gtest.h>
#include <rocksdb/status.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "storage/error.hpp"
#include "storage/event_log.hpp"
#include "storage/keys.hpp"
#include "tests/unit/storage/raw_rocks.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::storage {
namespace {

using test_support::AppendAll;
using test_support::FixedMasterKey;
using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::RawDb;
using test_support::TempDir;
using test_support::WriterGate;

Result<std::unique_ptr<EventLog>> TryOpen(LogOptions options, const core::Clock& clock) {
  return EventLog::Open(std::move(options), FixedMasterKey(), clock,
                        test_support::CountingProjections());
}

TEST(StorageErrorsTest, FolderHeldByAnotherOpenLogIsLocked) {
  TempDir dir;
  core::ManualClock clock;
  auto first = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(first, nullptr);

  // What RocksDB itself says about the held LOCK file, and how it is translated.
  {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options options;
    const auto s = rocksdb::DB::Open(options, dir.path(), &raw);
    ASSERT_FALSE(s.ok());
    delete raw;
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    EXPECT_EQ(FromStatus(s), Errc::kLocked) << s.ToString();
  }

  auto second = TryOpen(Options(dir.path()), clock);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), Errc::kLocked) << second.error().message();
  // A read-only open does not take the lock.
  auto options = Options(dir.path());
  options.read_only = true;
  auto reader = TryOpen(options, clock);
  EXPECT_TRUE(reader) << reader.error().message();

  first.reset();
  auto third = TryOpen(Options(dir.path()), clock);
  EXPECT_TRUE(third) << "the lock is released on close: " << third.error().message();
}

TEST(StorageErrorsTest, StatusTranslation) {
  using rocksdb::Status;
  EXPECT_EQ(FromStatus(Status::OK()), Errc::kOk);
  EXPECT_EQ(FromStatus(Status::NotFound("x")), Errc::kNotFound);
  EXPECT_EQ(FromStatus(Status::Corruption("block checksum mismatch")), Errc::kCorruption);
  EXPECT_EQ(FromStatus(Status::InvalidArgument("x")), Errc::kInvalidArgument);
  EXPECT_EQ(FromStatus(Status::ShutdownInProgress()), Errc::kClosed);
  EXPECT_EQ(FromStatus(Status::NoSpace("write failed")), Errc::kNoSpace);
  EXPECT_EQ(FromStatus(
                Status::IOError("While lock file", "/data/LOCK: Resource temporarily unavailable")),
            Errc::kLocked);
  EXPECT_EQ(FromStatus(Status::IOError("While fsync", "/data/000012.log: Input/output error")),
            Errc::kIoError);
  EXPECT_TRUE(IsUnavailable(Errc::kIoError));
  EXPECT_TRUE(IsUnavailable(Errc::kOverloaded));
  EXPECT_FALSE(IsUnavailable(Errc::kCorruption));
}

// The word "lock" in a folder's NAME says nothing about the LOCK file: an I/O error under
// /srv/blocks/ or /home/sherlock/ is not "locked by another process".
TEST(StorageErrorsTest, IoErrorUnderAPathThatContainsLockIsNotLocked) {
  using rocksdb::Status;
  EXPECT_EQ(FromStatus(Status::IOError("While open a file for appending",
                                       "/srv/blocks/authd/000012.log: Permission denied")),
            Errc::kIoError);
  EXPECT_EQ(FromStatus(Status::IOError("While fsync",
                                       "/home/sherlock/authd/000012.log: "
                                       "Input/output error")),
            Errc::kIoError);
  TempDir dir;
  core::ManualClock clock;
  const std::string not_a_folder = dir.Sub("blocks");
  std::ofstream(not_a_folder) << "a regular file where the data folder should be";
  auto log = TryOpen(Options(not_a_folder), clock);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error(), Errc::kIoError) << log.error().message();
}

TEST(StorageErrorsTest, MissingFolder) {
  TempDir dir;
  core::ManualClock clock;
  auto options = Options(dir.Sub("missing"));
  options.read_only = true;
  auto read_only = TryOpen(options, clock);
  ASSERT_FALSE(read_only);
  EXPECT_EQ(read_only.error(), Errc::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("missing")));

  options.read_only = false;
  options.create_if_missing = false;
  auto no_create = TryOpen(options, clock);
  ASSERT_FALSE(no_create);
  EXPECT_EQ(no_create.error(), Errc::kNotFound);

  EXPECT_EQ(TryOpen(Options(""), clock).error(), Errc::kInvalidArgument);
  auto no_group = Options(dir.Sub("x"));
  no_group.max_group = 0;
  EXPECT_EQ(TryOpen(no_group, clock).error(), Errc::kInvalidArgument);
}

// RocksDB folders that authd did not write. Opening them must fail with kInvalidArgument ("not an
// authd log"), with or without projections, and must not adopt them by writing a format marker.
void ExpectForeignDatabaseRefused(const std::string& path) {
  core::ManualClock clock;
  {
    auto bare =
        EventLog::Open(Options(path), FixedMasterKey(), clock, test_support::NoProjections());
    EXPECT_FALSE(bare) << "opened a database that is not an authd log";
    if (!bare) {
      EXPECT_EQ(bare.error(), Errc::kInvalidArgument) << bare.error().message();
    }
  }
  {
    RawDb raw(path);
    EXPECT_FALSE(raw.Get("meta", "format").has_value()) << "wrote its format marker into it";
  }
  auto with_projection = TryOpen(Options(path), clock);
  EXPECT_FALSE(with_projection) << "opened a database that is not an authd log";
  if (!with_projection) {
    EXPECT_EQ(with_projection.error(), Errc::kInvalidArgument) << with_projection.error().message();
  }
}

TEST(StorageErrorsTest, ForeignDatabaseWithAnEightByteEventKey) {
  TempDir dir;
  {
    RawDb raw(dir.path(), /*create=*/true);
    raw.Put("default", "someone else's", "data");
    raw.Put("events", std::string("\x13\x37\xbe\xef\x00\x01\x02\x03", 8), "random value");
  }
  ExpectForeignDatabaseRefused(dir.path());
}

TEST(StorageErrorsTest, ForeignDatabaseWithATextEventKey) {
  TempDir dir;
  {
    RawDb raw(dir.path(), /*create=*/true);
    raw.Put("default", "someone else's", "data");
    raw.Put("events", "random-key", "random value");
  }
  ExpectForeignDatabaseRefused(dir.path());
}

TEST(StorageErrorsTest, ForeignDatabaseWithOnlyDefaultFamilyData) {
  TempDir dir;
  {
    RawDb raw(dir.path(), /*create=*/true);
    raw.Put("default", "someone else's", "data");
  }
  ExpectForeignDatabaseRefused(dir.path());
}

TEST(StorageErrorsTest, LogOfAnotherFormat) {
  TempDir dir;
  core::ManualClock clock;
  {
    auto log = OpenOrDie(Options(dir.path()), clock);
    ASSERT_NE(log, nullptr);
  }
  {
    RawDb raw(dir.path());
    raw.Put("meta", "format", "authd-log-99");
  }
  auto log = TryOpen(Options(dir.path()), clock);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error(), Errc::kInvalidArgument);
}

TEST(StorageErrorsTest, SubmitAfterCloseIsClosed) {
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Execute(AppendAll({MakeEvent("t", "s")})));
  log->Close();

  int calls = 0;
  const auto caller = std::this_thread::get_id();
  log->Submit(AppendAll({MakeEvent("t", "s")}), [&](Result<Committed> r) {
    ++calls;
    EXPECT_EQ(std::this_thread::get_id(), caller);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), Errc::kClosed);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(log->Execute(AppendAll({MakeEvent("t", "s")})).error(), Errc::kClosed);
  // Reads still work after Close.
  EXPECT_EQ(log->Head(), 1u);
  auto all = log->ReadRange(0, 10);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 1u);
}

TEST(StorageErrorsTest, SubmitsRacingCloseCompleteExactlyOnce) {
  TempDir dir;
  core::ManualClock clock;
  auto options = Options(dir.path());
  options.max_queue = 256;
  auto log = OpenOrDie(options, clock);
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 4;
  std::atomic<int> submitted{0};
  std::atomic<int> completed{0};
  std::atomic<int> ok{0};
  std::atomic<int> closed{0};
  std::atomic<int> overloaded{0};
  std::atomic<int> other{0};
  std::latch some_submitted(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      bool counted = false;
      std::atomic<bool> saw_closed{false};
      while (!saw_closed.load()) {
        submitted.fetch_add(1);
        log->Submit(AppendAll({MakeEvent("t", "s")}), [&](Result<Committed> r) {
          if (r) {
            ok.fetch_add(1);
          } else if (r.error() == Errc::kClosed) {
            closed.fetch_add(1);
            saw_closed.store(true);
          } else if (r.error() == Errc::kOverloaded) {
            overloaded.fetch_add(1);
          } else {
            other.fetch_add(1);
          }
          completed.fetch_add(1);
        });
        if (!counted) {
          counted = true;
          some_submitted.count_down();
        }
      }
    });
  }
  some_submitted.wait();
  log->Close();
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(completed.load(), submitted.load());
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(closed.load(), kThreads);
  EXPECT_EQ(static_cast<std::uint64_t>(ok.load()), log->Head()) << "queued before Close: committed";
}

TEST(StorageErrorsTest, ReadOnlyLogRefusesCommandsButReads) {
  TempDir dir;
  core::ManualClock clock;
  {
    auto log = OpenOrDie(Options(dir.path()), clock);
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->Execute(AppendAll({MakeEvent("t", "s"), MakeEvent("t", "s")})));
  }
  auto options = Options(dir.path());
  options.read_only = true;
  auto log = OpenOrDie(options, clock);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Head(), 2u);
  EXPECT_EQ(log->Execute(AppendAll({MakeEvent("t", "s")})).error(), Errc::kClosed);
  auto all = log->ReadRange(0, 10);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
}

TEST(StorageErrorsTest, FullQueueIsOverloaded) {
  TempDir dir;
  core::ManualClock clock;
  auto options = Options(dir.path());
  options.max_queue = 1;
  auto log = OpenOrDie(options, clock);
  ASSERT_NE(log, nullptr);

  std::promise<Result<Committed>> queued;
  int overloaded_calls = 0;
  {
    WriterGate gate;
    gate.Hold(*log);  // the writer took the holding command off the queue and is stuck in it
    EXPECT_EQ(log->QueueDepth(), 0u);
    log->Submit(AppendAll({MakeEvent("t", "s")}),
                [&](Result<Committed> r) { queued.set_value(std::move(r)); });
    EXPECT_EQ(log->QueueDepth(), 1u);
    const auto caller = std::this_thread::get_id();
    log->Submit(AppendAll({MakeEvent("t", "s")}), [&](Result<Committed> r) {
      ++overloaded_calls;
      EXPECT_EQ(std::this_thread::get_id(), caller);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error(), Errc::kOverloaded);
      EXPECT_TRUE(IsUnavailable(r.error()));
    });
    EXPECT_EQ(overloaded_calls, 1);
    gate.Release();
  }
  auto r = queued.get_future().get();
  EXPECT_TRUE(r) << "the queued command still commits";
  EXPECT_EQ(log->Head(), 1u);
}

}  // namespace
}  // namespace authd::storage
