// CSRF defence for cookie-authenticated requests (API.md, "Browser clients and CSRF"):
//
// 1. Where from: the request's Origin is an allowed origin or this server's own origin, or the
//    browser says Sec-Fetch-Site: same-origin. A request that says neither is refused: every
//    browser that sends cookies sends one of them on a state-changing request.
// 2. Signed double submit: X-CSRF-Token equals the `authd_csrf` cookie, and that token carries a
//    MAC (keyed BLAKE2b) over a nonce and the session it was issued for. An attacker who can
//    plant a cookie (a sibling subdomain can set `authd_csrf`, it has no __Host- prefix) still
//    cannot make one valid for the victim's session.
// Before login the token is bound to no session ("anonymous"); the login answer issues one bound
// to the new session.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/secret.hpp"
#include "net/http_types.hpp"

namespace authd::net {

struct ApiOptions;

class CsrfTokens {
 public:
  explicit CsrfTokens(const core::Key256& key) : key_(key) {}

  // A fresh token bound to `session_id` ("" for an anonymous, pre-login token).
  [[nodiscard]] std::string Issue(std::string_view session_id) const;
  // Whether `token` was issued by this server for `session_id`. Constant time in the MAC.
  [[nodiscard]] bool Verify(std::string_view token, std::string_view session_id) const;

 private:
  core::Key256 key_;
};

// Rule 1: the request comes from a page of an allowed origin or of this server.
[[nodiscard]] bool FromAllowedOrigin(const Request& request, const ApiOptions& options);

// Rules 1 and 2 for a request whose cookie session is `session_id` (for login: any of the
// `accepted` bindings). nullopt when it passes, else 403 `csrf_failed`.
[[nodiscard]] std::optional<Response> CheckCsrf(const Request& request, const ApiOptions& options,
                                                const CsrfTokens& tokens,
                                                std::initializer_list<std::string_view> accepted);

// 403 `csrf_failed`.
[[nodiscard]] Response CsrfFailed(std::string_view detail);

}  // namespace authd::net
