#include "core/hashing.hpp"

#include <sodium.h>

#include <utility>

#include "core/sodium_init.hpp"

namespace authd::core {
namespace {

constexpr auto kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

static_assert(sizeof(Digest) >= crypto_generichash_BYTES_MIN &&
              sizeof(Digest) <= crypto_generichash_BYTES_MAX);
static_assert(Key256::kSize >= crypto_generichash_KEYBYTES_MIN &&
              Key256::kSize <= crypto_generichash_KEYBYTES_MAX);

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

Digest ChainHash(const Digest& prev, std::string_view record) {
  EnsureSodiumInitialized();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof(Digest));
  crypto_generichash_update(&state, prev.data(), prev.size());
  crypto_generichash_update(&state, Bytes(record), record.size());
  Digest out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

Digest KeyedHash(const Key256& key, std::string_view kind, std::string_view value) {
  EnsureSodiumInitialized();
  crypto_generichash_state state;
  crypto_generichash_init(&state, key.data(), Key256::kSize, sizeof(Digest));
  crypto_generichash_update(&state, Bytes(kind), kind.size());
  const unsigned char separator = 0;
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(&state, Bytes(value), value.size());
  Digest out{};
  crypto_generichash_final(&state, out.data(), out.size());
  // The state holds key-derived material.
  sodium_memzero(&state, sizeof(state));
  return out;
}

std::string ToHex(std::span<const std::uint8_t> bytes) {
  // sodium_bin2hex writes a terminating NUL: give it room, then drop it.
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.resize(bytes.size() * 2);
  return out;
}

std::string ToBase64Url(std::span<const std::uint8_t> bytes) {
  // sodium_base64_ENCODED_LEN counts the terminating NUL.
  const std::size_t encoded_len = sodium_base64_ENCODED_LEN(bytes.size(), kVariant);
  std::string out(encoded_len, '\0');
  sodium_bin2base64(out.data(), out.size(), bytes.data(), bytes.size(), kVariant);
  out.resize(encoded_len - 1);
  return out;
}

bool FromBase64Url(std::string_view text, std::string& out) {
  // Every 4 characters decode to at most 3 bytes; +3 covers a partial last group.
  std::string decoded(text.size() / 4 * 3 + 3, '\0');
  std::size_t decoded_len = 0;
  const char* end = nullptr;
  // No ignore set: any character outside the URL-safe alphabet (padding "=", "+", "/", spaces,
  // newlines) stops decoding, and we then require that decoding consumed everything. libsodium
  // also rejects non-zero unused bits in the last character, so every byte string has exactly one
  // accepted encoding.
  const int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                                   text.data(), text.size(), nullptr, &decoded_len, &end, kVariant);
  if (rc != 0 || end != text.data() + text.size()) return false;
  decoded.resize(decoded_len);
  out = std::move(decoded);
  return true;
}

}  // namespace authd::core
