// Fuzzes access-token verification (core/jwt.hpp) with one fixed signing key.
//
// Input: a mode byte, then
//   '0' (or any even byte): a token, verified as sent;
//   '1' (or any odd byte):  header JSON, '\n', payload; signed with the fixed key and then
//                           verified, which reaches the claim checks behind the signature.
// Besides not crashing, VerifyJwt may accept a token only if it is byte for byte what SignJws
// makes of that token's own header and payload under the fixed key. Ed25519 is deterministic, so
// anything else accepted is a forgery or a malleable encoding (a second spelling of a signed
// token, e.g. non-canonical base64url or a signature with S + L), and the target aborts.
#include "core/jwt.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "core/hashing.hpp"

namespace {

using authd::core::Ed25519KeyPair;
using authd::core::Ed25519PublicKey;

// 2023-11-14T22:13:20Z: seeds use exp 2000000000 and iat/nbf 1600000000.
constexpr std::int64_t kNow = 1'700'000'000;

const Ed25519KeyPair& Key() {
  static const Ed25519KeyPair key = [] {
    authd::core::Ed25519Seed seed;
    for (std::size_t i = 0; i < authd::core::Ed25519Seed::kSize; ++i)
      seed.data()[i] = static_cast<std::uint8_t>(i);
    return Ed25519KeyPair::FromSeed(seed);
  }();
  return key;
}

// "k1" is the fixed key; every other kid is unknown.
std::optional<Ed25519PublicKey> Lookup(std::string_view kid) {
  if (kid == "k1") return Key().public_key();
  return std::nullopt;
}

// True when `token` is exactly what the fixed key signs for its own header and payload.
bool SignedByUs(std::string_view token) {
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot1 == std::string_view::npos || dot2 == std::string_view::npos) return false;
  std::string header;
  std::string payload;
  if (!authd::core::FromBase64Url(token.substr(0, dot1), header) ||
      !authd::core::FromBase64Url(token.substr(dot1 + 1, dot2 - dot1 - 1), payload)) {
    return false;
  }
  return authd::core::SignJws(Key(), header, payload) == token;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string token;
  if ((data[0] & 1) == 0) {
    token = input;
  } else {
    const auto nl = input.find('\n');
    if (nl == std::string_view::npos) return 0;
    token = authd::core::SignJws(Key(), input.substr(0, nl), input.substr(nl + 1));
  }

  authd::core::VerifyOptions options;
  options.issuer = "authd";
  options.audience = "authd";
  options.now_seconds = kNow;
  auto claims = authd::core::VerifyJwt(token, Lookup, options);
  if (claims && !SignedByUs(token)) std::abort();
  return 0;
}
