#include "projections/mail_commands.hpp"

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "core/sealing.hpp"
#include "projections/json_fields.hpp"
#include "projections/mail_outbox.hpp"
#include "projections/session_commands.hpp"
#include "projections/user_record.hpp"
#include "projections/user_table.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;
constexpr std::string_view kUniqueFamily = "unique";

Result<std::optional<UserRecord>> FindUser(storage::Txn& txn, std::string_view id) {
  auto row = txn.Get(kUsersFamily, UserKey(id));
  if (!row) return row.error();
  if (!*row) return std::optional<UserRecord>();
  auto user = DecodeUserRecord(**row);
  if (!user) return user.error();
  return std::optional<UserRecord>(std::move(*user));
}

core::Event UserEvent(std::string_view type, std::string_view stream, std::string_view subject,
                      const Origin& origin) {
  core::Event e;
  e.type = std::string(type);
  e.schema = ev::CurrentSchema(type);
  e.stream = std::string(stream);
  e.subject = std::string(subject);
  e.actor = origin.actor;
  e.request_id = origin.request_id;
  return e;
}

void SealOrigin(core::Event& e, const core::Key256& key, const Origin& origin) {
  if (!origin.ip.empty()) e.sealed["ip"] = core::Seal(key, e.subject, "ip", origin.ip);
  if (!origin.user_agent.empty()) {
    e.sealed["user_agent"] = core::Seal(key, e.subject, "user_agent", origin.user_agent);
  }
}

Result<void> AppendOnly(storage::Txn& txn, core::Event e) {
  auto appended = txn.Append(std::move(e));
  if (!appended) return appended.error();
  return {};
}

// Appends mail.requested for `user` (its current address) carrying a fresh token of `purpose`.
Result<void> RequestMail(storage::Txn& txn, const MailTokens& tokens, const UserRecord& user,
                         TokenPurpose purpose, core::Micros ttl, std::string_view mail_id,
                         const Origin& origin) {
  auto key = txn.DataKey(user.id);
  if (!key) return key.error();
  auto sealed_email = user.sealed.find("email");
  if (sealed_email == user.sealed.end()) return core::Errc::kNotFound;
  auto email = core::Open(*key, user.id, "email", sealed_email->second);
  if (!email) return email.error();
  core::Event e = UserEvent(ev::kMailRequested, mail_id, user.id, origin);
  e.data["user_id"] = user.id;
  e.data["template"] = TemplateName(purpose);
  // Only the keyed hash: the token itself is derived again by the sender from the mail id.
  e.data["token_hash"] = tokens.Hash(tokens.TokenFor(mail_id));
  e.data["expires_at"] = txn.Now() + ttl;
  e.sealed["to"] = core::Seal(*key, user.id, "to", *email);
  SealOrigin(e, *key, origin);
  return AppendOnly(txn, std::move(e));
}

std::string SealedEmail(const std::optional<UserRecord>& user) {
  if (!user) return {};
  auto it = user->sealed.find("email");
  return it == user->sealed.end() ? std::string() : it->second;
}

}  // namespace

storage::DecideFn MailCommands::WithVerificationMail(storage::DecideFn inner, std::string user_id,
                                                     std::string mail_id, Origin origin) const {
  return [self = *this, inner = std::move(inner), user_id = std::move(user_id),
          mail_id = std::move(mail_id), origin = std::move(origin)](storage::Txn& txn) {
    auto before = FindUser(txn, user_id);
    if (!before) return Result<void>(before.error());
    if (auto r = inner(txn); !r) return r;
    auto after = FindUser(txn, user_id);
    if (!after) return Result<void>(after.error());
    // A changed address is a fresh seal (new nonce), so comparing the blobs finds every change.
    if (!*after || (*after)->email_verified || SealedEmail(*before) == SealedEmail(*after)) {
      return Result<void>();
    }
    return RequestMail(txn, self.tokens_, **after, TokenPurpose::kVerifyEmail,
                       self.policy_.verify_ttl, mail_id, origin);
  };
}

storage::DecideFn MailCommands::RequestVerification(std::string user_id, std::string mail_id,
                                                    Origin origin) const {
  return [self = *this, user_id = std::move(user_id), mail_id = std::move(mail_id),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = FindUser(txn, user_id);
    if (!user) return user.error();
    if (!*user) return core::Errc::kNotFound;
    if ((*user)->email_verified) return core::Errc::kConflict;
    return RequestMail(txn, self.tokens_, **user, TokenPurpose::kVerifyEmail,
                       self.policy_.verify_ttl, mail_id, origin);
  };
}

storage::DecideFn MailCommands::RequestPasswordReset(std::string email_key, std::string mail_id,
                                                     Origin origin) const {
  return [self = *this, email_key = std::move(email_key), mail_id = std::move(mail_id),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto owner = txn.Get(kUniqueFamily, email_key);
    if (!owner) return owner.error();
    if (!*owner) return {};
    auto user = FindUser(txn, **owner);
    if (!user) return user.error();
    if (!*user || (*user)->disabled) return {};
    Origin o = origin;
    o.actor = "";  // anonymous: whoever asked has not proved to be the user
    return RequestMail(txn, self.tokens_, **user, TokenPurpose::kPasswordReset,
                       self.policy_.reset_ttl, mail_id, o);
  };
}

storage::DecideFn MailCommands::ConfirmVerification(std::string token_hash, Origin origin) const {
  return [token_hash = std::move(token_hash),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    // Re-checked here, in the writer: of two concurrent confirms exactly one finds the token.
    auto token = LiveToken(txn, token_hash, TokenPurpose::kVerifyEmail);
    if (!token) return token.error();
    if (!*token) return core::Errc::kNotFound;
    auto user = FindUser(txn, (*token)->user_id);
    if (!user) return user.error();
    if (!*user) return core::Errc::kNotFound;
    auto key = txn.DataKey((*user)->id);
    if (!key) return key.error();
    core::Event e = UserEvent(ev::kUserEmailVerified, (*user)->id, (*user)->id, origin);
    e.data["mail_id"] = (*token)->mail_id;
    SealOrigin(e, *key, origin);
    return AppendOnly(txn, std::move(e));
  };
}

storage::DecideFn MailCommands::ResetPassword(std::string token_hash, std::string user_id,
                                              std::string password_hash, Origin origin) const {
  return [token_hash = std::move(token_hash), user_id = std::move(user_id),
          password_hash = std::move(password_hash),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto token = LiveToken(txn, token_hash, TokenPurpose::kPasswordReset);
    if (!token) return token.error();
    if (!*token || (*token)->user_id != user_id) return core::Errc::kNotFound;
    auto user = FindUser(txn, user_id);
    if (!user) return user.error();
    if (!*user) return core::Errc::kNotFound;
    auto key = txn.DataKey(user_id);
    if (!key) return key.error();
    core::Event e = UserEvent(ev::kUserPasswordReset, user_id, user_id, origin);
    e.data["mail_id"] = (*token)->mail_id;
    e.sealed["password_hash"] = core::Seal(*key, user_id, "password_hash", password_hash);
    SealOrigin(e, *key, origin);
    if (auto appended = txn.Append(std::move(e)); !appended) return appended.error();
    // The token came by mail to the current address (an email change kills it): that proves the
    // address as well as a verification mail would.
    if (!(*user)->email_verified) {
      core::Event v = UserEvent(ev::kUserEmailVerified, user_id, user_id, origin);
      v.data["mail_id"] = (*token)->mail_id;
      SealOrigin(v, *key, origin);
      if (auto appended = txn.Append(std::move(v)); !appended) return appended.error();
    }
    return RevokeSessions(txn, user_id, "", "password_reset", origin);
  };
}

storage::DecideFn MailCommands::VerifiedByOperator(std::string user_id, Origin origin) {
  return [user_id = std::move(user_id),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = FindUser(txn, user_id);
    if (!user) return user.error();
    if (!*user) return core::Errc::kNotFound;
    if ((*user)->email_verified) return {};
    core::Event e = UserEvent(ev::kUserEmailVerified, user_id, user_id, origin);
    e.data["by"] = "operator";
    return AppendOnly(txn, std::move(e));
  };
}

storage::DecideFn MailCommands::MarkDelivered(std::string mail_id, int attempts,
                                              std::string status) const {
  return [mail_id = std::move(mail_id), attempts,
          status = std::move(status)](storage::Txn& txn) -> Result<void> {
    auto row = txn.Get(kMailOutboxFamily, OutboxKey(mail_id));
    if (!row) return row.error();
    if (!*row) return {};
    auto m = DecodeOutboxRecord(**row);
    if (!m) return m.error();
    core::Event e = UserEvent(ev::kMailDelivered, mail_id, m->user_id, Origin{});
    e.data["user_id"] = m->user_id;
    e.data["template"] = m->template_name;
    e.data["attempts"] = attempts;
    e.data["status"] = status;
    return AppendOnly(txn, std::move(e));
  };
}

}  // namespace authd::projections
