// Single-use mail tokens (email verification, password reset) as a projection of the log.
//
// A token is never stored, logged or put in an event. It is derived from the id of the mail that
// carries it with a secret key (MailTokens::TokenFor), so the outbox sender can rebuild the mail
// after a restart; the mail.requested event carries only a keyed hash of it (`token_hash`).
//
// Family `proj_email_tokens`:
//   "t/" token hash         -> TokenRecord (canonical JSON): the tokens that still work
//   "c/" purpose "/" user   -> token hash: the user's newest token of that purpose
//
// A token dies when it is used, when a newer one of the same purpose is issued for the user, and
// with its user. A reset token also dies when the password changes; a verification token when the
// email changes. Expiry is checked by the reader against the clock (projections stay
// deterministic): an expired row lingers until one of those events removes it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "storage/event_log.hpp"
#include "storage/projection.hpp"

namespace authd::projections {

inline constexpr std::string_view kEmailTokensFamily = "proj_email_tokens";

enum class TokenPurpose { kVerifyEmail, kPasswordReset };

// "verify_email" / "password_reset": the template name in mail events.
[[nodiscard]] std::string_view TemplateName(TokenPurpose purpose);
[[nodiscard]] std::optional<TokenPurpose> PurposeOf(std::string_view template_name);

struct TokenRecord {
  std::string user_id;
  std::string mail_id;
  TokenPurpose purpose = TokenPurpose::kVerifyEmail;
  core::Micros expires_at = 0;

  [[nodiscard]] bool LiveAt(core::Micros now) const { return now < expires_at; }
};

[[nodiscard]] std::string EncodeTokenRecord(const TokenRecord& t);
[[nodiscard]] Result<TokenRecord> DecodeTokenRecord(std::string_view bytes);
[[nodiscard]] std::string TokenKey(std::string_view token_hash);
[[nodiscard]] std::string CurrentTokenKey(TokenPurpose purpose, std::string_view user_id);

// Derives and hashes tokens. Thread-safe (immutable).
class MailTokens {
 public:
  // `derive_key` makes tokens from mail ids; `hash_key` keys the stored hashes. Both are derived
  // from the master key by the data folder and must differ.
  MailTokens(const core::Key256& derive_key, const core::Key256& hash_key)
      : derive_key_(derive_key), hash_key_(hash_key) {}

  // 256 bits, base64url (43 characters). Deterministic in the mail id.
  [[nodiscard]] std::string TokenFor(std::string_view mail_id) const;
  // Keyed BLAKE2b, hex.
  [[nodiscard]] std::string Hash(std::string_view token) const;

 private:
  core::Key256 derive_key_;
  core::Key256 hash_key_;
};

class EmailTokenTable final : public storage::InlineProjection {
 public:
  [[nodiscard]] std::string_view Name() const override { return "email_tokens"; }
  [[nodiscard]] std::uint32_t Version() const override { return 1; }
  [[nodiscard]] Result<void> Apply(const core::Event& event,
                                   storage::ProjectionStore& store) override;
};

// The token row for `token_hash` inside a decision, or nullopt when it does not work (unknown,
// used, superseded, other purpose, or expired at the commit time).
[[nodiscard]] Result<std::optional<TokenRecord>> LiveToken(storage::Txn& txn,
                                                           std::string_view token_hash,
                                                           TokenPurpose purpose);
// The same against committed state (a cheap look before spending argon2id).
[[nodiscard]] Result<std::optional<TokenRecord>> LiveToken(const storage::EventLog& log,
                                                           std::string_view token_hash,
                                                           TokenPurpose purpose, core::Micros now);

}  // namespace authd::projections
