// The failed-login monitor: sliding windows over recent login failures, in memory, fed by the
// event log's commit listener and primed from the log's recent events at start. It detects
// brute force (one account, many failures), password spraying (one address, many accounts) and
// distributed guessing (one account, many addresses), and shows the throttles in force.
//
// It decides nothing: throttling is decided in the write path from the throttle projection
// (login_guard.hpp). This is the view for dashboards (SecurityView, the WebSocket stream) and for
// GET /v1/security/failed-logins. It may lag the log by one commit.
//
// Thread-safety: every member is thread-safe. Observe() is cheap (it runs on the writer thread);
// the work is done by readers in Snapshot() and Report().
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/event.hpp"
#include "projections/address_book.hpp"
#include "projections/security_view.hpp"
#include "projections/throttle_policy.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

struct MonitorOptions {
  // The sliding window alerts and top lists look at. Default: 15 minutes.
  core::Micros window = 15LL * 60 * 1'000'000;
  // Failures of one account within the window that raise brute_force. Default: 10.
  std::uint32_t brute_force_failures = 10;
  // Distinct accounts failing from one address within the window: password_spraying. Default: 10.
  std::uint32_t spray_accounts = 10;
  // Distinct addresses failing on one account within the window: distributed_guessing.
  // Default: 5.
  std::uint32_t distributed_addresses = 5;
  // Failures kept in the window; beyond it the oldest are dropped. Default: 100000.
  std::size_t max_failures = 100'000;
  // Length of the top lists. Default: 10.
  std::size_t top = 10;
  // Events read from the log at most when priming. Default: 1000000.
  std::size_t max_prime_events = 1'000'000;
  // The login throttling policy, to show which throttles are in force.
  ThrottlePolicy policy;
  // Turns address pseudonyms back into addresses for display (optional).
  const AddressBook* addresses = nullptr;
};

struct MonitorEntry {
  std::string name;  // account: user id or "unknown:<hash>"; address: see FailedLoginMonitor
  std::uint64_t failures = 0;
  std::uint64_t distinct = 0;  // addresses for an account, accounts for an address
  core::Micros last_at = 0;
};

struct ActiveThrottle {
  std::string reason;   // "backoff", "address_limit", "account_ceiling"
  std::string account;  // "" for address_limit
  std::string address;  // "" for account_ceiling
  core::Micros until = 0;
};

struct MonitorReport {
  SecuritySnapshot snapshot;
  core::Micros window = 0;
  std::vector<MonitorEntry> top_accounts;
  std::vector<MonitorEntry> top_addresses;
  std::vector<ActiveThrottle> throttles;
};

class FailedLoginMonitor final : public SecurityView {
 public:
  explicit FailedLoginMonitor(MonitorOptions options = {});
  ~FailedLoginMonitor() override;
  FailedLoginMonitor(const FailedLoginMonitor&) = delete;
  FailedLoginMonitor& operator=(const FailedLoginMonitor&) = delete;

  // Takes in one committed event (others than login events are ignored). Events come in seq
  // order, so their `at` never goes back.
  void Observe(const core::Event& event);

  // Subscribes to `log`, then primes the windows from the log's events of the last
  // max(window, throttle windows) before `now`. Call once. Errors: storage errors (the monitor
  // then still follows new events).
  [[nodiscard]] Result<void> Attach(storage::EventLog& log, core::Micros now);

  [[nodiscard]] SecuritySnapshot Snapshot(core::Micros now) const override;
  [[nodiscard]] MonitorReport Report(core::Micros now) const;

  // Entries of the throttle mirrors (pairs, accounts, addresses): at most about twice those whose
  // throttle can still matter, however long the server runs.
  [[nodiscard]] std::size_t TrackedEntries() const;

  // How an address shows: the address itself when the address book knows it, otherwise
  // "addr:" and the first 16 hex digits of its pseudonym.
  [[nodiscard]] std::string ShowAddress(std::string_view pseudonym) const;

 private:
  struct Failure {
    core::Micros at;
    std::string account;
    std::string addr;
  };
  void ObserveLocked(const core::Event& event);
  void ReloadLocked(const storage::Committed& group);
  void Forget(core::Micros now);
  [[nodiscard]] std::size_t Tracked() const;
  MonitorReport ReportLocked(core::Micros now) const;

  MonitorOptions options_;
  mutable std::mutex mutex_;
  std::deque<Failure> failures_;
  // Mirrors of the throttle state, to show the throttles in force (failing pairs only).
  std::unordered_map<std::string, PairState> pairs_;  // account '\0' addr
  std::unordered_map<std::string, AccountState> accounts_;
  std::unordered_map<std::string, AddressState> addresses_;
  SecurityCounters counters_;
  std::size_t next_sweep_ = 0;
  // Alerts stay open (same id) while their pattern holds at each look.
  struct OpenAlert {
    std::string id;
    core::Micros started_at;
  };
  mutable std::map<std::pair<std::string, std::string>, OpenAlert> open_;
  mutable std::uint64_t next_alert_ = 1;
  // While priming, committed groups wait here so events are taken in seq order.
  bool priming_ = false;
  std::vector<std::shared_ptr<const storage::Committed>> pending_;
  storage::EventLog* log_ = nullptr;
  std::uint64_t subscription_ = 0;
};

}  // namespace authd::projections
