// What the command classes (users, MFA, sessions, API keys) share when they build events inside
// a writer decision.
#pragma once

#include <initializer_list>
#include <string_view>
#include <utility>

#include "core/event.hpp"
#include "core/secret.hpp"
#include "projections/user_commands.hpp"
#include "projections/user_record.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

// An event of `type` on `stream` (also its subject), by the origin's actor and request.
[[nodiscard]] core::Event MakeEvent(std::string_view type, std::string_view stream,
                                    const Origin& origin);

// Seals each non-empty field under the subject's key into the event.
void SealInto(core::Event& e, const core::Key256& key,
              std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

// The client address and user agent of the origin, sealed.
void SealOrigin(core::Event& e, const core::Key256& key, const Origin& origin);

// The user's row as the writer sees it. Errors: kNotFound, storage errors.
[[nodiscard]] Result<UserRecord> LoadUser(storage::Txn& txn, std::string_view id);

// A sealed field of the user opened with `key` ("" when the user has no such field).
[[nodiscard]] Result<std::string> OpenField(const core::Key256& key, const UserRecord& user,
                                            std::string_view field);

// Appends and drops the appended event (decisions only care whether it worked).
[[nodiscard]] Result<void> AppendEvent(storage::Txn& txn, core::Event e);

}  // namespace authd::projections
