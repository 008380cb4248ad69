// The authd v1 API (../shared/API.md) on the router. Handlers find their Services through
// RequestContext::App<Services>().
#pragma once

#include "net/router.hpp"

namespace authd::net {

// Signup, login, refresh, logout and session management.
void RegisterAuthRoutes(Router& router);
// The caller's own account: /v1/users/me and password change.
void RegisterAccountRoutes(Router& router);
// Admin user management and roles.
void RegisterAdminRoutes(Router& router);
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

inline void RegisterApiRoutes(Router& router) {
  RegisterAuthRoutes(router);
  RegisterAccountRoutes(router);
  RegisterAdminRoutes(router);
  RegisterApiKeyRoutes(router);
  RegisterSecurityRoutes(router);
  RegisterAuditRoutes(router);
  RegisterMailRoutes(router);
  RegisterMetaRoutes(router);
}

}  // namespace authd::net
