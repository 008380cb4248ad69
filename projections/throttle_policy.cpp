#include "projections/throttle_policy.hpp"

#include <algorithm>

namespace authd::projections {

std::string ThrottlePolicy::Problem() const {
  if (pair_free_failures == 0) return "the free failures before backoff must be at least 1";
  if (pair_base_delay <= 0 || pair_max_delay < pair_base_delay)
    return "the backoff delays must be positive, the longest at least the first";
  if (address_limit == 0 || address_limit > kAddressHistory)
    return "the per-address limit must be between 1 and " + std::to_string(kAddressHistory);
  if (address_window <= 0) return "the per-address window must be positive";
  if (account_ceiling == 0 || account_ceiling > 100)
    return "the account ceiling must be between 1 and 100 (NIST SP 800-63B)";
  if (account_lockout <= 0) return "the account lockout must be positive";
  return "";
}

std::string_view ReasonName(ThrottleReason r) {
  switch (r) {
    case ThrottleReason::kBackoff:
      return "backoff";
    case ThrottleReason::kAddressLimit:
      return "address_limit";
    case ThrottleReason::kAccountCeiling:
      return "account_ceiling";
    case ThrottleReason::kNone:
      break;
  }
  return "";
}

std::int64_t ThrottleVerdict::RetryAfterSeconds(core::Micros now) const {
  const core::Micros left = until - now;
  return std::max<std::int64_t>(1, (left + 999'999) / 1'000'000);
}

core::Micros PairBlockedUntil(const PairState& s, const ThrottlePolicy& p) {
  if (s.failures < p.pair_free_failures) return 0;
  const std::uint32_t doublings = std::min<std::uint32_t>(s.failures - p.pair_free_failures, 40);
  core::Micros delay = p.pair_base_delay;
  for (std::uint32_t i = 0; i < doublings && delay < p.pair_max_delay; ++i)
    delay *= 2;
  return s.last_failure_at + std::min(delay, p.pair_max_delay);
}

core::Micros AddressBlockedUntil(const AddressState& s, const ThrottlePolicy& p, core::Micros now) {
  if (s.failures.size() < p.address_limit) return 0;
  // The limit-th latest failure leaves the window at this time; until then the window is full.
  const core::Micros until = s.failures[s.failures.size() - p.address_limit] + p.address_window;
  return until > now ? until : 0;
}

core::Micros AccountBlockedUntil(const AccountState& s, const ThrottlePolicy& p) {
  if (s.failures < p.account_ceiling) return 0;
  return s.last_failure_at + p.account_lockout;
}

ThrottleVerdict Decide(const PairState& pair, const AccountState& account,
                       const AddressState& address, const ThrottlePolicy& p, core::Micros now) {
  ThrottleVerdict v;
  const auto consider = [&](ThrottleReason reason, core::Micros until) {
    if (until > now && until > v.until) v = {reason, until};
  };
  consider(ThrottleReason::kBackoff, PairBlockedUntil(pair, p));
  // An address (or a device behind it) that already logged into this account is not punished
  // for what others do: a stranger cannot lock a user out of their usual places.
  const bool familiar = pair.last_success_at > 0;
  if (!familiar) {
    consider(ThrottleReason::kAddressLimit, AddressBlockedUntil(address, p, now));
    consider(ThrottleReason::kAccountCeiling, AccountBlockedUntil(account, p));
  }
  return v;
}

}  // namespace authd::projections
