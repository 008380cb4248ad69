// Input rules for usernames, emails and passwords (API.md "Password rules"; NIST SP 800-63B
// section 5.1.1.2; OWASP ASVS V2.1). Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace authd::core {

// One per-field problem, rendered by net/ as {"field", "code", "message"}.
struct FieldError {
  std::string field;    // "username", "email", "password", "display_name", ...
  std::string code;     // stable machine string, e.g. "too_short"
  std::string message;  // plain words for people; never echoes the rejected value of a password

  friend bool operator==(const FieldError&, const FieldError&) = default;
};

struct PasswordPolicy {
  std::size_t min_length = 12;   // in Unicode code points
  std::size_t max_length = 128;  // in Unicode code points
};

struct UsernamePolicy {
  // Names only an operator may take (authd user add). Compared after normalization.
  std::set<std::string, std::less<>> reserved = {
      "admin",   "administrator", "root",       "system",     "support",   "security",
      "authd",   "auditor",       "postmaster", "hostmaster", "webmaster", "abuse",
      "noreply", "no-reply",      "help",       "info",       "api",       "www",
      "mail",    "operator",      "superuser",  "sysadmin"};
};

// Lower-cases ASCII. Returns nullopt when the result is not 3..32 of [a-z0-9._-].
[[nodiscard]] std::optional<std::string> NormalizeUsername(std::string_view raw);

// Codes: "required", "too_short", "too_long", "invalid_characters", "reserved" (only when
// allow_reserved is false).
[[nodiscard]] std::vector<FieldError> ValidateUsername(std::string_view raw,
                                                       const UsernamePolicy& policy,
                                                       bool allow_reserved = false);

// Trims nothing (leading/trailing spaces are invalid), lower-cases the whole address (so uniqueness
// is without regard to case). Returns nullopt when not plausible.
[[nodiscard]] std::optional<std::string> NormalizeEmail(std::string_view raw);

// Plausible: one "@", non-empty local part (<= 64 octets) and a domain with a dot, labels of
// [A-Za-z0-9-] not starting or ending with "-", no spaces or control characters, <= 254 octets.
// Codes: "required", "too_long", "invalid_format".
[[nodiscard]] std::vector<FieldError> ValidateEmail(std::string_view raw);

// Codes: "required", "too_short", "too_long", "invalid_encoding" (not UTF-8 or has control
// characters), "common_password" (in the blocklist, also after lower-casing and after stripping
// trailing digits and punctuation, or a single repeated character / simple sequence),
// "contains_username" (case-insensitive).
//
// Lengths count code points (no Unicode normalization); every printable character and space is
// allowed, only C0/DEL/C1 controls are not. "required" and "invalid_encoding" come alone; so does
// "too_long" (nothing else is checked on oversized input). Otherwise "too_short",
// "common_password" and "contains_username" may all be reported, in that order. A "simple
// sequence" is a run of ASCII digits or letters stepping all by +1 or all by -1, wrapping
// 9->0 and z->a ("123456789012", "zyxwvutsrqpo"); a repeated unit of up to 4 code points
// ("abcabcabcabc") or of a common password ("passwordpassword") counts as repetition.
// The stripped core is checked only when at least 3 code points remain ("a" is in the list, but
// "a" + eleven digits passes). contains_username applies only to usernames of 3+ characters.
[[nodiscard]] std::vector<FieldError> ValidatePassword(std::string_view password,
                                                       std::string_view username,
                                                       const PasswordPolicy& policy);

// Display names: optional, at most 64 code points of valid UTF-8 with no control characters.
// Codes: "too_long", "invalid_encoding".
[[nodiscard]] std::vector<FieldError> ValidateDisplayName(std::string_view display_name);

// True when the lower-cased password is in the built-in common-password list (data/ in the repo,
// from Openwall's public-domain password.lst, compiled into the binary).
[[nodiscard]] bool IsCommonPassword(std::string_view lowered);

}  // namespace authd::core
