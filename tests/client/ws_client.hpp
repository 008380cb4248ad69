// A small WebSocket client for the feed tests (Beast's websocket stream over loopback). Every
// operation is bounded by the client's timeout: it runs Beast's async operations on a private
// io_context with run_for, and closes the socket when the deadline passes, so a hung server fails
// the test instead of hanging it. Not thread-safe: one thread per client. WssClient is the same
// over TLS (the server's certificate is not verified: tests use throwaway self-signed ones).
//
// As with test_client.hpp, the Beast I/O is compiled once, in ws_client.cpp.
#pragma once

#include <boost/beast/core/error.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/client/test_client.hpp"

namespace authd::test {

template <bool kTls>
class BasicWsClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;
  using Response = net::testing::ClientResponse;  // what Beast's handshake fills in

  // Connects to 127.0.0.1:port and asks for an upgrade of `target`. `receive_buffer` > 0 sets
  // SO_RCVBUF before connecting (to make a client that stops reading fill up quickly).
  BasicWsClient(std::uint16_t port, const std::string& target, Headers headers = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(5),
                int receive_buffer = 0);
  ~BasicWsClient();
  BasicWsClient(const BasicWsClient&) = delete;
  BasicWsClient& operator=(const BasicWsClient&) = delete;

  // True when the server switched protocols.
  [[nodiscard]] bool open() const;
  // The server's answer to the upgrade (101, or the refusal with its problem+json body).
  [[nodiscard]] const Response& response() const;
  [[nodiscard]] boost::beast::error_code error() const;

  // The next message, or nullopt (closed by the server, error or timeout: see error() and
  // close_code()).
  std::optional<std::string> Read();

  // The close code the server sent (0 when none).
  [[nodiscard]] unsigned close_code() const;

  // Sends a message (clients have nothing to say; for limit tests).
  bool Write(const std::string& text);

  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

extern template class BasicWsClient<false>;
extern template class BasicWsClient<true>;

using WsClient = BasicWsClient<false>;
using WssClient = BasicWsClient<true>;

}  // namespace authd::test
