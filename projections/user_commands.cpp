#include "projections/user_commands.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "core/hashing.hpp"
#include "core/roles.hpp"
#include "core/sealing.hpp"
#include "projections/command_support.hpp"
#include "projections/session_commands.hpp"
#include "projections/user_record.hpp"
#include "projections/user_table.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;
constexpr std::string_view kUniqueFamily = "unique";

std::string UniqueKey(const core::Key256& key, char kind, std::string_view kind_name,
                      std::string_view value) {
  const auto digest = core::KeyedHash(key, kind_name, value);
  std::string k(1, kind);
  k.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return k;
}

Result<long> ActiveAdmins(storage::Txn& txn) {
  auto count = txn.Get(kUsersFamily, RoleCountKey(core::kRoleAdmin));
  if (!count) return count.error();
  long n = 0;
  if (*count) std::from_chars((*count)->data(), (*count)->data() + (*count)->size(), n);
  return n;
}

// Refuses a change that would leave no enabled admin.
Result<void> KeepAnAdmin(storage::Txn& txn, const UserRecord& user) {
  if (user.disabled || !user.HasRole(core::kRoleAdmin)) return {};
  auto admins = ActiveAdmins(txn);
  if (!admins) return admins.error();
  if (*admins <= 1) return core::Errc::kLastAdmin;
  return {};
}

boost::json::array ToJson(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

}  // namespace

core::Key256 DeriveKey(const core::Key256& master, std::string_view purpose) {
  const auto digest = core::KeyedHash(master, "authd.derive.v1", purpose);
  core::Key256 out;
  std::copy(digest.begin(), digest.end(), out.data());
  return out;
}

std::string UserCommands::UsernameKey(std::string_view normalized) const {
  return UniqueKey(unique_key_, 'u', "username", normalized);
}

std::string UserCommands::EmailKey(std::string_view normalized) const {
  return UniqueKey(unique_key_, 'e', "email", normalized);
}

storage::DecideFn UserCommands::SignUp(NewUser user, Origin origin) const {
  return [self = *this, user = std::move(user),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    const std::string username_key = self.UsernameKey(user.username);
    const std::string email_key = self.EmailKey(user.email);
    auto name_owner = txn.Get(kUniqueFamily, username_key);
    if (!name_owner) return name_owner.error();
    if (*name_owner) return core::Errc::kUsernameTaken;
    auto email_owner = txn.Get(kUniqueFamily, email_key);
    if (!email_owner) return email_owner.error();
    if (*email_owner) return core::Errc::kEmailTaken;
    if (auto version = txn.StreamVersion(user.id); !version || *version != 0) {
      return version ? Result<void>(core::Errc::kConflict) : Result<void>(version.error());
    }

    auto key = txn.CreateDataKey(user.id);
    if (!key) return key.error();
    if (auto put = txn.Put(kUniqueFamily, username_key, user.id); !put) return put;
    if (auto put = txn.Put(kUniqueFamily, email_key, user.id); !put) return put;

    core::Event e = MakeEvent(ev::kUserSignedUp, user.id, origin);
    e.data["roles"] = ToJson(user.roles);
    SealInto(e, *key,
             {{"username", user.username},
              {"email", user.email},
              {"display_name", user.display_name},
              {"password_hash", user.password_hash}});
    SealOrigin(e, *key, origin);
    return AppendEvent(txn, std::move(e));
  };
}

storage::DecideFn UserCommands::ChangeRoles(std::string user_id, std::vector<std::string> roles,
                                            Origin origin) const {
  return [user_id = std::move(user_id), roles = std::move(roles),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = LoadUser(txn, user_id);
    if (!user) return user.error();
    if (user->roles == roles) return {};  // nothing changes, nothing to record
    if (!std::binary_search(roles.begin(), roles.end(), core::kRoleAdmin)) {
      if (auto kept = KeepAnAdmin(txn, *user); !kept) return kept;
    }
    auto key = txn.DataKey(user_id);
    if (!key) return key.error();
    core::Event e = MakeEvent(ev::kUserRolesChanged, user_id, origin);
    e.data["roles"] = ToJson(roles);
    e.data["previous"] = ToJson(user->roles);
    SealOrigin(e, *key, origin);
    return AppendEvent(txn, std::move(e));
  };
}

storage::DecideFn UserCommands::UpdateProfile(std::string user_id, ProfileChange change,
                                              Origin origin) const {
  return [self = *this, user_id = std::move(user_id), change = std::move(change),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = LoadUser(txn, user_id);
    if (!user) return user.error();
    auto key = txn.DataKey(user_id);
    if (!key) return key.error();
    core::Event e = MakeEvent(ev::kUserProfileUpdated, user_id, origin);
    boost::json::array fields;
    if (change.email) {
      auto current = OpenField(*key, *user, "email");
      if (!current) return current.error();
      if (*current != *change.email) {
        const std::string new_key = self.EmailKey(*change.email);
        auto owner = txn.Get(kUniqueFamily, new_key);
        if (!owner) return owner.error();
        if (*owner) return core::Errc::kEmailTaken;
        if (auto del = txn.Delete(kUniqueFamily, self.EmailKey(*current)); !del) return del;
        if (auto put = txn.Put(kUniqueFamily, new_key, user_id); !put) return put;
        SealInto(e, *key, {{"email", *change.email}});
        fields.emplace_back("email");
      }
    }
    if (change.display_name) {
      auto current = OpenField(*key, *user, "display_name");
      if (!current) return current.error();
      if (*current != *change.display_name) {
        if (change.display_name->empty()) {
          e.data["display_name_cleared"] = true;
        } else {
          SealInto(e, *key, {{"display_name", *change.display_name}});
        }
        fields.emplace_back("display_name");
      }
    }
    if (fields.empty()) return {};  // nothing changes, nothing to record
    e.data["fields"] = std::move(fields);
    SealOrigin(e, *key, origin);
    return AppendEvent(txn, std::move(e));
  };
}

storage::DecideFn UserCommands::ChangePassword(std::string user_id, std::string password_hash,
                                               std::string keep_session, Origin origin) const {
  return [user_id = std::move(user_id), password_hash = std::move(password_hash),
          keep_session = std::move(keep_session),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = LoadUser(txn, user_id);
    if (!user) return user.error();
    auto key = txn.DataKey(user_id);
    if (!key) return key.error();
    core::Event e = MakeEvent(ev::kUserPasswordChanged, user_id, origin);
    e.data["by"] = origin.actor == user_id ? "self" : "other";
    SealInto(e, *key, {{"password_hash", password_hash}});
    SealOrigin(e, *key, origin);
    if (auto appended = txn.Append(std::move(e)); !appended) return appended.error();
    return RevokeSessions(txn, user_id, keep_session, "password_changed", origin);
  };
}

storage::DecideFn UserCommands::SetDisabled(std::string user_id, bool disabled,
                                            Origin origin) const {
  return [user_id = std::move(user_id), disabled,
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = LoadUser(txn, user_id);
    if (!user) return user.error();
    if (user->disabled == disabled) return {};
    if (disabled) {
      if (auto kept = KeepAnAdmin(txn, *user); !kept) return kept;
    }
    auto key = txn.DataKey(user_id);
    if (!key) return key.error();
    core::Event e = MakeEvent(disabled ? ev::kUserDisabled : ev::kUserEnabled, user_id, origin);
    SealOrigin(e, *key, origin);
    if (auto appended = txn.Append(std::move(e)); !appended) return appended.error();
    return disabled ? RevokeSessions(txn, user_id, "", "account_disabled", origin) : Result<void>();
  };
}

storage::DecideFn UserCommands::Delete(std::string user_id, Origin origin) const {
  return [self = *this, user_id = std::move(user_id),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = LoadUser(txn, user_id);
    if (!user) return user.error();
    if (auto kept = KeepAnAdmin(txn, *user); !kept) return kept;
    auto key = txn.DataKey(user_id);
    if (!key) return key.error();
    auto username = OpenField(*key, *user, "username");
    auto email = OpenField(*key, *user, "email");
    if (!username) return username.error();
    if (!email) return email.error();
    if (auto del = txn.Delete(kUniqueFamily, self.UsernameKey(*username)); !del) return del;
    if (auto del = txn.Delete(kUniqueFamily, self.EmailKey(*email)); !del) return del;

    // The event itself carries no personal data: its subject's key dies with this commit.
    core::Event e = MakeEvent(ev::kUserDeleted, user_id, origin);
    e.data["by"] = origin.actor == user_id ? "self" : "other";
    if (auto appended = txn.Append(std::move(e)); !appended) return appended.error();
    txn.DestroyDataKey(user_id);
    return {};
  };
}

std::string UserCommands::AttemptedNameHash(std::string_view attempted) const {
  return core::ToHex(core::KeyedHash(unique_key_, "attempted_name", attempted));
}

storage::DecideFn UserCommands::LoginFailed(std::string user_id, std::string attempted,
                                            LoginFailure reason, Origin origin) const {
  return [self = *this, user_id = std::move(user_id), attempted = std::move(attempted), reason,
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    const bool known = !user_id.empty();
    core::Event e =
        MakeEvent(ev::kUserLoginFailed, known ? user_id : kUnknownAccountsStream, origin);
    e.subject = known ? user_id : std::string(kAnonymousSubject);
    switch (reason) {
      case LoginFailure::kUnknownUser:
        e.data["reason"] = "unknown_user";
        break;
      case LoginFailure::kBadPassword:
        e.data["reason"] = "bad_password";
        break;
      case LoginFailure::kDisabled:
        e.data["reason"] = "account_disabled";
        break;
      case LoginFailure::kBadMfaCode:
        e.data["reason"] = "bad_mfa_code";
        break;
    }
    if (!known) {
      // Never the attempted text: it is often a password typed into the name field.
      e.data["name_hash"] = self.AttemptedNameHash(attempted);
    }
    if (!origin.addr.empty()) e.data["addr"] = origin.addr;
    auto key = txn.DataKey(e.subject);
    if (!key && key.error() == core::Errc::kKeyErased && !known) key = txn.CreateDataKey(e.subject);
    if (!key) return key.error();
    SealOrigin(e, *key, origin);
    return AppendEvent(txn, std::move(e));
  };
}

}  // namespace authd::projections
