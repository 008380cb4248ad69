// TOTP enrollment of the signed-in user: POST /v1/users/me/mfa/totp (a pending secret),
// POST /v1/users/me/mfa/totp/confirm (the first code turns it on and returns the recovery
// codes), DELETE /v1/users/me/mfa/totp (off, with a code or the password). docs/MFA.md.
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/recovery_codes.hpp"
#include "core/totp.hpp"
#include "net/account_ops.hpp"
#include "net/api.hpp"
#include "net/auth.hpp"
#include "net/body.hpp"
#include "net/commit.hpp"
#include "net/fields.hpp"
#include "net/mfa_codes.hpp"
#include "net/problems.hpp"
#include "net/render.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

Response MfaUnavailable() {
  return ProblemResponse(503, "internal", "MFA unavailable", "MFA is not set up on this server.");
}

awaitable<Response> BeginTotp(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  if (s.mfa == nullptr) co_return MfaUnavailable();
  const auto& me = *auth.principal;
  if (me.user.mfa_enabled) {
    co_return ProblemResponse(409, "conflict", "MFA already enabled",
                              "Turn the authenticator off before enrolling a new one.");
  }
  auto view = s.users.View(me.user);
  if (!view) co_return ProblemForError(view.error());
  std::string secret = core::NewTotpSecret();
  auto body = boost::json::object{
      {"secret", core::Base32Encode(secret)},
      {"otpauth_uri", core::OtpauthUri(s.options.mfa_issuer, view->username, secret)}};
  s.mfa->BeginEnrollment(me.user.id, std::move(secret), s.clock.NowMicros());
  co_return JsonResponse(200, body);
}

awaitable<Response> ConfirmTotp(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  if (s.mfa == nullptr) co_return MfaUnavailable();
  const auto& me = *auth.principal;
  // Turning MFA on decides who can sign in next: a stolen session must not do it.
  if (auto stale = RequireRecentAuth(me, s)) co_return std::move(*stale);
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto code = f.String("code", true);
  if (!f.ok()) co_return f.Problem();
  const auto now = s.clock.NowMicros();
  auto secret = s.mfa->PendingSecret(me.user.id, now);
  if (!secret) {
    co_return ProblemResponse(409, "conflict", "No enrollment pending",
                              "Start again with POST /v1/users/me/mfa/totp.");
  }
  const auto step = core::MatchTotp(*secret, *code, now / 1'000'000);
  if (!step) co_return ProblemForError(core::Errc::kInvalidMfaCode);

  boost::json::array shown;
  std::vector<std::string> hashes;
  for (std::size_t i = 0; i < core::kRecoveryCodeCount; ++i) {
    const std::string plain = core::NewRecoveryCode();
    hashes.push_back(core::HashRecoveryCode(me.user.id, plain));
    shown.emplace_back(plain);
  }
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.users_cmd.EnrollTotp(me.user.id, *secret, *step, std::move(hashes),
                                       OriginOf(ctx.request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  s.mfa->EndEnrollment(me.user.id);
  co_return JsonResponse(200, boost::json::object{{"recovery_codes", std::move(shown)}});
}

awaitable<Response> DisableTotp(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  const auto& me = *auth.principal;
  if (auto stale = RequireRecentAuth(me, s)) co_return std::move(*stale);
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto code = f.String("code", false);
  auto password = f.String("password", false);
  if (f.ok() && code.has_value() == password.has_value()) {
    f.Add({"code", "required", "Give either a current code or the password."});
  }
  if (!f.ok()) co_return f.Problem();
  if (!me.user.mfa_enabled) {
    co_return ProblemResponse(409, "conflict", "MFA not enabled", "MFA is already off.");
  }
  std::optional<std::uint64_t> step;
  if (code) {
    auto matched = MatchUserTotp(s, me.user, *code);
    if (!matched) co_return ProblemForError(matched.error());
    step = *matched;
  } else if (auto failed = co_await CheckPassword(s, me.user, *password)) {
    co_return std::move(*failed);
  }
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide =
      s.users_cmd.DisableTotp(me.user.id, step, OriginOf(ctx.request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  co_return EmptyResponse(204);
}

}  // namespace

void RegisterMfaRoutes(Router& router) {
  router.Post("/v1/users/me/mfa/totp", BeginTotp);
  router.Post("/v1/users/me/mfa/totp/confirm", ConfirmTotp);
  router.Delete("/v1/users/me/mfa/totp", DisableTotp);
}

}  // namespace authd::net
