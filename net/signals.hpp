// Waiting for SIGINT or SIGTERM on the main thread, for a graceful stop:
//
//   ShutdownSignals signals;            // before starting threads that should not see them
//   server.Start();
//   int signo = signals.Wait();         // blocks
//   server.Stop();
//
// While an instance lives, SIGINT and SIGTERM no longer terminate the process: they are
// queued for Wait. Destroying it restores the default actions.
// Thread-safety: one instance at a time per process; Wait/WaitFor from one thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

namespace authd::net {

class ShutdownSignals final {
 public:
  ShutdownSignals();
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Blocks until SIGINT or SIGTERM arrives (or arrived since construction); returns its number.
  int Wait();
  // Same, giving up after `timeout` (nullopt).
  std::optional<int> WaitFor(std::chrono::milliseconds timeout);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace authd::net
