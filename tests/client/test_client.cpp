#include "tests/client/test_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace authd::net::testing {

namespace asio = boost::asio;

struct TestClient::Impl {
  using TlsLayer = asio::ssl::stream<beast::tcp_stream&>;

  explicit Impl(std::chrono::milliseconds t) : stream(io_context), timeout(t) {}

  void StartTls(const ClientTls& tls) {
    tls_context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX* native = tls_context->native_handle();
    if (tls.legacy) SSL_CTX_set_cipher_list(native, "ALL:@SECLEVEL=0");
    if (tls.min_version != 0) SSL_CTX_set_min_proto_version(native, tls.min_version);
    if (tls.max_version != 0) SSL_CTX_set_max_proto_version(native, tls.max_version);
    tls_context->set_verify_mode(asio::ssl::verify_none);
    tls_layer = std::make_unique<TlsLayer>(stream, *tls_context);
    error =
        Run([&](auto done) { tls_layer->async_handshake(asio::ssl::stream_base::client, done); });
  }

  // Calls f with the stream requests go over: the TLS layer when there is one.
  template <class F>
  void With(F f) {
    if (tls_layer) {
      f(*tls_layer);
    } else {
      f(stream);
    }
  }

  // Starts an async operation with a completion handler and runs it to the end (or deadline).
  template <class Initiate>
  beast::error_code Run(Initiate initiate, std::size_t* transferred = nullptr) {
    beast::error_code result = asio::error::would_block;
    stream.expires_after(timeout);
    auto store = [&](auto n) {
      if (transferred != nullptr) *transferred = static_cast<std::size_t>(n);
    };
    auto done = [&](beast::error_code ec, auto... rest) {
      result = ec;
      (store(rest), ...);  // connect completes with (ec), reads and writes with (ec, bytes)
    };
    initiate(done);
    io_context.restart();
    io_context.run();
    return result;
  }

  asio::io_context io_context;
  beast::tcp_stream stream;
  std::unique_ptr<asio::ssl::context> tls_context;
  std::unique_ptr<TlsLayer> tls_layer;  // declared after stream, destroyed before it
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  beast::error_code error;
  bool connected = false;
};

TestClient::TestClient(std::uint16_t port, std::chrono::milliseconds timeout,
                       std::optional<ClientTls> tls)
    : impl_(std::make_unique<Impl>(timeout)) {
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  impl_->error = impl_->Run([&](auto done) { impl_->stream.async_connect(endpoint, done); });
  impl_->connected = !impl_->error;
  if (impl_->connected && tls) {
    impl_->StartTls(*tls);
    impl_->connected = !impl_->error;
  }
}

TestClient::~TestClient() = default;

bool TestClient::connected() const {
  return impl_->connected;
}

std::string TestClient::tls_version() const {
  return impl_->tls_layer ? SSL_get_version(impl_->tls_layer->native_handle()) : "";
}

beast::error_code TestClient::error() const {
  return impl_->error;
}

std::optional<ClientResponse> TestClient::Do(std::string_view method, std::string_view target,
                                             std::string body, const ExtraHeaders& headers) {
  ClientRequest req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers)
    req.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body() = std::move(body);
    req.prepare_payload();
  }
  if (!Send(req)) return std::nullopt;
  return ReadResponse(method == "HEAD");
}

bool TestClient::Send(ClientRequest& req) {
  impl_->error = impl_->Run(
      [&](auto done) { impl_->With([&](auto& s) { http::async_write(s, req, done); }); });
  return !impl_->error;
}

bool TestClient::WriteRaw(std::string_view bytes) {
  impl_->error = impl_->Run([&](auto done) {
    impl_->With([&](auto& s) { asio::async_write(s, asio::buffer(bytes), done); });
  });
  return !impl_->error;
}

std::optional<ClientResponse> TestClient::ReadResponse(bool head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  parser.skip(head);  // a HEAD answer has Content-Length but no body
  impl_->error = impl_->Run([&](auto done) {
    impl_->With([&](auto& s) { http::async_read(s, impl_->buffer, parser, done); });
  });
  if (impl_->error) return std::nullopt;
  return parser.release();
}

std::optional<std::string> TestClient::ReadUntilClosed() {
  auto& buffer = impl_->buffer;
  std::string got(static_cast<const char*>(buffer.data().data()), buffer.size());
  buffer.consume(buffer.size());
  for (;;) {
    char chunk[4096];
    std::size_t n = 0;
    impl_->error = impl_->Run(
        [&](auto done) {
          impl_->With([&](auto& s) { s.async_read_some(asio::buffer(chunk), done); });
        },
        &n);
    got.append(chunk, n);
    if (impl_->error == beast::error::timeout) return std::nullopt;
    if (impl_->error) return got;
  }
}

void TestClient::Close() {
  beast::error_code ignored;
  impl_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  impl_->stream.close();
}

}  // namespace authd::net::testing
