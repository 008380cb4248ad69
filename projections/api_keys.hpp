// API keys: long-lived credentials with which a service acts as one user, limited to scopes.
//
// Family `proj_apikeys`:
//   "k/" key id      -> ApiKeyRecord (canonical JSON)
//   "h/" secret hash -> key id  (the keyed hash of the secret that is valid now)
//   "u/" user id     -> JSON array of the user's key ids, oldest first
//
// Secrets are never stored, only keyed BLAKE2b hashes (hex), so a copy of the database does not
// give working keys. Keys die with their user: user.deleted removes every row of the user's keys.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "projections/user_commands.hpp"
#include "storage/event_log.hpp"
#include "storage/projection.hpp"

namespace authd::projections {

inline constexpr std::string_view kApiKeysFamily = "proj_apikeys";
// Live keys one user may hold; creating one more is refused (kConflict).
inline constexpr std::size_t kMaxApiKeysPerUser = 50;

struct ApiKeyRecord {
  std::string id;  // "key_..."
  std::string user_id;
  std::string name;
  std::vector<std::string> scopes;  // sorted, unique
  core::Micros created_at = 0;
  core::Micros rotated_at = 0;  // 0 until first rotated
  core::Micros expires_at = 0;  // 0 = never
  std::string hash;             // of the secret valid now

  [[nodiscard]] bool ExpiredAt(core::Micros now) const {
    return expires_at != 0 && now >= expires_at;
  }
};

[[nodiscard]] std::string EncodeApiKeyRecord(const ApiKeyRecord& k);
[[nodiscard]] Result<ApiKeyRecord> DecodeApiKeyRecord(std::string_view bytes);

[[nodiscard]] std::string ApiKeyKey(std::string_view id);
[[nodiscard]] std::string ApiKeyHashKey(std::string_view hash);
[[nodiscard]] std::string UserApiKeysKey(std::string_view user_id);

class ApiKeyTable final : public storage::InlineProjection {
 public:
  [[nodiscard]] std::string_view Name() const override { return "apikeys"; }
  [[nodiscard]] std::uint32_t Version() const override { return 1; }
  [[nodiscard]] Result<void> Apply(const core::Event& event,
                                   storage::ProjectionStore& store) override;
};

struct NewApiKey {
  std::string id;       // from the id generator, "key_..."
  std::string user_id;  // the owner, who acts through the key
  std::string name;     // validated, 1..64 characters
  std::vector<std::string> scopes;
  core::Micros expires_at = 0;  // 0 = never
  std::string hash;             // keyed hash of the secret (net/ makes and hashes secrets)
};

// Decisions for the event-log writer; stateless, safe to share.
class ApiKeyCommands {
 public:
  // Appends apikey.created. Errors: kNotFound (no such user), kAccountDisabled, kConflict (the
  // user already holds kMaxApiKeysPerUser keys, or the id is taken).
  [[nodiscard]] storage::DecideFn Create(NewApiKey key, Origin origin) const;
  // Replaces the secret: the old one dies with this commit. Appends apikey.rotated.
  // Errors: kNotFound (no such key of this user, or expired).
  [[nodiscard]] storage::DecideFn Rotate(std::string user_id, std::string key_id,
                                         std::string new_hash, Origin origin) const;
  // Appends apikey.revoked. Errors: kNotFound (no such key of this user).
  [[nodiscard]] storage::DecideFn Revoke(std::string user_id, std::string key_id,
                                         Origin origin) const;
};

}  // namespace authd::projections
