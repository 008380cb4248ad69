// Decisions for the mail flows (email verification, password reset, outbox marks), for the
// event-log writer. Every mail.requested is appended in the same commit as the fact that causes
// it; its token is derived from the mail id (MailTokens) and only the token's keyed hash goes in
// the event. Stateless apart from keys and lifetimes; safe to share.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "projections/email_tokens.hpp"
#include "projections/user_commands.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

struct MailPolicy {
  // Lifetime of an email verification token. Default: 24 hours.
  core::Micros verify_ttl = 24LL * 3600 * 1'000'000;
  // Lifetime of a password reset token. Default: 30 minutes.
  core::Micros reset_ttl = 30LL * 60 * 1'000'000;
};

class MailCommands {
 public:
  MailCommands(MailTokens tokens, MailPolicy policy) : tokens_(tokens), policy_(policy) {}

  // Runs `inner` (signup, profile change), then, when it created user `user_id` or changed their
  // email, appends a verification mail.requested in the same commit. Errors: those of `inner`.
  [[nodiscard]] storage::DecideFn WithVerificationMail(storage::DecideFn inner, std::string user_id,
                                                       std::string mail_id, Origin origin) const;
  // A new verification mail for the user's current address (the older token dies).
  // Errors: kNotFound, kConflict (the email is already verified).
  [[nodiscard]] storage::DecideFn RequestVerification(std::string user_id, std::string mail_id,
                                                      Origin origin) const;
  // A reset mail to the owner of `email_key` (a `unique` family key, UserCommands::EmailKey).
  // Appends nothing, and succeeds, when no enabled account owns the address: the caller must not
  // be able to tell.
  [[nodiscard]] storage::DecideFn RequestPasswordReset(std::string email_key, std::string mail_id,
                                                       Origin origin) const;
  // Appends user.email_verified. Errors: kNotFound (the token does not work: unknown, used,
  // superseded or expired).
  [[nodiscard]] storage::DecideFn ConfirmVerification(std::string token_hash, Origin origin) const;
  // Appends user.password_reset with the new hash (and user.email_verified when the address was
  // not verified yet: the mailed token proves it) and revokes every session of the user.
  // Errors: kNotFound (the token does not work, or is not `user_id`'s).
  [[nodiscard]] storage::DecideFn ResetPassword(std::string token_hash, std::string user_id,
                                                std::string password_hash, Origin origin) const;
  // Appends mail.delivered (status "sent", or "expired" when the sender gave up on a mail whose
  // token can no longer work). Nothing when the mail is no longer pending (already marked, or its
  // user was deleted).
  [[nodiscard]] storage::DecideFn MarkDelivered(std::string mail_id, int attempts,
                                                std::string status) const;

  // The operator vouches for the address (`authd user add`): appends user.email_verified
  // (data.by "operator") without a mail. Errors: kNotFound.
  [[nodiscard]] static storage::DecideFn VerifiedByOperator(std::string user_id, Origin origin);

  [[nodiscard]] const MailTokens& tokens() const { return tokens_; }
  [[nodiscard]] const MailPolicy& policy() const { return policy_; }

 private:
  MailTokens tokens_;
  MailPolicy policy_;
};

}  // namespace authd::projections
