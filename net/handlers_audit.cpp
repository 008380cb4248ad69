// The audit feed and the live dashboards (API.md "Audit and security", docs/FEEDS.md):
// GET /v1/audit/events, WS /v1/audit/stream, WS /v1/security/stream. Roles admin or auditor.
#include <boost/json.hpp>
#include <charconv>
#include <limits>

#include "core/roles.hpp"
#include "net/api.hpp"
#include "net/auth.hpp"
#include "net/cookies.hpp"
#include "net/csrf.hpp"
#include "net/errors.hpp"
#include "net/feed_hub.hpp"
#include "net/problems.hpp"
#include "net/ws_session.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;
namespace json = boost::json;

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;
// Events of one user's stream read per step when filtering by user.
constexpr std::size_t kStreamPage = 256;

bool MayReadAudit(const Principal& p) {
  return p.IsAdmin() || p.HasRole(core::kRoleAuditor);
}

// A whole decimal number within [min, max], or nullopt.
std::optional<std::uint64_t> ParseNumber(std::string_view raw, std::uint64_t min,
                                         std::uint64_t max) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), n);
  if (raw.empty() || ec != std::errc() || end != raw.data() + raw.size() || n < min || n > max) {
    return std::nullopt;
  }
  return n;
}

Response Invalid(std::vector<core::FieldError> errors) {
  return ProblemResponse(422, "validation_failed", "Validation failed",
                         "Some query parameters are not valid; see errors.", errors);
}

awaitable<Response> ListEvents(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  if (!MayReadAudit(*auth.principal)) co_return Forbidden(*auth.principal);

  std::vector<core::FieldError> errors;
  std::uint64_t after = 0;
  std::size_t limit = kDefaultLimit;
  if (auto raw = ctx.request.Query("after")) {
    auto n = ParseNumber(*raw, 0, std::numeric_limits<std::int64_t>::max());
    if (!n) errors.push_back({"after", "out_of_range", "after must be a sequence number (>= 0)."});
    after = n.value_or(0);
  }
  if (auto raw = ctx.request.Query("limit")) {
    auto n = ParseNumber(*raw, 1, kMaxLimit);
    if (!n) errors.push_back({"limit", "out_of_range", "limit must be a whole number 1 to 1000."});
    limit = static_cast<std::size_t>(n.value_or(kDefaultLimit));
  }
  const std::string type(ctx.request.Query("type").value_or(""));
  if (type.size() > 64) errors.push_back({"type", "too_long", "type is at most 64 characters."});
  const std::string user(ctx.request.Query("user").value_or(""));
  if (user.size() > 64) errors.push_back({"user", "too_long", "user is at most 64 characters."});
  if (!errors.empty()) co_return Invalid(std::move(errors));

  // Bounded reads (at most `limit` events, or one user's stream in pages) on the I/O thread.
  std::vector<core::Event> events;
  if (!user.empty()) {
    std::uint64_t version = 0;
    while (events.size() < limit) {
      auto page = s.log.ReadStream(user, version, kStreamPage);
      if (!page) co_return ProblemForError(page.error());
      if (page->empty()) break;
      for (auto& e : *page) {
        version = e.version;
        if (e.seq <= after || (!type.empty() && e.type != type)) continue;
        events.push_back(std::move(e));
        if (events.size() == limit) break;
      }
    }
  } else {
    auto page = type.empty() ? s.log.ReadRange(after, limit) : s.log.ReadByType(type, after, limit);
    if (!page) co_return ProblemForError(page.error());
    events = std::move(*page);
  }
  json::array items;
  for (const auto& e : events)
    items.push_back(AuditEventJson(e, s.log));
  const std::uint64_t next_after = events.empty() ? after : events.back().seq;
  co_return JsonResponse(200,
                         json::object{{"items", std::move(items)}, {"next_after", next_after}});
}

// The upgrade carries a bearer token, or the session cookie from an allowed Origin (a page of
// another site must not ride on the browser's cookie: cross-site WebSocket hijacking).
AuthOutcome AuthenticateUpgrade(const Request& request, Services& s) {
  if (request.Header("Authorization")) return Authenticate(request, s);
  auto cookie = CookieValue(request, kAccessCookie);
  if (!cookie || cookie->empty()) return Authenticate(request, s);  // the usual 401
  // Only the Origin counts here: a WebSocket handshake has no CSRF header to check.
  if (!request.Header("Origin") || !FromAllowedOrigin(request, s.options)) {
    return {std::nullopt, CsrfFailed("This origin may not open the stream with a cookie.")};
  }
  return AuthenticateToken(*cookie, s);
}

// Everything checked before switching protocols, answered as HTTP problems: 401, 403, 426, 503.
struct Admission {
  std::optional<Response> failure;
  FeedSessionInfo info;
};

Admission Admit(RequestContext& ctx, Services& s) {
  auto auth = AuthenticateUpgrade(ctx.request, s);
  if (!auth.principal) return {std::move(auth.failure), {}};
  if (!MayReadAudit(*auth.principal)) return {Forbidden(*auth.principal), {}};
  if (!IsWebSocketUpgrade(ctx.request)) {
    auto r = ProblemResponse(426, "upgrade_required", "Upgrade Required",
                             "This endpoint is a WebSocket stream.");
    r.SetHeader("Upgrade", "websocket");
    return {std::move(r), {}};
  }
  if (s.feeds == nullptr) return {ProblemForError(Errc::kServerBusy), {}};
  return {std::nullopt, {auth.principal->claims.expires_at * 1'000'000, &s.clock}};
}

awaitable<Response> AuditStream(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto admission = Admit(ctx, s);
  if (admission.failure) co_return std::move(*admission.failure);
  std::uint64_t after = 0;
  if (auto raw = ctx.request.Query("after")) {
    auto n = ParseNumber(*raw, 0, std::numeric_limits<std::int64_t>::max());
    if (!n) {
      co_return Invalid({{"after", "out_of_range", "after must be a sequence number (>= 0)."}});
    }
    after = *n;
  }
  FeedHub* hub = s.feeds;
  const FeedLimits limits = s.options.feeds;
  const FeedSessionInfo info = admission.info;
  ctx.upgrade = [hub, after, limits, info](UpgradedStream& up) {
    return RunAuditFeed(up, *hub, after, limits, info);
  };
  co_return EmptyResponse(101);
}

awaitable<Response> SecurityStream(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto admission = Admit(ctx, s);
  if (admission.failure) co_return std::move(*admission.failure);
  FeedHub* hub = s.feeds;
  const FeedLimits limits = s.options.feeds;
  const FeedSessionInfo info = admission.info;
  ctx.upgrade = [hub, limits, info](UpgradedStream& up) {
    return RunSecurityFeed(up, *hub, limits, info);
  };
  co_return EmptyResponse(101);
}

}  // namespace

void RegisterAuditRoutes(Router& router) {
  router.Get("/v1/audit/events", ListEvents);
  router.Get("/v1/audit/stream", AuditStream);
  router.Get("/v1/security/stream", SecurityStream);
}

}  // namespace authd::net
