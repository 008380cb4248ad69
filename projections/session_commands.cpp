#include "projections/session_commands.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "core/recovery_codes.hpp"
#include "core/sealing.hpp"
#include "projections/command_support.hpp"
#include "projections/session_table.hpp"
#include "projections/user_record.hpp"
#include "projections/user_table.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

core::Event SessionEvent(std::string_view type, std::string_view user_id,
                         std::string_view session_id, const Origin& origin) {
  core::Event e = MakeEvent(type, user_id, origin);
  e.data["session_id"] = session_id;
  return e;
}

Result<std::optional<SessionRecord>> LoadSession(storage::Txn& txn, std::string_view id) {
  auto row = txn.Get(kSessionsFamily, SessionKey(id));
  if (!row) return row.error();
  if (!*row) return std::optional<SessionRecord>();
  auto s = DecodeSessionRecord(**row);
  if (!s) return s.error();
  return std::optional<SessionRecord>(std::move(*s));
}

Result<std::optional<UserRecord>> FindUser(storage::Txn& txn, std::string_view id) {
  auto row = txn.Get(kUsersFamily, UserKey(id));
  if (!row) return row.error();
  if (!*row) return std::optional<UserRecord>();
  auto u = DecodeUserRecord(**row);
  if (!u) return u.error();
  return std::optional<UserRecord>(std::move(*u));
}

Result<void> AppendRevoked(storage::Txn& txn, std::string_view user_id, std::string_view session_id,
                           std::string_view reason, const Origin& origin) {
  core::Event e = SessionEvent(ev::kSessionRevoked, user_id, session_id, origin);
  e.data["reason"] = reason;
  auto appended = txn.Append(std::move(e));
  if (!appended) return appended.error();
  return {};
}

// A second factor that was not spent before: TOTP steps only move forward, recovery codes are
// spent once. Appends user.recovery_code_used for a recovery code.
Result<void> SpendSecondFactor(storage::Txn& txn, const UserRecord& user, const NewSession& session,
                               const Origin& origin) {
  if (!session.totp_step && !session.recovery_index) return {};
  if (!user.mfa_enabled) return core::Errc::kInvalidMfaCode;
  if (session.totp_step) {
    return *session.totp_step > user.totp_last_step ? Result<void>()
                                                    : Result<void>(core::Errc::kInvalidMfaCode);
  }
  const auto index = *session.recovery_index;
  const auto& used = user.recovery_used;
  if (std::find(used.begin(), used.end(), index) != used.end()) return core::Errc::kInvalidMfaCode;
  core::Event e = SessionEvent(ev::kUserRecoveryCodeUsed, user.id, session.session_id, origin);
  e.data["index"] = index;
  e.data["remaining"] = core::kRecoveryCodeCount - used.size() - 1;
  auto appended = txn.Append(std::move(e));
  if (!appended) return appended.error();
  return {};
}

}  // namespace

Result<void> RevokeSessions(storage::Txn& txn, std::string_view user_id, std::string_view keep,
                            std::string_view reason, const Origin& origin) {
  auto list = txn.Get(kSessionsFamily, UserSessionsKey(user_id));
  if (!list) return list.error();
  if (!*list) return {};
  auto ids = DecodeSessionList(**list);
  if (!ids) return ids.error();
  for (const auto& id : *ids) {
    if (id == keep) continue;
    if (auto r = AppendRevoked(txn, user_id, id, reason, origin); !r) return r;
  }
  return {};
}

storage::DecideFn SessionCommands::Login(NewSession session, Origin origin) const {
  return [policy = policy_, session = std::move(session),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = FindUser(txn, session.user_id);
    if (!user) return user.error();
    if (!*user) return core::Errc::kNotFound;
    if ((*user)->disabled) return core::Errc::kAccountDisabled;
    if (auto spent = SpendSecondFactor(txn, **user, session, origin); !spent) return spent;
    auto key = txn.DataKey(session.user_id);
    if (!key) return key.error();

    auto list = txn.Get(kSessionsFamily, UserSessionsKey(session.user_id));
    if (!list) return list.error();
    if (*list) {
      auto ids = DecodeSessionList(**list);
      if (!ids) return ids.error();
      for (std::size_t i = 0; i < ids->size() && ids->size() - i >= policy.max_per_user; ++i) {
        if (auto r = AppendRevoked(txn, session.user_id, (*ids)[i], "session_limit", origin); !r) {
          return r;
        }
      }
    }

    core::Event e =
        SessionEvent(ev::kUserLoginSucceeded, session.user_id, session.session_id, origin);
    boost::json::array amr;
    for (const auto& m : session.amr)
      amr.emplace_back(m);
    e.data["amr"] = std::move(amr);
    e.data["expires_at"] = txn.Now() + session.lifetime;
    e.data["refresh_hash"] = session.refresh_hash;
    if (session.totp_step) e.data["totp_step"] = *session.totp_step;
    if (!origin.addr.empty()) e.data["addr"] = origin.addr;
    SealOrigin(e, *key, origin);
    auto appended = txn.Append(std::move(e));
    if (!appended) return appended.error();
    return {};
  };
}

storage::DecideFn SessionCommands::Refresh(std::string presented_hash, std::string new_hash,
                                           Origin origin,
                                           std::shared_ptr<RefreshOutcome> outcome) const {
  return [policy = policy_, presented_hash = std::move(presented_hash),
          new_hash = std::move(new_hash), origin = std::move(origin),
          outcome = std::move(outcome)](storage::Txn& txn) -> Result<void> {
    *outcome = {};
    auto current = txn.Get(kSessionsFamily, RefreshKey(presented_hash));
    if (!current) return current.error();
    if (!*current) {
      auto rotated = txn.Get(kSessionsFamily, RotatedKey(presented_hash));
      if (!rotated) return rotated.error();
      if (!*rotated) return {};  // never issued, or its session is gone: kInvalid
      // A token that was already exchanged: someone else holds a copy. Kill the session.
      auto s = LoadSession(txn, **rotated);
      if (!s) return s.error();
      if (!*s) return {};
      outcome->kind = RefreshOutcome::Kind::kReused;
      outcome->session_id = (*s)->id;
      outcome->user_id = (*s)->user_id;
      auto reuse = txn.Append(
          SessionEvent(ev::kSessionRefreshReuseDetected, (*s)->user_id, (*s)->id, origin));
      if (!reuse) return reuse.error();
      return AppendRevoked(txn, (*s)->user_id, (*s)->id, "refresh_token_reused", origin);
    }
    auto s = LoadSession(txn, **current);
    if (!s) return s.error();
    if (!*s) return {};
    auto& session = **s;
    auto user = FindUser(txn, session.user_id);
    if (!user) return user.error();
    if (!*user || (*user)->disabled) return {};
    const core::Micros now = txn.Now();
    if (now >= session.expires_at || now - session.last_seen_at > policy.idle_timeout) {
      outcome->kind = RefreshOutcome::Kind::kExpired;
      return AppendRevoked(txn, session.user_id, session.id,
                           now >= session.expires_at ? "expired" : "idle_timeout", origin);
    }
    auto key = txn.DataKey(session.user_id);
    if (!key) return key.error();
    core::Event e = SessionEvent(ev::kSessionRefreshed, session.user_id, session.id, origin);
    e.data["refresh_hash"] = new_hash;
    SealOrigin(e, *key, origin);
    auto appended = txn.Append(std::move(e));
    if (!appended) return appended.error();
    outcome->kind = RefreshOutcome::Kind::kRefreshed;
    outcome->session_id = session.id;
    outcome->user_id = session.user_id;
    outcome->amr = session.amr;
    outcome->auth_time = session.auth_time;
    return {};
  };
}

storage::DecideFn SessionCommands::Revoke(std::string user_id, std::string session_id,
                                          std::string reason, Origin origin) const {
  return
      [user_id = std::move(user_id), session_id = std::move(session_id), reason = std::move(reason),
       origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
        auto s = LoadSession(txn, session_id);
        if (!s) return s.error();
        if (!*s || (*s)->user_id != user_id) return core::Errc::kNotFound;
        return AppendRevoked(txn, user_id, session_id, reason, origin);
      };
}

}  // namespace authd::projections
