// A row of the user table as stored in `proj_users`. Personal fields stay sealed exactly as they
// were in the events, so deleting the data key erases them here too.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace authd::projections {

struct UserRecord {
  std::string id;
  std::vector<std::string> roles;  // sorted, unique; always contains "user"
  bool disabled = false;
  bool email_verified = false;
  bool mfa_enabled = false;
  core::Micros created_at = 0;
  core::Micros updated_at = 0;
  core::Micros password_changed_at = 0;
  std::uint64_t version = 0;  // the stream version of the last event applied
  // MFA (docs/MFA.md): the last TOTP step accepted (a code is accepted once: only later steps
  // pass), and the positions of the recovery codes already used.
  std::uint64_t totp_last_step = 0;
  std::vector<std::uint32_t> recovery_used;
  // Field name -> sealed blob (username, email, display_name, password_hash; with MFA on,
  // totp_secret and recovery_codes).
  std::map<std::string, std::string, std::less<>> sealed;

  [[nodiscard]] bool HasRole(std::string_view role) const;
  friend bool operator==(const UserRecord&, const UserRecord&) = default;
};

// Canonical JSON bytes (the same record always gives the same bytes).
[[nodiscard]] std::string EncodeUserRecord(const UserRecord& user);
// core::Errc::kCorruptRecord when the bytes are not a record.
[[nodiscard]] Result<UserRecord> DecodeUserRecord(std::string_view bytes);

// The user object of API.md with personal fields opened (or "[erased]").
struct UserView {
  std::string id;
  std::string username;
  std::string email;
  std::string display_name;
  std::vector<std::string> roles;
  bool disabled = false;
  bool email_verified = false;
  bool mfa_enabled = false;
  core::Micros created_at = 0;
  core::Micros updated_at = 0;
  core::Micros password_changed_at = 0;
};

}  // namespace authd::projections
