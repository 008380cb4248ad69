#include "core/recovery_codes.hpp"

#include <sodium.h>

#include <array>
#include <cctype>

#include "core/totp.hpp"

namespace authd::core {
namespace {

constexpr std::size_t kCodeChars = 16;  // 80 bits of base32
constexpr std::size_t kGroup = 4;

bool IsBase32(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

}  // namespace

std::string NewRecoveryCode() {
  std::array<unsigned char, kCodeChars * 5 / 8> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  const std::string plain =
      Base32Encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  sodium_memzero(bytes.data(), bytes.size());
  std::string code;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i > 0 && i % kGroup == 0) code += '-';
    code += static_cast<char>(std::tolower(static_cast<unsigned char>(plain[i])));
  }
  return code;
}

std::optional<std::string> NormalizeRecoveryCode(std::string_view typed) {
  if (typed.size() > 64) return std::nullopt;
  std::string code;
  for (const char c : typed) {
    if (c == '-' || c == ' ') continue;
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!IsBase32(lower)) return std::nullopt;
    code += lower;
  }
  if (code.size() != kCodeChars) return std::nullopt;
  for (std::size_t i = kGroup; i < code.size(); i += kGroup + 1)
    code.insert(i, 1, '-');
  return code;
}

std::string HashRecoveryCode(std::string_view user_id, std::string_view normalized) {
  constexpr std::string_view kDomain = "authd.recovery_code.v1";
  std::array<unsigned char, crypto_generichash_BYTES> digest{};
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, digest.size());
  const auto feed = [&state](std::string_view part) {
    // Length-prefixed so ("ab", "c") and ("a", "bc") never hash alike.
    const auto n = static_cast<unsigned char>(part.size());
    crypto_generichash_update(&state, &n, 1);
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(part.data()),
                              part.size());
  };
  feed(kDomain);
  feed(user_id);
  feed(normalized);
  crypto_generichash_final(&state, digest.data(), digest.size());
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

std::optional<std::size_t> FindRecoveryCode(const std::vector<std::string>& hashes,
                                            std::string_view hash) {
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const auto& h = hashes[i];
    if (h.size() == hash.size() && sodium_memcmp(h.data(), hash.data(), h.size()) == 0) found = i;
  }
  return found;
}

}  // namespace authd::core
