#include "net/auth.hpp"

#include <algorithm>

#include "core/jwt_error.hpp"
#include "core/roles.hpp"
#include "net/cookies.hpp"
#include "net/csrf.hpp"
#include "net/problems.hpp"
#include "net/scopes.hpp"
#include "projections/api_keys.hpp"
#include "projections/session_table.hpp"
#include "storage/error.hpp"

namespace authd::net {
namespace {

// Applies the admin MFA policy. An API key proves no factor itself; it was created in a session
// that had to prove every factor its user had, so it counts when its user has MFA on.
Principal WithPolicy(Principal p, const Services& services) {
  if (services.options.require_admin_mfa && p.user.HasRole(core::kRoleAdmin)) {
    const bool proved = p.api_key_id.empty() ? HasOtp(p.claims) : p.user.mfa_enabled;
    p.admin_needs_mfa = !proved;
  }
  return p;
}

Response Unauthorized(std::string_view code, std::string_view detail) {
  auto r = ProblemResponse(401, code, "Not authenticated", detail);
  // RFC 6750 section 3: say which scheme and what went wrong, without echoing the token.
  r.SetHeader("WWW-Authenticate", std::string("Bearer error=\"invalid_token\""));
  return r;
}

AuthOutcome Fail(Response r) {
  return {std::nullopt, std::move(r)};
}

// `Authorization: Bearer ak_...`: the key's user, limited to the key's scopes.
AuthOutcome AuthenticateApiKey(const Request& request, Services& services,
                               std::string_view secret) {
  if (secret.size() != kApiKeyLength) {
    return Fail(Unauthorized("invalid_token", "The API key is not valid."));
  }
  auto id = services.log.Get(projections::kApiKeysFamily,
                             projections::ApiKeyHashKey(services.api_keys.Hash(secret)));
  if (!id) return Fail(ProblemForError(id.error()));
  if (!*id) return Fail(Unauthorized("invalid_token", "The API key is not valid."));
  auto row = services.log.Get(projections::kApiKeysFamily, projections::ApiKeyKey(**id));
  if (!row) return Fail(ProblemForError(row.error()));
  if (!*row) return Fail(Unauthorized("invalid_token", "The API key is not valid."));
  auto key = projections::DecodeApiKeyRecord(**row);
  if (!key) return Fail(ProblemForError(key.error()));
  const core::Micros now = services.clock.NowMicros();
  if (key->ExpiredAt(now)) return Fail(Unauthorized("token_expired", "The API key has expired."));
  auto user = services.users.Find(key->user_id);
  if (!user) return Fail(ProblemForError(user.error()));
  if (!*user || (*user)->disabled) {
    return Fail(Unauthorized("invalid_token", "The API key is not valid."));
  }
  const auto scope = ScopeFor(request.method, request.path);
  if (!scope || std::find(key->scopes.begin(), key->scopes.end(), *scope) == key->scopes.end()) {
    auto r = ProblemResponse(403, "forbidden", "Forbidden",
                             "This API key's scopes do not allow this request.");
    r.SetHeader("WWW-Authenticate", std::string("Bearer error=\"insufficient_scope\""));
    return Fail(std::move(r));
  }
  services.api_keys.Used(key->id, now);
  AccessClaims claims;
  claims.subject = key->user_id;
  claims.roles = (*user)->roles;
  claims.amr = {"api_key"};
  return {WithPolicy(Principal{std::move(**user), std::move(claims), key->id}, services), {}};
}

bool IsSafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

AuthOutcome AuthenticateCookie(const Request& request, std::string_view token,
                               Services& services) {
  auto outcome = AuthenticateToken(token, services);
  if (!outcome.principal || IsSafeMethod(request.method)) return outcome;
  // A browser sends this cookie with requests any page makes: state changes need proof that
  // this site's own page made them.
  if (auto refused = CheckCsrf(request, services.options, *services.csrf,
                               {outcome.principal->claims.session_id})) {
    return Fail(std::move(*refused));
  }
  return outcome;
}

}  // namespace

bool Principal::IsAdmin() const {
  return user.HasRole(core::kRoleAdmin) && !admin_needs_mfa;
}

bool HasOtp(const AccessClaims& claims) {
  return std::find(claims.amr.begin(), claims.amr.end(), "otp") != claims.amr.end();
}

Response Forbidden(const Principal& principal) {
  if (principal.admin_needs_mfa) {
    return ProblemResponse(403, "mfa_required", "Second factor required",
                           "Admin actions need a session signed in with a second factor: enroll "
                           "an authenticator, then sign in again with it.");
  }
  return ProblemResponse(403, "forbidden", "Forbidden",
                         "You are signed in but not allowed to do this.");
}

AuthOutcome Authenticate(const Request& request, Services& services) {
  auto header = request.Header("Authorization");
  if (!header) {
    auto cookie = CookieValue(request, kAccessCookie);
    if (cookie && !cookie->empty() && services.csrf != nullptr) {
      return AuthenticateCookie(request, *cookie, services);
    }
    return Fail(Unauthorized("invalid_token", "This endpoint needs an access token."));
  }
  std::string_view value = *header;
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || !IEquals(value.substr(0, kScheme.size()), kScheme)) {
    return Fail(Unauthorized("invalid_token", "Use the Bearer scheme with an access token."));
  }
  const std::string_view token = value.substr(kScheme.size());
  if (token.starts_with(kApiKeyPrefix)) return AuthenticateApiKey(request, services, token);
  return AuthenticateToken(token, services);
}

AuthOutcome AuthenticateToken(std::string_view token, Services& services) {
  auto claims = services.tokens.Verify(token);
  if (!claims) {
    if (claims.error() == core::JwtErrc::kExpired) {
      return Fail(Unauthorized("token_expired", "The access token has expired; refresh it."));
    }
    return Fail(Unauthorized("invalid_token", "The access token is not valid."));
  }
  auto session =
      services.log.Get(projections::kSessionsFamily, projections::SessionKey(claims->session_id));
  if (!session) return Fail(ProblemForError(session.error()));
  if (!*session) return Fail(Unauthorized("invalid_token", "The session has ended."));
  auto user = services.users.Find(claims->subject);
  if (!user) return Fail(ProblemForError(user.error()));
  if (!*user || (*user)->disabled) {
    return Fail(Unauthorized("invalid_token", "The session has ended."));
  }
  return {WithPolicy(Principal{std::move(**user), std::move(*claims), {}}, services), {}};
}

std::optional<Response> RequireRecentAuth(const Principal& principal, const Services& services) {
  const core::Micros proved = principal.claims.auth_time * 1'000'000;
  const bool recent =
      proved > 0 && services.clock.NowMicros() - proved <= services.options.reauth_window;
  // With MFA on, the password alone (a session opened before enrollment) is not enough.
  if (recent && (!principal.user.mfa_enabled || HasOtp(principal.claims))) return std::nullopt;
  return ProblemResponse(
      401, "reauthentication_required", "Re-authentication required",
      principal.user.mfa_enabled
          ? "Sign in again with your password and your authenticator code to do this."
          : "Sign in again with your password to do this.");
}

std::string ClientAddress(const Request& request, const ApiOptions& options) {
  if (!options.trusted_proxy.empty() && request.client_address == options.trusted_proxy) {
    if (auto xff = request.Header("X-Forwarded-For")) {
      std::string_view v = *xff;
      const auto comma = v.rfind(',');
      if (comma != std::string_view::npos) v = v.substr(comma + 1);
      while (!v.empty() && v.front() == ' ')
        v.remove_prefix(1);
      while (!v.empty() && v.back() == ' ')
        v.remove_suffix(1);
      if (!v.empty() && v.size() <= 45) return std::string(v);
    }
  }
  return request.client_address;
}

projections::Origin OriginOf(const Request& request, const ApiOptions& options,
                             std::string_view actor) {
  projections::Origin o;
  o.actor = std::string(actor);
  o.request_id = request.request_id;
  o.ip = ClientAddress(request, options);
  if (auto ua = request.Header("User-Agent")) o.user_agent = std::string(ua->substr(0, 256));
  return o;
}

}  // namespace authd::net
