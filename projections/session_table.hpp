// Sessions: one per login, kept alive by refreshing, built inline from login and session events.
//
// Family `proj_sessions`:
//   "s/" session id      -> SessionRecord (canonical JSON)
//   "t/" refresh hash    -> session id  (the refresh token that is valid now)
//   "o/" refresh hash    -> session id  (rotated-out tokens, to detect reuse)
//   "u/" user id         -> the user's live session ids, oldest first, each ended by '\n'
//
// The "u/" row is not JSON: every login rewrites it (up to 100 ids, twice when it
// evicts the oldest) and decoding and encoding it as a JSON array was a sixth of the event-log
// writer's CPU per login (docs/BENCHMARKS.md, "Tenth look").
//
// Refresh hashes are keyed BLAKE2b hashes (hex) of the refresh tokens; tokens are never stored.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/projection.hpp"

namespace authd::projections {

inline constexpr std::string_view kSessionsFamily = "proj_sessions";
// Rotated-out refresh hashes remembered per session for reuse detection.
inline constexpr std::size_t kRememberedRotations = 16;

struct SessionRecord {
  std::string id;
  std::string user_id;
  core::Micros created_at = 0;
  core::Micros last_seen_at = 0;  // login or last refresh: the idle timeout counts from here
  core::Micros expires_at = 0;    // absolute end of the session
  core::Micros auth_time = 0;     // last time the user proved a credential in this session
  std::string refresh_hash;
  std::vector<std::string> old_hashes;  // newest last, at most kRememberedRotations
  std::vector<std::string> amr;
  std::map<std::string, std::string, std::less<>> sealed;  // ip, user_agent (user's data key)
};

[[nodiscard]] std::string EncodeSessionRecord(const SessionRecord& s);
[[nodiscard]] Result<SessionRecord> DecodeSessionRecord(std::string_view bytes);

[[nodiscard]] std::string SessionKey(std::string_view id);
[[nodiscard]] std::string RefreshKey(std::string_view hash);
[[nodiscard]] std::string RotatedKey(std::string_view hash);
[[nodiscard]] std::string UserSessionsKey(std::string_view user_id);
// The ids in a "u/" value, oldest first. kCorruptRecord unless every id is letters, digits and
// '_' ended by '\n' (a row of another shape must stop a revocation, never revoke nothing).
[[nodiscard]] Result<std::vector<std::string>> DecodeSessionList(std::string_view bytes);

class SessionTable final : public storage::InlineProjection {
 public:
  [[nodiscard]] std::string_view Name() const override { return "sessions"; }
  // 2: "u/" rows as newline-ended ids (1: a JSON array).
  [[nodiscard]] std::uint32_t Version() const override { return 2; }
  [[nodiscard]] Result<void> Apply(const core::Event& event,
                                   storage::ProjectionStore& store) override;
};

}  // namespace authd::projections
