// Internal to net/: one deadline per connection, kept by one lazy timer.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace authd::net::detail {

// Beast's tcp_stream arms and cancels a timer around every read and write: three timer
// operations per keep-alive request, each an allocation and a completion. A connection only needs
// "close me if this phase is not over by then", so this class keeps that deadline as a plain time
// point and lets one timer look at it now and then:
//
// - Moving the deadline (ExpiresAfter, ExpiresNever) only stores it, unless it moves before the
//   time the timer is armed for; then the timer is re-armed.
// - The timer is armed at most `period` ahead. With `period` no longer than any deadline the
//   connection sets in its hot loop, moving the deadline later never re-arms, and the timer still
//   fires before the deadline passes. A connection wakes once per `period` when nothing happens.
// - When it fires past the deadline, `on_expiry` runs (the connection closes its socket).
//
// One I/O thread only. The owner is held weakly: a timer firing after the connection is gone does
// nothing.
class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  Deadline(const boost::asio::any_io_executor& executor, Clock::duration period);
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // Starts watching. `on_expiry` runs on the I/O thread while `owner` is alive.
  void Start(std::weak_ptr<void> owner, std::function<void()> on_expiry);
  void ExpiresAfter(Clock::duration timeout);
  void ExpiresNever();
  // For good: the timer is cancelled and never armed again (the connection is closing; an
  // expired deadline also stops itself).
  void Stop();

 private:
  void Arm(Clock::time_point at);
  void Fire();

  boost::asio::steady_timer timer_;
  Clock::duration period_;
  std::weak_ptr<void> owner_;
  std::function<void()> on_expiry_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point armed_for_ = Clock::time_point::max();  // max: not armed
  std::uint64_t generation_ = 0;  // a wait of an earlier Arm finds it changed and does nothing
  bool stopped_ = true;
};

}  // namespace authd::net::detail
