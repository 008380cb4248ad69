// POST /v1/users (signup), POST /v1/sessions (login), POST /v1/sessions/refresh,
// GET /v1/sessions, DELETE /v1/sessions/current, DELETE /v1/sessions/{id}.
#include <algorithm>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/roles.hpp"
#include "core/sealing.hpp"
#include "net/api.hpp"
#include "net/auth.hpp"
#include "net/body.hpp"
#include "net/commit.hpp"
#include "net/cookies.hpp"
#include "net/csrf.hpp"
#include "net/fields.hpp"
#include "net/login_responses.hpp"
#include "net/login_throttle.hpp"
#include "net/mail_hooks.hpp"
#include "net/passwords.hpp"
#include "net/problems.hpp"
#include "net/render.hpp"
#include "projections/session_table.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

// The session a refresh token (live or rotated out) belongs to, "" when it is unknown.
Result<std::string> SessionOfRefreshToken(Services& s, std::string_view token) {
  const std::string hash = s.tokens.HashRefreshToken(token);
  for (const auto& key : {projections::RefreshKey(hash), projections::RotatedKey(hash)}) {
    auto row = s.log.Get(projections::kSessionsFamily, key);
    if (!row) return row.error();
    if (*row) return std::move(**row);
  }
  return std::string();
}

// nullopt when the address may go on, else the 429 rate_limited to send.
std::optional<Response> RateLimited(Services& s, RateLimiter* limiter, const Request& request) {
  if (limiter == nullptr) return std::nullopt;
  const auto address = projections::ThrottledAddress(ClientAddress(request, s.options));
  auto wait = limiter->Take(address, s.clock.NowMicros());
  if (!wait) return std::nullopt;
  return RetryLater("rate_limited", "Rate limited",
                    "Too many requests from this address; wait before trying again.",
                    (*wait + 999'999) / 1'000'000);
}

awaitable<Response> SignUp(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  if (auto limited = RateLimited(s, s.signup_limit, ctx.request)) co_return std::move(*limited);
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto username = f.String("username", true);
  auto email = f.String("email", true);
  auto password = f.String("password", true);
  auto display_name = f.String("display_name", false);
  if (username) f.Add(core::ValidateUsername(*username, s.options.usernames));
  if (email) f.Add(core::ValidateEmail(*email));
  if (display_name) f.Add(core::ValidateDisplayName(*display_name));
  if (password) {
    const auto normalized = username ? core::NormalizeUsername(*username) : std::nullopt;
    f.Add(core::ValidatePassword(*password, normalized.value_or(username.value_or("")),
                                 s.options.password));
  }
  if (!f.ok()) co_return f.Problem();

  auto hash = co_await HashPassword(s, *password);
  if (!hash) co_return ProblemForError(hash.error());

  projections::NewUser user{.id = s.ids.Next("usr"),
                            .username = *core::NormalizeUsername(*username),
                            .email = *core::NormalizeEmail(*email),
                            .display_name = display_name.value_or(""),
                            .password_hash = std::move(*hash),
                            .roles = {std::string(core::kRoleUser)}};
  const std::string id = user.id;
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  const auto origin = OriginOf(ctx.request, s.options, "");
  auto decide = WithVerificationMail(s, s.users_cmd.SignUp(std::move(user), origin), id, origin);
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  auto record = s.users.Find(id);
  if (!record || !*record)
    co_return ProblemForError(record ? core::Errc::kNotFound : record.error());
  auto view = s.users.View(**record);
  if (!view) co_return ProblemForError(view.error());
  auto r = JsonResponse(201, UserJson(*view));
  r.SetHeader("Location", "/v1/users/" + id);
  co_return r;
}

awaitable<Response> Login(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto username = f.String("username", false);
  auto email = f.String("email", false);
  auto password = f.String("password", true);
  const bool use_cookies = f.Bool("use_cookies").value_or(false);
  if (f.ok() && !username && !email) {
    f.Add({"username", "required", "Give a username or an email."});
  }
  if (!f.ok()) co_return f.Problem();
  if (use_cookies) {
    if (auto refused = CheckLoginCsrf(ctx.request, s)) co_return std::move(*refused);
  }
  // No hashing slot: refused before the lookups and the throttle, so that shedding a flood reads
  // nothing and writes nothing. The answer is the same for every account.
  if (HashingFull(s)) co_return ProblemForError(Errc::kServerBusy);

  // Look the account up; an unknown one still costs a full verify against a dummy hash so the
  // answer and its timing do not tell whether the account exists.
  const std::string attempted = username ? *username : *email;
  Result<std::optional<projections::UserRecord>> found = std::optional<projections::UserRecord>();
  if (username) {
    if (auto n = core::NormalizeUsername(*username)) found = s.users.FindByUsername(*n);
  } else if (auto e = core::NormalizeEmail(*email)) {
    found = s.users.FindByEmail(*e);
  }
  if (!found) co_return ProblemForError(found.error());
  std::string phc = s.hasher.DummyHash();
  if (*found) {
    auto stored = s.users.PasswordHash(**found);
    if (!stored) co_return ProblemForError(stored.error());
    phc = std::move(*stored);
  }
  const std::string actor = *found ? (*found)->id : std::string();
  auto origin = OriginOf(ctx.request, s.options, actor);
  // Throttled attempts are shed before argon2id is spent.
  LoginThrottle throttle(s, origin, actor,
                         actor.empty() ? s.users_cmd.AttemptedNameHash(attempted) : "");
  auto shed = co_await throttle.Admit();
  if (shed) co_return std::move(*shed);

  auto verified = co_await VerifyPassword(s, phc, *password);
  if (!verified) co_return ProblemForError(verified.error());

  if (!*found || !verified->ok) {
    const auto reason =
        *found ? projections::LoginFailure::kBadPassword : projections::LoginFailure::kUnknownUser;
    // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
    auto decide = throttle.Guarded(s.users_cmd.LoginFailed(actor, attempted, reason, origin));
    auto failed = co_await Commit(s.log, decide);
    if (!failed && storage::IsUnavailable(failed.error())) {
      co_return ProblemForError(failed.error());
    }
    if (auto refused = throttle.Refused()) co_return std::move(*refused);
    co_return InvalidCredentials();
  }
  const auto& user = **found;
  if (user.disabled) {
    // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
    auto decide = throttle.Guarded(
        s.users_cmd.LoginFailed(user.id, attempted, projections::LoginFailure::kDisabled, origin));
    auto failed = co_await Commit(s.log, decide);
    if (!failed && storage::IsUnavailable(failed.error())) {
      co_return ProblemForError(failed.error());
    }
    if (auto refused = throttle.Refused()) co_return std::move(*refused);
    co_return ProblemResponse(403, "account_disabled", "Account disabled",
                              "This account is disabled.");
  }
  if (s.options.require_verified_email && !user.email_verified) {
    co_return ProblemResponse(
        403, "email_unverified", "Email not verified",
        "Confirm your email address (see the mail we sent) before logging in.");
  }

  if (user.mfa_enabled && s.mfa != nullptr) {
    // The password was right; the session waits for the second factor (POST /v1/sessions/mfa).
    const auto ttl = s.mfa->limits().challenge_ttl / 1'000'000;
    co_return JsonResponse(
        200, boost::json::object{{"mfa_required", true},
                                 {"mfa_token", s.mfa->NewChallenge(user.id, s.clock.NowMicros())},
                                 {"methods", {"totp", "recovery_code"}},
                                 {"expires_in", ttl}});
  }

  const std::string refresh = TokenService::NewRefreshToken();
  projections::NewSession session{.user_id = user.id,
                                  .session_id = s.ids.Next("ses"),
                                  .amr = {"pwd"},
                                  .refresh_hash = s.tokens.HashRefreshToken(refresh),
                                  .lifetime = s.options.session_lifetime};
  const std::string session_id = session.session_id;
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = throttle.Guarded(s.sessions_cmd.Login(std::move(session), origin));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) {
    // Deleted or disabled between the lookup and the commit: the same answer as before.
    if (committed.error() == core::Errc::kNotFound) co_return InvalidCredentials();
    co_return ProblemForError(committed.error());
  }
  // Throttled in the writer: even the right password gets no session.
  if (auto refused = throttle.Refused()) co_return std::move(*refused);
  auto view = s.users.View(user);
  if (!view) co_return ProblemForError(view.error());
  co_return SessionResponse(s, use_cookies, *view, session_id, {"pwd"}, committed->back().at,
                            refresh);
}

awaitable<Response> Refresh(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  if (auto limited = RateLimited(s, s.refresh_limit, ctx.request)) co_return std::move(*limited);
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto presented = f.String("refresh_token", false);
  bool use_cookies = f.Bool("use_cookies").value_or(false);
  // A browser's refresh token is its cookie: then the answer sets cookies too, and the request
  // must pass the CSRF checks of the session that token belongs to.
  bool from_cookie = false;
  if (f.ok() && !presented) {
    if (auto cookie = CookieValue(ctx.request, kRefreshCookie); cookie && s.csrf != nullptr) {
      presented = std::string(*cookie);
      from_cookie = use_cookies = true;
    } else {
      f.Add({"refresh_token", "required", "This field is required."});
    }
  }
  if (!f.ok()) co_return f.Problem();
  const auto invalid = [] {
    return ProblemResponse(401, "invalid_refresh_token", "Invalid refresh token",
                           "The refresh token is not valid; log in again.");
  };
  if (presented->empty() || presented->size() > 256) co_return invalid();
  if (use_cookies && s.csrf == nullptr) {
    auto off = CheckLoginCsrf(ctx.request, s);  // 422: cookie sessions are off
    co_return std::move(*off);
  }
  if (from_cookie) {
    auto session = SessionOfRefreshToken(s, *presented);
    if (!session) co_return ProblemForError(session.error());
    if (!session->empty()) {
      auto refused = CheckCsrf(ctx.request, s.options, *s.csrf, {*session});
      if (refused) co_return std::move(*refused);
    }
  }

  const std::string next = TokenService::NewRefreshToken();
  auto outcome = std::make_shared<projections::RefreshOutcome>();
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide =
      s.sessions_cmd.Refresh(s.tokens.HashRefreshToken(*presented), s.tokens.HashRefreshToken(next),
                             OriginOf(ctx.request, s.options, ""), outcome);
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  using Kind = projections::RefreshOutcome::Kind;
  if (outcome->kind == Kind::kReused) {
    co_return ProblemResponse(401, "refresh_token_reused", "Refresh token reused",
                              "This refresh token was already used; the session has been ended.");
  }
  if (outcome->kind != Kind::kRefreshed) co_return invalid();
  auto user = s.users.Find(outcome->user_id);
  if (!user) co_return ProblemForError(user.error());
  if (!*user) co_return invalid();
  auto view = s.users.View(**user);
  if (!view) co_return ProblemForError(view.error());
  co_return SessionResponse(s, use_cookies, *view, outcome->session_id, outcome->amr,
                            outcome->auth_time, next);
}

awaitable<Response> ListSessions(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  const auto& me = *auth.principal;
  auto list = s.log.Get(projections::kSessionsFamily, projections::UserSessionsKey(me.user.id));
  if (!list) co_return ProblemForError(list.error());
  auto ids = *list ? projections::DecodeSessionList(**list)
                   : Result<std::vector<std::string>>(std::vector<std::string>());
  if (!ids) co_return ProblemForError(ids.error());
  auto key = s.log.DataKey(me.user.id);
  boost::json::array items;
  for (const auto& id : *ids) {
    auto row = s.log.Get(projections::kSessionsFamily, projections::SessionKey(id));
    if (!row) co_return ProblemForError(row.error());
    if (!*row) continue;
    auto session = projections::DecodeSessionRecord(**row);
    if (!session) co_return ProblemForError(session.error());
    std::string opened[2];
    int i = 0;
    for (std::string_view field : {"ip", "user_agent"}) {
      auto it = session->sealed.find(field);
      if (key && it != session->sealed.end()) {
        auto v = core::Open(*key, me.user.id, field, it->second);
        if (v) opened[i] = std::move(*v);
      }
      ++i;
    }
    items.push_back(SessionJson(*session, opened[0], opened[1], id == me.claims.session_id));
  }
  co_return JsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

awaitable<Response> RevokeSession(Services& s, const Principal& me, std::string_view id,
                                  const Request& request, std::string_view reason) {
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.sessions_cmd.Revoke(me.user.id, std::string(id), std::string(reason),
                                      OriginOf(request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  co_return EmptyResponse(204);
}

awaitable<Response> Logout(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  auto r = co_await RevokeSession(s, *auth.principal, auth.principal->claims.session_id,
                                  ctx.request, "logout");
  if (r.status == 204 && CookieValue(ctx.request, kAccessCookie)) {
    ClearCookie(r, kAccessCookie, CookieAccess::kHttpOnly);
    ClearCookie(r, kRefreshCookie, CookieAccess::kHttpOnly);
    ClearCookie(r, kCsrfCookie, CookieAccess::kScriptReadable);
  }
  co_return r;
}

awaitable<Response> RevokeById(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  co_return co_await RevokeSession(s, *auth.principal, ctx.Param("id").value_or(""), ctx.request,
                                   "revoked_by_user");
}

}  // namespace

void RegisterAuthRoutes(Router& router) {
  router.Post("/v1/users", SignUp);
  router.Post("/v1/sessions", Login);
  router.Post("/v1/sessions/refresh", Refresh);
  router.Get("/v1/sessions", ListSessions);
  router.Delete("/v1/sessions/current", Logout);
  router.Delete("/v1/sessions/{id}", RevokeById);
}

}  // namespace authd::net
