// The authd v1 API (../shared/API.md) on the router. Handlers find their Services through
// RequestContext::App<Services>().
#pragma once

#include <string>

#include "net/router.hpp"

namespace authd::net {

// Signup, login, refresh, logout and session management.
void RegisterAuthRoutes(Router& router);
// The caller's own account: /v1/users/me and password change.
void RegisterAccountRoutes(Router& router);
// Admin user management and roles.
void RegisterAdminRoutes(Router& router);
// TOTP enrollment and disable of the signed-in user (/v1/users/me/mfa/totp).
void RegisterMfaRoutes(Router& router);
// The second step of an MFA login (POST /v1/sessions/mfa).
void RegisterMfaLoginRoutes(Router& router);
// GET /v1/csrf: the CSRF token of a browser before its first cookie login.
void RegisterBrowserRoutes(Router& router);
// API keys of the signed-in user.
void RegisterApiKeyRoutes(Router& router);
// GET /v1/security/failed-logins (admins and auditors).
void RegisterSecurityRoutes(Router& router);
// The audit feed: GET /v1/audit/events, WS /v1/audit/stream and WS /v1/security/stream.
void RegisterAuditRoutes(Router& router);
// Password reset and email verification (docs/MAIL.md).
void RegisterMailRoutes(Router& router);
// JWKS, health, readiness, the OpenAPI document and the metrics.
void RegisterMetaRoutes(Router& router);
// The browser pages and /assets/ read once from `web_root` (docs/WEB.md); false when it has none.
bool RegisterPageRoutes(Router& router, const std::string& web_root);

inline void RegisterApiRoutes(Router& router) {
  RegisterAuthRoutes(router);
  RegisterMfaLoginRoutes(router);
  RegisterAccountRoutes(router);
  RegisterMfaRoutes(router);
  RegisterBrowserRoutes(router);
  RegisterAdminRoutes(router);
  RegisterApiKeyRoutes(router);
  RegisterSecurityRoutes(router);
  RegisterAuditRoutes(router);
  RegisterMailRoutes(router);
  RegisterMetaRoutes(router);
}

}  // namespace authd::net
