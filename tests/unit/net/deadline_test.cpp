// The connection deadline (net/deadline.hpp): fires once its time has passed and not before,
// however the deadline moved, and never after Stop() or once its owner is gone.
#include "net/deadline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace authd::net::detail {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class DeadlineTest : public ::testing::Test {
 protected:
  // Runs the io_context for at most `limit`, or until the deadline fired.
  void RunFor(Clock::duration limit) { io_.run_for(limit); }

  void StartWatching(Deadline& deadline) {
    deadline.Start(owner_, [this] {
      fired_at_ = Clock::now();
      io_.stop();
    });
  }

  // Sets a 100 ms deadline now and expects it to fire after 100 ms and well within 3 s.
  void ExpectA100msDeadlineFires(Deadline& deadline) {
    const auto start = Clock::now();
    deadline.ExpiresAfter(100ms);
    RunFor(5s);
    ASSERT_TRUE(fired_at_) << "a 100 ms deadline did not fire within 5 s";
    EXPECT_GE(*fired_at_ - start, 100ms);
    EXPECT_LT(*fired_at_ - start, 3s);
  }

  asio::io_context io_;
  std::shared_ptr<int> owner_ = std::make_shared<int>(0);
  std::optional<Clock::time_point> fired_at_;
};

TEST_F(DeadlineTest, ADeadlineShorterThanThePeriodFiresOnTime) {
  Deadline deadline(io_.get_executor(), 10s);
  StartWatching(deadline);
  ExpectA100msDeadlineFires(deadline);
}

// The hot path of a keep-alive connection: each request moves the deadline later, which only
// stores it. The connection must stay open while it keeps doing so, however long that is. (Moves
// every 50 ms against a 500 ms deadline: a stall of the test thread under a sanitizer on a busy
// machine has 450 ms of room.)
TEST_F(DeadlineTest, MovingTheDeadlineLaterKeepsItFromFiring) {
  Deadline deadline(io_.get_executor(), 500ms);
  StartWatching(deadline);
  const auto start = Clock::now();
  deadline.ExpiresAfter(500ms);
  asio::steady_timer tick(io_);
  int moves = 0;
  std::function<void()> move_later = [&] {
    tick.expires_after(50ms);
    tick.async_wait([&](boost::system::error_code ec) {
      if (ec || ++moves > 30) return;  // 30 moves: about 1.5 s, three times the timeout
      deadline.ExpiresAfter(500ms);
      move_later();
    });
  };
  move_later();
  RunFor(10s);
  ASSERT_TRUE(fired_at_) << "the deadline did not fire after the moves stopped";
  EXPECT_GT(moves, 30);
  const auto last_deadline_at_least = start + 30 * 50ms + 500ms;
  EXPECT_GE(*fired_at_, last_deadline_at_least);
  EXPECT_LT(*fired_at_ - last_deadline_at_least, 3s);
}

// The timer already sleeps until a long deadline (or the period) when a shorter one is set (the
// linger after a last answer): it must wake for the shorter one.
TEST_F(DeadlineTest, AShorterDeadlineWakesATimerArmedForALongerOne) {
  Deadline deadline(io_.get_executor(), 10s);
  StartWatching(deadline);
  deadline.ExpiresAfter(8s);
  ExpectA100msDeadlineFires(deadline);
}

TEST_F(DeadlineTest, NoDeadlineNeverFires) {
  Deadline deadline(io_.get_executor(), 20ms);
  StartWatching(deadline);
  deadline.ExpiresAfter(50ms);
  deadline.ExpiresNever();  // a handler is running: its time is not the client's
  RunFor(400ms);
  EXPECT_FALSE(fired_at_);
  deadline.ExpiresAfter(50ms);  // the answer is being written
  RunFor(5s);
  EXPECT_TRUE(fired_at_);
}

TEST_F(DeadlineTest, StoppedOrOrphanedDeadlineDoesNothing) {
  Deadline stopped(io_.get_executor(), 20ms);
  StartWatching(stopped);
  stopped.ExpiresAfter(30ms);
  stopped.Stop();
  stopped.ExpiresAfter(30ms);  // ignored once stopped
  RunFor(300ms);
  EXPECT_FALSE(fired_at_);

  io_.restart();
  Deadline orphaned(io_.get_executor(), 20ms);
  StartWatching(orphaned);
  orphaned.ExpiresAfter(30ms);
  owner_.reset();  // the connection is gone; its timer must not call into it
  RunFor(300ms);
  EXPECT_FALSE(fired_at_);
}

}  // namespace
}  // namespace authd::net::detail
