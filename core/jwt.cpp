#include "core/jwt.hpp"

#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <limits>
#include <tuple>
#include <utility>

#include "core/hashing.hpp"
#include "core/sodium_init.hpp"

namespace authd::core {
namespace {

static_assert(crypto_sign_SEEDBYTES == Ed25519Seed::kSize);
static_assert(crypto_sign_PUBLICKEYBYTES == std::tuple_size_v<Ed25519PublicKey>);
static_assert(crypto_sign_SECRETKEYBYTES == 64);
static_assert(crypto_sign_BYTES == std::tuple_size_v<Ed25519Signature>);

constexpr std::string_view kAlg = "EdDSA";
constexpr std::string_view kTyp = "at+jwt";

std::span<const std::uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// RFC 7515 4.1.9 lets "typ" omit the "application/" prefix; RFC 8725 3.11 compares it without
// regard to case.
bool IsAccessTokenType(std::string_view typ) {
  constexpr std::string_view kPrefix = "application/";
  if (typ.size() > kPrefix.size() &&
      EqualsIgnoreAsciiCase(typ.substr(0, kPrefix.size()), kPrefix)) {
    typ.remove_prefix(kPrefix.size());
  }
  return EqualsIgnoreAsciiCase(typ, kTyp);
}

std::optional<boost::json::object> ParseObject(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

std::string_view View(const boost::json::string& s) {
  return {s.data(), s.size()};
}

enum class ClaimState { kAbsent, kPresent, kBadType };

// exp, nbf and iat must be integral NumericDates (RFC 7519 allows fractions; we never issue
// them, so a fraction means the token is not ours).
ClaimState ReadNumericDate(const boost::json::object& claims, std::string_view name,
                           std::int64_t& out) {
  const boost::json::value* v = claims.if_contains(name);
  if (v == nullptr) return ClaimState::kAbsent;
  if (v->is_int64()) {
    out = v->get_int64();
    return ClaimState::kPresent;
  }
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    out = static_cast<std::int64_t>(v->get_uint64());
    return ClaimState::kPresent;
  }
  return ClaimState::kBadType;
}

bool AudienceMatches(const boost::json::value* aud, std::string_view expected) {
  if (aud == nullptr || expected.empty()) return false;
  if (aud->is_string()) return View(aud->get_string()) == expected;
  if (!aud->is_array()) return false;
  for (const boost::json::value& entry : aud->get_array()) {
    if (entry.is_string() && View(entry.get_string()) == expected) return true;
  }
  return false;
}

ErrorCode Fail(JwtErrc e) {
  return make_error_code(e);
}

}  // namespace

Ed25519KeyPair Ed25519KeyPair::FromSeed(const Ed25519Seed& seed) {
  EnsureSodiumInitialized();
  Ed25519KeyPair pair;
  pair.seed_ = seed;
  crypto_sign_seed_keypair(pair.public_key_.data(), pair.secret_key_.data(), seed.data());
  return pair;
}

Ed25519KeyPair Ed25519KeyPair::Generate() {
  EnsureSodiumInitialized();
  return FromSeed(Ed25519Seed::Random());
}

Ed25519Signature Ed25519KeyPair::Sign(std::span<const std::uint8_t> message) const {
  Ed25519Signature signature{};
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                       secret_key_.data());
  return signature;
}

Ed25519Signature Ed25519KeyPair::Sign(std::string_view message) const {
  return Sign(AsBytes(message));
}

bool VerifyEd25519(const Ed25519PublicKey& public_key, std::string_view message,
                   const Ed25519Signature& signature) {
  EnsureSodiumInitialized();
  const auto bytes = AsBytes(message);
  // libsodium rejects non-canonical S and small-order public keys and R values.
  return crypto_sign_verify_detached(signature.data(), bytes.data(), bytes.size(),
                                     public_key.data()) == 0;
}

std::string SignJws(const Ed25519KeyPair& key, std::string_view header_json,
                    std::string_view payload) {
  std::string token = ToBase64Url(AsBytes(header_json));
  token.push_back('.');
  token.append(ToBase64Url(AsBytes(payload)));
  const Ed25519Signature signature = key.Sign(token);
  token.push_back('.');
  token.append(ToBase64Url(signature));
  return token;
}

std::string SignJwt(const Ed25519KeyPair& key, std::string_view kid,
                    const boost::json::object& claims) {
  boost::json::object header;
  header["alg"] = kAlg;
  header["typ"] = kTyp;
  header["kid"] = kid;
  return SignJws(key, boost::json::serialize(header), boost::json::serialize(claims));
}

Result<boost::json::object> VerifyJwt(std::string_view token, const JwtKeyLookup& lookup,
                                      const VerifyOptions& options) {
  // --- shape: B64.B64.B64, canonical base64url, nothing else. An empty signature passes this
  // step so that {"alg":"none"} tokens are reported as what they are (kUnsupportedAlg).
  if (token.size() > options.max_token_bytes) return Fail(JwtErrc::kMalformed);
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Fail(JwtErrc::kMalformed);
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Fail(JwtErrc::kMalformed);
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);
  std::string header_json;
  std::string payload_json;
  std::string signature_raw;
  if (header_b64.empty() || payload_b64.empty() || !FromBase64Url(header_b64, header_json) ||
      !FromBase64Url(payload_b64, payload_json) || !FromBase64Url(signature_b64, signature_raw)) {
    return Fail(JwtErrc::kMalformed);
  }

  // --- header: the algorithm is ours to choose, not the token's (RFC 8725 2.1, 3.1).
  const auto header = ParseObject(header_json);
  if (!header) return Fail(JwtErrc::kBadHeader);
  const boost::json::value* alg = header->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) return Fail(JwtErrc::kBadHeader);
  if (View(alg->get_string()) != kAlg) return Fail(JwtErrc::kUnsupportedAlg);
  const boost::json::value* typ = header->if_contains("typ");
  if (typ == nullptr || !typ->is_string() || !IsAccessTokenType(View(typ->get_string()))) {
    return Fail(JwtErrc::kBadHeader);
  }
  // We understand no extension, so any "crit" must be rejected (RFC 7515 4.1.11).
  if (header->contains("crit")) return Fail(JwtErrc::kBadHeader);
  const boost::json::value* kid = header->if_contains("kid");
  if (kid == nullptr || !kid->is_string()) return Fail(JwtErrc::kBadHeader);

  // --- signature over the ASCII of "header.payload" exactly as received.
  if (!lookup) return Fail(JwtErrc::kUnknownKid);
  const std::optional<Ed25519PublicKey> public_key = lookup(View(kid->get_string()));
  if (!public_key) return Fail(JwtErrc::kUnknownKid);
  if (signature_raw.size() != std::tuple_size_v<Ed25519Signature>) {
    return Fail(JwtErrc::kBadSignature);
  }
  Ed25519Signature signature{};
  for (std::size_t i = 0; i < signature.size(); ++i) {
    signature[i] = static_cast<std::uint8_t>(signature_raw[i]);
  }
  if (!VerifyEd25519(*public_key, token.substr(0, dot2), signature)) {
    return Fail(JwtErrc::kBadSignature);
  }

  // --- claims (signed by us from here on, but still checked strictly).
  auto claims = ParseObject(payload_json);
  if (!claims) return Fail(JwtErrc::kMalformed);
  std::int64_t exp = 0;
  std::int64_t nbf = 0;
  std::int64_t iat = 0;
  const ClaimState exp_state = ReadNumericDate(*claims, "exp", exp);
  const ClaimState nbf_state = ReadNumericDate(*claims, "nbf", nbf);
  const ClaimState iat_state = ReadNumericDate(*claims, "iat", iat);
  if (exp_state == ClaimState::kBadType || nbf_state == ClaimState::kBadType ||
      iat_state == ClaimState::kBadType) {
    return Fail(JwtErrc::kMalformed);
  }
  // Written so that no token-controlled value takes part in an addition that could overflow.
  const std::int64_t earliest = options.now_seconds - options.leeway_seconds;
  const std::int64_t latest = options.now_seconds + options.leeway_seconds;
  // An access token without exp would live forever: treat it as expired.
  if (exp_state == ClaimState::kAbsent || exp <= earliest) return Fail(JwtErrc::kExpired);
  if ((nbf_state == ClaimState::kPresent && nbf > latest) ||
      (iat_state == ClaimState::kPresent && iat > latest)) {
    return Fail(JwtErrc::kNotYetValid);
  }
  const boost::json::value* iss = claims->if_contains("iss");
  if (options.issuer.empty() || iss == nullptr || !iss->is_string() ||
      View(iss->get_string()) != options.issuer) {
    return Fail(JwtErrc::kBadIssuer);
  }
  if (!AudienceMatches(claims->if_contains("aud"), options.audience)) {
    return Fail(JwtErrc::kBadAudience);
  }
  return std::move(*claims);
}

boost::json::object JwkFromPublicKey(std::string_view kid, const Ed25519PublicKey& public_key) {
  boost::json::object jwk;
  jwk["kty"] = "OKP";
  jwk["crv"] = "Ed25519";
  jwk["x"] = ToBase64Url(public_key);
  jwk["kid"] = kid;
  jwk["alg"] = kAlg;
  jwk["use"] = "sig";
  return jwk;
}

}  // namespace authd::core
