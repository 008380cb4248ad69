// The brute-force throttle around one login attempt, shared by the password step
// (POST /v1/sessions) and the second factor (POST /v1/sessions/mfa). docs/THROTTLING.md.
//
// Two looks: a cheap one at committed state before any argon2id or code check (Admit), so
// throttled attempts are shed early; and the writer's own (Guarded), so concurrent attempts
// cannot outrun it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/http_types.hpp"
#include "net/services.hpp"
#include "projections/login_guard.hpp"
#include "storage/event_log.hpp"

namespace authd::net {

class LoginThrottle {
 public:
  // `user_id` of the account tried, or empty with the keyed hash of the name tried.
  // Sets origin.addr to the keyed address hash the throttle counts by.
  LoginThrottle(Services& s, projections::Origin& origin, std::string user_id,
                std::string name_hash);

  // The first look. A throttled attempt is recorded (user.login_throttled) and gets its 429;
  // nullopt when the attempt may go on.
  [[nodiscard]] boost::asio::awaitable<std::optional<Response>> Admit();

  // `inner` wrapped in the writer's look: when the attempt is throttled by then, the group
  // records that instead, and Refused() says so afterwards.
  [[nodiscard]] storage::DecideFn Guarded(storage::DecideFn inner) const;

  // 429 when the writer found the attempt throttled (after a Commit of a Guarded decision).
  [[nodiscard]] std::optional<Response> Refused() const;

 private:
  Services& s_;
  projections::Origin& origin_;
  projections::LoginAttempt attempt_;
  std::shared_ptr<projections::ThrottleVerdict> verdict_ =
      std::make_shared<projections::ThrottleVerdict>();
};

}  // namespace authd::net
