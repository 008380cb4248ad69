// Role names and the rules about them (API.md "Admin endpoints").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/validation.hpp"

namespace authd::core {

inline constexpr std::string_view kRoleUser = "user";  // everyone has it
inline constexpr std::string_view kRoleAdmin = "admin";
inline constexpr std::string_view kRoleAuditor = "auditor";

// A role name matches [a-z][a-z0-9_-]{0,31}.
[[nodiscard]] bool IsValidRoleName(std::string_view role);

// Sorted, without duplicates, with "user" added. Field errors ("roles", code "invalid_role") for
// names that do not match, and "too_many" beyond 32 roles.
[[nodiscard]] std::vector<FieldError> NormalizeRoles(const std::vector<std::string>& in,
                                                     std::vector<std::string>& out);

}  // namespace authd::core
