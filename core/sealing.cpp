#include "core/sealing.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>

#include "core/error.hpp"
#include "core/sodium_init.hpp"

namespace authd::core {
namespace {

constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::string_view kContext = "authd.seal.v1";
constexpr std::string_view kDataKeyField = "data_key";

static_assert(kNonceBytes == 24 && kTagBytes == 16);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == Key256::kSize);

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* MutableBytes(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

void AppendLength(std::string& out, std::size_t n) {
  const auto v = static_cast<std::uint64_t>(n);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((v >> shift) & 0xFFU));
  }
}

// "authd.seal.v1" 0x00 u64be(len subject) subject 0x00 u64be(len field) field. The length prefixes
// make the framing unambiguous even when subject or field contain NUL bytes, so no two
// (subject, field) pairs share additional data.
std::string AdditionalData(std::string_view subject, std::string_view field) {
  std::string ad;
  ad.reserve(kContext.size() + 2 * (1 + 8) + subject.size() + field.size());
  ad.append(kContext);
  ad.push_back('\0');
  AppendLength(ad, subject.size());
  ad.append(subject);
  ad.push_back('\0');
  AppendLength(ad, field.size());
  ad.append(field);
  return ad;
}

}  // namespace

std::string Seal(const Key256& key, std::string_view subject, std::string_view field,
                 std::string_view plaintext) {
  EnsureSodiumInitialized();
  const std::string ad = AdditionalData(subject, field);
  std::string blob(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  unsigned char* nonce = MutableBytes(blob);
  randombytes_buf(nonce, kNonceBytes);
  unsigned long long cipher_len = 0;
  // Cannot fail for messages below crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX (~256 GiB).
  crypto_aead_xchacha20poly1305_ietf_encrypt(nonce + kNonceBytes, &cipher_len, Bytes(plaintext),
                                             plaintext.size(), Bytes(ad), ad.size(), nullptr, nonce,
                                             key.data());
  return blob;
}

Result<std::string> Open(const Key256& key, std::string_view subject, std::string_view field,
                         std::string_view blob) {
  EnsureSodiumInitialized();
  if (blob.size() < kNonceBytes + kTagBytes) return make_error_code(Errc::kDecryptFailed);
  const std::string ad = AdditionalData(subject, field);
  const std::string_view nonce = blob.substr(0, kNonceBytes);
  const std::string_view sealed = blob.substr(kNonceBytes);
  std::string plaintext(sealed.size() - kTagBytes, '\0');
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(MutableBytes(plaintext), &plain_len, nullptr,
                                                 Bytes(sealed), sealed.size(), Bytes(ad), ad.size(),
                                                 Bytes(nonce), key.data()) != 0) {
    return make_error_code(Errc::kDecryptFailed);
  }
  plaintext.resize(static_cast<std::size_t>(plain_len));
  return plaintext;
}

std::string WrapKey(const Key256& master, std::string_view subject, const Key256& data_key) {
  const auto bytes = data_key.bytes();
  return Seal(master, subject, kDataKeyField,
              std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Result<Key256> UnwrapKey(const Key256& master, std::string_view subject, std::string_view wrapped) {
  auto opened = Open(master, subject, kDataKeyField, wrapped);
  if (!opened) return opened.error();
  std::string& raw = *opened;
  Result<Key256> result = make_error_code(Errc::kDecryptFailed);
  if (raw.size() == Key256::kSize) {
    Key256 key;
    auto out = key.mutable_bytes();
    for (std::size_t i = 0; i < Key256::kSize; ++i) {
      out[i] = static_cast<std::uint8_t>(raw[i]);
    }
    result = key;
  }
  sodium_memzero(raw.data(), raw.size());
  return result;
}

}  // namespace authd::core
