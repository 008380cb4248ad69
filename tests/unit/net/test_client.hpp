// A small synchronous HTTP/1.1 client for the net tests, talking only to 127.0.0.1.
// Every operation is bounded by the client's timeout (default 5 s): it runs Beast's async
// operations on a private io_context, and beast::tcp_stream closes the socket when the deadline
// passes, so a hung server fails the test instead of hanging it. With ClientTls it speaks HTTPS
// (TLS over the same TCP stream; the server's certificate is not verified: tests use throwaway
// self-signed ones).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using ClientRequest = http::request<http::string_body>;
using ClientResponse = http::response<http::string_body>;
using ExtraHeaders = std::vector<std::pair<std::string, std::string>>;

struct ClientTls {
  int min_version = 0;  // e.g. TLS1_VERSION; 0: OpenSSL's default
  int max_version = 0;  // e.g. TLS1_1_VERSION; 0: the newest
  // Security level 0, so that OpenSSL lets this client offer TLS 1.0/1.1 and their ciphers.
  bool legacy = false;
};

class TestClient {
 public:
  explicit TestClient(std::uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5),
                      std::optional<ClientTls> tls = std::nullopt)
      : stream_(io_context_), timeout_(timeout) {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    error_ = Run([&](auto done) { stream_.async_connect(endpoint, done); });
    connected_ = !error_;
    if (connected_ && tls) {
      StartTls(*tls);
      connected_ = !error_;
    }
  }

  // False when the connect (or the TLS handshake) failed.
  [[nodiscard]] bool connected() const { return connected_; }
  // The negotiated protocol ("TLSv1.3"), or "" without TLS.
  [[nodiscard]] std::string tls_version() const {
    return tls_ ? SSL_get_version(tls_->native_handle()) : "";
  }
  // The error of the last failed operation (beast::error::timeout when the deadline passed).
  [[nodiscard]] beast::error_code error() const { return error_; }

  // Sends a request built from the arguments, then reads the answer.
  std::optional<ClientResponse> Do(std::string_view method, std::string_view target,
                                   std::string body = {}, const ExtraHeaders& headers = {}) {
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

  bool Send(ClientRequest& req) {
    error_ = Run([&](auto done) { With([&](auto& s) { http::async_write(s, req, done); }); });
    return !error_;
  }

  bool WriteRaw(std::string_view bytes) {
    error_ = Run([&](auto done) {
      With([&](auto& s) { asio::async_write(s, asio::buffer(bytes), done); });
    });
    return !error_;
  }

  std::optional<ClientResponse> ReadResponse(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    parser.skip(head);  // a HEAD answer has Content-Length but no body
    error_ =
        Run([&](auto done) { With([&](auto& s) { http::async_read(s, buffer_, parser, done); }); });
    if (error_) return std::nullopt;
    return parser.release();
  }

  // Reads until the server closes (EOF or reset) and returns what arrived; nullopt when the
  // deadline passed with the connection still open.
  std::optional<std::string> ReadUntilClosed() {
    std::string got(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    for (;;) {
      char chunk[4096];
      std::size_t n = 0;
      error_ = Run(
          [&](auto done) { With([&](auto& s) { s.async_read_some(asio::buffer(chunk), done); }); },
          &n);
      got.append(chunk, n);
      if (error_ == beast::error::timeout) return std::nullopt;
      if (error_) return got;
    }
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  using TlsLayer = asio::ssl::stream<beast::tcp_stream&>;

  void StartTls(const ClientTls& tls) {
    tls_context_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    SSL_CTX* native = tls_context_->native_handle();
    if (tls.legacy) SSL_CTX_set_cipher_list(native, "ALL:@SECLEVEL=0");
    if (tls.min_version != 0) SSL_CTX_set_min_proto_version(native, tls.min_version);
    if (tls.max_version != 0) SSL_CTX_set_max_proto_version(native, tls.max_version);
    tls_context_->set_verify_mode(asio::ssl::verify_none);
    tls_ = std::make_unique<TlsLayer>(stream_, *tls_context_);
    error_ = Run([&](auto done) { tls_->async_handshake(asio::ssl::stream_base::client, done); });
  }

  // Calls f with the stream requests go over: the TLS layer when there is one.
  template <class F>
  void With(F f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(stream_);
    }
  }

  // Starts an async operation with a completion handler and runs it to the end (or deadline).
  template <class Initiate>
  beast::error_code Run(Initiate initiate, std::size_t* transferred = nullptr) {
    beast::error_code result = asio::error::would_block;
    stream_.expires_after(timeout_);
    auto store = [&](auto n) {
      if (transferred != nullptr) *transferred = static_cast<std::size_t>(n);
    };
    auto done = [&](beast::error_code ec, auto... rest) {
      result = ec;
      (store(rest), ...);  // connect completes with (ec), reads and writes with (ec, bytes)
    };
    initiate(done);
    io_context_.restart();
    io_context_.run();
    return result;
  }

  asio::io_context io_context_;
  beast::tcp_stream stream_;
  std::unique_ptr<asio::ssl::context> tls_context_;
  std::unique_ptr<TlsLayer> tls_;  // declared after stream_, destroyed before it
  beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
  beast::error_code error_;
  bool connected_ = false;
};

}  // namespace authd::net::testing
