// GET /v1/csrf: the anonymous CSRF token a page needs before its first cookie login (login CSRF,
// docs/BROWSER.md). Sets the authd_csrf cookie and returns the same value, unless the browser
// already holds a token this server issued (anonymous, or bound to its current session).
#include <boost/json.hpp>

#include "net/api.hpp"
#include "net/cookies.hpp"
#include "net/csrf.hpp"
#include "net/problems.hpp"
#include "net/services.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

awaitable<Response> GetCsrfToken(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  if (s.csrf == nullptr) {
    co_return ProblemResponse(404, "not_found", "Not found", "Cookie sessions are off here.");
  }
  std::string session;
  if (auto access = CookieValue(ctx.request, kAccessCookie)) {
    if (auto claims = s.tokens.Verify(*access)) session = claims->session_id;
  }
  if (auto held = CookieValue(ctx.request, kCsrfCookie)) {
    if (s.csrf->Verify(*held, "") || (!session.empty() && s.csrf->Verify(*held, session))) {
      co_return JsonResponse(200, boost::json::object{{"csrf_token", *held}});
    }
  }
  const std::string token = s.csrf->Issue(session);
  auto r = JsonResponse(200, boost::json::object{{"csrf_token", token}});
  SetCookie(r, kCsrfCookie, token, s.options.session_lifetime / 1'000'000,
            CookieAccess::kScriptReadable);
  co_return r;
}

}  // namespace

void RegisterBrowserRoutes(Router& router) {
  router.Get("/v1/csrf", GetCsrfToken);
}

}  // namespace authd::net
