// Who is calling: turns the Authorization header into a principal, or into the 401 to send.
//
// A request is authenticated when its bearer access token verifies (signature, expiry, issuer,
// audience), its session still exists, and its user exists and is enabled. The session and user
// are read on every request, so logout, password change, disabling and deletion take effect on
// the next request; roles are taken from the user table, not from the token, so a role change
// does too.
#pragma once

#include <string>

#include "net/http_types.hpp"
#include "net/services.hpp"
#include "projections/user_record.hpp"

namespace authd::net {

struct Principal {
  projections::UserRecord user;
  // For an API key: subject and roles of its user, amr ["api_key"], no session, auth_time 0 (so
  // nothing that needs a fresh password is ever allowed).
  AccessClaims claims;
  std::string api_key_id;  // set when the request came with an API key
  // The admin MFA policy is on, this user is an admin, and this session (or key) did not prove
  // a second factor: admin powers are withheld (403 mfa_required) until it does.
  bool admin_needs_mfa = false;

  // Has the admin role and may use it now.
  [[nodiscard]] bool IsAdmin() const;
  [[nodiscard]] bool HasRole(std::string_view role) const { return user.HasRole(role); }
};

// Either a principal or the response to send (401 invalid_token / token_expired with
// WWW-Authenticate, 403 `forbidden` with error="insufficient_scope" for an API key whose scopes
// do not cover the request (net/scopes.hpp), or 503 when storage cannot be read).
struct AuthOutcome {
  std::optional<Principal> principal;
  Response failure;
};

[[nodiscard]] AuthOutcome Authenticate(const Request& request, Services& services);
// The same checks for an access token that came some other way (the browser cookie of a
// WebSocket upgrade).
[[nodiscard]] AuthOutcome AuthenticateToken(std::string_view token, Services& services);

// 401 `reauthentication_required` unless the caller proved a password within
// `ApiOptions::reauth_window` (API keys never have).
[[nodiscard]] std::optional<Response> RequireRecentAuth(const Principal& principal,
                                                        const Services& services);

// 403 `forbidden` problem; 403 `mfa_required` when the principal is an admin held back by the
// admin MFA policy.
[[nodiscard]] Response Forbidden(const Principal& principal);

// Whether the claims record a second factor (amr contains "otp").
[[nodiscard]] bool HasOtp(const AccessClaims& claims);

// The client address to record: the peer, or the last X-Forwarded-For hop when the peer is the
// configured trusted proxy.
[[nodiscard]] std::string ClientAddress(const Request& request, const ApiOptions& options);

// Who did it and from where, for the events of this request.
[[nodiscard]] projections::Origin OriginOf(const Request& request, const ApiOptions& options,
                                           std::string_view actor);

}  // namespace authd::net
