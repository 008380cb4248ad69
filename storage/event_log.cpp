#include "storage/event_log.hpp"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "core/sealing.hpp"
#include "core/thread_name.hpp"
#include "storage/error.hpp"
#include "storage/event_log_impl.hpp"
#include "storage/group_builder.hpp"
#include "storage/keys.hpp"
#include "storage/projection_replay.hpp"
#include "storage/rocks.hpp"

namespace authd::storage {
namespace {

// The flushes of key erasure leave small table files behind; past this many per family they are
// merged (Rocks::MergeSmallTables).
constexpr std::uint64_t kSmallTableBytes = 1 << 20;
constexpr std::size_t kMaxSmallTables = 8;

// SetCommitDelay's bound: far beyond any useful hold, and no overflow in queued_at + delay.
constexpr std::chrono::microseconds kMaxCommitDelay = std::chrono::minutes(1);

}  // namespace

using detail::ToSlice;

Result<void> EventLog::Impl::CheckMasterKey() {
  // A value sealed under the master key when the log was created. Opening it proves the key is
  // the right one before anything is unwrapped, or (worse) a new data key written over an old.
  constexpr std::string_view kCheck = "authd master key check";
  auto* meta = rocks->Family(kMetaFamily);
  std::string value;
  auto s = rocks->db().Get(rocksdb::ReadOptions(), meta, ToSlice(kMetaKeyCheck), &value);
  if (s.ok()) {
    auto opened = core::Open(master, "authd", "key_check", value);
    if (!opened || *opened != kCheck) return Errc::kWrongMasterKey;
    return {};
  }
  if (!s.IsNotFound()) return FromStatus(s);
  if (rocks->read_only()) return {};
  rocksdb::WriteOptions wo;
  wo.sync = true;
  s = rocks->db().Put(wo, meta, ToSlice(kMetaKeyCheck),
                      core::Seal(master, "authd", "key_check", kCheck));
  if (!s.ok()) return FromStatus(s);
  return {};
}

Result<void> EventLog::Impl::LoadHead() {
  auto& db = rocks->db();
  std::string value;
  auto s = db.Get(rocksdb::ReadOptions(), rocks->Family(kMetaFamily), ToSlice(kMetaFormat), &value);
  const bool has_format = s.ok();
  if (!s.ok() && !s.IsNotFound()) return FromStatus(s);
  if (has_format && value != kFormatValue) return Errc::kInvalidArgument;

  // The last event must be the recorded head: they are written in one batch.
  std::unique_ptr<rocksdb::Iterator> it(
      db.NewIterator(rocksdb::ReadOptions(), rocks->Family(kEventsFamily)));
  it->SeekToLast();
  if (!it->status().ok()) return FromStatus(it->status());
  const std::uint64_t last = it->Valid() ? ParseBigEndian(it->key().ToStringView()) : 0;

  if (!has_format) {
    // A new log, or one whose creation stopped before this marker: every family must be empty,
    // else this is someone else's database and we must not write into it.
    for (auto* h : rocks->AllFamilies()) {
      std::unique_ptr<rocksdb::Iterator> any(db.NewIterator(rocksdb::ReadOptions(), h));
      any->SeekToFirst();
      if (any->Valid()) return Errc::kInvalidArgument;
      if (!any->status().ok()) return FromStatus(any->status());
    }
  }
  if (auto checked = CheckMasterKey(); !checked) return checked;

  s = db.Get(rocksdb::ReadOptions(), rocks->Family(kMetaFamily), ToSlice(kMetaHead), &value);
  if (s.IsNotFound()) {
    if (last != 0) return has_format ? Errc::kCorruption : Errc::kInvalidArgument;
    if (!has_format && !rocks->read_only()) {
      s = db.Put(rocksdb::WriteOptions(), rocks->Family(kMetaFamily), ToSlice(kMetaFormat),
                 ToSlice(kFormatValue));
      if (!s.ok()) return FromStatus(s);
    }
    return {};
  }
  if (!s.ok()) return FromStatus(s);
  if (value.size() != 8 + 32) return Errc::kCorruption;
  const std::uint64_t seq = ParseBigEndian(std::string_view(value).substr(0, 8));
  if (seq != last) return Errc::kCorruption;
  state.head_seq = seq;
  std::copy_n(value.data() + 8, 32, reinterpret_cast<char*>(state.head_hash.data()));
  head.store(seq);
  head_hash = state.head_hash;
  if (seq != 0) {
    auto raw = it->value().ToStringView();
    auto event = core::DecodeEvent(raw);
    if (!event) return Errc::kCorruption;
    state.last_at = event->at;
  }
  return {};
}

void EventLog::Impl::WriterLoop() {
  for (;;) {
    std::vector<detail::Pending> group;
    {
      std::unique_lock lock(queue_mu);
      queue_cv.wait(lock, [&] { return closing || !queue.empty(); });
      if (queue.empty()) return;  // closing and drained
      if (ShouldHold()) HoldGroup(lock);
      const std::size_t n = std::min(queue.size(), options.max_group);
      group.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    RunGroup(group);
  }
}

bool EventLog::Impl::ShouldHold() const {
  return !HoldOver() && worth_waiting();
}

bool EventLog::Impl::HoldOver() const {
  return closing || queue.size() >= options.max_group || commit_delay.count() == 0 ||
         !worth_waiting;
}

void EventLog::Impl::HoldGroup(std::unique_lock<std::mutex>& lock) {
  // Counted from the oldest command, so none waits longer than the delay for company; one that
  // already has (behind a slow write) is not held at all.
  const auto deadline = queue.front().queued_at + commit_delay;
  if (deadline <= std::chrono::steady_clock::now()) return;
  holding = true;
  held.fetch_add(1, std::memory_order_relaxed);
  while (!HoldOver()) {
    if (queue_cv.wait_until(lock, deadline) == std::cv_status::timeout) {
      held_to_deadline.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    // Woken early: the group filled, the log closes, the delay changed, or RecheckCommitDelay
    // asks for the hint again (or a spurious wake-up, which asks it too).
    if (!HoldOver() && !worth_waiting()) {
      held_released.fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  holding = false;
}

void EventLog::Impl::RunGroup(std::vector<detail::Pending>& group) {
  const auto started = std::chrono::steady_clock::now();
  group_commands.Observe(static_cast<double>(group.size()));
  std::vector<Result<Committed>> results;
  results.reserve(group.size());
  std::shared_ptr<Committed> published;
  std::vector<std::string> destroyed;
  {
    std::lock_guard lock(group_mu);
    if (needs_resume) {
      // After a failed write RocksDB stops writing until resumed (e.g. space was freed).
      auto s = rocks->db().Resume();
      if (!s.ok()) {
        const auto err = FromStatus(s);
        for (auto& p : group)
          p.done(err == Errc::kOk ? Errc::kIoError : err);
        return;
      }
      needs_resume = false;
    }
    // Commit times never go backwards, even if the wall clock does.
    const core::Micros now = std::max(clock.NowMicros(), state.last_at);
    GroupBuilder builder(*rocks, master, keys, slots, state, now);
    bool any_ok = false;
    for (auto& p : group) {
      builder.BeginCommand();
      Txn txn(builder);
      Result<void> decided = Errc::kInvalidArgument;
      try {
        decided = p.decide(txn);
      } catch (...) {
        // A decider must not throw; treat it as a refused command, not a crashed writer.
        decided = Errc::kInvalidArgument;
      }
      if (decided && builder.failed()) decided = *builder.failed();
      if (decided) {
        results.emplace_back(builder.EndCommand());
        any_ok = true;
      } else {
        builder.AbortCommand();
        results.emplace_back(decided.error());
      }
    }
    if (any_ok) {
      const std::uint64_t old_head = state.head_seq;
      rocksdb::WriteOptions wo;
      wo.sync = options.sync;
      auto s = rocks->db().Write(wo, builder.Finish());
      commit_seconds.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
      if (!s.ok()) {
        needs_resume = true;
        Errc err = FromStatus(s);
        if (err == Errc::kOk || err == Errc::kNotFound) err = Errc::kIoError;
        for (auto& r : results) {
          if (r) r = err;
        }
        // Cached stream versions may include this group's; forget them.
        state.stream_versions.clear();
      } else {
        builder.Committed();
        destroyed = builder.DestroyedSubjects();
        published = std::make_shared<Committed>();
        for (auto& r : results) {
          if (r) published->insert(published->end(), r->begin(), r->end());
        }
        if (state.head_seq != old_head) Publish(published, state.head_seq, state.head_hash);
      }
    }
  }
  // Physically erase destroyed keys before anyone hears "deleted": a backup taken after the
  // acknowledgement must not hold them.
  if (!destroyed.empty()) EraseKeys(destroyed);
  for (std::size_t i = 0; i < group.size(); ++i)
    group[i].done(std::move(results[i]));
}

void EventLog::Impl::Publish(const std::shared_ptr<const Committed>& events, std::uint64_t new_head,
                             const core::Digest& new_hash) {
  std::lock_guard lock(publish_mu);
  head.store(new_head);
  head_hash = new_hash;
  for (auto& [id, listener] : listeners)
    listener(events);
}

void EventLog::Impl::EraseKeys(const std::vector<std::string>& subjects) {
  // The deleted key may still sit in the memtable and older SST files: flush and compact its key
  // range so the wrapped key is physically gone, not just shadowed by a tombstone.
  // Flushing every family lets RocksDB delete the WAL files that still hold the wrapped key.
  rocksdb::FlushOptions flush;
  flush.wait = true;
  auto flushed = rocks->db().Flush(flush, rocks->AllFamilies());
  (void)flushed;  // Best effort, as below.
  auto* family = rocks->Family(kKeysFamily);
  for (const auto& subject : subjects) {
    std::string end = subject;
    end.push_back('\0');
    rocksdb::Slice b(subject);
    rocksdb::Slice e(end);
    rocksdb::CompactRangeOptions opts;
    opts.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    auto s = rocks->db().CompactRange(opts, family, &b, &e);
    (void)s;  // Best effort: the tombstone already makes the key unreadable.
  }
  rocks->MergeSmallTables(kSmallTableBytes, kMaxSmallTables);
  rocks->DropCachedRows();
}

EventLog::EventLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventLog::~EventLog() {
  Close();
}

Result<std::unique_ptr<EventLog>> EventLog::Open(
    LogOptions options, const core::Key256& master_key, const core::Clock& clock,
    std::vector<std::unique_ptr<InlineProjection>> projections) {
  if (options.path.empty() || options.max_group == 0) return Errc::kInvalidArgument;
  auto impl = std::make_unique<Impl>(std::move(options), master_key, clock);
  std::vector<std::string> families;
  for (const auto& p : projections)
    families.push_back("proj_" + std::string(p->Name()));
  auto rocks = Rocks::Open(impl->options.path, impl->options.create_if_missing,
                           impl->options.read_only, families);
  if (!rocks) return rocks.error();
  impl->rocks = std::move(*rocks);
  impl->projections = std::move(projections);
  for (const auto& p : impl->projections) {
    auto* family = impl->rocks->Family("proj_" + std::string(p->Name()));
    if (family == nullptr) return Errc::kInvalidArgument;  // read-only open of an older folder
    impl->slots.push_back({p.get(), family});
  }
  if (auto loaded = impl->LoadHead(); !loaded) return loaded.error();

  if (!impl->options.read_only) {
    for (const auto& slot : impl->slots) {
      auto caught_up = CatchUp(*impl->rocks, slot, impl->state.head_seq, {});
      if (!caught_up) return caught_up.error();
    }
    impl->writer = std::thread([raw = impl.get()] {
      core::NameThisThread("authd-writer");
      raw->WriterLoop();
    });
  }
  return std::unique_ptr<EventLog>(new EventLog(std::move(impl)));
}

void EventLog::Submit(DecideFn decide, DoneFn done) {
  bool closed = false;
  {
    std::lock_guard lock(impl_->queue_mu);
    closed = impl_->closing || impl_->options.read_only;
    if (!closed && impl_->queue.size() < impl_->options.max_queue) {
      impl_->queue.push_back(
          {std::move(decide), std::move(done), std::chrono::steady_clock::now()});
      // A writer holding a group open wakes when the group is full, not for every command.
      if (!impl_->holding || impl_->queue.size() >= impl_->options.max_group) {
        impl_->queue_cv.notify_one();
      }
      return;
    }
  }
  done(closed ? Errc::kClosed : Errc::kOverloaded);
}

void EventLog::SetCommitDelay(std::chrono::microseconds max_delay,
                              std::function<bool()> worth_waiting) {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->commit_delay = std::clamp(max_delay, std::chrono::microseconds(0), kMaxCommitDelay);
    impl_->worth_waiting = std::move(worth_waiting);
  }
  impl_->queue_cv.notify_all();  // a group held under the old delay goes now if it is off
}

void EventLog::RecheckCommitDelay() noexcept {
  std::lock_guard lock(impl_->queue_mu);
  // Under the lock: a writer between asking the hint and sleeping cannot miss this.
  if (impl_->holding) impl_->queue_cv.notify_one();
}

Result<Committed> EventLog::Execute(DecideFn decide) {
  std::promise<Result<Committed>> promise;
  auto future = promise.get_future();
  Submit(std::move(decide), [&promise](Result<Committed> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void EventLog::Close() {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->closing = true;
  }
  impl_->queue_cv.notify_all();
  if (impl_->writer.joinable()) impl_->writer.join();
}

std::uint64_t EventLog::Head() const {
  return impl_->head.load();
}

core::Digest EventLog::HeadHash() const {
  std::lock_guard lock(impl_->publish_mu);
  return impl_->head_hash;
}

EventLog::Subscription EventLog::Subscribe(CommitListener listener) {
  std::lock_guard lock(impl_->publish_mu);
  const std::uint64_t id = impl_->next_listener++;
  impl_->listeners.emplace(id, std::move(listener));
  return {id, impl_->head.load()};
}

void EventLog::Unsubscribe(std::uint64_t id) {
  std::lock_guard lock(impl_->publish_mu);
  impl_->listeners.erase(id);
}

std::vector<InlineProjection*> EventLog::Projections() const {
  std::vector<InlineProjection*> out;
  for (const auto& p : impl_->projections)
    out.push_back(p.get());
  return out;
}

Result<void> EventLog::Rebuild(std::string_view projection,
                               const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  if (impl_->options.read_only) return Errc::kInvalidArgument;
  std::lock_guard lock(impl_->group_mu);
  for (const auto& slot : impl_->slots) {
    if (slot.projection->Name() != projection) continue;
    if (auto cleared = ClearProjection(*impl_->rocks, slot); !cleared) return cleared.error();
    return CatchUp(*impl_->rocks, slot, impl_->state.head_seq, progress);
  }
  return Errc::kNotFound;
}

std::size_t EventLog::QueueDepth() const {
  std::lock_guard lock(impl_->queue_mu);
  return impl_->queue.size();
}

EventLog::CommitStats EventLog::Stats() const {
  return {.commit_seconds = impl_->commit_seconds.Snapshot(),
          .group_commands = impl_->group_commands.Snapshot(),
          .held = impl_->held.load(std::memory_order_relaxed),
          .held_to_deadline = impl_->held_to_deadline.load(std::memory_order_relaxed),
          .held_released = impl_->held_released.load(std::memory_order_relaxed)};
}

}  // namespace authd::storage
