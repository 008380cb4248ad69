#include "projections/user_table.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <iterator>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "projections/user_record.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

std::string RoleIndexKey(std::string_view role, std::string_view id) {
  std::string k = "r/";
  k.append(role).append("/").append(id);
  return k;
}

Result<void> AddToCount(storage::ProjectionStore& store, std::string_view role, long delta) {
  auto current = store.Get(RoleCountKey(role));
  if (!current) return current.error();
  long n = 0;
  if (*current) std::from_chars((*current)->data(), (*current)->data() + (*current)->size(), n);
  n += delta;
  if (n <= 0) {
    store.Delete(RoleCountKey(role));
  } else {
    store.Put(RoleCountKey(role), std::to_string(n));
  }
  return {};
}

// Role counts cover enabled users only: a disabled admin cannot act, so it does not count
// towards "the last admin".
Result<void> CountRoles(storage::ProjectionStore& store, const UserRecord& user, long delta) {
  if (user.disabled) return {};
  for (const auto& role : user.roles) {
    if (auto counted = AddToCount(store, role, delta); !counted) return counted;
  }
  return {};
}

Result<void> IndexRoles(storage::ProjectionStore& store, const UserRecord& user, long delta) {
  for (const auto& role : user.roles) {
    if (delta > 0) {
      store.Put(RoleIndexKey(role, user.id), "");
    } else {
      store.Delete(RoleIndexKey(role, user.id));
    }
  }
  return CountRoles(store, user, delta);
}

std::vector<std::string> RolesFrom(const boost::json::object& data) {
  std::vector<std::string> roles{"user"};
  if (const auto* arr = data.if_contains("roles"); arr != nullptr && arr->is_array()) {
    for (const auto& r : arr->get_array()) {
      if (r.is_string()) roles.emplace_back(r.get_string());
    }
  }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return roles;
}

void CopySealed(const core::Event& event, UserRecord& user, std::string_view field) {
  if (auto it = event.sealed.find(field); it != event.sealed.end()) {
    user.sealed.insert_or_assign(std::string(field), it->second);
  }
}

bool Flag(const boost::json::object& data, std::string_view name) {
  const auto* v = data.if_contains(name);
  return v != nullptr && v->is_bool() && v->get_bool();
}

std::uint64_t Number(const boost::json::object& data, std::string_view name) {
  const auto* v = data.if_contains(name);
  if (v == nullptr) return 0;
  if (const auto* u = v->if_uint64()) return *u;
  if (const auto* i = v->if_int64(); i != nullptr && *i > 0) return static_cast<std::uint64_t>(*i);
  return 0;
}

}  // namespace

Result<void> UserTable::ApplyMfaUse(const core::Event& event, storage::ProjectionStore& store) {
  auto row = store.Get(UserKey(event.stream));
  if (!row) return row.error();
  if (!*row) return {};
  auto user = DecodeUserRecord(**row);
  if (!user) return user.error();
  if (event.type == ev::kUserRecoveryCodeUsed) {
    user->recovery_used.push_back(static_cast<std::uint32_t>(Number(event.data, "index")));
    std::sort(user->recovery_used.begin(), user->recovery_used.end());
  } else {
    user->totp_last_step = std::max(user->totp_last_step, Number(event.data, "totp_step"));
  }
  store.Put(UserKey(user->id), EncodeUserRecord(*user));
  return {};
}

std::string UserKey(std::string_view id) {
  std::string k = "u/";
  k.append(id);
  return k;
}

std::string RoleCountKey(std::string_view role) {
  std::string k = "c/";
  k.append(role);
  return k;
}

Result<void> UserTable::Apply(const core::Event& event, storage::ProjectionStore& store) {
  const std::string_view type = event.type;
  if (type == ev::kUserSignedUp) {
    UserRecord user;
    user.id = event.stream;
    user.roles = RolesFrom(event.data);
    user.created_at = user.updated_at = user.password_changed_at = event.at;
    user.version = event.version;
    for (std::string_view f : {"username", "email", "display_name", "password_hash"}) {
      CopySealed(event, user, f);
    }
    store.Put(UserKey(user.id), EncodeUserRecord(user));
    return IndexRoles(store, user, +1);
  }

  // Second-factor use is part of a login or of a recovery code spent: the row keeps what makes
  // each code single use, without counting as an update of the user.
  const bool mfa_use = (type == ev::kUserLoginSucceeded && event.data.contains("totp_step")) ||
                       type == ev::kUserRecoveryCodeUsed;
  if (mfa_use) return ApplyMfaUse(event, store);

  // Every other event of interest changes an existing row; others are not ours.
  const bool relevant = type == ev::kUserRolesChanged || type == ev::kUserProfileUpdated ||
                        type == ev::kUserPasswordChanged || type == ev::kUserPasswordReset ||
                        type == ev::kUserDisabled || type == ev::kUserEnabled ||
                        type == ev::kUserEmailVerified || type == ev::kUserMfaEnrolled ||
                        type == ev::kUserMfaDisabled || type == ev::kUserDeleted;
  if (!relevant) return {};
  auto row = store.Get(UserKey(event.stream));
  if (!row) return row.error();
  if (!*row) return {};  // an event about a user already gone changes nothing here
  auto decoded = DecodeUserRecord(**row);
  if (!decoded) return decoded.error();
  UserRecord user = std::move(*decoded);

  if (type == ev::kUserDeleted) {
    store.Delete(UserKey(user.id));
    return IndexRoles(store, user, -1);
  }
  if (type == ev::kUserRolesChanged) {
    // Touch only the roles that changed: "user" and any kept role stay as they are.
    auto roles = RolesFrom(event.data);
    UserRecord removed = user;
    UserRecord added = user;
    removed.roles.clear();
    added.roles.clear();
    std::set_difference(user.roles.begin(), user.roles.end(), roles.begin(), roles.end(),
                        std::back_inserter(removed.roles));
    std::set_difference(roles.begin(), roles.end(), user.roles.begin(), user.roles.end(),
                        std::back_inserter(added.roles));
    if (auto r = IndexRoles(store, removed, -1); !r) return r;
    if (auto r = IndexRoles(store, added, +1); !r) return r;
    user.roles = std::move(roles);
  } else if (type == ev::kUserProfileUpdated) {
    CopySealed(event, user, "email");
    CopySealed(event, user, "display_name");
    if (event.sealed.contains("email")) user.email_verified = false;
    if (Flag(event.data, "display_name_cleared")) user.sealed.erase("display_name");
  } else if (type == ev::kUserPasswordChanged || type == ev::kUserPasswordReset) {
    CopySealed(event, user, "password_hash");
    user.password_changed_at = event.at;
  } else if (type == ev::kUserDisabled || type == ev::kUserEnabled) {
    const bool disabled = type == ev::kUserDisabled;
    if (disabled != user.disabled) {
      if (disabled) {
        if (auto counted = CountRoles(store, user, -1); !counted) return counted;
      }
      user.disabled = disabled;
      if (!disabled) {
        if (auto counted = CountRoles(store, user, +1); !counted) return counted;
      }
    }
  } else if (type == ev::kUserEmailVerified) {
    user.email_verified = true;
  } else if (type == ev::kUserMfaEnrolled) {
    user.mfa_enabled = true;
    CopySealed(event, user, "totp_secret");
    CopySealed(event, user, "recovery_codes");
    user.totp_last_step = Number(event.data, "totp_step");
    user.recovery_used.clear();
  } else if (type == ev::kUserMfaDisabled) {
    user.mfa_enabled = false;
    user.sealed.erase("totp_secret");
    user.sealed.erase("recovery_codes");
    user.totp_last_step = 0;
    user.recovery_used.clear();
  }
  user.updated_at = event.at;
  user.version = event.version;
  store.Put(UserKey(user.id), EncodeUserRecord(user));
  return {};
}

}  // namespace authd::projections
