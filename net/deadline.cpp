#include "net/deadline.hpp"

#include <algorithm>
#include <boost/system/error_code.hpp>
#include <utility>

namespace authd::net::detail {

Deadline::Deadline(const boost::asio::any_io_executor& executor, Clock::duration period)
    : timer_(executor), period_(std::max<Clock::duration>(period, std::chrono::milliseconds(1))) {}

void Deadline::Start(std::weak_ptr<void> owner, std::function<void()> on_expiry) {
  owner_ = std::move(owner);
  on_expiry_ = std::move(on_expiry);
  stopped_ = false;
}

void Deadline::ExpiresAfter(Clock::duration timeout) {
  if (stopped_) return;
  const auto now = Clock::now();
  deadline_ = timeout >= Clock::time_point::max() - now ? Clock::time_point::max() : now + timeout;
  if (deadline_ < armed_for_) Arm(std::min(deadline_, now + period_));
}

void Deadline::ExpiresNever() {
  deadline_ = Clock::time_point::max();
}

void Deadline::Stop() {
  stopped_ = true;
  ++generation_;
  armed_for_ = Clock::time_point::max();
  timer_.cancel();
}

void Deadline::Arm(Clock::time_point at) {
  armed_for_ = at;
  const auto generation = ++generation_;
  timer_.expires_at(at);  // cancels the wait of an earlier Arm
  timer_.async_wait([this, owner = owner_, generation](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: re-armed, stopped or destroyed
    auto alive = owner.lock();
    if (!alive || generation != generation_) return;
    Fire();
  });
}

void Deadline::Fire() {
  armed_for_ = Clock::time_point::max();
  if (stopped_) return;
  const auto now = Clock::now();
  if (now >= deadline_) {
    Stop();
    on_expiry_();
    return;
  }
  Arm(std::min(deadline_, now + period_));
}

}  // namespace authd::net::detail
