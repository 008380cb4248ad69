#include "net/api_keys.hpp"

#include <sodium.h>

#include <array>

#include "core/hashing.hpp"

namespace authd::net {

std::string ApiKeys::NewSecret() {
  std::array<std::uint8_t, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string secret = std::string(kApiKeyPrefix) + core::ToBase64Url(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return secret;
}

std::string ApiKeys::Hash(std::string_view secret) const {
  return core::ToHex(core::KeyedHash(hash_key_, "api_key", secret));
}

void ApiKeys::Used(std::string_view key_id, core::Micros at) {
  std::lock_guard lock(mu_);
  if (last_used_.size() >= kMaxTracked && !last_used_.contains(std::string(key_id))) {
    last_used_.clear();  // bounded: start over rather than track recency on the hot path
  }
  last_used_[std::string(key_id)] = at;
}

core::Micros ApiKeys::LastUsed(std::string_view key_id) const {
  std::lock_guard lock(mu_);
  auto it = last_used_.find(std::string(key_id));
  return it == last_used_.end() ? 0 : it->second;
}

}  // namespace authd::net
