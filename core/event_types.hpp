// The event types of the log and the current schema version of each payload.
#pragma once

#include <cstdint>
#include <string_view>

namespace authd::core::events {

inline constexpr std::string_view kUserSignedUp = "user.signed_up";
inline constexpr std::string_view kUserLoginSucceeded = "user.login_succeeded";
inline constexpr std::string_view kUserLoginFailed = "user.login_failed";
// A login refused by throttling before its password was checked (see docs/THROTTLING.md).
inline constexpr std::string_view kUserLoginThrottled = "user.login_throttled";
inline constexpr std::string_view kUserRolesChanged = "user.roles_changed";
inline constexpr std::string_view kUserProfileUpdated = "user.profile_updated";
inline constexpr std::string_view kUserPasswordChanged = "user.password_changed";
inline constexpr std::string_view kUserDisabled = "user.disabled";
inline constexpr std::string_view kUserEnabled = "user.enabled";
inline constexpr std::string_view kUserDeleted = "user.deleted";
inline constexpr std::string_view kSessionRefreshed = "session.refreshed";
inline constexpr std::string_view kSessionRevoked = "session.revoked";
inline constexpr std::string_view kSessionRefreshReuseDetected = "session.refresh_reuse_detected";
inline constexpr std::string_view kUserMfaEnrolled = "user.mfa_enrolled";
inline constexpr std::string_view kUserMfaDisabled = "user.mfa_disabled";
inline constexpr std::string_view kUserRecoveryCodeUsed = "user.recovery_code_used";
inline constexpr std::string_view kUserEmailVerified = "user.email_verified";
inline constexpr std::string_view kUserPasswordReset = "user.password_reset";
inline constexpr std::string_view kMailRequested = "mail.requested";
inline constexpr std::string_view kMailDelivered = "mail.delivered";
inline constexpr std::string_view kApiKeyCreated = "apikey.created";
inline constexpr std::string_view kApiKeyRotated = "apikey.rotated";
inline constexpr std::string_view kApiKeyRevoked = "apikey.revoked";

struct TypeInfo {
  std::string_view name;
  std::uint32_t schema;  // current payload version; older records are upcast on read
};

inline constexpr TypeInfo kAllTypes[] = {
    {kUserSignedUp, 1},      {kUserLoginSucceeded, 1}, {kUserLoginFailed, 1},
    {kUserRolesChanged, 1},  {kUserProfileUpdated, 1}, {kUserPasswordChanged, 1},
    {kUserDisabled, 1},      {kUserEnabled, 1},        {kUserDeleted, 1},
    {kSessionRefreshed, 1},  {kSessionRevoked, 1},     {kSessionRefreshReuseDetected, 1},
    {kUserMfaEnrolled, 1},   {kUserMfaDisabled, 1},    {kUserRecoveryCodeUsed, 1},
    {kUserEmailVerified, 1}, {kUserPasswordReset, 1},  {kMailRequested, 1},
    {kMailDelivered, 1},     {kApiKeyCreated, 1},      {kApiKeyRotated, 1},
    {kApiKeyRevoked, 1},     {kUserLoginThrottled, 1},
};

// 0 when the type is unknown.
[[nodiscard]] constexpr std::uint32_t CurrentSchema(std::string_view type) {
  for (const auto& t : kAllTypes) {
    if (t.name == type) return t.schema;
  }
  return 0;
}

}  // namespace authd::core::events
