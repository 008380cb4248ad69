// Everything the API handlers use, owned by `authd serve` and handed to the router as the app
// context (RequestContext::App<Services>()).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/password_hash.hpp"
#include "core/validation.hpp"
#include "net/api_keys.hpp"
#include "net/csrf.hpp"
#include "net/metrics.hpp"
#include "net/mfa_state.hpp"
#include "net/offload.hpp"
#include "net/rate_limiter.hpp"
#include "net/tokens.hpp"
#include "net/ws_session.hpp"
#include "projections/failed_login_monitor.hpp"
#include "projections/login_guard.hpp"
#include "projections/security_view.hpp"
#include "projections/session_commands.hpp"
#include "projections/user_commands.hpp"
#include "projections/user_directory.hpp"
#include "storage/event_log.hpp"

namespace authd::net {

struct ApiOptions {
  core::PasswordPolicy password;
  core::UsernamePolicy usernames;
  // Absolute session lifetime. Default: 12 hours (API.md).
  core::Micros session_lifetime = 12LL * 3600 * 1'000'000;
  // Trust X-Forwarded-For from this proxy address ("" = never): the client address recorded in
  // events is then the last address the proxy added.
  std::string trusted_proxy;
  // How recently a password (and, with MFA on, a second factor) must have been proved for
  // sensitive operations: password change, self-delete, MFA enrollment and disable, API key
  // creation. Default: 10 minutes (API.md).
  core::Micros reauth_window = 10LL * 60 * 1'000'000;
  // Origins (scheme://host[:port], exact match) whose pages may open the WebSocket feeds with the
  // session cookie. Empty: cookie-authenticated upgrades are refused (bearer tokens still work).
  std::vector<std::string> allowed_origins;
  // Per-connection limits of the WebSocket feeds (docs/FEEDS.md).
  FeedLimits feeds;
  // The issuer shown by authenticator apps (otpauth:// URI).
  std::string mfa_issuer = "authd";
  // Admin powers only for sessions that proved a second factor (docs/MFA.md).
  bool require_admin_mfa = false;
};

class FeedHub;

// Non-owning: the serve command owns each piece and outlives the server.
struct Services {
  ApiOptions options;
  const core::Clock& clock;
  core::IdGenerator& ids;
  storage::EventLog& log;
  const projections::UserCommands& users_cmd;
  const projections::UserDirectory& users;
  const projections::SessionCommands& sessions_cmd;
  TokenService& tokens;
  const core::PasswordHasher& hasher;
  BoundedPool& hash_pool;  // argon2id runs here, never on an I/O thread
  ApiKeys& api_keys;
  // What GET /metrics renders; nullptr when metrics are turned off (GET /metrics is then 404).
  const MetricsRegistry* metrics = nullptr;
  // The failed-login monitor as dashboards see it (null: none).
  const projections::SecurityView* security = nullptr;
  // Login throttling in the write path, and the address pseudonyms of login events (null: off,
  // and login events carry no pseudonym). docs/THROTTLING.md.
  const projections::LoginGuard* login_guard = nullptr;
  // The monitor's full report for GET /v1/security/failed-logins (null: that answers 503).
  const projections::FailedLoginMonitor* monitor = nullptr;
  // Per-address limits on signup and refresh (null: none).
  RateLimiter* signup_limit = nullptr;
  RateLimiter* refresh_limit = nullptr;
  // The live feeds (WS /v1/audit/stream, /v1/security/stream); null: they answer 503.
  FeedHub* feeds = nullptr;
  // Pending TOTP enrollments and unfinished MFA logins; null: MFA endpoints answer 503.
  MfaState* mfa = nullptr;
  // Signs and checks CSRF tokens of cookie sessions; null: cookie sessions are off (no login
  // with use_cookies, and the access cookie authenticates nothing).
  const CsrfTokens* csrf = nullptr;
};

}  // namespace authd::net
