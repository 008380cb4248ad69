#include "projections/failed_login_monitor.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "core/event_types.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

std::string PairId(const std::string& account, const std::string& addr) {
  std::string k = account;
  k.push_back('\0');
  k.append(addr);
  return k;
}

// "u:usr_x" shows as "usr_x"; a name that matches no account as "unknown:" and its hash's start.
std::string ShowAccount(std::string_view account) {
  if (account.starts_with("u:")) return std::string(account.substr(2));
  return "unknown:" + std::string(account.substr(2, 16));
}

std::string Severity(std::uint64_t value, std::uint32_t threshold) {
  if (value >= 4ULL * threshold) return "high";
  if (value >= 2ULL * threshold) return "medium";
  return "low";
}

struct Tally {
  std::uint64_t failures = 0;
  std::set<std::string> others;
  core::Micros first_at = 0;
  core::Micros last_at = 0;

  void Add(core::Micros at, const std::string& other) {
    if (failures++ == 0) first_at = at;
    last_at = at;
    if (!other.empty()) others.insert(other);
  }
};

std::vector<MonitorEntry> Top(const std::map<std::string, Tally>& tallies, std::size_t n,
                              const std::function<std::string(const std::string&)>& show) {
  std::vector<MonitorEntry> out;
  for (const auto& [key, t] : tallies)
    out.push_back({key, t.failures, t.others.size(), t.last_at});
  std::sort(out.begin(), out.end(), [](const MonitorEntry& a, const MonitorEntry& b) {
    return a.failures != b.failures ? a.failures > b.failures : a.name < b.name;
  });
  if (out.size() > n) out.resize(n);
  for (auto& e : out)
    e.name = show(e.name);
  return out;
}

}  // namespace

FailedLoginMonitor::FailedLoginMonitor(MonitorOptions options) : options_(std::move(options)) {}

FailedLoginMonitor::~FailedLoginMonitor() {
  if (log_ != nullptr) log_->Unsubscribe(subscription_);
}

std::string FailedLoginMonitor::ShowAddress(std::string_view pseudonym) const {
  if (options_.addresses != nullptr) {
    if (auto clear = options_.addresses->Find(pseudonym); !clear.empty()) return clear;
  }
  return "addr:" + std::string(pseudonym.substr(0, 16));
}

void FailedLoginMonitor::Observe(const core::Event& event) {
  std::lock_guard lock(mutex_);
  ObserveLocked(event);
}

void FailedLoginMonitor::ObserveLocked(const core::Event& event) {
  auto subject = SubjectOf(event);
  if (!subject) return;
  if (event.type == ev::kUserLoginThrottled) {
    ++counters_.logins_throttled;
    return;
  }
  const std::string pair = PairId(subject->account, subject->addr);
  if (event.type == ev::kUserLoginSucceeded) {
    ++counters_.logins_succeeded;
    // The mirrors only show throttles, so a success simply ends the pair's backoff.
    accounts_.erase(subject->account);
    pairs_.erase(pair);
    return;
  }
  ++counters_.logins_failed;
  failures_.push_back({event.at, subject->account, subject->addr});
  RecordFailure(accounts_[subject->account], event.at);
  if (!subject->addr.empty()) {
    RecordFailure(pairs_[pair], event.at);
    RecordFailure(addresses_[subject->addr], event.at);
  }
  Forget(event.at);
}

// Keeps memory bounded: drops failures older than the window and, when the throttle mirrors have
// doubled since the last sweep, the entries that can no longer block anything. The doubling keeps
// the sweep's cost per event constant on the writer thread, and the mirrors at most twice the
// entries still in force (plus kMinSweep), so their memory follows the attack, not the uptime.
void FailedLoginMonitor::Forget(core::Micros now) {
  constexpr std::size_t kMinSweep = 1024;
  while (!failures_.empty() &&
         (failures_.front().at < now - options_.window || failures_.size() > options_.max_failures))
    failures_.pop_front();
  const std::size_t size = Tracked();
  if (size <= std::max(next_sweep_, kMinSweep)) return;
  const auto& p = options_.policy;
  std::erase_if(pairs_, [&](const auto& kv) {
    return kv.second.last_failure_at < now - std::max(p.pair_max_delay, options_.window);
  });
  std::erase_if(accounts_, [&](const auto& kv) {
    return kv.second.last_failure_at < now - std::max(p.account_lockout, options_.window) &&
           kv.second.failures < p.account_ceiling;
  });
  std::erase_if(addresses_, [&](const auto& kv) {
    return kv.second.failures.empty() || kv.second.failures.back() < now - p.address_window;
  });
  next_sweep_ = 2 * Tracked();
}

// The mirrors count only the events they saw, so an entry swept away (or older than the priming
// horizon) would start again from one while the throttle table goes on counting. The table holds
// the whole log's count, and listeners run before the next group commits, so the rows read here
// are exactly the state after this group: copy them over the entries the group's failures touched.
void FailedLoginMonitor::ReloadLocked(const storage::Committed& group) {
  if (log_ == nullptr) return;
  for (const auto& event : group) {
    if (event.type != ev::kUserLoginFailed) continue;
    auto subject = SubjectOf(event);
    if (!subject) continue;
    // Entries a later success in the same group erased stay erased.
    if (auto it = accounts_.find(subject->account); it != accounts_.end()) {
      auto row = log_->Get(kThrottleFamily, AccountRowKey(subject->account));
      if (row && *row) it->second = DecodeAccount(**row);
    }
    if (subject->addr.empty()) continue;
    if (auto it = pairs_.find(PairId(subject->account, subject->addr)); it != pairs_.end()) {
      auto row = log_->Get(kThrottleFamily, PairRowKey(subject->account, subject->addr));
      if (row && *row) it->second = DecodePair(**row);
    }
  }
}

std::size_t FailedLoginMonitor::TrackedEntries() const {
  std::lock_guard lock(mutex_);
  return Tracked();
}

std::size_t FailedLoginMonitor::Tracked() const {
  return pairs_.size() + accounts_.size() + addresses_.size();
}

SecuritySnapshot FailedLoginMonitor::Snapshot(core::Micros now) const {
  std::lock_guard lock(mutex_);
  return ReportLocked(now).snapshot;
}

MonitorReport FailedLoginMonitor::Report(core::Micros now) const {
  std::lock_guard lock(mutex_);
  return ReportLocked(now);
}

MonitorReport FailedLoginMonitor::ReportLocked(core::Micros now) const {
  MonitorReport r;
  r.window = options_.window;
  r.snapshot.at = now;
  std::map<std::string, Tally> by_account;
  std::map<std::string, Tally> by_address;
  for (const auto& f : failures_) {
    if (f.at <= now - options_.window || f.at > now) continue;
    by_account[f.account].Add(f.at, f.addr);
    if (!f.addr.empty()) by_address[f.addr].Add(f.at, f.account);
  }

  // Patterns that hold now, by (kind, subject).
  std::map<std::pair<std::string, std::string>, SecurityAlert> found;
  const auto window_s = static_cast<std::int64_t>(options_.window / 1'000'000);
  const auto list = [&](const std::set<std::string>& items, bool addresses) {
    boost::json::array a;
    for (const auto& item : items) {
      if (a.size() == options_.top) break;
      a.emplace_back(addresses ? ShowAddress(item) : ShowAccount(item));
    }
    return a;
  };
  for (const auto& entry : by_account) {
    // Named references, not a structured binding: clang 14 (the fuzz build) cannot capture
    // structured bindings in a lambda.
    const auto& account = entry.first;
    const auto& t = entry.second;
    const auto evidence = [&] {
      return boost::json::object{{"account", ShowAccount(account)},
                                 {"failures", t.failures},
                                 {"address_count", t.others.size()},
                                 {"addresses", list(t.others, true)},
                                 {"window_seconds", window_s}};
    };
    if (t.failures >= options_.brute_force_failures) {
      found[{"brute_force", account}] = {
          "",         "brute_force", Severity(t.failures, options_.brute_force_failures),
          t.first_at, t.last_at,     evidence()};
    }
    if (t.others.size() >= options_.distributed_addresses) {
      found[{"distributed_guessing", account}] = {
          "",
          "distributed_guessing",
          Severity(t.others.size(), options_.distributed_addresses),
          t.first_at,
          t.last_at,
          evidence()};
    }
  }
  for (const auto& [addr, t] : by_address) {
    if (t.others.size() < options_.spray_accounts) continue;
    found[{"password_spraying", addr}] = {"",
                                          "password_spraying",
                                          Severity(t.others.size(), options_.spray_accounts),
                                          t.first_at,
                                          t.last_at,
                                          boost::json::object{{"address", ShowAddress(addr)},
                                                              {"failures", t.failures},
                                                              {"account_count", t.others.size()},
                                                              {"accounts", list(t.others, false)},
                                                              {"window_seconds", window_s}}};
  }
  // Alerts keep their id and start while they stay open; those whose pattern stopped close.
  std::erase_if(open_, [&](const auto& kv) { return !found.contains(kv.first); });
  for (auto& [key, alert] : found) {
    auto [it, opened] = open_.try_emplace(key);
    if (opened) it->second = {"alr_" + std::to_string(next_alert_++), alert.started_at};
    alert.id = it->second.id;
    alert.started_at = it->second.started_at;
    r.snapshot.alerts.push_back(std::move(alert));
  }
  std::stable_sort(
      r.snapshot.alerts.begin(), r.snapshot.alerts.end(),
      [](const SecurityAlert& a, const SecurityAlert& b) { return a.started_at < b.started_at; });

  const auto& p = options_.policy;
  for (const auto& [id, s] : pairs_) {
    const auto until = PairBlockedUntil(s, p);
    if (until <= now) continue;
    const auto cut = id.find('\0');
    r.throttles.push_back({"backoff", ShowAccount(id.substr(0, cut)),
                           ShowAddress(std::string_view(id).substr(cut + 1)), until});
  }
  for (const auto& [addr, s] : addresses_) {
    if (const auto until = AddressBlockedUntil(s, p, now); until > now)
      r.throttles.push_back({"address_limit", "", ShowAddress(addr), until});
  }
  for (const auto& [account, s] : accounts_) {
    if (const auto until = AccountBlockedUntil(s, p); until > now)
      r.throttles.push_back({"account_ceiling", ShowAccount(account), "", until});
  }
  std::sort(r.throttles.begin(), r.throttles.end(),
            [](const ActiveThrottle& a, const ActiveThrottle& b) { return a.until > b.until; });

  r.snapshot.counters = counters_;
  r.snapshot.counters.active_throttles = r.throttles.size();
  r.top_accounts =
      Top(by_account, options_.top, [](const std::string& a) { return ShowAccount(a); });
  r.top_addresses =
      Top(by_address, options_.top, [this](const std::string& a) { return ShowAddress(a); });
  return r;
}

Result<void> FailedLoginMonitor::Attach(storage::EventLog& log, core::Micros now) {
  {
    std::lock_guard lock(mutex_);
    priming_ = true;
  }
  log_ = &log;
  auto sub = log.Subscribe([this](const std::shared_ptr<const storage::Committed>& group) {
    std::lock_guard lock(mutex_);
    if (priming_) {
      pending_.push_back(group);
      return;
    }
    for (const auto& e : *group)
      ObserveLocked(e);
    ReloadLocked(*group);
  });
  subscription_ = sub.id;
  const auto finish = [this] {
    std::lock_guard lock(mutex_);
    priming_ = false;
    for (const auto& group : pending_) {
      for (const auto& e : *group)
        ObserveLocked(e);
    }
    pending_.clear();
  };

  // The first event recent enough to matter, by bisection on seq (times grow with seq): a few
  // reads instead of a scan of the whole log.
  const auto& p = options_.policy;
  const core::Micros since =
      now - std::max({options_.window, p.address_window, p.pair_max_delay, p.account_lockout});
  std::uint64_t lo = 1;
  std::uint64_t hi = sub.head + 1;  // answer in [lo, hi]
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    auto one = log.ReadRange(mid - 1, 1);
    if (!one) {
      finish();
      return one.error();
    }
    if (one->empty() || one->front().at >= since) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  std::uint64_t after = lo - 1;
  std::size_t read = 0;
  while (after < sub.head && read < options_.max_prime_events) {
    auto batch = log.ReadRange(after, std::min<std::uint64_t>(1000, sub.head - after));
    if (!batch) {
      finish();
      return batch.error();
    }
    if (batch->empty()) break;
    std::lock_guard lock(mutex_);
    for (const auto& e : *batch)
      ObserveLocked(e);
    after = batch->back().seq;
    read += batch->size();
  }
  finish();
  return {};
}

}  // namespace authd::projections
