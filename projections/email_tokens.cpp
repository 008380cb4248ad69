#include "projections/email_tokens.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "core/event_types.hpp"
#include "core/hashing.hpp"
#include "projections/json_fields.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

// Removes the user's current token of `purpose` (if any).
Result<void> Kill(storage::ProjectionStore& store, TokenPurpose purpose, std::string_view user_id) {
  const std::string current = CurrentTokenKey(purpose, user_id);
  auto hash = store.Get(current);
  if (!hash) return hash.error();
  if (*hash) store.Delete(TokenKey(**hash));
  store.Delete(current);
  return {};
}

Result<void> ApplyRequested(const core::Event& event, storage::ProjectionStore& store) {
  const auto purpose = PurposeOf(StringOf(event.data, "template"));
  const std::string hash(StringOf(event.data, "token_hash"));
  if (!purpose || hash.empty()) return {};
  TokenRecord t{.user_id = std::string(StringOf(event.data, "user_id")),
                .mail_id = event.stream,
                .purpose = *purpose,
                .expires_at = IntOf(event.data, "expires_at")};
  if (auto killed = Kill(store, t.purpose, t.user_id); !killed) return killed;
  store.Put(TokenKey(hash), EncodeTokenRecord(t));
  store.Put(CurrentTokenKey(t.purpose, t.user_id), hash);
  return {};
}

std::optional<TokenRecord> Usable(const Result<std::optional<std::string>>& row,
                                  TokenPurpose purpose, core::Micros now) {
  if (!row || !*row) return std::nullopt;
  auto t = DecodeTokenRecord(**row);
  if (!t || t->purpose != purpose || !t->LiveAt(now)) return std::nullopt;
  return *t;
}

}  // namespace

std::string_view TemplateName(TokenPurpose purpose) {
  return purpose == TokenPurpose::kVerifyEmail ? "verify_email" : "password_reset";
}

std::optional<TokenPurpose> PurposeOf(std::string_view template_name) {
  if (template_name == "verify_email") return TokenPurpose::kVerifyEmail;
  if (template_name == "password_reset") return TokenPurpose::kPasswordReset;
  return std::nullopt;
}

std::string TokenKey(std::string_view token_hash) {
  return "t/" + std::string(token_hash);
}

std::string CurrentTokenKey(TokenPurpose purpose, std::string_view user_id) {
  return "c/" + std::string(TemplateName(purpose)) + "/" + std::string(user_id);
}

std::string EncodeTokenRecord(const TokenRecord& t) {
  boost::json::object o;
  o["user_id"] = t.user_id;
  o["mail_id"] = t.mail_id;
  o["template"] = TemplateName(t.purpose);
  o["expires_at"] = t.expires_at;
  return core::CanonicalJson(o);
}

Result<TokenRecord> DecodeTokenRecord(std::string_view bytes) {
  boost::system::error_code ec;
  auto v = boost::json::parse(bytes, ec);
  if (ec || !v.is_object()) return core::Errc::kCorruptRecord;
  const auto& o = v.get_object();
  auto purpose = PurposeOf(StringOf(o, "template"));
  if (!purpose) return core::Errc::kCorruptRecord;
  return TokenRecord{.user_id = std::string(StringOf(o, "user_id")),
                     .mail_id = std::string(StringOf(o, "mail_id")),
                     .purpose = *purpose,
                     .expires_at = IntOf(o, "expires_at")};
}

std::string MailTokens::TokenFor(std::string_view mail_id) const {
  const auto digest = core::KeyedHash(derive_key_, "mail-token", mail_id);
  return core::ToBase64Url(digest);
}

std::string MailTokens::Hash(std::string_view token) const {
  return core::ToHex(core::KeyedHash(hash_key_, "mail-token-hash", token));
}

Result<void> EmailTokenTable::Apply(const core::Event& event, storage::ProjectionStore& store) {
  const std::string_view type = event.type;
  if (type == ev::kMailRequested) return ApplyRequested(event, store);
  if (type == ev::kUserEmailVerified) return Kill(store, TokenPurpose::kVerifyEmail, event.stream);
  if (type == ev::kUserProfileUpdated && event.sealed.contains("email")) {
    return Kill(store, TokenPurpose::kVerifyEmail, event.stream);
  }
  if (type == ev::kUserPasswordReset || type == ev::kUserPasswordChanged) {
    return Kill(store, TokenPurpose::kPasswordReset, event.stream);
  }
  if (type == ev::kUserDeleted) {
    if (auto r = Kill(store, TokenPurpose::kVerifyEmail, event.stream); !r) return r;
    return Kill(store, TokenPurpose::kPasswordReset, event.stream);
  }
  return {};
}

Result<std::optional<TokenRecord>> LiveToken(storage::Txn& txn, std::string_view token_hash,
                                             TokenPurpose purpose) {
  auto row = txn.Get(kEmailTokensFamily, TokenKey(token_hash));
  if (!row) return row.error();
  return Usable(row, purpose, txn.Now());
}

Result<std::optional<TokenRecord>> LiveToken(const storage::EventLog& log,
                                             std::string_view token_hash, TokenPurpose purpose,
                                             core::Micros now) {
  auto row = log.Get(kEmailTokensFamily, TokenKey(token_hash));
  if (!row) return row.error();
  return Usable(row, purpose, now);
}

}  // namespace authd::projections
