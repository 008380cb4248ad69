// The short-lived, in-memory halves of MFA (docs/MFA.md): TOTP enrollments waiting for their
// first code, and logins waiting for their second factor (the `mfa_token` of API.md).
//
// Neither is a fact worth keeping: an abandoned enrollment or an unfinished login leaves nothing
// in the log, and a restart only asks the user to start that step again. What must survive (the
// secret once confirmed, the codes already used) is in the log. Both maps are bounded: when full,
// the entry closest to expiry makes room, so a flood can cost a user a retry but no memory.
// Thread-safe: every I/O thread uses one instance.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace authd::net {

struct MfaChallenge {
  std::string user_id;
  core::Micros expires_at = 0;
  int failures = 0;  // wrong codes so far; the challenge dies at kMaxFailures
};

class MfaState {
 public:
  static constexpr int kMaxFailures = 5;

  struct Limits {
    core::Micros enrollment_ttl = 10LL * 60 * 1'000'000;  // to scan the QR code and type a code
    core::Micros challenge_ttl = 5LL * 60 * 1'000'000;    // between password and code
    std::size_t max_entries = 100'000;                    // per map
  };

  explicit MfaState(Limits limits) : limits_(limits) {}

  // Starts (or restarts, replacing the secret) a user's enrollment.
  void BeginEnrollment(const std::string& user_id, std::string secret, core::Micros now);
  // The secret of a live enrollment, or nullopt.
  [[nodiscard]] std::optional<std::string> PendingSecret(const std::string& user_id,
                                                         core::Micros now) const;
  void EndEnrollment(const std::string& user_id);

  // A new single-use mfa_token for a user whose password was just verified.
  [[nodiscard]] std::string NewChallenge(const std::string& user_id, core::Micros now);
  // Removes and returns the challenge of `token` if it is live: one request at a time owns it.
  [[nodiscard]] std::optional<MfaChallenge> TakeChallenge(std::string_view token, core::Micros now);
  // After a wrong code: the challenge goes back, one failure heavier, unless it has had
  // kMaxFailures (then it is gone and the user starts again with the password).
  void ReturnChallenge(std::string_view token, MfaChallenge challenge);

  [[nodiscard]] const Limits& limits() const { return limits_; }

 private:
  struct Pending {
    std::string secret;
    core::Micros expires_at = 0;
  };
  template <typename Map>
  void MakeRoom(Map& map, core::Micros now);

  Limits limits_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Pending> enrollments_;
  std::unordered_map<std::string, MfaChallenge> challenges_;  // by hash of the token
};

}  // namespace authd::net
