// The messages of WS /v1/security/stream (docs/FEEDS.md), built from successive SecurityView
// snapshots: an alert id that appears gives "alert_opened", one that disappears "alert_closed",
// and every snapshot gives one "counters" message with per-second rates derived from the
// monotonic totals. Pure: no I/O, no clock of its own; the feed hub calls it once a second.
//
// Thread-safety: none; one owner (the hub thread).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "projections/security_view.hpp"

namespace authd::net {

class SecurityFeed final {
 public:
  // The messages (JSON text) for this snapshot, in order: alert_closed for alerts gone since the
  // previous snapshot, alert_opened for new ones (oldest first), then counters. The first call
  // has no previous snapshot: rates are 0 and every open alert is "opened".
  [[nodiscard]] std::vector<std::string> Next(const projections::SecuritySnapshot& snapshot);

  // "alert_opened" for every alert open at the last snapshot, oldest first: what a subscriber
  // that joins now is sent first, so it knows the state without waiting for changes.
  [[nodiscard]] std::vector<std::string> OpenAlerts() const;

 private:
  bool first_ = true;
  projections::SecuritySnapshot previous_;
};

// {"type":"counters","at","interval_s","per_second":{logins_succeeded, logins_failed,
//  logins_throttled},"active_throttles","totals":{...}}. Exposed for tests.
[[nodiscard]] std::string CountersMessage(const projections::SecuritySnapshot& now,
                                          const projections::SecuritySnapshot* previous);

}  // namespace authd::net
