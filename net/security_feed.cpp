#include "net/security_feed.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <set>

namespace authd::net {
namespace {

namespace json = boost::json;
using projections::SecurityAlert;
using projections::SecuritySnapshot;

json::object AlertJson(const SecurityAlert& a) {
  return {{"id", a.id},
          {"kind", a.kind},
          {"severity", a.severity},
          {"started_at", core::FormatRfc3339(a.started_at)},
          {"last_seen_at", core::FormatRfc3339(a.last_seen_at)},
          {"evidence", a.evidence}};
}

std::string AlertMessage(std::string_view type, core::Micros at, const SecurityAlert& a) {
  return json::serialize(
      json::object{{"type", type}, {"at", core::FormatRfc3339(at)}, {"alert", AlertJson(a)}});
}

// Totals are monotonic; a smaller value (a restarted monitor) counts as no change, not as a
// negative rate.
double Rate(std::uint64_t now, std::uint64_t before, double seconds) {
  if (seconds <= 0 || now <= before) return 0.0;
  return static_cast<double>(now - before) / seconds;
}

}  // namespace

std::string CountersMessage(const SecuritySnapshot& now, const SecuritySnapshot* previous) {
  const auto& c = now.counters;
  double seconds = 0;
  json::object rates{{"logins_succeeded", 0.0}, {"logins_failed", 0.0}, {"logins_throttled", 0.0}};
  if (previous != nullptr) {
    seconds = static_cast<double>(now.at - previous->at) / 1e6;
    const auto& p = previous->counters;
    rates["logins_succeeded"] = Rate(c.logins_succeeded, p.logins_succeeded, seconds);
    rates["logins_failed"] = Rate(c.logins_failed, p.logins_failed, seconds);
    rates["logins_throttled"] = Rate(c.logins_throttled, p.logins_throttled, seconds);
  }
  return json::serialize(
      json::object{{"type", "counters"},
                   {"at", core::FormatRfc3339(now.at)},
                   {"interval_s", std::max(seconds, 0.0)},
                   {"per_second", std::move(rates)},
                   {"active_throttles", c.active_throttles},
                   {"totals", json::object{{"logins_succeeded", c.logins_succeeded},
                                           {"logins_failed", c.logins_failed},
                                           {"logins_throttled", c.logins_throttled}}}});
}

std::vector<std::string> SecurityFeed::Next(const SecuritySnapshot& snapshot) {
  std::vector<std::string> out;
  std::set<std::string_view> now_open;
  for (const auto& a : snapshot.alerts)
    now_open.insert(a.id);
  std::set<std::string_view> was_open;
  for (const auto& a : previous_.alerts) {
    was_open.insert(a.id);
    if (!now_open.contains(a.id)) out.push_back(AlertMessage("alert_closed", snapshot.at, a));
  }
  for (const auto& a : snapshot.alerts) {
    if (!was_open.contains(a.id)) out.push_back(AlertMessage("alert_opened", snapshot.at, a));
  }
  out.push_back(CountersMessage(snapshot, first_ ? nullptr : &previous_));
  previous_ = snapshot;
  first_ = false;
  return out;
}

std::vector<std::string> SecurityFeed::OpenAlerts() const {
  std::vector<std::string> out;
  for (const auto& a : previous_.alerts)
    out.push_back(AlertMessage("alert_opened", previous_.at, a));
  return out;
}

}  // namespace authd::net
