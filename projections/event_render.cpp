#include "projections/event_render.hpp"

#include <array>

#include "core/hashing.hpp"
#include "core/sealing.hpp"
#include "projections/user_directory.hpp"

namespace authd::projections {

bool IsDisplayableField(std::string_view field) {
  static constexpr std::array<std::string_view, 6> kDisplayable = {
      "username", "email", "display_name", "ip", "user_agent", "to"};
  for (auto f : kDisplayable) {
    if (f == field) return true;
  }
  return false;
}

boost::json::object RenderEvent(const core::Event& event, const storage::EventLog& log) {
  boost::json::object o;
  o["seq"] = event.seq;
  o["type"] = event.type;
  o["schema"] = event.schema;
  o["stream"] = event.stream;
  o["version"] = event.version;
  o["at"] = core::FormatRfc3339(event.at);
  o["actor"] = event.actor;
  o["request_id"] = event.request_id;
  // Hashes of tokens (refresh_hash, ...) are verifiers of secrets: never shown.
  boost::json::object data = event.data;
  for (auto& kv : data) {
    const std::string_view key = kv.key();
    if (key.size() >= 5 && key.substr(key.size() - 5) == "_hash") kv.value() = "[redacted]";
  }
  o["data"] = std::move(data);
  if (!event.sealed.empty()) {
    o["subject"] = event.subject;
    boost::json::object sealed;
    std::optional<Result<core::Key256>> key;
    for (const auto& [field, blob] : event.sealed) {
      if (!IsDisplayableField(field)) {
        sealed[field] = "[redacted]";
        continue;
      }
      if (!key) key = log.DataKey(event.subject);
      if (!*key) {
        sealed[field] = kErased;
        continue;
      }
      auto opened = core::Open(**key, event.subject, field, blob);
      // A blob that fails to open under the live key is as unreadable as an erased one.
      sealed[field] = opened ? boost::json::value(*opened) : boost::json::value(kErased);
    }
    o["sealed"] = std::move(sealed);
  }
  o["prev_hash"] = core::ToHex(event.prev_hash);
  o["hash"] = core::ToHex(event.hash);
  return o;
}

}  // namespace authd::projections
