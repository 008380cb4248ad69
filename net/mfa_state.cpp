#include "net/mfa_state.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>

#include "core/hashing.hpp"

namespace authd::net {
namespace {

// The map keeps hashes of tokens, so a memory dump does not hand out live logins.
std::string TokenKey(std::string_view token) {
  std::array<unsigned char, crypto_generichash_BYTES> digest{};
  crypto_generichash(digest.data(), digest.size(),
                     reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                     0);
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

template <typename Map>
void MfaState::MakeRoom(Map& map, core::Micros now) {
  if (map.size() < limits_.max_entries) return;
  std::erase_if(map, [now](const auto& kv) { return kv.second.expires_at <= now; });
  if (map.size() < limits_.max_entries) return;
  const auto first = std::min_element(map.begin(), map.end(), [](const auto& a, const auto& b) {
    return a.second.expires_at < b.second.expires_at;
  });
  map.erase(first);
}

void MfaState::BeginEnrollment(const std::string& user_id, std::string secret, core::Micros now) {
  std::lock_guard lock(mu_);
  MakeRoom(enrollments_, now);
  enrollments_.insert_or_assign(user_id, Pending{std::move(secret), now + limits_.enrollment_ttl});
}

std::optional<std::string> MfaState::PendingSecret(const std::string& user_id,
                                                   core::Micros now) const {
  std::lock_guard lock(mu_);
  const auto it = enrollments_.find(user_id);
  if (it == enrollments_.end() || it->second.expires_at <= now) return std::nullopt;
  return it->second.secret;
}

void MfaState::EndEnrollment(const std::string& user_id) {
  std::lock_guard lock(mu_);
  enrollments_.erase(user_id);
}

std::string MfaState::NewChallenge(const std::string& user_id, core::Micros now) {
  std::array<std::uint8_t, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string token = "mfa_" + core::ToBase64Url(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  std::lock_guard lock(mu_);
  MakeRoom(challenges_, now);
  challenges_.insert_or_assign(TokenKey(token),
                               MfaChallenge{user_id, now + limits_.challenge_ttl, 0});
  return token;
}

std::optional<MfaChallenge> MfaState::TakeChallenge(std::string_view token, core::Micros now) {
  if (token.size() > 128) return std::nullopt;
  std::lock_guard lock(mu_);
  const auto it = challenges_.find(TokenKey(token));
  if (it == challenges_.end()) return std::nullopt;
  auto challenge = std::move(it->second);
  challenges_.erase(it);
  if (challenge.expires_at <= now) return std::nullopt;
  return challenge;
}

void MfaState::ReturnChallenge(std::string_view token, MfaChallenge challenge) {
  if (++challenge.failures >= kMaxFailures) return;
  std::lock_guard lock(mu_);
  challenges_.insert_or_assign(TokenKey(token), std::move(challenge));
}

}  // namespace authd::net
