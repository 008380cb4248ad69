// Login throttling in the write path. The handler asks Check() before spending argon2id (to shed
// throttled attempts cheaply, from committed state), and wraps the login's decision in Guard(),
// which asks again on the writer thread against the state of the group being built, so
// concurrent attempts cannot outrun the throttle. A refused attempt is recorded as
// user.login_throttled (which changes no throttle state).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/secret.hpp"
#include "projections/address_book.hpp"
#include "projections/throttle_policy.hpp"
#include "projections/user_commands.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

// Who is trying to log in, as the throttle sees it.
struct LoginAttempt {
  std::string user_id;    // "" when the name matches no account
  std::string name_hash;  // UserCommands::AttemptedNameHash, used when user_id is ""
  std::string addr;       // LoginGuard::AddressHash of the client address ("" = none)

  [[nodiscard]] std::string Account() const {
    return user_id.empty() ? AccountOfName(name_hash) : AccountOfUser(user_id);
  }
};

// The address the throttle counts: IPv4 as is (also when mapped into IPv6), IPv6 as its /64
// ("2001:db8:1:2::/64"); anything else (not an address) as is.
[[nodiscard]] std::string ThrottledAddress(std::string_view ip);

// Thread-safe; the decisions it returns copy what they need and may outlive it.
class LoginGuard {
 public:
  // `address_key` keys the address pseudonyms; `book` (optional, may be null) remembers which
  // address each pseudonym stands for, in memory only, for the security view.
  // With `enforce` off nothing is ever throttled, but login events still carry the address
  // pseudonym, so the monitor keeps seeing addresses.
  LoginGuard(const core::Key256& address_key, ThrottlePolicy policy, AddressBook* book = nullptr,
             bool enforce = true)
      : address_key_(address_key), policy_(policy), book_(book), enforce_(enforce) {}

  // The pseudonym of a client address (hex of a keyed hash of ThrottledAddress(ip)), "" for "".
  [[nodiscard]] std::string AddressHash(std::string_view ip) const;

  // The verdict from committed state. Errors: storage errors.
  [[nodiscard]] Result<ThrottleVerdict> Check(const storage::EventLog& log,
                                              const LoginAttempt& attempt, core::Micros now) const;

  // Runs `inner` unless the attempt is throttled at the group's commit time; then appends
  // user.login_throttled instead and sets *verdict. inner's errors pass through.
  [[nodiscard]] storage::DecideFn Guard(storage::DecideFn inner, LoginAttempt attempt,
                                        Origin origin,
                                        std::shared_ptr<ThrottleVerdict> verdict) const;

  // Appends user.login_throttled for an attempt Check() already refused.
  [[nodiscard]] storage::DecideFn RecordThrottled(LoginAttempt attempt, ThrottleVerdict verdict,
                                                  Origin origin) const;

  [[nodiscard]] const ThrottlePolicy& policy() const { return policy_; }

 private:
  core::Key256 address_key_;
  ThrottlePolicy policy_;
  AddressBook* book_;
  bool enforce_;
};

}  // namespace authd::projections
