#include "net/login_responses.hpp"

#include <algorithm>
#include <boost/json.hpp>

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

}  // namespace authd::net
