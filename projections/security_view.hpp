// What the failed-login monitor shows to dashboards: open alerts and running counters. The
// monitor implements SecurityView; the security WebSocket stream and GET
// /v1/security/failed-logins read it. Kept apart from the monitor so readers do not depend on how
// it keeps its windows.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace authd::projections {

struct SecurityAlert {
  // Stable while the alert stays open; a new id once it has closed and opens again.
  std::string id;
  // "brute_force" (one account, many tries), "password_spraying" (one address, many accounts),
  // "distributed_guessing" (one account, many addresses).
  std::string kind;
  std::string severity;  // "low", "medium", "high"
  core::Micros started_at = 0;
  core::Micros last_seen_at = 0;
  // Counts and the addresses or accounts involved; never a password or a token.
  boost::json::object evidence;
};

// Totals since the process started (monotonic, so a reader turns them into per-second rates by
// difference) plus the current number of throttles in force.
struct SecurityCounters {
  std::uint64_t logins_succeeded = 0;
  std::uint64_t logins_failed = 0;
  std::uint64_t logins_throttled = 0;
  std::uint64_t active_throttles = 0;
};

struct SecuritySnapshot {
  core::Micros at = 0;
  std::vector<SecurityAlert> alerts;  // open at `at`, oldest first
  SecurityCounters counters;
};

// Thread-safe: Snapshot() may be called from any thread while events are applied.
class SecurityView {
 public:
  virtual ~SecurityView() = default;
  // Alerts open at `now` (windows slide with the injected clock, so alerts clear on their own
  // when the pattern stops) and the counters.
  [[nodiscard]] virtual SecuritySnapshot Snapshot(core::Micros now) const = 0;
};

}  // namespace authd::projections
