#include "net/login_throttle.hpp"

#include "net/commit.hpp"
#include "net/login_responses.hpp"
#include "net/problems.hpp"

namespace authd::net {

LoginThrottle::LoginThrottle(Services& s, projections::Origin& origin, std::string user_id,
                             std::string name_hash)
    : s_(s), origin_(origin) {
  if (s_.login_guard == nullptr) return;
  origin_.addr = s_.login_guard->AddressHash(origin_.ip);
  attempt_ = {std::move(user_id), std::move(name_hash), origin_.addr};
}

boost::asio::awaitable<std::optional<Response>> LoginThrottle::Admit() {
  if (s_.login_guard == nullptr) co_return std::nullopt;
  auto verdict = s_.login_guard->Check(s_.log, attempt_, s_.clock.NowMicros());
  if (!verdict) co_return ProblemForError(verdict.error());
  if (!verdict->throttled()) co_return std::nullopt;
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s_.login_guard->RecordThrottled(attempt_, *verdict, origin_);
  auto recorded = co_await Commit(s_.log, decide);
  if (!recorded) co_return ProblemForError(recorded.error());
  co_return TooManyAttempts(*verdict, s_.clock.NowMicros());
}

storage::DecideFn LoginThrottle::Guarded(storage::DecideFn inner) const {
  if (s_.login_guard == nullptr) return inner;
  return s_.login_guard->Guard(std::move(inner), attempt_, origin_, verdict_);
}

std::optional<Response> LoginThrottle::Refused() const {
  if (!verdict_->throttled()) return std::nullopt;
  return TooManyAttempts(*verdict_, s_.clock.NowMicros());
}

}  // namespace authd::net
