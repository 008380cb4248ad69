// # HTTP server: limits, timeouts and shutdown
//
// `HttpServer` serves HTTP/1.1, over TLS when `ServerOptions::tls` is set (net/tls.hpp,
// docs/TLS.md), with one io_context per io thread (`io_threads` of them; connections are dealt
// round-robin, so a connection's handlers always run on one thread and need no strand) and one
// coroutine per connection. Every request is bounded. Limits (`ServerOptions`, default in
// brackets):
//
// - `max_header_bytes` [8 KiB]: request line plus header fields. Over it: 431
//   `headers_too_large` (431 rather than 400, so clients can tell it apart), then close.
// - `max_body_bytes` [64 KiB]: body after de-chunking. Over it: 413 `payload_too_large`, then
//   close. Checked against Content-Length before the body is read, and while reading a chunked
//   body.
// - `read_timeout` [10 s]: the whole request, from its first byte to its last (slowloris);
//   trickling bytes does not extend it. On a new connection it counts from accept, so over TLS
//   it also bounds the handshake. When it passes the connection is closed without an answer.
// - `keepalive_idle` [30 s]: how long a keep-alive connection may wait for the first byte of
//   its next request before it is closed.
// - `write_timeout` [10 s]: sending one response; a client that does not read is dropped.
// - `max_connections` [10000]: over the cap a connection is accepted, sent a canned 503
//   `server_busy` with `Retry-After: 1` (one non-blocking write, best effort, nothing read)
//   and closed at once, so it costs no coroutine and no timer.
// - `shutdown_grace` [5 s]: how long Stop() lets requests in flight finish.
// - `linger_timeout` [1 s]: after an answer that closes the connection, the server half-closes
//   and discards what the client still sends (at most 1 MiB) for this long, so the client
//   reads the answer instead of a connection reset.
//
// The timeouts are one deadline per connection kept by one lazy timer (net/deadline.hpp), not a
// timer per read and write.
//
// Other rules:
// - 400 `malformed_request`, then close: unparseable HTTP, an HTTP/1.1 request without exactly
//   one Host, and request-smuggling shapes: Content-Length together with Transfer-Encoding, or
//   a Transfer-Encoding other than one `chunked`.
// - `Expect: 100-continue` gets 100 Continue once the header passed the limits.
// - Keep-alive follows HTTP/1.1 (`Connection: close`; HTTP/1.0 only with keep-alive).
//   Pipelined requests are answered in order, one at a time. HEAD is answered by the GET
//   handler without the body.
// - Over TLS (or with `hsts`), every response carries `Strict-Transport-Security:
//   max-age=63072000; includeSubDomains`. A TLS connection that fails its handshake (plain HTTP
//   sent to the TLS port, an old protocol) is closed without an answer. Over the connection cap a
//   TLS connection is closed without the canned 503 (it could not be read). A TLS connection
//   that ends sends close_notify, waiting at most `linger_timeout` for the client's.
// - Every response carries `X-Request-Id` (the incoming one if it is 1 to 64 of
//   `[A-Za-z0-9._-]`, else a new `req_<ULID>`) and `Date`; and, unless the handler set them,
//   `Cache-Control: no-store`, `X-Content-Type-Options: nosniff`, `Referrer-Policy:
//   no-referrer`, `X-Frame-Options: DENY` and `Content-Security-Policy: default-src 'none';
//   frame-ancestors 'none'`. There is no `Server` header. Handler headers that could split the
//   response (CR, LF, NUL, a name that is not a token) or that the server owns (Connection,
//   Content-Length, Transfer-Encoding, Date, X-Request-Id...) are dropped and logged.
// - An exception escaping a handler gives 500 `internal`; its text goes to the log only.
// - Protocol upgrades (WebSocket): a handler that accepts one sets RequestContext::upgrade
//   instead of answering; the server then writes no response and runs that function on the
//   connection's I/O thread with the stream (net/upgrade.hpp). The connection stays registered
//   (connection cap, Stop() cancels it like an idle one) until the function returns.
// - Built-in route: `GET /healthz` gives 200 `{"status":"ok"}` unless the app registered one.
// - The access log (one JSON line per request: method, path without query, status, duration,
//   request id, client address) never holds bodies, query strings or header values.
//
// Stop(): closes the listener, closes idle keep-alive connections at once, lets requests in
// flight finish (their answer carries `Connection: close`) for up to `shutdown_grace`, then
// closes what is left, stops the io_context and joins its threads.
#pragma once

#include <any>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "net/router.hpp"

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}  // namespace ssl
}  // namespace boost::asio

namespace authd::net {

struct ServerOptions {
  // Address to listen on (IPv4 or IPv6 literal). Default: "127.0.0.1".
  std::string host = "127.0.0.1";
  // TCP port; 0 picks a free one (read it with HttpServer::Port()). Default: 8080.
  std::uint16_t port = 8080;
  // Threads running the io_context. Default: 2.
  std::size_t io_threads = 2;
  // The CPU to pin each I/O thread to, one per thread (net/thread_priority.hpp PlanIoPinning;
  // `authd serve --pin-io-threads`); any other size pins none. Default: none.
  std::vector<int> io_cpus;
  // Request line plus header fields, in bytes. Default: 8 KiB.
  std::size_t max_header_bytes = 8 * 1024;
  // Request body, in bytes (after de-chunking). Default: 64 KiB.
  std::size_t max_body_bytes = 64 * 1024;
  // Time to receive a whole request, from its first byte. Default: 10 s.
  std::chrono::milliseconds read_timeout{10'000};
  // Time a keep-alive connection may wait for the next request. Default: 30 s.
  std::chrono::milliseconds keepalive_idle{30'000};
  // Time to send a whole response. Default: 10 s.
  std::chrono::milliseconds write_timeout{10'000};
  // Open connections; more are answered 503 and closed. Default: 10000.
  std::size_t max_connections = 10'000;
  // Stop() waits this long for in-flight requests. Default: 5 s.
  std::chrono::milliseconds shutdown_grace{5'000};
  // Discarding the client's remaining bytes after an error answer. Default: 1 s.
  std::chrono::milliseconds linger_timeout{1'000};
  // Serve HTTPS/WSS with this context (net/tls.hpp LoadTlsContext); null: plain HTTP.
  // Default: null.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Send Strict-Transport-Security even without `tls` (a TLS-terminating proxy is in front).
  // Always sent with `tls`. Default: false.
  bool hsts = false;
  // One info line per request. Default: true.
  bool access_log = true;
  // Called once per answer (metrics), after writing it, whether or not the client got it. Not for
  // the canned 503 of a connection over max_connections. Arguments: the method as sent ("" when the
  // request was refused before it was parsed), the matched route pattern ("" when no route
  // matched: 404, 405, or refused before routing) and the status. Runs on the connection's
  // I/O thread: must be cheap and must not block or throw. Default: none.
  std::function<void(std::string_view method, std::string_view route, unsigned status)> on_response;
};

class HttpServer final {
 public:
  // `app` is handed to every handler as RequestContext::app (store a pointer: std::any(&services)).
  // `request_ids` generates X-Request-Id values; default: a RandomIdGenerator on the system clock.
  HttpServer(ServerOptions options, Router router, std::any app = {},
             std::shared_ptr<core::IdGenerator> request_ids = nullptr);
  // Calls Stop().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the io threads. Errors: the resolver's or socket's error_code
  // (bad address, address in use, permission denied). Call once.
  [[nodiscard]] Result<void> Start();

  // Graceful stop, see above. Blocks until the io threads have joined. Idempotent.
  // WARNING: never call from a handler or any io thread (it would join itself).
  void Stop();

  // The bound port (useful with port 0); 0 before Start().
  [[nodiscard]] std::uint16_t Port() const noexcept;

  // Open connections right now. Thread-safe.
  [[nodiscard]] std::size_t ActiveConnections() const;

  // Every route, built-in ones included.
  [[nodiscard]] const Router& GetRouter() const noexcept;

  // The first io_context the server runs (for the app's own timers). Valid until
  // destruction; stops running at Stop().
  [[nodiscard]] boost::asio::io_context& IoContext() noexcept;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace authd::net
