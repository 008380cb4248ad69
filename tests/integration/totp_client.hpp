// What an authenticator app does with authd's otpauth:// URI, written for the tests without any
// of authd's code: parse the URI, base32-decode the secret, compute RFC 6238 codes with
// OpenSSL's HMAC-SHA-1 and RFC 4226 dynamic truncation, from the system time.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <thread>

namespace authd::test {

struct OtpauthUri {
  std::string type;   // "totp"
  std::string label;  // percent-decoded "issuer:account"
  std::map<std::string, std::string> params;
};

inline std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

inline std::optional<OtpauthUri> ParseOtpauth(std::string_view uri) {
  constexpr std::string_view kScheme = "otpauth://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  uri.remove_prefix(kScheme.size());
  OtpauthUri out;
  const auto slash = uri.find('/');
  const auto query = uri.find('?');
  if (slash == std::string_view::npos || query == std::string_view::npos) return std::nullopt;
  out.type = std::string(uri.substr(0, slash));
  out.label = PercentDecode(uri.substr(slash + 1, query - slash - 1));
  std::string_view rest = uri.substr(query + 1);
  while (!rest.empty()) {
    const auto amp = std::min(rest.find('&'), rest.size());
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) {
      out.params[std::string(pair.substr(0, eq))] = PercentDecode(pair.substr(eq + 1));
    }
    rest.remove_prefix(std::min(amp + 1, rest.size()));
  }
  return out;
}

// RFC 4648 base32 (upper or lower case, padding optional).
inline std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') break;
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a';
    if (c >= '2' && c <= '7') v = c - '2' + 26;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

inline std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The 6-digit code of time step `step`.
inline std::string TotpAt(const std::string& key, std::int64_t step) {
  unsigned char counter[8];
  for (int i = 7; i >= 0; --i) {
    counter[i] = static_cast<unsigned char>(step & 0xFF);
    step >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), counter, sizeof counter, mac,
       &mac_len);
  const int offset = mac[mac_len - 1] & 0x0F;
  const std::uint32_t binary = ((mac[offset] & 0x7Fu) << 24) | (mac[offset + 1] << 16) |
                               (mac[offset + 2] << 8) | mac[offset + 3];
  std::string code = std::to_string(binary % 1'000'000);
  return std::string(6 - code.size(), '0') + code;
}

inline std::int64_t CurrentStep() {
  return UnixNow() / 30;
}

// Waits (at most 6 s) until at least 6 s are left in the current step, so that a code computed
// now is still the server's current or previous step when the request arrives.
inline void WaitForFreshStep() {
  while (30 - UnixNow() % 30 < 6) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace authd::test
