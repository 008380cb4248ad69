// The answers a login gives, shared by the password step (POST /v1/sessions) and the second
// factor (POST /v1/sessions/mfa).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_types.hpp"
#include "net/services.hpp"
#include "projections/throttle_policy.hpp"
#include "projections/user_record.hpp"

namespace authd::net {

// 401 invalid_credentials: one answer for an unknown user, a wrong password and a deleted user.
[[nodiscard]] Response InvalidCredentials();

// 429 with Retry-After (RFC 6585, RFC 9110 10.2.3), at least one second.
[[nodiscard]] Response RetryLater(std::string_view code, std::string_view title,
                                  std::string_view detail, std::int64_t seconds);

// 429 too_many_attempts for a throttled login.
[[nodiscard]] Response TooManyAttempts(const projections::ThrottleVerdict& verdict,
                                       core::Micros now);

// 200 token response of API.md: a new access token for the session, the refresh token, the user.
[[nodiscard]] Response TokenResponse(Services& s, const projections::UserView& user,
                                     std::string_view session_id,
                                     const std::vector<std::string>& amr, core::Micros auth_time,
                                     std::string_view refresh_token);

// The same for a browser (`use_cookies`): the tokens go into __Host- cookies, the body carries
// the user and a CSRF token bound to the session (also set as the authd_csrf cookie).
[[nodiscard]] Response CookieSessionResponse(Services& s, const projections::UserView& user,
                                             std::string_view session_id,
                                             const std::vector<std::string>& amr,
                                             core::Micros auth_time,
                                             std::string_view refresh_token);

// TokenResponse or CookieSessionResponse.
[[nodiscard]] Response SessionResponse(Services& s, bool use_cookies,
                                       const projections::UserView& user,
                                       std::string_view session_id,
                                       const std::vector<std::string>& amr,
                                       core::Micros auth_time, std::string_view refresh_token);

// For a login step that asks for cookies (login CSRF): the request must come from this site's
// page with its CSRF token (an anonymous one, or one of the session its access cookie names).
// nullopt when it may go on; 403 csrf_failed, or 422 when cookie sessions are off.
[[nodiscard]] std::optional<Response> CheckLoginCsrf(const Request& request, Services& s);

}  // namespace authd::net
