// Internal to net/: what HttpServer shares with its connections. Not part of the public API.
#pragma once

#include <any>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "net/http_server.hpp"
#include "net/router.hpp"

namespace authd::net::detail {

// The server's view of one connection. Every member is thread-safe: it posts to the
// connection's I/O thread.
class ConnectionHandle {
 public:
  virtual ~ConnectionHandle() = default;
  // Closes the connection if it waits for a next request; otherwise the request in flight is
  // finished and answered with Connection: close.
  virtual void BeginShutdown() = 0;
  // Closes the socket now: every pending operation completes with an error.
  virtual void ForceClose() = 0;
};

// Shared (shared_ptr) by the server and every connection, so whichever goes last frees it.
struct ServerState {
  ServerOptions options;
  Router router;
  std::any app;
  std::shared_ptr<core::IdGenerator> request_ids;

  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> rejected_connections{0};  // over max_connections, since start

  // Registers a connection unless the cap is reached or the server is stopping.
  [[nodiscard]] bool TryRegister(const std::shared_ptr<ConnectionHandle>& connection) {
    std::lock_guard lock(mutex_);
    if (stopping.load() || connections_.size() >= options.max_connections) return false;
    connections_.emplace(connection.get(), connection);
    return true;
  }
  // Called by a connection's destructor (unregistered ones included).
  void Unregister(const ConnectionHandle* connection) {
    std::lock_guard lock(mutex_);
    connections_.erase(connection);
    if (connections_.empty()) drained_.notify_all();
  }
  [[nodiscard]] std::vector<std::shared_ptr<ConnectionHandle>> Snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<ConnectionHandle>> out;
    out.reserve(connections_.size());
    for (const auto& [key, weak] : connections_) {
      if (auto strong = weak.lock()) out.push_back(std::move(strong));
    }
    return out;
  }
  [[nodiscard]] std::size_t Count() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }
  // Waits until no connection is left or the deadline passes; true when none is left.
  template <class Duration>
  bool WaitDrained(Duration timeout) {
    std::unique_lock lock(mutex_);
    return drained_.wait_for(lock, timeout, [&] { return connections_.empty(); });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::unordered_map<const ConnectionHandle*, std::weak_ptr<ConnectionHandle>> connections_;
};

}  // namespace authd::net::detail
