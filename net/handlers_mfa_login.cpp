// POST /v1/sessions/mfa: the second step of a login for a user with MFA on. The password step
// (POST /v1/sessions) handed out a single-use mfa_token; a TOTP code or a recovery code turns it
// into a session whose tokens carry amr ["pwd","otp"]. Wrong codes are login failures: they are
// logged and throttled like wrong passwords. docs/MFA.md.
#include <boost/json.hpp>

#include "core/error.hpp"
#include "net/api.hpp"
#include "net/auth.hpp"
#include "net/body.hpp"
#include "net/commit.hpp"
#include "net/fields.hpp"
#include "net/login_responses.hpp"
#include "net/login_throttle.hpp"
#include "net/mfa_codes.hpp"
#include "net/problems.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

Response InvalidCode(std::string_view detail) {
  return ProblemResponse(401, "invalid_mfa_code", "Invalid code", detail);
}

// Puts the second factor into the session the writer will open (which checks it was not spent).
// Errors: kInvalidMfaCode for a wrong code; storage errors.
Result<void> Prove(const Services& s, const projections::UserRecord& user, std::string_view code,
                   std::string_view recovery_code, projections::NewSession& session) {
  if (!code.empty()) {
    auto step = MatchUserTotp(s, user, code);
    if (!step) return step.error();
    session.totp_step = *step;
    return {};
  }
  auto index = MatchRecoveryCode(s, user, recovery_code);
  if (!index) return index.error();
  session.recovery_index = *index;
  return {};
}

awaitable<Response> CompleteMfaLogin(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto token = f.String("mfa_token", true);
  auto code = f.String("code", false);
  auto recovery = f.String("recovery_code", false);
  const bool use_cookies = f.Bool("use_cookies").value_or(false);
  if (f.ok() && code.has_value() == recovery.has_value()) {
    f.Add({"code", "required", "Give either code or recovery_code."});
  }
  if (code && (code->empty() || code->size() > 16)) {
    f.Add({"code", "invalid", "A code is the 6 digits the authenticator shows."});
  }
  if (recovery && (recovery->empty() || recovery->size() > 64)) {
    f.Add({"recovery_code", "invalid", "A recovery code is 16 letters and digits."});
  }
  if (!f.ok()) co_return f.Problem();
  if (use_cookies) {
    if (auto refused = CheckLoginCsrf(ctx.request, s)) co_return std::move(*refused);
  }
  if (s.mfa == nullptr) co_return ProblemForError(core::Errc::kInvalidMfaCode);

  const auto now = s.clock.NowMicros();
  auto challenge = s.mfa->TakeChallenge(*token, now);
  if (!challenge) co_return InvalidCode("This login step expired or was used; log in again.");
  auto found = s.users.Find(challenge->user_id);
  if (!found) co_return ProblemForError(found.error());
  if (!*found || (*found)->disabled) co_return InvalidCode("Log in again.");
  const auto& user = **found;

  auto origin = OriginOf(ctx.request, s.options, user.id);
  LoginThrottle throttle(s, origin, user.id, "");
  auto shed = co_await throttle.Admit();
  if (shed) co_return std::move(*shed);

  const std::string refresh = TokenService::NewRefreshToken();
  projections::NewSession session{.user_id = user.id,
                                  .session_id = s.ids.Next("ses"),
                                  .amr = {"pwd", "otp"},
                                  .refresh_hash = s.tokens.HashRefreshToken(refresh),
                                  .lifetime = s.options.session_lifetime};
  auto proved = code ? Prove(s, user, *code, {}, session) : Prove(s, user, {}, *recovery, session);
  if (!proved && proved.error() != core::Errc::kInvalidMfaCode) {
    co_return ProblemForError(proved.error());
  }
  const std::string session_id = session.session_id;
  if (proved) {
    // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
    auto decide = throttle.Guarded(s.sessions_cmd.Login(std::move(session), origin));
    auto committed = co_await Commit(s.log, decide);
    if (committed && !throttle.Refused()) {
      auto view = s.users.View(user);
      if (!view) co_return ProblemForError(view.error());
      co_return SessionResponse(s, use_cookies, *view, session_id, {"pwd", "otp"},
                                committed->back().at, refresh);
    }
    if (!committed && committed.error() != core::Errc::kInvalidMfaCode) {
      co_return ProblemForError(committed.error());
    }
    if (auto refused = throttle.Refused()) co_return std::move(*refused);
    // Spent by a concurrent request between our check and the writer's.
  }

  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = throttle.Guarded(
      s.users_cmd.LoginFailed(user.id, "", projections::LoginFailure::kBadMfaCode, origin));
  auto failed = co_await Commit(s.log, decide);
  if (!failed && storage::IsUnavailable(failed.error())) co_return ProblemForError(failed.error());
  if (auto refused = throttle.Refused()) co_return std::move(*refused);
  s.mfa->ReturnChallenge(*token, std::move(*challenge));
  co_return InvalidCode("The code is not right or was already used.");
}

}  // namespace

void RegisterMfaLoginRoutes(Router& router) {
  router.Post("/v1/sessions/mfa", CompleteMfaLogin);
}

}  // namespace authd::net
