#include "projections/session_table.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "core/event_types.hpp"
#include "core/hashing.hpp"
#include "projections/json_fields.hpp"
#include "projections/sealed_json.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

std::vector<std::string> FromArray(const boost::json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array())
    out.emplace_back(s.as_string());
  return out;
}

Result<std::optional<SessionRecord>> Load(storage::ProjectionStore& store, std::string_view id) {
  auto row = store.Get(SessionKey(id));
  if (!row) return row.error();
  if (!*row) return std::optional<SessionRecord>();
  auto s = DecodeSessionRecord(**row);
  if (!s) return s.error();
  return std::optional<SessionRecord>(std::move(*s));
}

bool IsIdChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

// Calls fn(id, offset) for each id of a "u/" value, oldest first; kCorruptRecord for any other
// shape (an empty id, a byte outside IsIdChar, no final '\n').
template <class Fn>
Result<void> ForEachListedId(std::string_view list, Fn&& fn) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i] == '\n') {
      if (i == start) return core::Errc::kCorruptRecord;
      fn(list.substr(start, i - start), start);
      start = i + 1;
    } else if (!IsIdChar(list[i])) {
      return core::Errc::kCorruptRecord;
    }
  }
  if (start != list.size()) return core::Errc::kCorruptRecord;
  return {};
}

// Rewrites a user's "u/" row with `id` added at the end, or removed; deletes it when empty.
Result<void> UpdateList(storage::ProjectionStore& store, std::string_view user_id,
                        std::string_view id, bool add) {
  const auto key = UserSessionsKey(user_id);
  auto row = store.Get(key);
  if (!row) return row.error();
  std::string list = *row ? std::move(**row) : std::string();
  std::vector<std::size_t> found;
  auto checked = ForEachListedId(list, [&](std::string_view listed, std::size_t at) {
    if (listed == id) found.push_back(at);
  });
  if (!checked) return checked;
  if (add) {
    list.append(id).push_back('\n');
  } else {
    for (auto at = found.rbegin(); at != found.rend(); ++at)
      list.erase(*at, id.size() + 1);
  }
  if (list.empty()) {
    store.Delete(key);
  } else {
    store.Put(key, list);
  }
  return {};
}

void Forget(storage::ProjectionStore& store, const SessionRecord& s) {
  store.Delete(SessionKey(s.id));
  if (!s.refresh_hash.empty()) store.Delete(RefreshKey(s.refresh_hash));
  for (const auto& h : s.old_hashes)
    store.Delete(RotatedKey(h));
}

Result<void> Revoke(storage::ProjectionStore& store, std::string_view id) {
  auto s = Load(store, id);
  if (!s) return s.error();
  if (!*s) return {};
  Forget(store, **s);
  return UpdateList(store, (*s)->user_id, id, /*add=*/false);
}

Result<void> RevokeAllOf(storage::ProjectionStore& store, std::string_view user_id) {
  const auto key = UserSessionsKey(user_id);
  auto list = store.Get(key);
  if (!list) return list.error();
  if (!*list) return {};
  auto ids = DecodeSessionList(**list);
  if (!ids) return ids.error();
  for (const auto& id : *ids) {
    auto s = Load(store, id);
    if (!s) return s.error();
    if (*s) Forget(store, **s);
  }
  store.Delete(key);
  return {};
}

}  // namespace

std::string SessionKey(std::string_view id) {
  return "s/" + std::string(id);
}
std::string RefreshKey(std::string_view hash) {
  return "t/" + std::string(hash);
}
std::string RotatedKey(std::string_view hash) {
  return "o/" + std::string(hash);
}
std::string UserSessionsKey(std::string_view user_id) {
  return "u/" + std::string(user_id);
}

Result<std::vector<std::string>> DecodeSessionList(std::string_view bytes) {
  std::vector<std::string> out;
  auto checked =
      ForEachListedId(bytes, [&](std::string_view id, std::size_t) { out.emplace_back(id); });
  if (!checked) return checked.error();
  return out;
}

std::string EncodeSessionRecord(const SessionRecord& s) {
  boost::json::object o;
  o["id"] = s.id;
  o["user_id"] = s.user_id;
  o["created_at"] = s.created_at;
  o["last_seen_at"] = s.last_seen_at;
  o["expires_at"] = s.expires_at;
  o["auth_time"] = s.auth_time;
  o["refresh_hash"] = s.refresh_hash;
  o["old_hashes"] = ToJsonArray(s.old_hashes);
  o["amr"] = ToJsonArray(s.amr);
  o["sealed"] = SealedToJson(s.sealed);
  return core::CanonicalJson(o);
}

Result<SessionRecord> DecodeSessionRecord(std::string_view bytes) {
  boost::system::error_code ec;
  auto v = boost::json::parse(bytes, ec);
  if (ec || !v.is_object()) return core::Errc::kCorruptRecord;
  const auto& o = v.get_object();
  SessionRecord s;
  try {
    s.id = o.at("id").as_string();
    s.user_id = o.at("user_id").as_string();
    s.created_at = o.at("created_at").to_number<core::Micros>();
    s.last_seen_at = o.at("last_seen_at").to_number<core::Micros>();
    s.expires_at = o.at("expires_at").to_number<core::Micros>();
    s.auth_time = o.at("auth_time").to_number<core::Micros>();
    s.refresh_hash = o.at("refresh_hash").as_string();
    s.old_hashes = FromArray(o.at("old_hashes"));
    s.amr = FromArray(o.at("amr"));
    if (!SealedFromJson(o.at("sealed").as_object(), s.sealed)) return core::Errc::kCorruptRecord;
  } catch (const std::exception&) {
    return core::Errc::kCorruptRecord;  // a missing key or wrong kind: not a session row
  }
  return s;
}

Result<void> SessionTable::Apply(const core::Event& event, storage::ProjectionStore& store) {
  const std::string_view type = event.type;
  if (type == ev::kUserLoginSucceeded) {
    const auto id = StringOf(event.data, "session_id");
    if (id.empty()) return {};
    SessionRecord s;
    s.id = std::string(id);
    s.user_id = event.stream;
    s.created_at = s.last_seen_at = s.auth_time = event.at;
    s.expires_at = IntOf(event.data, "expires_at");
    s.refresh_hash = std::string(StringOf(event.data, "refresh_hash"));
    if (const auto* amr = event.data.if_contains("amr"); amr != nullptr && amr->is_array()) {
      s.amr = FromArray(*amr);
    }
    for (std::string_view f : {"ip", "user_agent"}) {
      if (auto it = event.sealed.find(f); it != event.sealed.end()) {
        s.sealed.emplace(std::string(f), it->second);
      }
    }
    store.Put(SessionKey(s.id), EncodeSessionRecord(s));
    if (!s.refresh_hash.empty()) store.Put(RefreshKey(s.refresh_hash), s.id);
    return UpdateList(store, s.user_id, s.id, /*add=*/true);
  }
  if (type == ev::kSessionRefreshed) {
    auto s = Load(store, StringOf(event.data, "session_id"));
    if (!s) return s.error();
    if (!*s) return {};
    auto& session = **s;
    store.Delete(RefreshKey(session.refresh_hash));
    store.Put(RotatedKey(session.refresh_hash), session.id);
    session.old_hashes.push_back(session.refresh_hash);
    if (session.old_hashes.size() > kRememberedRotations) {
      store.Delete(RotatedKey(session.old_hashes.front()));
      session.old_hashes.erase(session.old_hashes.begin());
    }
    session.refresh_hash = std::string(StringOf(event.data, "refresh_hash"));
    session.last_seen_at = event.at;
    store.Put(RefreshKey(session.refresh_hash), session.id);
    store.Put(SessionKey(session.id), EncodeSessionRecord(session));
    return {};
  }
  if (type == ev::kSessionRevoked) return Revoke(store, StringOf(event.data, "session_id"));
  if (type == ev::kUserDeleted) return RevokeAllOf(store, event.stream);
  return {};
}

}  // namespace authd::projections
