// The event log's shared state (EventLog::Impl), for the files that implement EventLog:
// event_log.cpp (open, the writer, subscriptions) and event_log_reads.cpp (reads). Not for use
// outside storage/.
#pragma once

#include <rocksdb/slice.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/histogram.hpp"
#include "storage/event_log.hpp"
#include "storage/group_builder.hpp"
#include "storage/rocks.hpp"

namespace authd::storage {
namespace detail {

inline rocksdb::Slice ToSlice(std::string_view s) {
  return {s.data(), s.size()};
}

struct Pending {
  DecideFn decide;
  DoneFn done;
  std::chrono::steady_clock::time_point queued_at;
};

}  // namespace detail

struct EventLog::Impl {
  Impl(LogOptions o, const core::Key256& m, const core::Clock& c)
      : options(std::move(o)), master(m), clock(c) {}

  LogOptions options;
  core::Key256 master;
  const core::Clock& clock;
  std::unique_ptr<Rocks> rocks;
  std::vector<std::unique_ptr<InlineProjection>> projections;
  std::vector<ProjectionSlot> slots;
  DataKeyCache keys;

  // The writer and its queue.
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<detail::Pending> queue;
  bool closing = false;
  // Group commit under load (SetCommitDelay); `holding` while the writer keeps a group open.
  std::chrono::microseconds commit_delay{0};
  std::function<bool()> worth_waiting;
  bool holding = false;
  std::atomic<std::uint64_t> held{0};
  std::atomic<std::uint64_t> held_to_deadline{0};
  std::atomic<std::uint64_t> held_released{0};
  std::thread writer;
  WriterState state;          // writer thread only (and Open/Rebuild under group_mu)
  bool needs_resume = false;  // the last write failed: RocksDB must be resumed first
  std::mutex group_mu;        // held while a group is built and written, and by Rebuild

  // Committed head, published together with subscriber delivery.
  std::mutex publish_mu;
  std::atomic<std::uint64_t> head{0};
  core::Digest head_hash{};
  std::map<std::uint64_t, CommitListener> listeners;
  std::uint64_t next_listener = 1;

  // Statistics (see EventLog::Stats): 100 us to 2.5 s, and powers of two up to max_group's
  // default.
  core::FixedHistogram commit_seconds{
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}};
  core::FixedHistogram group_commands{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096}};

  [[nodiscard]] Result<void> LoadHead();
  [[nodiscard]] Result<void> CheckMasterKey();
  void WriterLoop();
  // Commit delay (SetCommitDelay), all under queue_mu. ShouldHold asks the hint; HoldOver: the
  // reasons a hold ends other than the hint and the deadline.
  [[nodiscard]] bool ShouldHold() const;
  [[nodiscard]] bool HoldOver() const;
  void HoldGroup(std::unique_lock<std::mutex>& lock);
  void RunGroup(std::vector<detail::Pending>& group);
  void Publish(const std::shared_ptr<const Committed>& events, std::uint64_t new_head,
               const core::Digest& new_hash);
  void EraseKeys(const std::vector<std::string>& subjects);
};

}  // namespace authd::storage
