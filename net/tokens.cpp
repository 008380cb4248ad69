#include "net/tokens.hpp"

#include <sodium.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>

#include "core/hashing.hpp"

namespace authd::net {
namespace {

constexpr core::Micros kSecond = 1'000'000;

boost::json::array ToArray(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

std::vector<std::string> Strings(const boost::json::object& claims, std::string_view name) {
  std::vector<std::string> out;
  if (const auto* v = claims.if_contains(name); v != nullptr && v->is_array()) {
    for (const auto& s : v->get_array()) {
      if (s.is_string()) out.emplace_back(s.get_string());
    }
  }
  return out;
}

std::string String(const boost::json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t Int(const boost::json::object& claims, std::string_view name) {
  const auto* v = claims.if_contains(name);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

}  // namespace

TokenService::TokenService(TokenOptions options, const core::Clock& clock,
                           projections::SigningKeys& keys, core::IdGenerator& ids,
                           const core::Key256& refresh_key)
    : options_(std::move(options)),
      clock_(clock),
      keys_(keys),
      ids_(ids),
      refresh_key_(refresh_key),
      cache_key_(core::SecretKey<16>::Random()) {
  static_assert(crypto_shorthash_siphashx24_KEYBYTES == decltype(cache_key_)::kSize);
  static_assert(crypto_shorthash_siphashx24_BYTES == std::tuple_size_v<CacheDigest>);
}

IssuedAccess TokenService::IssueAccess(std::string_view user_id,
                                       const std::vector<std::string>& roles,
                                       std::string_view session_id,
                                       const std::vector<std::string>& amr, core::Micros auth_time,
                                       bool email_verified) {
  const std::int64_t now = clock_.NowMicros() / kSecond;
  const std::int64_t lifetime = options_.access_lifetime / kSecond;
  boost::json::object claims{{"iss", options_.issuer},
                             {"sub", user_id},
                             {"aud", options_.audience},
                             {"iat", now},
                             {"nbf", now},
                             {"exp", now + lifetime},
                             {"jti", ids_.Next("at")},
                             {"sid", session_id},
                             {"auth_time", auth_time / kSecond}};
  claims["roles"] = ToArray(roles);
  claims["amr"] = ToArray(amr);
  claims["email_verified"] = email_verified;
  const auto key = keys_.Current();
  return {core::SignJwt(*key->pair, key->kid, claims), lifetime};
}

std::size_t TokenService::DigestHash::operator()(const CacheDigest& d) const noexcept {
  std::size_t h = 0;
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

TokenService::CacheDigest TokenService::CacheKey(std::string_view token) const {
  CacheDigest out{};
  crypto_shorthash_siphashx24(out.data(), reinterpret_cast<const unsigned char*>(token.data()),
                              token.size(), cache_key_.data());
  return out;
}

std::size_t TokenService::CachedTokens() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.entries.size();
  }
  return n;
}

// Bounded two ways. Expired entries go whenever the shard has doubled since the last sweep, which
// keeps the sweep's cost per insert constant and the shard at most about twice its live tokens.
// A shard full of live tokens starts over rather than tracking recency on the hot path.
void TokenService::Remember(Shard& shard, const CacheDigest& key, const AccessClaims& claims,
                            std::int64_t now) {
  constexpr std::size_t kMinSweep = 64;
  std::lock_guard lock(shard.mu);
  if (shard.entries.size() >= std::max(shard.next_sweep, kMinSweep)) {
    std::erase_if(shard.entries, [now](const auto& kv) { return now >= kv.second.expires_at; });
    shard.next_sweep = 2 * shard.entries.size();
  }
  if (shard.entries.size() >= options_.cache_entries / kShards) {
    shard.entries.clear();
    shard.next_sweep = 0;
  }
  shard.entries.emplace(key, claims);
}

Result<AccessClaims> TokenService::Verify(std::string_view token) {
  const core::Micros now_us = clock_.NowMicros();
  const std::int64_t now = now_us / kSecond;
  if (token.size() > 8 * 1024) return core::JwtErrc::kMalformed;
  const CacheDigest key = CacheKey(token);
  Shard& shard = shards_[key.back() % kShards];
  {
    std::lock_guard lock(shard.mu);
    if (auto it = shard.entries.find(key); it != shard.entries.end()) {
      if (now >= it->second.expires_at) {
        shard.entries.erase(it);
        return core::JwtErrc::kExpired;
      }
      return it->second;
    }
  }
  core::VerifyOptions opts;
  opts.issuer = options_.issuer;
  opts.audience = options_.audience;
  opts.now_seconds = now;
  // authd issues and checks these tokens on one clock: no skew to allow for, so a token dies at
  // its exp exactly (other services verifying with the JWKS may allow some leeway).
  opts.leeway_seconds = 0;
  auto claims = core::VerifyJwt(
      token,
      [&](std::string_view kid) {
        return keys_.Lookup(kid, now_us, options_.access_lifetime + 60 * kSecond);
      },
      opts);
  if (!claims) return claims.error();
  AccessClaims c;
  c.subject = String(*claims, "sub");
  c.session_id = String(*claims, "sid");
  c.jti = String(*claims, "jti");
  c.roles = Strings(*claims, "roles");
  c.amr = Strings(*claims, "amr");
  c.issued_at = Int(*claims, "iat");
  c.expires_at = Int(*claims, "exp");
  c.auth_time = Int(*claims, "auth_time");
  if (c.subject.empty() || c.session_id.empty()) return core::JwtErrc::kMalformed;
  Remember(shard, key, c, now);
  return c;
}

std::string TokenService::NewRefreshToken() {
  std::array<std::uint8_t, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::string token = core::ToBase64Url(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return token;
}

std::string TokenService::HashRefreshToken(std::string_view token) const {
  return core::ToHex(core::KeyedHash(refresh_key_, "refresh_token", token));
}

boost::json::object TokenService::Jwks() const {
  boost::json::array keys;
  for (const auto& k :
       keys_.Verifying(clock_.NowMicros(), options_.access_lifetime + 60 * kSecond)) {
    keys.push_back(core::JwkFromPublicKey(k->kid, k->pair->public_key()));
  }
  return {{"keys", std::move(keys)}};
}

}  // namespace authd::net
