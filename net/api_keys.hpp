// API key secrets: made here, shown once, stored only as keyed hashes; and when each key was last
// used. The rows themselves are the `apikeys` projection (projections/api_keys.hpp).
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/secret.hpp"
#include "projections/api_keys.hpp"

namespace authd::net {

// "ak_" + 43 base64url characters (256 random bits): the prefix tells keys and JWTs apart in an
// Authorization header, and lets secret scanners recognise a leaked key.
inline constexpr std::string_view kApiKeyPrefix = "ak_";
inline constexpr std::size_t kApiKeyLength = 46;

// Thread-safe.
class ApiKeys {
 public:
  // `hash_key` keys the hashes (derived from the master key: a stolen database alone cannot
  // test guesses).
  explicit ApiKeys(const core::Key256& hash_key) : hash_key_(hash_key) {}

  [[nodiscard]] static std::string NewSecret();
  [[nodiscard]] std::string Hash(std::string_view secret) const;

  // Last use is kept in memory only: writing an event per request would put a synced write on
  // every API call. It restarts empty (then shows null) and is bounded like the token cache.
  void Used(std::string_view key_id, core::Micros at);
  [[nodiscard]] core::Micros LastUsed(std::string_view key_id) const;  // 0 = not since start

  const projections::ApiKeyCommands commands{};

 private:
  static constexpr std::size_t kMaxTracked = 100'000;
  core::Key256 hash_key_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, core::Micros> last_used_;
};

}  // namespace authd::net
