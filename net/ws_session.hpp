// The WebSocket side of the live feeds (docs/FEEDS.md): accepts the upgrade on a connection that
// a handler took over, then streams one feed from the FeedHub until either side closes.
//
// Per connection: one write in flight; a bounded queue of shared message texts behind it; a
// consumer whose queue would overflow is closed with 1013 (try again later) and counted in
// FeedHub::SlowConsumersDropped(); Beast's idle timeout with keep-alive pings drops dead peers;
// client messages are read (so pings and close are answered) and ignored, and one over
// `max_message_bytes` closes the connection (1009); the stream closes with 1008 when the access
// token it was opened with expires.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "core/clock.hpp"
#include "net/http_types.hpp"

namespace authd::net {

struct UpgradedStream;
class FeedHub;

struct FeedLimits {
  // Largest message accepted from a client (they have nothing to say). Default: 4 KiB.
  std::size_t max_message_bytes = 4 * 1024;
  // Messages waiting to be sent to one subscriber; more and it is closed with 1013.
  // Default: 4096.
  std::size_t queue_messages = 4096;
  // Opening (and closing) handshake time limit. Default: 10 s.
  std::chrono::milliseconds handshake_timeout{10'000};
  // Nothing received for this long closes the connection; a ping is sent at half of it.
  // Default: 60 s.
  std::chrono::milliseconds idle_timeout{60'000};
  // SO_SNDBUF of a feed connection; 0 keeps the kernel's autotuning. A small value makes a
  // consumer that stops reading overflow its queue sooner (the kernel otherwise buffers up to
  // a few MiB for it). Default: 0.
  std::size_t socket_send_buffer = 0;
  // After the decision to drop a slow consumer, how long its pending write and the close frame
  // may take before the socket is closed. Default: 10 s.
  std::chrono::milliseconds drop_grace{10'000};
};

// When the stream must end: the access token's expiry (microseconds since the epoch).
struct FeedSessionInfo {
  core::Micros token_expires_at = 0;
  const core::Clock* clock = nullptr;
};

// WS /v1/audit/stream: every audit event with seq > after, replayed from the log, then live.
[[nodiscard]] boost::asio::awaitable<void> RunAuditFeed(UpgradedStream& upgraded, FeedHub& hub,
                                                        std::uint64_t after, FeedLimits limits,
                                                        FeedSessionInfo info);

// WS /v1/security/stream: open alerts, then alert_opened / alert_closed and counters each second.
[[nodiscard]] boost::asio::awaitable<void> RunSecurityFeed(UpgradedStream& upgraded, FeedHub& hub,
                                                           FeedLimits limits, FeedSessionInfo info);

// True when the request asks for a WebSocket upgrade (GET, Upgrade: websocket, Connection:
// upgrade).
[[nodiscard]] bool IsWebSocketUpgrade(const Request& request);

}  // namespace authd::net
