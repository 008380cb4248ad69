#include "net/auth.hpp"

#include "core/jwt_error.hpp"
#include "core/roles.hpp"
#include "net/problems.hpp"
#include "projections/session_table.hpp"
#include "storage/error.hpp"

namespace authd::net {
namespace {

Response Unauthorized(std::string_view code, std::string_view detail) {
  auto r = ProblemResponse(401, code, "Not authenticated", detail);
  // RFC 6750 section 3: say which scheme and what went wrong, without echoing the token.
  r.SetHeader("WWW-Authenticate", std::string("Bearer error=\"invalid_token\""));
  return r;
}

AuthOutcome Fail(Response r) {
  return {std::nullopt, std::move(r)};
}

}  // namespace

bool Principal::IsAdmin() const {
  return user.HasRole(core::kRoleAdmin);
}

Response Forbidden() {
  return ProblemResponse(403, "forbidden", "Forbidden",
                         "You are signed in but not allowed to do this.");
}

AuthOutcome Authenticate(const Request& request, Services& services) {
  auto header = request.Header("Authorization");
  if (!header) return Fail(Unauthorized("invalid_token", "This endpoint needs an access token."));
  std::string_view value = *header;
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || !IEquals(value.substr(0, kScheme.size()), kScheme)) {
    return Fail(Unauthorized("invalid_token", "Use the Bearer scheme with an access token."));
  }
  return AuthenticateToken(value.substr(kScheme.size()), services);
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
  return {Principal{std::move(**user), std::move(*claims)}, {}};
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
