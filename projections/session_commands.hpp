// Commands on sessions: login (a new session), refresh with rotation and reuse detection, revoke.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "projections/user_commands.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

struct NewSession {
  std::string user_id;
  std::string session_id;        // "ses_..."
  std::vector<std::string> amr;  // e.g. {"pwd"}
  std::string refresh_hash;      // keyed hash (hex) of the first refresh token
  core::Micros lifetime = 0;     // absolute lifetime from now
  // The second factor that completes an MFA login (docs/MFA.md), checked by the writer so each
  // code works once even when two requests race: a TOTP step later than the last accepted one,
  // or the position of an unused recovery code.
  std::optional<std::uint64_t> totp_step;
  std::optional<std::uint32_t> recovery_index;
};

struct SessionPolicy {
  core::Micros idle_timeout = 30LL * 60 * 1'000'000;  // API.md: 30 idle minutes
  std::size_t max_per_user = 100;                     // the oldest session is revoked beyond this
};

// What a refresh decided. Written on the writer thread; read by the caller after completion.
struct RefreshOutcome {
  enum class Kind {
    kRefreshed,  // the session lives on with the new token
    kInvalid,    // unknown token, or its user is gone or disabled: nothing recorded
    kExpired,    // idle or absolute timeout: the session was revoked
    kReused,     // a rotated-out token: reuse recorded and the whole session revoked
  };
  Kind kind = Kind::kInvalid;
  std::string session_id;
  std::string user_id;
  std::vector<std::string> amr;
  core::Micros auth_time = 0;
};

class SessionCommands {
 public:
  explicit SessionCommands(SessionPolicy policy = {}) : policy_(policy) {}

  // Appends user.login_succeeded (which opens the session), after user.recovery_code_used when
  // a recovery code completes it; revokes the user's oldest sessions beyond max_per_user.
  // Errors: kNotFound (user gone), kAccountDisabled, kInvalidMfaCode (the second factor was used
  // already, or MFA is no longer on).
  [[nodiscard]] storage::DecideFn Login(NewSession session, Origin origin) const;

  // Looks the presented token's hash up and rotates it to `new_hash`. Never returns an error for
  // a bad token: the outcome says what happened (events for expiry and reuse are committed).
  [[nodiscard]] storage::DecideFn Refresh(std::string presented_hash, std::string new_hash,
                                          Origin origin,
                                          std::shared_ptr<RefreshOutcome> outcome) const;

  // Revokes one of the user's sessions. Errors: kNotFound (no such session of this user).
  [[nodiscard]] storage::DecideFn Revoke(std::string user_id, std::string session_id,
                                         std::string reason, Origin origin) const;

  [[nodiscard]] const SessionPolicy& policy() const { return policy_; }

 private:
  SessionPolicy policy_;
};

// Inside another decision: appends session.revoked for every live session of the user except
// `keep` ("" = all). Used by password change and admin actions.
[[nodiscard]] Result<void> RevokeSessions(storage::Txn& txn, std::string_view user_id,
                                          std::string_view keep, std::string_view reason,
                                          const Origin& origin);

}  // namespace authd::projections
