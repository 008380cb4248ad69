// The mail outbox: mail that was requested and not yet marked delivered, as a projection of the
// log (mail.requested minus mail.delivered). The sender (mail/mail_sender.hpp) works from it, so
// a mail is requested in the same commit as the fact that causes it and survives any crash.
//
// Family `proj_mail_outbox`:
//   "m/" mail id  -> OutboxRecord (canonical JSON)
//   "u/" user id  -> JSON array of the user's pending mail ids, oldest first
//
// user.deleted drops the user's pending mail: it is never sent, and the recipient (sealed under
// the user's key) is unreadable anyway.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/event_log.hpp"
#include "storage/projection.hpp"

namespace authd::projections {

inline constexpr std::string_view kMailOutboxFamily = "proj_mail_outbox";

struct OutboxRecord {
  std::string id;  // "mail_...", the stream of its events
  std::string user_id;
  std::string template_name;  // "verify_email", "password_reset"
  core::Micros requested_at = 0;
  core::Micros expires_at = 0;  // of the token it carries; mail after this is useless
  std::string sealed_to;        // recipient, sealed under the user's key (subject user, field "to")
};

[[nodiscard]] std::string EncodeOutboxRecord(const OutboxRecord& m);
[[nodiscard]] Result<OutboxRecord> DecodeOutboxRecord(std::string_view bytes);
[[nodiscard]] std::string OutboxKey(std::string_view mail_id);

class MailOutbox final : public storage::InlineProjection {
 public:
  [[nodiscard]] std::string_view Name() const override { return "mail_outbox"; }
  [[nodiscard]] std::uint32_t Version() const override { return 1; }
  [[nodiscard]] Result<void> Apply(const core::Event& event,
                                   storage::ProjectionStore& store) override;
};

// Every pending mail, in mail-id order, from committed state.
[[nodiscard]] Result<std::vector<OutboxRecord>> PendingMail(const storage::EventLog& log);

}  // namespace authd::projections
