// Commands that change users, as decisions for the event-log writer. Each returned DecideFn
// checks the command against the current state (through the Txn), and appends its events, or
// returns the core::Errc that refuses it. Inputs are already validated and normalized, and
// passwords already hashed (argon2id never runs on the writer thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/secret.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

// Who asked, from where. ip and user_agent are personal data: sealed in the event.
struct Origin {
  std::string actor;  // user id, or "" for anonymous, or "cli" for the operator
  std::string request_id;
  std::string ip;
  std::string user_agent;
  // Pseudonym of `ip` (LoginGuard::AddressHash, hex), recorded in clear in login events so the
  // throttle projection can be rebuilt from the log even after a user's data key is destroyed.
  // Empty when the command has no client address (the CLI).
  std::string addr;
};

struct NewUser {
  std::string id;                  // from the id generator, "usr_..."
  std::string username;            // normalized
  std::string email;               // normalized
  std::string display_name;        // may be empty
  std::string password_hash;       // PHC argon2id string
  std::vector<std::string> roles;  // normalized (core::NormalizeRoles)
};

struct ProfileChange {
  std::optional<std::string> email;         // normalized
  std::optional<std::string> display_name;  // "" clears it
};

// kBadMfaCode: the password was right but the second factor was not (it counts towards
// throttling like a wrong password).
enum class LoginFailure { kUnknownUser, kBadPassword, kDisabled, kBadMfaCode };

// Stateless apart from the uniqueness key; safe to share between threads. The decisions it
// returns carry their own copy of the key, so they may outlive it.
class UserCommands {
 public:
  // `unique_key` keys the hashes of usernames and emails in the `unique` family.
  explicit UserCommands(const core::Key256& unique_key) : unique_key_(unique_key) {}

  // Errors: kUsernameTaken, kEmailTaken, kConflict (id already used).
  [[nodiscard]] storage::DecideFn SignUp(NewUser user, Origin origin) const;
  // Errors: kNotFound, kLastAdmin.
  [[nodiscard]] storage::DecideFn ChangeRoles(std::string user_id, std::vector<std::string> roles,
                                              Origin origin) const;
  // Errors: kNotFound, kEmailTaken.
  [[nodiscard]] storage::DecideFn UpdateProfile(std::string user_id, ProfileChange change,
                                                Origin origin) const;
  // Revokes every session of the user but `keep_session` ("" = all). Errors: kNotFound.
  [[nodiscard]] storage::DecideFn ChangePassword(std::string user_id, std::string password_hash,
                                                 std::string keep_session, Origin origin) const;
  // Disabling revokes every session. Errors: kNotFound, kLastAdmin (the last admin cannot be
  // disabled).
  [[nodiscard]] storage::DecideFn SetDisabled(std::string user_id, bool disabled,
                                              Origin origin) const;
  // Destroys the user's data key and releases their username and email. Errors: kNotFound,
  // kLastAdmin.
  [[nodiscard]] storage::DecideFn Delete(std::string user_id, Origin origin) const;

  // MFA (docs/MFA.md; defined in mfa_commands.cpp). Enroll seals the TOTP secret and the hashes
  // of the recovery codes under the user's key; `step` is the step of the code that confirmed
  // it, so that code cannot be used again. Errors: kNotFound, kConflict (already enabled).
  [[nodiscard]] storage::DecideFn EnrollTotp(std::string user_id, std::string secret,
                                             std::uint64_t step,
                                             std::vector<std::string> recovery_hashes,
                                             Origin origin) const;
  // Turns MFA off. `step` is the TOTP step of the code that proved it (nullopt when the
  // password did). Errors: kNotFound, kConflict (not enabled), kInvalidMfaCode (step used).
  [[nodiscard]] storage::DecideFn DisableTotp(std::string user_id,
                                              std::optional<std::uint64_t> step,
                                              Origin origin) const;

  // `user_id` empty for an unknown name: then only a keyed hash of `attempted` is kept.
  [[nodiscard]] storage::DecideFn LoginFailed(std::string user_id, std::string attempted,
                                              LoginFailure reason, Origin origin) const;

  // The keyed hash (hex) kept in login_failed events instead of a name that matches no account.
  [[nodiscard]] std::string AttemptedNameHash(std::string_view attempted) const;

  // `unique` family keys.
  [[nodiscard]] std::string UsernameKey(std::string_view normalized) const;
  [[nodiscard]] std::string EmailKey(std::string_view normalized) const;

 private:
  core::Key256 unique_key_;
};

// The subject under which events about unknown accounts seal their client address.
inline constexpr std::string_view kAnonymousSubject = "anonymous";
// The stream of login failures for names that match no account.
inline constexpr std::string_view kUnknownAccountsStream = "unknown_accounts";

// Derives a purpose-specific key from the master key (keyed BLAKE2b; purposes never collide).
[[nodiscard]] core::Key256 DeriveKey(const core::Key256& master, std::string_view purpose);

}  // namespace authd::projections
