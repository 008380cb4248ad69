// Domain errors of authd::core. Translated to HTTP status and problem codes in one table in net/.
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace authd::core {

enum class Errc {
  kOk = 0,
  kValidationFailed,    // input breaks a rule; field errors travel separately
  kUsernameTaken,       // uniqueness of the normalized username
  kEmailTaken,          // uniqueness of the normalized email
  kNotFound,            // no such user/session/key (or the caller may not know it exists)
  kInvalidCredentials,  // wrong password, unknown or deleted user: one answer for all three
  kAccountDisabled,     // correct password, account disabled
  kForbidden,           // authenticated but not allowed
  kLastAdmin,           // the last admin cannot lose the admin role
  kConflict,            // expected version did not match, or the state forbids the change
  kCorruptRecord,       // bytes that do not decode as an event
  kDecryptFailed,       // sealed field failed authentication (tampered or wrong key)
  kKeyErased,           // the subject's data key was destroyed
  kCryptoFailure,       // libsodium refused (out of memory for argon2id, ...)
  kInvalidMfaCode,      // a second-factor code that is wrong, already used, or MFA is off
};

const boost::system::error_category& CoreCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {  // NOLINT: ADL hook name
  return {static_cast<int>(e), CoreCategory()};
}

}  // namespace authd::core

template <>
struct boost::system::is_error_code_enum<authd::core::Errc> : std::true_type {};
