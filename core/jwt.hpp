// Access tokens: compact JWS (RFC 7515) JWTs (RFC 7519) signed with Ed25519 (RFC 8037,
// "alg":"EdDSA"), header {"alg":"EdDSA","typ":"at+jwt","kid":...} (RFC 9068). Verification
// follows RFC 8725: the algorithm is fixed by us, never chosen by the token.
//
// Thread-safety: every function is pure; an Ed25519KeyPair is immutable and may be shared.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/jwt_error.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace authd::core {

using Ed25519Seed = SecretKey<32>;  // RFC 8032 secret key; what the key vault stores (sealed)
using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;

// An Ed25519 signing key. Holds secret material, wiped on destruction.
class Ed25519KeyPair final {
 public:
  // Deterministic: the same seed always gives the same key pair.
  [[nodiscard]] static Ed25519KeyPair FromSeed(const Ed25519Seed& seed);
  // A fresh key from the CSPRNG.
  [[nodiscard]] static Ed25519KeyPair Generate();

  [[nodiscard]] const Ed25519Seed& seed() const { return seed_; }
  [[nodiscard]] const Ed25519PublicKey& public_key() const { return public_key_; }

  // Pure Ed25519 (RFC 8032), deterministic.
  [[nodiscard]] Ed25519Signature Sign(std::span<const std::uint8_t> message) const;
  [[nodiscard]] Ed25519Signature Sign(std::string_view message) const;

 private:
  Ed25519KeyPair() = default;

  Ed25519Seed seed_;
  SecretKey<64> secret_key_;  // libsodium's form: seed || public key
  Ed25519PublicKey public_key_{};
};

// True when `signature` is a valid Ed25519 signature of `message` under `public_key`.
[[nodiscard]] bool VerifyEd25519(const Ed25519PublicKey& public_key, std::string_view message,
                                 const Ed25519Signature& signature);

// Compact JWS: B64(header_json) "." B64(payload) "." B64(Ed25519 signature of the first two parts
// as ASCII), B64 = base64url without padding. Signs the bytes exactly as given.
// WARNING: does not look at the header; it must say "alg":"EdDSA". Use SignJwt for tokens.
[[nodiscard]] std::string SignJws(const Ed25519KeyPair& key, std::string_view header_json,
                                  std::string_view payload);

// An access token: header {"alg":"EdDSA","typ":"at+jwt","kid":kid}, payload = the claims as
// given (the caller sets iss, sub, aud, exp, iat, nbf, jti, ...; exp/nbf/iat as integers).
[[nodiscard]] std::string SignJwt(const Ed25519KeyPair& key, std::string_view kid,
                                  const boost::json::object& claims);

// Returns the public key that may verify tokens carrying `kid`, or nullopt if there is none
// (unknown, or retired past the longest token lifetime). Must be safe to call from any thread.
using JwtKeyLookup = std::function<std::optional<Ed25519PublicKey>(std::string_view kid)>;

struct VerifyOptions {
  // "iss" must be a string equal to this. Default: empty, which matches no token.
  std::string issuer;
  // "aud" must be this string, or an array of strings containing it. Default: empty, which
  // matches no token.
  std::string audience;
  // Current time as a NumericDate (seconds since the epoch), from the injected Clock.
  std::int64_t now_seconds = 0;
  // Clock skew allowed on exp, nbf and iat. Default: 30 seconds.
  std::int64_t leeway_seconds = 30;
  // Longer input fails with kMalformed before anything is decoded. Default: 8 KiB.
  std::size_t max_token_bytes = 8 * 1024;
};

// Verifies a compact JWS access token and returns its claims. Checks, in this order:
//   exactly three canonical base64url parts, header and payload non-empty (kMalformed);
//   header a JSON object with "alg" == "EdDSA" exactly (kUnsupportedAlg for any other string,
//   kBadHeader if missing), "typ" "at+jwt" or "application/at+jwt" in any case, a string "kid",
//   and no "crit" (kBadHeader);
//   a key for kid (kUnknownKid); a 64-byte signature that verifies (kBadSignature);
//   payload a JSON object whose exp, nbf, iat, when present, are integers (kMalformed);
//   exp present and now < exp + leeway (kExpired); nbf and iat <= now + leeway (kNotYetValid);
//   iss (kBadIssuer); aud (kBadAudience).
// The key is chosen only through `lookup` by kid; "jwk", "jku", "x5u" and "x5c" header fields are
// ignored. Nothing in the claims is read before the signature has verified. Duplicate JSON member
// names keep the last one, as RFC 7515 section 5.2 allows.
[[nodiscard]] Result<boost::json::object> VerifyJwt(std::string_view token,
                                                    const JwtKeyLookup& lookup,
                                                    const VerifyOptions& options);

// The public JWK (RFC 8037) for JWKS:
// {"kty":"OKP","crv":"Ed25519","x":B64(pub),"kid":kid,"alg":"EdDSA","use":"sig"}.
[[nodiscard]] boost::json::object JwkFromPublicKey(std::string_view kid,
                                                   const Ed25519PublicKey& public_key);

}  // namespace authd::core
