// A small WebSocket client for the feed tests (Beast's websocket stream over loopback). Every
// operation is bounded by the client's timeout: it runs Beast's async operations on a private
// io_context with run_for, and closes the socket when the deadline passes, so a hung server fails
// the test instead of hanging it. Not thread-safe: one thread per client. WssClient is the same
// over TLS (the server's certificate is not verified: tests use throwaway self-signed ones).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace authd::test {

namespace ws_detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
}  // namespace ws_detail

template <bool kTls>
class BasicWsClient {
  using Socket = ws_detail::asio::ip::tcp::socket;
  using Next = std::conditional_t<kTls, ws_detail::asio::ssl::stream<Socket>, Socket>;
  using Ws = ws_detail::websocket::stream<Next>;

 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // Connects to 127.0.0.1:port and asks for an upgrade of `target`. `receive_buffer` > 0 sets
  // SO_RCVBUF before connecting (to make a client that stops reading fill up quickly).
  BasicWsClient(std::uint16_t port, const std::string& target, Headers headers = {},
                std::chrono::milliseconds timeout = std::chrono::seconds(5), int receive_buffer = 0)
      : timeout_(timeout) {
    using namespace ws_detail;
    if constexpr (kTls) {
      tls_context_.set_verify_mode(asio::ssl::verify_none);
      ws_.emplace(io_, tls_context_);
    } else {
      ws_.emplace(io_);
    }
    auto& socket = beast::get_lowest_layer(*ws_);
    beast::error_code ec;
    socket.open(asio::ip::tcp::v4(), ec);
    if (!ec && receive_buffer > 0) {
      socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
    }
    if (ec) {
      error_ = ec;
      return;
    }
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    error_ = Run([&](auto done) { socket.async_connect(endpoint, done); });
    if (error_) return;
    if constexpr (kTls) {
      error_ = Run([&](auto done) {
        ws_->next_layer().async_handshake(asio::ssl::stream_base::client, done);
      });
      if (error_) return;
    }
    ws_->set_option(websocket::stream_base::decorator(
        [headers = std::move(headers)](websocket::request_type& req) {
          for (const auto& [name, value] : headers)
            req.set(name, value);
        }));
    ws_->read_message_max(1024 * 1024);
    error_ = Run([&](auto done) {
      ws_->async_handshake(response_, "127.0.0.1", target,
                           [done](beast::error_code e) mutable { done(e); });
    });
    open_ = !error_;
  }

  // True when the server switched protocols.
  [[nodiscard]] bool open() const { return open_; }
  // The server's answer to the upgrade (101, or the refusal with its problem+json body).
  [[nodiscard]] const ws_detail::websocket::response_type& response() const { return response_; }
  [[nodiscard]] ws_detail::beast::error_code error() const { return error_; }

  // The next message, or nullopt (closed by the server, error or timeout: see error() and
  // close_code()).
  std::optional<std::string> Read() {
    using namespace ws_detail;
    if (!open_) return std::nullopt;
    buffer_.consume(buffer_.size());
    error_ = Run([&](auto done) {
      ws_->async_read(buffer_, [done](beast::error_code e, std::size_t) mutable { done(e); });
    });
    if (error_) {
      open_ = false;
      return std::nullopt;
    }
    return beast::buffers_to_string(buffer_.data());
  }

  // The close code the server sent (0 when none).
  [[nodiscard]] unsigned close_code() const { return ws_->reason().code; }

  // Sends a message (clients have nothing to say; for limit tests).
  bool Write(const std::string& text) {
    using namespace ws_detail;
    error_ = Run([&](auto done) {
      ws_->async_write(asio::buffer(text),
                       [done](beast::error_code e, std::size_t) mutable { done(e); });
    });
    return !error_;
  }

  void Close() {
    using namespace ws_detail;
    if (!open_) return;
    error_ = Run([&](auto done) {
      ws_->async_close(websocket::close_code::normal,
                       [done](beast::error_code e) mutable { done(e); });
    });
    open_ = false;
  }

 private:
  template <class Start>
  ws_detail::beast::error_code Run(Start start) {
    using namespace ws_detail;
    beast::error_code result = asio::error::would_block;
    bool done = false;
    start([&](beast::error_code ec) {
      result = ec;
      done = true;
    });
    io_.restart();
    io_.run_for(timeout_);
    if (!done) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).close(ignored);
      io_.restart();
      io_.run();
      return asio::error::timed_out;
    }
    return result;
  }

  ws_detail::asio::io_context io_;
  ws_detail::asio::ssl::context tls_context_{ws_detail::asio::ssl::context::tls_client};
  std::optional<Ws> ws_;
  ws_detail::websocket::response_type response_;
  ws_detail::beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
  ws_detail::beast::error_code error_;
  bool open_ = false;
};

using WsClient = BasicWsClient<false>;
using WssClient = BasicWsClient<true>;

}  // namespace authd::test
