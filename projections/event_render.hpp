// Renders an event as JSON for people and tools outside the server (`authd log`, the audit feed).
// Personal fields are opened while the subject's key exists and shown as "[erased]" after;
// secrets (password hashes, TOTP secrets, token material) are never shown, only "[redacted]".
#pragma once

#include <boost/json/object.hpp>

#include "core/event.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

// Sealed fields that may be shown opened to an auditor.
[[nodiscard]] bool IsDisplayableField(std::string_view field);

// {"seq","type","schema","stream","version","at" (RFC 3339),"actor","request_id","data",
//  "subject","sealed":{field: value|"[erased]"|"[redacted]"},"prev_hash","hash"} (hex hashes).
// Thread-safe.
[[nodiscard]] boost::json::object RenderEvent(const core::Event& event,
                                              const storage::EventLog& log);

}  // namespace authd::projections
