#include "net/login_responses.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "net/cookies.hpp"
#include "net/problems.hpp"
#include "net/render.hpp"

namespace authd::net {

Response InvalidCredentials() {
  return ProblemResponse(401, "invalid_credentials", "Invalid credentials",
                         "The username, email or password is not right.");
}

// 429 with Retry-After (RFC 6585, RFC 9110 10.2.3).
Response RetryLater(std::string_view code, std::string_view title, std::string_view detail,
                    std::int64_t seconds) {
  auto r = ProblemResponse(429, code, title, detail);
  r.SetHeader("Retry-After", std::to_string(std::max<std::int64_t>(1, seconds)));
  return r;
}

Response TooManyAttempts(const projections::ThrottleVerdict& verdict, core::Micros now) {
  return RetryLater("too_many_attempts", "Too many attempts",
                    "Too many failed logins; wait before trying again.",
                    verdict.RetryAfterSeconds(now));
}

Response TokenResponse(Services& s, const projections::UserView& user, std::string_view session_id,
                       const std::vector<std::string>& amr, core::Micros auth_time,
                       std::string_view refresh_token) {
  auto access = s.tokens.IssueAccess(user.id, user.roles, session_id, amr, auth_time);
  return JsonResponse(200, boost::json::object{{"access_token", access.token},
                                               {"token_type", "Bearer"},
                                               {"expires_in", access.expires_in},
                                               {"refresh_token", refresh_token},
                                               {"session_id", session_id},
                                               {"user", UserJson(user)}});
}

Response CookieSessionResponse(Services& s, const projections::UserView& user,
                               std::string_view session_id, const std::vector<std::string>& amr,
                               core::Micros auth_time, std::string_view refresh_token) {
  auto access = s.tokens.IssueAccess(user.id, user.roles, session_id, amr, auth_time);
  const std::string csrf = s.csrf->Issue(session_id);
  const std::int64_t session_seconds = s.options.session_lifetime / 1'000'000;
  auto r = JsonResponse(200, boost::json::object{{"user", UserJson(user)},
                                                 {"csrf_token", csrf},
                                                 {"session_id", session_id},
                                                 {"expires_in", access.expires_in}});
  SetCookie(r, kAccessCookie, access.token, access.expires_in, CookieAccess::kHttpOnly);
  SetCookie(r, kRefreshCookie, refresh_token, session_seconds, CookieAccess::kHttpOnly);
  SetCookie(r, kCsrfCookie, csrf, session_seconds, CookieAccess::kScriptReadable);
  return r;
}

Response SessionResponse(Services& s, bool use_cookies, const projections::UserView& user,
                         std::string_view session_id, const std::vector<std::string>& amr,
                         core::Micros auth_time, std::string_view refresh_token) {
  if (use_cookies) {
    return CookieSessionResponse(s, user, session_id, amr, auth_time, refresh_token);
  }
  return TokenResponse(s, user, session_id, amr, auth_time, refresh_token);
}

std::optional<Response> CheckLoginCsrf(const Request& request, Services& s) {
  if (s.csrf == nullptr) {
    const core::FieldError e{"use_cookies", "unsupported", "Cookie sessions are off here."};
    return ProblemResponse(422, "validation_failed", "Validation failed",
                           "The request has invalid fields.", std::span(&e, 1));
  }
  std::string current_session;
  if (auto cookie = CookieValue(request, kAccessCookie)) {
    if (auto claims = s.tokens.Verify(*cookie)) current_session = claims->session_id;
  }
  return CheckCsrf(request, s.options, *s.csrf, {"", current_session});
}

}  // namespace authd::net
