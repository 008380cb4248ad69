// Structured security log: one JSON line (net/log.hpp) per security-relevant committed event.
//
//   {"ts":"...","level":"info","msg":"security event","seq":42,"type":"user.login_failed",
//    "at":"2026-...Z","request_id":"req_...","actor":"","subject":"unknown_accounts",
//    "reason":"unknown_user"}
//
// Types logged: logins (succeeded, failed, and any "*login_throttled"), refresh-token reuse,
// session revocation, role changes, password changes and resets, disabling, enabling, deletion,
// MFA changes, recovery codes and API keys. Fields: seq, type, at, request_id, actor (a user id,
// "cli", or "" for anonymous), subject (the event's stream: a user id, or "unknown_accounts" for
// a login with an unknown name), and from the event's data only the whitelisted, non-secret keys
// reason, by, roles, previous, session_id, amr. Never sealed fields (personal data, addresses,
// user agents), never the attempted username (only the log keeps its keyed hash), never
// refresh-token hashes. net/log.cpp escapes every string, so nothing in an event can forge a
// line.
//
// Subscribes to the event log; the listener (writer thread, under the log's lock) only queues
// the committed group, and a thread of its own writes the lines, so a slow stderr never slows the
// writer. The queue holds at most `max_pending` groups; beyond that groups are dropped and the
// next line written says how many ("security log dropped").
//
// Thread-safety: construct and destroy on one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/event_log.hpp"

namespace authd::net {

// Whether `type` is one the security log writes.
[[nodiscard]] bool IsSecurityEvent(std::string_view type);

class SecurityLog final {
 public:
  explicit SecurityLog(storage::EventLog& log, std::size_t max_pending = 4096);
  // Unsubscribes, writes what is queued, joins the thread.
  ~SecurityLog();
  SecurityLog(const SecurityLog&) = delete;
  SecurityLog& operator=(const SecurityLog&) = delete;

  // Committed groups dropped since start because the queue was full. Thread-safe.
  [[nodiscard]] std::uint64_t DroppedTotal() const { return dropped_total_.load(); }

 private:
  void Run();

  storage::EventLog& log_;
  std::size_t max_pending_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<const storage::Committed>> pending_;
  std::uint64_t dropped_ = 0;  // since the last warning line
  std::atomic<std::uint64_t> dropped_total_{0};
  bool stopping_ = false;
  std::uint64_t subscription_ = 0;
  std::thread thread_;
};

}  // namespace authd::net
