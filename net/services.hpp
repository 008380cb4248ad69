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
#include "net/offload.hpp"
#include "net/tokens.hpp"
#include "net/ws_session.hpp"
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
  // Origins (scheme://host[:port], exact match) whose pages may open the WebSocket feeds with the
  // session cookie. Empty: cookie-authenticated upgrades are refused (bearer tokens still work).
  std::vector<std::string> allowed_origins;
  // Per-connection limits of the WebSocket feeds (docs/FEEDS.md).
  FeedLimits feeds;
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
  // The failed-login monitor's dashboard view; null: the security stream sends zero counters.
  const projections::SecurityView* security = nullptr;
  // The live feeds (WS /v1/audit/stream, /v1/security/stream); null: they answer 503.
  FeedHub* feeds = nullptr;
};

}  // namespace authd::net
