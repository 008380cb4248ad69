// Login throttling policy: turns the facts in the throttle projection into "blocked until".
// Pure functions of state and time; docs/THROTTLING.md explains the rules and defaults.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "projections/throttle_table.hpp"

namespace authd::projections {

struct ThrottlePolicy {
  // Consecutive failures of one account from one address before backoff starts. Default: 5.
  std::uint32_t pair_free_failures = 5;
  // Backoff after the first failure beyond the free ones; doubles with each further failure.
  // Default: 1 s.
  core::Micros pair_base_delay = 1'000'000;
  // Longest backoff. Default: 15 minutes.
  core::Micros pair_max_delay = 15LL * 60 * 1'000'000;
  // Failed logins from one address, across all accounts, within address_window, beyond which
  // the address waits (addresses a user already logged in from are exempt for that user).
  // At most kAddressHistory. Default: 30 in 10 minutes.
  std::uint32_t address_limit = 30;
  core::Micros address_window = 10LL * 60 * 1'000'000;
  // Consecutive failures of one account (all addresses) after which addresses that never logged
  // into it successfully wait account_lockout after each further failure. NIST SP 800-63B
  // 5.2.2: at most 100. Default: 100 and 1 hour.
  std::uint32_t account_ceiling = 100;
  core::Micros account_lockout = 3600LL * 1'000'000;

  // "" when valid, else what is wrong.
  [[nodiscard]] std::string Problem() const;
};

enum class ThrottleReason { kNone, kBackoff, kAddressLimit, kAccountCeiling };

// "backoff", "address_limit", "account_ceiling" ("" for kNone).
[[nodiscard]] std::string_view ReasonName(ThrottleReason r);

struct ThrottleVerdict {
  ThrottleReason reason = ThrottleReason::kNone;
  core::Micros until = 0;  // blocked before this time

  [[nodiscard]] bool throttled() const { return reason != ThrottleReason::kNone; }
  // Whole seconds to wait from `now`, at least 1 (for Retry-After).
  [[nodiscard]] std::int64_t RetryAfterSeconds(core::Micros now) const;
};

// 0 when not blocked.
[[nodiscard]] core::Micros PairBlockedUntil(const PairState& s, const ThrottlePolicy& p);
[[nodiscard]] core::Micros AddressBlockedUntil(const AddressState& s, const ThrottlePolicy& p,
                                               core::Micros now);
[[nodiscard]] core::Micros AccountBlockedUntil(const AccountState& s, const ThrottlePolicy& p);

// The verdict for one attempt at `now`: the longest block that applies.
[[nodiscard]] ThrottleVerdict Decide(const PairState& pair, const AccountState& account,
                                     const AddressState& address, const ThrottlePolicy& p,
                                     core::Micros now);

}  // namespace authd::projections
