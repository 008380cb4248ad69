// Access and refresh tokens.
//
// Access tokens are EdDSA JWTs (core/jwt.hpp) signed by the current signing key, with claims
// iss, sub, aud, exp, iat, nbf, jti, sid, roles, amr, auth_time and email_verified. Verified tokens
// are cached, keyed by a hash of the token, so a repeated token costs a hash and a lookup instead
// of an Ed25519 verify; the cache is bounded and a hit still checks expiry.
//
// Refresh tokens are 256 random bits (base64url); only their keyed BLAKE2b hash is stored.
//
// Thread-safety: every member is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/jwt.hpp"
#include "core/secret.hpp"
#include "projections/signing_keys.hpp"
#include "projections/user_record.hpp"

namespace authd::net {

struct TokenOptions {
  // "iss" of every token and the issuer verifiers expect. Default: "authd".
  std::string issuer = "authd";
  // "aud" of every token. Default: "authd".
  std::string audience = "authd";
  // Access token lifetime. Default: 15 minutes (API.md).
  core::Micros access_lifetime = 15LL * 60 * 1'000'000;
  // Verified tokens remembered. Default: 16384, about 7 MiB when full (an entry is ~450 bytes with
  // its strings). Expired ones are dropped as the cache grows, so it holds about the tokens in
  // use, up to this bound; a miss costs one Ed25519 verify.
  std::size_t cache_entries = 16'384;
};

struct AccessClaims {
  std::string subject;     // user id
  std::string session_id;  // sid
  std::string jti;
  std::vector<std::string> roles;
  std::vector<std::string> amr;
  std::int64_t issued_at = 0;   // seconds
  std::int64_t expires_at = 0;  // seconds
  std::int64_t auth_time = 0;   // seconds
};

struct IssuedAccess {
  std::string token;
  std::int64_t expires_in = 0;  // seconds
};

class TokenService {
 public:
  TokenService(TokenOptions options, const core::Clock& clock, projections::SigningKeys& keys,
               core::IdGenerator& ids, const core::Key256& refresh_key);

  [[nodiscard]] IssuedAccess IssueAccess(std::string_view user_id,
                                         const std::vector<std::string>& roles,
                                         std::string_view session_id,
                                         const std::vector<std::string>& amr,
                                         core::Micros auth_time, bool email_verified = false);

  // Errors: core::JwtErrc (kExpired -> "token_expired", anything else -> "invalid_token").
  [[nodiscard]] Result<AccessClaims> Verify(std::string_view token);

  // A fresh refresh token, and the hash under which a session stores it.
  [[nodiscard]] static std::string NewRefreshToken();
  [[nodiscard]] std::string HashRefreshToken(std::string_view token) const;

  // {"keys": [...]} with every key that may still verify a live token.
  [[nodiscard]] boost::json::object Jwks() const;

  [[nodiscard]] const TokenOptions& options() const { return options_; }

  // Verified tokens in the cache (for tests and metrics).
  [[nodiscard]] std::size_t CachedTokens() const;

 private:
  static constexpr std::size_t kShards = 16;
  // A cache entry is found by SipHash-128 (libsodium's crypto_shorthash_siphashx24) of the token
  // under a per-process random key: a keyed 128-bit PRF, so nobody can craft a token that lands
  // on another's entry, at a fraction of a BLAKE2b's cost on every authenticated request.
  using CacheDigest = std::array<std::uint8_t, 16>;
  // The digest is already keyed and uniform: any 8 of its bytes are a good hash.
  struct DigestHash {
    std::size_t operator()(const CacheDigest& d) const noexcept;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<CacheDigest, AccessClaims, DigestHash> entries;
    std::size_t next_sweep = 0;  // size at which expired entries are next dropped
  };
  [[nodiscard]] CacheDigest CacheKey(std::string_view token) const;
  void Remember(Shard& shard, const CacheDigest& key, const AccessClaims& claims, std::int64_t now);

  TokenOptions options_;
  const core::Clock& clock_;
  projections::SigningKeys& keys_;
  core::IdGenerator& ids_;
  core::Key256 refresh_key_;
  core::SecretKey<16> cache_key_;
  std::array<Shard, kShards> shards_;
};

}  // namespace authd::net
