// A small synchronous HTTP/1.1 client for the tests and benchmarks, talking only to 127.0.0.1.
// Every operation is bounded by the client's timeout (default 5 s): it runs Beast's async
// operations on a private io_context, and beast::tcp_stream closes the socket when the deadline
// passes, so a hung server fails the test instead of hanging it. With ClientTls it speaks HTTPS
// (TLS over the same TCP stream; the server's certificate is not verified: tests use throwaway
// self-signed ones).
//
// Only the message types are in this header; the Asio and Beast I/O behind them is compiled once,
// in test_client.cpp, because instantiating it in every test file dominated the build.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace authd::net::testing {

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
                      std::optional<ClientTls> tls = std::nullopt);
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // False when the connect (or the TLS handshake) failed.
  [[nodiscard]] bool connected() const;
  // The negotiated protocol ("TLSv1.3"), or "" without TLS.
  [[nodiscard]] std::string tls_version() const;
  // The error of the last failed operation (beast::error::timeout when the deadline passed).
  [[nodiscard]] beast::error_code error() const;

  // Sends a request built from the arguments, then reads the answer.
  std::optional<ClientResponse> Do(std::string_view method, std::string_view target,
                                   std::string body = {}, const ExtraHeaders& headers = {});

  bool Send(ClientRequest& req);
  bool WriteRaw(std::string_view bytes);
  std::optional<ClientResponse> ReadResponse(bool head = false);

  // Reads until the server closes (EOF or reset) and returns what arrived; nullopt when the
  // deadline passed with the connection still open.
  std::optional<std::string> ReadUntilClosed();

  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace authd::net::testing
