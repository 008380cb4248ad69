// Errors of access-token verification (core/jwt.hpp). net/ maps kExpired to "token_expired" and
// every other code to "invalid_token"; the detail stays in logs.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace authd::core {

enum class JwtErrc {
  kOk = 0,
  kMalformed,  // not three base64url parts, too long, payload not a JSON object, bad claim type
  kBadHeader,  // header not a JSON object, or alg/typ/kid missing or wrong type, or has "crit"
  kUnsupportedAlg,  // alg is anything but "EdDSA" ("none", "HS256", "RS256", ...)
  kUnknownKid,      // no verification key under this kid
  kBadSignature,    // the Ed25519 signature does not verify
  kExpired,         // exp is in the past (beyond the leeway), or missing
  kNotYetValid,     // nbf or iat is in the future (beyond the leeway)
  kBadIssuer,       // iss missing or not the expected issuer
  kBadAudience,     // aud missing or does not name the expected audience
};

const boost::system::error_category& JwtCategory() noexcept;

inline boost::system::error_code make_error_code(JwtErrc e) noexcept {  // NOLINT: ADL hook name
  return {static_cast<int>(e), JwtCategory()};
}

}  // namespace authd::core

template <>
struct boost::system::is_error_code_enum<authd::core::JwtErrc> : std::true_type {};
