// Checks a user's second-factor codes against their sealed TOTP secret and recovery-code hashes.
// These are the cheap early checks; the writer checks again that the step or code was not spent
// meanwhile (projections::SessionCommands::Login, UserCommands::DisableTotp).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.hpp"
#include "net/services.hpp"
#include "projections/user_record.hpp"

namespace authd::net {

// The TOTP step `code` matches (current or previous step), later than the last one accepted.
// Errors: kInvalidMfaCode; storage errors; kKeyErased.
[[nodiscard]] Result<std::uint64_t> MatchUserTotp(const Services& s,
                                                  const projections::UserRecord& user,
                                                  std::string_view code);

// The position of an unused recovery code equal to `typed`. Errors: as MatchUserTotp.
[[nodiscard]] Result<std::uint32_t> MatchRecoveryCode(const Services& s,
                                                      const projections::UserRecord& user,
                                                      std::string_view typed);

}  // namespace authd::net
