#include "net/signals.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>

namespace authd::net {

// A private io_context, run only inside Wait, so signals never depend on the server's threads.
class ShutdownSignals::Impl {
 public:
  Impl() : signals_(io_context_, SIGINT, SIGTERM) {}

  std::optional<int> WaitFor(std::optional<std::chrono::milliseconds> timeout) {
    std::optional<int> received;
    signals_.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (!ec) received = signo;
    });
    io_context_.restart();
    if (timeout) {
      io_context_.run_for(*timeout);
    } else {
      io_context_.run_one();
    }
    if (!received) {
      signals_.cancel();  // a later Wait starts afresh; queued signals stay queued
      io_context_.restart();
      io_context_.run();  // completes the cancelled wait
    }
    return received;
  }

 private:
  boost::asio::io_context io_context_{1};
  boost::asio::signal_set signals_;
};

ShutdownSignals::ShutdownSignals() : impl_(std::make_unique<Impl>()) {}
ShutdownSignals::~ShutdownSignals() = default;

int ShutdownSignals::Wait() {
  for (;;) {
    if (auto signo = impl_->WaitFor(std::nullopt)) return *signo;
  }
}

std::optional<int> ShutdownSignals::WaitFor(std::chrono::milliseconds timeout) {
  return impl_->WaitFor(timeout);
}

}  // namespace authd::net
