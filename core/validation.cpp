#include "core/validation.hpp"

#include <span>
#include <string>
#include <unordered_set>
#include <utility>

#include "core/utf8.hpp"

namespace authd::core {

// Generated at build time from data/common-passwords.txt (cmake/EmbedPasswordList.cmake).
extern const std::span<const std::string_view> kCommonPasswords;

namespace {

constexpr std::size_t kUsernameMin = 3;
constexpr std::size_t kUsernameMax = 32;
constexpr std::size_t kEmailMax = 254;       // RFC 5321 path limit minus the angle brackets
constexpr std::size_t kEmailLocalMax = 64;   // RFC 5321 4.5.3.1.1
constexpr std::size_t kDomainLabelMax = 63;  // RFC 1035
constexpr std::size_t kDisplayNameMax = 64;
// A username shorter than this is not looked for inside passwords: "ab" would match far too much.
constexpr std::size_t kUsernameInPasswordMin = 3;
// A password that is one unit of up to this many code points repeated ("abcabcabcabc") is weak.
constexpr std::size_t kMaxRepeatedUnit = 4;
// Strings (whole passwords or the core left after stripping trailing digits and punctuation)
// shorter than this are not tested for repetition or sequences, and a core this short is not
// looked up in the list either: the list holds "a", yet "a" + eleven random digits is neither
// "a common password" nor "a repeated character".
constexpr std::size_t kMinPatternCore = 3;

bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAsciiLower(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsAsciiAlnum(char c) {
  return IsAsciiDigit(c) || IsAsciiLower(c) || (c >= 'A' && c <= 'Z');
}
char ToLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = ToLowerAscii(c);
  }
  return out;
}

bool IsUsernameChar(char c) {
  return IsAsciiAlnum(c) || c == '.' || c == '_' || c == '-';
}

FieldError Error(std::string_view field, std::string_view code, std::string message) {
  return FieldError{std::string(field), std::string(code), std::move(message)};
}

// ---- passwords --------------------------------------------------------------------------------

const std::unordered_set<std::string_view>& CommonPasswordSet() {
  static const std::unordered_set<std::string_view> set(kCommonPasswords.begin(),
                                                        kCommonPasswords.end());
  return set;
}

// True when `s` is a shorter unit repeated at least twice and that unit is at most
// kMaxRepeatedUnit code points or is itself a common password ("passwordpassword"). UTF-8 is a
// prefix code, so a string is periodic in code points exactly when it is periodic in bytes.
bool IsRepeatedUnit(std::string_view s) {
  const std::size_t n = s.size();
  for (std::size_t period = 1; period <= n / 2; ++period) {
    if (n % period != 0) continue;
    bool periodic = true;
    for (std::size_t i = period; i < n && periodic; ++i) {
      periodic = s[i] == s[i - period];
    }
    if (!periodic) continue;
    const std::string_view unit = s.substr(0, period);
    // The smallest period decides: a longer one would only repeat this unit.
    return ScanUtf8(unit).code_points <= kMaxRepeatedUnit || IsCommonPassword(unit);
  }
  return false;
}

// True when every character steps by +1 (or every one by -1) from the one before, all digits or
// all letters: "123456789012", "zyxwvutsrqpo", "cdefghijklmn". The runs wrap around (9 -> 0,
// z -> a), because keyboards and habits continue "1234567890" with "12...", and a run that wraps
// is no harder to guess than one that does not. Letters were lower-cased before.
bool IsSequence(std::string_view s) {
  if (s.size() < 2) return false;
  const bool digits = IsAsciiDigit(s[0]);
  const bool letters = IsAsciiLower(s[0]);
  if (!digits && !letters) return false;
  const int modulus = digits ? 10 : 26;
  const char base = digits ? '0' : 'a';
  int direction = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (digits ? !IsAsciiDigit(s[i]) : !IsAsciiLower(s[i])) return false;
    const int step = ((s[i] - base) - (s[i - 1] - base) + modulus) % modulus;
    int this_direction = 0;
    if (step == 1) {
      this_direction = 1;
    } else if (step == modulus - 1) {
      this_direction = -1;
    } else {
      return false;
    }
    if (direction != 0 && direction != this_direction) return false;
    direction = this_direction;
  }
  return true;
}

bool IsTrailingFiller(char c) {
  // ASCII digits, punctuation and space: what people append to a word to satisfy old rules.
  return IsAsciiDigit(c) || c == ' ' || (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
         (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

bool IsSimplePattern(std::string_view s) {
  return IsRepeatedUnit(s) || IsSequence(s);
}

// The "common_password" rule: the password, or what is left after stripping trailing digits,
// punctuation and spaces ("password1234!" -> "password"), is in the list or is a simple pattern.
bool IsGuessable(std::string_view lowered) {
  if (IsCommonPassword(lowered)) return true;
  if (ScanUtf8(lowered).code_points >= kMinPatternCore && IsSimplePattern(lowered)) return true;
  std::string_view core = lowered;
  while (!core.empty() && IsTrailingFiller(core.back()))
    core.remove_suffix(1);
  if (core.size() == lowered.size() || ScanUtf8(core).code_points < kMinPatternCore) return false;
  return IsCommonPassword(core) || IsSimplePattern(core);
}

// ---- emails -----------------------------------------------------------------------------------

// RFC 5322 atext (the characters HTML's type=email accepts in the local part).
bool IsLocalPartChar(char c) {
  if (IsAsciiAlnum(c)) return true;
  constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-.";
  return kSpecials.find(c) != std::string_view::npos;
}

bool IsPlausibleLocalPart(std::string_view local) {
  if (local.empty() || local.size() > kEmailLocalMax) return false;
  for (char c : local) {
    if (!IsLocalPartChar(c)) return false;
  }
  // RFC 5321 dot-string: no leading, trailing or doubled dots.
  return local.front() != '.' && local.back() != '.' && local.find("..") == std::string_view::npos;
}

bool IsPlausibleDomain(std::string_view domain) {
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    const std::size_t dot = domain.find('.');
    const std::string_view label = domain.substr(0, dot);
    if (label.empty() || label.size() > kDomainLabelMax) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsAsciiAlnum(c) && c != '-') return false;
    }
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  bool numeric_tld = true;
  for (char c : last) {
    numeric_tld = numeric_tld && IsAsciiDigit(c);
  }
  // At least one dot, and a top-level label that is not all digits (rules out bare IPv4).
  return labels >= 2 && !numeric_tld;
}

bool IsPlausibleEmail(std::string_view email) {
  const std::size_t at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return IsPlausibleLocalPart(email.substr(0, at)) && IsPlausibleDomain(email.substr(at + 1));
}

}  // namespace

bool IsCommonPassword(std::string_view lowered) {
  return CommonPasswordSet().contains(lowered);
}

std::optional<std::string> NormalizeUsername(std::string_view raw) {
  if (raw.size() < kUsernameMin || raw.size() > kUsernameMax) return std::nullopt;
  for (char c : raw) {
    if (!IsUsernameChar(c)) return std::nullopt;
  }
  return LowerAscii(raw);
}

std::vector<FieldError> ValidateUsername(std::string_view raw, const UsernamePolicy& policy,
                                         bool allow_reserved) {
  constexpr std::string_view kField = "username";
  std::vector<FieldError> errors;
  if (raw.empty()) {
    errors.push_back(Error(kField, "required", "a username is required"));
    return errors;
  }
  bool bad_chars = false;
  for (char c : raw) {
    bad_chars = bad_chars || !IsUsernameChar(c);
  }
  if (bad_chars) {
    errors.push_back(Error(kField, "invalid_characters",
                           "may contain only letters a-z, digits, '.', '_' and '-'"));
  }
  // Count characters as people see them, even when some are not allowed.
  const Utf8Scan scan = ScanUtf8(raw);
  const std::size_t length = scan.valid ? scan.code_points : raw.size();
  if (length < kUsernameMin) {
    errors.push_back(Error(kField, "too_short", "must be at least 3 characters"));
  } else if (length > kUsernameMax) {
    errors.push_back(Error(kField, "too_long", "must be at most 32 characters"));
  }
  if (!errors.empty() || allow_reserved) return errors;
  const auto normalized = NormalizeUsername(raw);
  if (normalized && policy.reserved.contains(*normalized)) {
    errors.push_back(Error(kField, "reserved", "this username is reserved"));
  }
  return errors;
}

std::optional<std::string> NormalizeEmail(std::string_view raw) {
  if (!ValidateEmail(raw).empty()) return std::nullopt;
  return LowerAscii(raw);
}

std::vector<FieldError> ValidateEmail(std::string_view raw) {
  constexpr std::string_view kField = "email";
  std::vector<FieldError> errors;
  if (raw.empty()) {
    errors.push_back(Error(kField, "required", "an email address is required"));
  } else if (raw.size() > kEmailMax) {
    errors.push_back(Error(kField, "too_long", "must be at most 254 characters"));
  } else if (!IsPlausibleEmail(raw)) {
    errors.push_back(Error(kField, "invalid_format", "is not a valid email address"));
  }
  return errors;
}

std::vector<FieldError> ValidatePassword(std::string_view password, std::string_view username,
                                         const PasswordPolicy& policy) {
  constexpr std::string_view kField = "password";
  // WARNING: no message below may include the password or any part of it.
  std::vector<FieldError> errors;
  if (password.empty()) {
    errors.push_back(Error(kField, "required", "a password is required"));
    return errors;
  }
  const Utf8Scan scan = ScanUtf8(password);
  if (!scan.valid || scan.has_control) {
    errors.push_back(
        Error(kField, "invalid_encoding", "must be valid UTF-8 text without control characters"));
    return errors;
  }
  if (scan.code_points > policy.max_length) {
    errors.push_back(Error(kField, "too_long",
                           "must be at most " + std::to_string(policy.max_length) + " characters"));
    return errors;
  }
  if (scan.code_points < policy.min_length) {
    errors.push_back(
        Error(kField, "too_short",
              "must be at least " + std::to_string(policy.min_length) + " characters"));
  }
  const std::string lowered = LowerAscii(password);
  if (IsGuessable(lowered)) {
    errors.push_back(
        Error(kField, "common_password", "is too common or too easy to guess; choose another"));
  }
  const std::string lowered_username = LowerAscii(username);
  if (lowered_username.size() >= kUsernameInPasswordMin &&
      lowered.find(lowered_username) != std::string::npos) {
    errors.push_back(Error(kField, "contains_username", "must not contain the username"));
  }
  return errors;
}

std::vector<FieldError> ValidateDisplayName(std::string_view display_name) {
  constexpr std::string_view kField = "display_name";
  std::vector<FieldError> errors;
  const Utf8Scan scan = ScanUtf8(display_name);
  if (!scan.valid || scan.has_control) {
    errors.push_back(
        Error(kField, "invalid_encoding", "must be valid UTF-8 text without control characters"));
  } else if (scan.code_points > kDisplayNameMax) {
    errors.push_back(Error(kField, "too_long", "must be at most 64 characters"));
  }
  return errors;
}

}  // namespace authd::core
