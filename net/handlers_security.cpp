// GET /v1/security/failed-logins: the failed-login monitor's current view, for admins and
// auditors. It shows client addresses (those roles may see them); see docs/THROTTLING.md.
#include <boost/json.hpp>

#include "core/roles.hpp"
#include "net/api.hpp"
#include "net/auth.hpp"
#include "net/errors.hpp"
#include "net/problems.hpp"

namespace authd::net {
namespace {

namespace json = boost::json;
using boost::asio::awaitable;

json::array EntriesJson(const std::vector<projections::MonitorEntry>& entries,
                        std::string_view name, std::string_view distinct) {
  json::array out;
  for (const auto& e : entries) {
    out.push_back(json::object{{name, e.name},
                               {"failures", e.failures},
                               {distinct, e.distinct},
                               {"last_failure_at", core::FormatRfc3339(e.last_at)}});
  }
  return out;
}

json::object ReportJson(const projections::MonitorReport& r) {
  const auto now = r.snapshot.at;
  json::array throttles;
  for (const auto& t : r.throttles) {
    json::object o{{"reason", t.reason},
                   {"until", core::FormatRfc3339(t.until)},
                   {"retry_after", (t.until - now + 999'999) / 1'000'000}};
    if (!t.account.empty()) o["account"] = t.account;
    if (!t.address.empty()) o["address"] = t.address;
    throttles.push_back(std::move(o));
  }
  json::array alerts;
  for (const auto& a : r.snapshot.alerts) {
    alerts.push_back(json::object{{"id", a.id},
                                  {"kind", a.kind},
                                  {"severity", a.severity},
                                  {"started_at", core::FormatRfc3339(a.started_at)},
                                  {"last_seen_at", core::FormatRfc3339(a.last_seen_at)},
                                  {"evidence", a.evidence}});
  }
  const auto& c = r.snapshot.counters;
  return {{"at", core::FormatRfc3339(now)},
          {"window_seconds", r.window / 1'000'000},
          {"counters", json::object{{"logins_succeeded", c.logins_succeeded},
                                    {"logins_failed", c.logins_failed},
                                    {"logins_throttled", c.logins_throttled},
                                    {"active_throttles", c.active_throttles}}},
          {"top_accounts", EntriesJson(r.top_accounts, "account", "addresses")},
          {"top_addresses", EntriesJson(r.top_addresses, "address", "accounts")},
          {"active_throttles", std::move(throttles)},
          {"alerts", std::move(alerts)}};
}

awaitable<Response> FailedLogins(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  if (!auth.principal->IsAdmin() && !auth.principal->HasRole(core::kRoleAuditor)) {
    co_return Forbidden(*auth.principal);
  }
  if (s.monitor == nullptr) co_return ProblemForError(Errc::kServerBusy);
  auto r = JsonResponse(200, ReportJson(s.monitor->Report(s.clock.NowMicros())));
  r.SetHeader("Cache-Control", "no-store");
  co_return r;
}

}  // namespace

void RegisterSecurityRoutes(Router& router) {
  router.Get("/v1/security/failed-logins", FailedLogins);
}

}  // namespace authd::net
