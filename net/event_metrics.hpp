// Counters driven by the event log: every committed event counted by type, and login outcomes.
//
// Subscribes once to storage::EventLog and counts what is committed after it subscribed (so the
// counters start at 0 with the process, as Prometheus counters do). Registered metrics:
//   authd_events_total{type}            committed events by type
//   authd_logins_total{outcome}         succeeded, failed, throttled (any type ending in
//                                       "login_throttled", so a throttling feature that records
//                                       its refusals as events is counted without code here)
//   authd_login_failures_total{reason}  user.login_failed by its data.reason
//
// The listener runs on the event log's writer thread under its publishing lock: for the known
// event types it only increments atomics (series looked up at construction); an unknown type
// takes the family's own short lock once per event.
//
// Thread-safety: construct and destroy on one thread; counting is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "net/metrics.hpp"
#include "storage/event_log.hpp"

namespace authd::net {

class EventMetrics final {
 public:
  // Registers the metrics above in `registry` and subscribes to `log`. Both must outlive this.
  EventMetrics(storage::EventLog& log, MetricsRegistry& registry);
  // Unsubscribes.
  ~EventMetrics();
  EventMetrics(const EventMetrics&) = delete;
  EventMetrics& operator=(const EventMetrics&) = delete;

 private:
  void Count(const core::Event& event);

  storage::EventLog& log_;
  CounterFamily& events_;
  CounterFamily& logins_;
  CounterFamily& login_failures_;
  // Read-only after construction, so the listener reads them without a lock.
  std::map<std::string, std::atomic<std::uint64_t>*, std::less<>> by_type_;
  std::map<std::string, std::atomic<std::uint64_t>*, std::less<>> by_reason_;
  std::atomic<std::uint64_t>* succeeded_;
  std::atomic<std::uint64_t>* failed_;
  std::atomic<std::uint64_t>* throttled_;
  std::uint64_t subscription_ = 0;
};

}  // namespace authd::net
