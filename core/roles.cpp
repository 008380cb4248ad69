#include "core/roles.hpp"

#include <algorithm>

namespace authd::core {

bool IsValidRoleName(std::string_view role) {
  if (role.empty() || role.size() > 32) return false;
  if (role[0] < 'a' || role[0] > 'z') return false;
  return std::all_of(role.begin(), role.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::vector<FieldError> NormalizeRoles(const std::vector<std::string>& in,
                                       std::vector<std::string>& out) {
  std::vector<FieldError> errors;
  if (in.size() > 32) {
    errors.push_back({"roles", "too_many", "A user can hold at most 32 roles."});
    return errors;
  }
  out.assign(in.begin(), in.end());
  out.emplace_back(kRoleUser);
  for (const auto& r : out) {
    if (!IsValidRoleName(r)) {
      errors.push_back({"roles", "invalid_role",
                        "Role names are 1 to 32 characters of a-z, 0-9, '_' and '-', starting "
                        "with a letter."});
      break;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return errors;
}

}  // namespace authd::core
