// The user table: the current state of every user, built inline from the user.* events.
//
// Family `proj_users`:
//   "u/" id            -> UserRecord (canonical JSON)
//   "r/" role "/" id   -> ""  (role index, for listing admins and auditors)
//   "c/" role          -> how many enabled users hold the role (for the last-admin rule)
#pragma once

#include <string>
#include <string_view>

#include "storage/projection.hpp"

namespace authd::projections {

inline constexpr std::string_view kUsersFamily = "proj_users";

[[nodiscard]] std::string UserKey(std::string_view id);
[[nodiscard]] std::string RoleCountKey(std::string_view role);

class UserTable final : public storage::InlineProjection {
 public:
  [[nodiscard]] std::string_view Name() const override { return "users"; }
  [[nodiscard]] std::uint32_t Version() const override { return 1; }
  [[nodiscard]] Result<void> Apply(const core::Event& event,
                                   storage::ProjectionStore& store) override;

 private:
  // A TOTP step accepted at login, or a recovery code spent.
  static Result<void> ApplyMfaUse(const core::Event& event, storage::ProjectionStore& store);
};

}  // namespace authd::projections
