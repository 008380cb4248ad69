// One-time passwords for the second factor: HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA-1,
// 6 digits and 30-second steps, which is what authenticator apps accept from an otpauth:// URI.
// Secrets are 160 random bits (RFC 4226 section 4), shown to the user in base32 (RFC 4648).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authd::core {

inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpPeriodSeconds = 30;
inline constexpr std::size_t kTotpSecretBytes = 20;

// RFC 4226 HOTP value of `counter`: dynamic truncation of HMAC-SHA-1(secret, counter), modulo
// 10^digits (digits 6 to 8).
[[nodiscard]] std::uint32_t Hotp(std::string_view secret, std::uint64_t counter,
                                 int digits = kTotpDigits);

// The code as the user types it: zero-padded to `digits`.
[[nodiscard]] std::string FormatOtp(std::uint32_t value, int digits = kTotpDigits);

// The TOTP time step of a Unix time (floor(unix_seconds / period)).
[[nodiscard]] std::uint64_t TotpStep(std::int64_t unix_seconds,
                                     std::int64_t period = kTotpPeriodSeconds);

// The step whose code equals `code`, trying the current step and then the previous one (a code
// typed just before the boundary), never a future step. nullopt when `code` is not exactly
// `digits` ASCII digits or matches neither. Compared in constant time. Callers reject a step at
// or below the last one accepted, so each code works once.
[[nodiscard]] std::optional<std::uint64_t> MatchTotp(std::string_view secret, std::string_view code,
                                                     std::int64_t unix_seconds);

// 20 bytes from the CSPRNG.
[[nodiscard]] std::string NewTotpSecret();

// RFC 4648 base32, upper case, no padding (the otpauth:// `secret` parameter).
[[nodiscard]] std::string Base32Encode(std::string_view bytes);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30, with
// the label and issuer percent-encoded (Google Authenticator's key URI format).
[[nodiscard]] std::string OtpauthUri(std::string_view issuer, std::string_view account,
                                     std::string_view secret);

}  // namespace authd::core
