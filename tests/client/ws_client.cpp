#include "tests/client/ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <type_traits>

namespace authd::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

template <bool kTls>
struct BasicWsClient<kTls>::Impl {
  using Socket = asio::ip::tcp::socket;
  using Next = std::conditional_t<kTls, asio::ssl::stream<Socket>, Socket>;

  explicit Impl(std::chrono::milliseconds t) : timeout(t) {}

  template <class Start>
  beast::error_code Run(Start start) {
    beast::error_code result = asio::error::would_block;
    bool done = false;
    start([&](beast::error_code ec) {
      result = ec;
      done = true;
    });
    io.restart();
    io.run_for(timeout);
    if (!done) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws).close(ignored);
      io.restart();
      io.run();
      return asio::error::timed_out;
    }
    return result;
  }

  asio::io_context io;
  asio::ssl::context tls_context{asio::ssl::context::tls_client};
  std::optional<websocket::stream<Next>> ws;
  Response response;
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  beast::error_code error;
  bool open = false;
};

template <bool kTls>
BasicWsClient<kTls>::BasicWsClient(std::uint16_t port, const std::string& target, Headers headers,
                                   std::chrono::milliseconds timeout, int receive_buffer)
    : impl_(std::make_unique<Impl>(timeout)) {
  auto& s = *impl_;
  if constexpr (kTls) {
    s.tls_context.set_verify_mode(asio::ssl::verify_none);
    s.ws.emplace(s.io, s.tls_context);
  } else {
    s.ws.emplace(s.io);
  }
  auto& socket = beast::get_lowest_layer(*s.ws);
  beast::error_code ec;
  socket.open(asio::ip::tcp::v4(), ec);
  if (!ec && receive_buffer > 0) {
    socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
  }
  if (ec) {
    s.error = ec;
    return;
  }
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  s.error = s.Run([&](auto done) { socket.async_connect(endpoint, done); });
  if (s.error) return;
  if constexpr (kTls) {
    s.error = s.Run([&](auto done) {
      s.ws->next_layer().async_handshake(asio::ssl::stream_base::client, done);
    });
    if (s.error) return;
  }
  s.ws->set_option(websocket::stream_base::decorator(
      [headers = std::move(headers)](websocket::request_type& req) {
        for (const auto& [name, value] : headers)
          req.set(name, value);
      }));
  s.ws->read_message_max(1024 * 1024);
  s.error = s.Run([&](auto done) {
    s.ws->async_handshake(s.response, "127.0.0.1", target,
                          [done](beast::error_code e) mutable { done(e); });
  });
  s.open = !s.error;
}

template <bool kTls>
BasicWsClient<kTls>::~BasicWsClient() = default;

template <bool kTls>
bool BasicWsClient<kTls>::open() const {
  return impl_->open;
}

template <bool kTls>
auto BasicWsClient<kTls>::response() const -> const Response& {
  return impl_->response;
}

template <bool kTls>
beast::error_code BasicWsClient<kTls>::error() const {
  return impl_->error;
}

template <bool kTls>
std::optional<std::string> BasicWsClient<kTls>::Read() {
  auto& s = *impl_;
  if (!s.open) return std::nullopt;
  s.buffer.consume(s.buffer.size());
  s.error = s.Run([&](auto done) {
    s.ws->async_read(s.buffer, [done](beast::error_code e, std::size_t) mutable { done(e); });
  });
  if (s.error) {
    s.open = false;
    return std::nullopt;
  }
  return beast::buffers_to_string(s.buffer.data());
}

template <bool kTls>
unsigned BasicWsClient<kTls>::close_code() const {
  return impl_->ws->reason().code;
}

template <bool kTls>
bool BasicWsClient<kTls>::Write(const std::string& text) {
  auto& s = *impl_;
  s.error = s.Run([&](auto done) {
    s.ws->async_write(asio::buffer(text),
                      [done](beast::error_code e, std::size_t) mutable { done(e); });
  });
  return !s.error;
}

template <bool kTls>
void BasicWsClient<kTls>::Close() {
  auto& s = *impl_;
  if (!s.open) return;
  s.error = s.Run([&](auto done) {
    s.ws->async_close(websocket::close_code::normal,
                      [done](beast::error_code e) mutable { done(e); });
  });
  s.open = false;
}

template class BasicWsClient<false>;
template class BasicWsClient<true>;

}  // namespace authd::test
