// EventLog: the durable, hash-chained, ordered log of every fact in authd, on RocksDB.
//
// Writing. One writer thread owns every decision. Submit() queues a command; the writer drains
// the queue, runs each command's decision against the current state (committed state plus what
// earlier commands of the same group wrote), and commits the whole group with ONE WriteBatch:
// events, stream and type index entries, uniqueness entries, inline projection state and
// checkpoints, data keys, and the chain head. With `sync` on (the default) the batch is fsynced
// before any caller is completed, so an acknowledged event survives power loss.
//
// Crash behaviour. The WAL is recovered with kTolerateCorruptedTailRecords: a torn record at the
// very end (a write that was never acknowledged) is dropped; corruption anywhere else refuses to
// open instead of silently dropping acknowledged events. See docs/STORAGE.md.
//
// Thread-safety: every public member is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/histogram.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "storage/projection.hpp"
#include "storage/txn.hpp"

namespace authd::storage {

struct LogOptions {
  // Folder of the RocksDB database. Created when missing. Required.
  std::string path;
  // fsync every group commit. Default: true. Off, a process crash loses nothing but a power loss
  // may lose the last acknowledged groups.
  bool sync = true;
  // Commands waiting for the writer beyond which Submit fails fast with kOverloaded.
  // Default: 65536.
  std::size_t max_queue = 65536;
  // Most commands decided into one group commit. Default: 4096.
  std::size_t max_group = 4096;
  // Create the folder when it does not exist. Default: true.
  bool create_if_missing = true;
  // Open read-only (verify, log export while a server runs). Default: false.
  bool read_only = false;
};

// A command's decision. Runs on the writer thread; must not block. Returning an error rolls back
// everything it wrote through the Txn.
using DecideFn = std::function<Result<void>(Txn&)>;

// The events a command appended, in commit order, as committed (seq, hashes set).
using Committed = std::vector<core::Event>;

// Called exactly once per Submit, on the writer thread after the group commit (or at once, on
// the caller's thread, when the queue is full or the log is closed). Must not block.
using DoneFn = std::function<void(Result<Committed>)>;

// Receives each committed group, on the writer thread, in seq order. Must not block.
using CommitListener = std::function<void(const std::shared_ptr<const Committed>&)>;

class EventLog {
 public:
  // Opens (or creates) the log at options.path and catches every projection up with it.
  // Errors: kLocked, kCorruption, kIoError, kInvalidArgument (not an authd log).
  [[nodiscard]] static Result<std::unique_ptr<EventLog>> Open(
      LogOptions options, const core::Key256& master_key, const core::Clock& clock,
      std::vector<std::unique_ptr<InlineProjection>> projections);

  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Queues a command for the writer. See DoneFn.
  void Submit(DecideFn decide, DoneFn done);
  // Submit and wait. For commands and tests; never call from an I/O thread.
  [[nodiscard]] Result<Committed> Execute(DecideFn decide);

  // Group commit under load (docs/STORAGE.md, "Commit delay"). When a group is about to start
  // and worth_waiting() says so, the writer keeps it open until `max_delay` after its oldest
  // command was queued (or until it is full, the log closes, or worth_waiting() says no when
  // asked again after RecheckCommitDelay), so that the commands arriving meanwhile share one
  // batch and one fsync. worth_waiting runs on the writer thread under the queue's lock: it must
  // be cheap and must not call into the log. Zero or an empty function (the default): a group
  // starts as soon as the writer is free, and a group held now goes at once (a shorter non-zero
  // delay applies from the next group on). Delays above one minute are taken as one minute.
  // Once this returns, the previous function is never called again.
  void SetCommitDelay(std::chrono::microseconds max_delay, std::function<bool()> worth_waiting);
  // For the source of the hint, when it may have turned false: a writer holding a group asks
  // worth_waiting() again and, on no, writes the group now rather than at its deadline. Cheap
  // when nothing is held; never blocks on a write. Any thread.
  void RecheckCommitDelay() noexcept;

  // Stops accepting commands, finishes the queued ones, joins the writer. Idempotent.
  void Close();

  // Last committed sequence number (0 for an empty log) and its hash.
  [[nodiscard]] std::uint64_t Head() const;
  [[nodiscard]] core::Digest HeadHash() const;

  // Events with seq > after, in order, at most `limit`.
  [[nodiscard]] Result<std::vector<core::Event>> ReadRange(std::uint64_t after,
                                                           std::size_t limit) const;
  // Events of one stream with version > after_version, in order.
  [[nodiscard]] Result<std::vector<core::Event>> ReadStream(std::string_view stream,
                                                            std::uint64_t after_version,
                                                            std::size_t limit) const;
  // Events of one type with seq > after, in order.
  [[nodiscard]] Result<std::vector<core::Event>> ReadByType(std::string_view type,
                                                            std::uint64_t after,
                                                            std::size_t limit) const;
  // Raw stored bytes of one event (for verification and tooling).
  [[nodiscard]] Result<std::optional<std::string>> ReadRaw(std::uint64_t seq) const;

  // Visits every stored record in seq order: fn(seq, bytes) returns false to stop.
  [[nodiscard]] Result<void> ScanRaw(
      std::uint64_t after, const std::function<bool(std::uint64_t, std::string_view)>& fn) const;

  // Committed read of any column family by name.
  [[nodiscard]] Result<std::optional<std::string>> Get(std::string_view family,
                                                       std::string_view key) const;
  // Visits keys of a family that start with `prefix`, from `start` (inclusive; "" = prefix),
  // in byte order. fn returns false to stop.
  [[nodiscard]] Result<void> Scan(
      std::string_view family, std::string_view prefix, std::string_view start,
      const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  // The data key of a subject (cached), or core::Errc::kKeyErased once destroyed.
  [[nodiscard]] Result<core::Key256> DataKey(std::string_view subject) const;

  // Registers a listener for committed groups. Returns the head at registration: every event
  // with a greater seq is delivered to the listener, every event up to it is readable with
  // ReadRange. Together that is the log with no gap and no duplicate. The id unsubscribes.
  // WARNING: listeners run under the publishing lock: a listener must not call Subscribe or
  // Unsubscribe (it would deadlock); hand the work to another thread instead.
  struct Subscription {
    std::uint64_t id = 0;
    std::uint64_t head = 0;
  };
  [[nodiscard]] Subscription Subscribe(CommitListener listener);
  void Unsubscribe(std::uint64_t id);

  // The inline projections, by name (for verify and rebuild).
  [[nodiscard]] std::vector<InlineProjection*> Projections() const;
  // Drops the projection's state and rebuilds it from the log. Blocks writers while it runs.
  // progress(seq, head) is called now and then.
  [[nodiscard]] Result<void> Rebuild(
      std::string_view projection,
      const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

  // The checkpoint of a projection: {version, seq}; {0, 0} when none.
  [[nodiscard]] std::pair<std::uint32_t, std::uint64_t> Checkpoint(std::string_view name) const;

  // Number of commands waiting for the writer (for metrics and load shedding).
  [[nodiscard]] std::size_t QueueDepth() const;

  // Group-commit statistics since Open, for metrics. `commit_seconds`: per group that reached
  // RocksDB, the time from the writer starting to decide its first command to the (synced) write
  // returning, i.e. decide + batch build + write + fsync; queue wait is not included. Groups whose
  // commands were all refused are not written and not timed. `group_commands`: commands per
  // group, refused ones included. `held`: groups kept open under the commit delay, of which
  // `held_to_deadline` were written at their deadline and `held_released` when a recheck
  // found worth_waiting() false (the rest: full, closing, or the delay turned off). Cheap: the
  // writer pays a few relaxed atomic increments per group. Thread-safe.
  struct CommitStats {
    core::HistogramSnapshot commit_seconds;
    core::HistogramSnapshot group_commands;
    std::uint64_t held = 0;
    std::uint64_t held_to_deadline = 0;
    std::uint64_t held_released = 0;
  };
  [[nodiscard]] CommitStats Stats() const;

  // What RocksDB holds in memory now, in bytes: the shared block cache (bounded, see
  // docs/STORAGE.md "Memory") and its bound, every family's memtables, and the table readers
  // outside the cache. One RocksDB property read each (all families for the last two).
  enum class MemoryKind { kBlockCache, kBlockCacheCapacity, kMemtables, kTableReaders };
  [[nodiscard]] std::uint64_t Memory(MemoryKind kind) const;

  struct Impl;

 private:
  explicit EventLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace authd::storage
