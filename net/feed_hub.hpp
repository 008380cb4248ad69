// FeedHub: the one process-wide subscription to the event log, fanned out to every live feed
// (WS /v1/audit/stream and WS /v1/security/stream, docs/FEEDS.md).
//
// Audit. The log's commit listener only moves each committed group into the hub's inbox (a
// lock, and a notify while someone is on the audit stream: writers never wait for subscribers). The
// hub thread renders each event ONCE into a shared, immutable JSON text and hands the same batch of
// shared texts to every attached subscriber. A subscriber first replays from the log and attaches
// when it has caught up with Published(): every event up to Published() is readable with
// EventLog::ReadRange, every later one reaches each attached sink. That is the hand-over without
// gap or duplicate.
//
// Security. Once a second the hub takes a SecurityView snapshot (zero counters when there is no
// view) and broadcasts the SecurityFeed messages.
//
// Bounded: the inbox holds at most `max_pending_events`; past it (the hub cannot keep up, which
// only a stalled machine causes) the backlog is dropped and every audit subscriber is told to
// Lost() (they close with 1013 and resume from the log), so memory stays bounded.
//
// Thread-safety: every public member is thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "net/security_feed.hpp"
#include "projections/security_view.hpp"
#include "storage/event_log.hpp"

namespace authd::net {

// One message of a feed: the sequence number of its event (0 for security messages) and the
// JSON text, shared by every subscriber.
struct FeedItem {
  std::uint64_t seq = 0;
  std::shared_ptr<const std::string> text;
};
using FeedBatch = std::shared_ptr<const std::vector<FeedItem>>;

// A subscriber as the hub sees it. Both calls come from the hub thread and must not block: hand
// the batch to the subscriber's own executor.
class FeedSink {
 public:
  virtual ~FeedSink() = default;
  virtual void Deliver(const FeedBatch& batch) = 0;
  // The hub dropped events this sink should have had: close (1013) so the client resumes.
  virtual void Lost() = 0;
};

struct FeedHubOptions {
  // Committed events waiting for the hub thread. Default: 65536.
  std::size_t max_pending_events = 65'536;
  // Period of the security counters. Default: 1 s.
  std::chrono::milliseconds security_period{1'000};
};

// The audit event of API.md: {"seq","type","at","actor":{"user_id"?,"ip"?},"subject"?,
// "data":{...},"hash"}. Sealed personal fields are opened into data (actor.ip for "ip") while
// the subject's key exists, "[erased]" after; secrets and token hashes never appear.
[[nodiscard]] boost::json::object AuditEventJson(const core::Event& event,
                                                 const storage::EventLog& log);

class FeedHub final {
 public:
  FeedHub(storage::EventLog& log, const projections::SecurityView* security,
          const core::Clock& clock, FeedHubOptions options = {});
  // Calls Stop().
  ~FeedHub();
  FeedHub(const FeedHub&) = delete;
  FeedHub& operator=(const FeedHub&) = delete;

  // Subscribes to the log and starts the hub thread. Call once.
  void Start();
  // Unsubscribes, stops the thread. Sinks get nothing more. Idempotent. Call before the log
  // closes.
  void Stop();

  struct Attach {
    bool attached = false;
    std::uint64_t published = 0;  // read the log up to here, then try again
    std::uint64_t id = 0;         // for Detach, when attached
  };
  // Attaches `sink` to the audit feed when `cursor` (the last seq the subscriber has) is at least
  // Published(): every event after Published() will then reach it (it skips seq <= cursor).
  // Otherwise returns how far to read from the log first. The hub keeps a weak reference.
  [[nodiscard]] Attach AttachAudit(const std::shared_ptr<FeedSink>& sink, std::uint64_t cursor);
  // Attaches to the security feed. Returns the id and the "alert_opened" messages of the alerts
  // open now, which the subscriber sends before anything delivered later.
  struct SecurityAttach {
    std::uint64_t id = 0;
    std::vector<std::shared_ptr<const std::string>> open_alerts;
  };
  [[nodiscard]] SecurityAttach AttachSecurity(const std::shared_ptr<FeedSink>& sink);
  void Detach(std::uint64_t id);

  // The last seq handed to the attached audit sinks (events up to it are in the log).
  [[nodiscard]] std::uint64_t Published() const;

  // For /metrics: WebSocket subscribers connected now (both feeds), and slow consumers closed
  // with 1013 since start. Cheap (atomic loads).
  [[nodiscard]] std::size_t Subscribers() const noexcept { return subscribers_.load(); }
  [[nodiscard]] std::uint64_t SlowConsumersDropped() const noexcept { return dropped_.load(); }
  // Called by WebSocket sessions.
  void SubscriberOpened() noexcept { subscribers_.fetch_add(1); }
  void SubscriberClosed() noexcept { subscribers_.fetch_sub(1); }
  void CountSlowConsumer() noexcept { dropped_.fetch_add(1); }

  [[nodiscard]] const storage::EventLog& log() const noexcept { return log_; }

 private:
  struct Entry {
    std::uint64_t id;
    std::weak_ptr<FeedSink> sink;
  };
  void OnCommit(const std::shared_ptr<const storage::Committed>& group);
  void Run();
  void PublishAudit(const std::vector<std::shared_ptr<const storage::Committed>>& groups);
  void PublishSecurity();
  static std::vector<std::shared_ptr<FeedSink>> Live(std::vector<Entry>& entries);

  storage::EventLog& log_;
  const projections::SecurityView* security_;
  const core::Clock& clock_;
  FeedHubOptions options_;

  // Inbox: written by the log's writer thread, drained by the hub thread.
  std::mutex inbox_mutex_;
  std::condition_variable inbox_cv_;
  std::vector<std::shared_ptr<const storage::Committed>> inbox_;
  std::size_t inbox_events_ = 0;
  std::uint64_t inbox_last_seq_ = 0;
  bool overflowed_ = false;
  bool stopping_ = false;

  // Subscribers and the hand-over point.
  mutable std::mutex mutex_;
  std::vector<Entry> audit_;
  // !audit_.empty(), written under mutex_, read by OnCommit under inbox_mutex_ only.
  std::atomic<bool> audit_listening_{false};
  std::vector<Entry> security_sinks_;
  std::vector<std::shared_ptr<const std::string>> open_alerts_;  // alert_opened, for newcomers
  std::uint64_t published_ = 0;
  std::uint64_t next_id_ = 1;

  SecurityFeed security_feed_;  // hub thread only
  std::uint64_t subscription_id_ = 0;
  bool started_ = false;
  std::thread thread_;
  std::atomic<std::size_t> subscribers_{0};
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace authd::net
