#include "net/connection.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>

#include "net/deadline.hpp"
#include "net/errors.hpp"
#include "net/log.hpp"
#include "net/message.hpp"
#include "net/problems.hpp"
#include "net/upgrade.hpp"

namespace authd::net::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// Read size while waiting for a next request; the parser asks for more as it needs.
constexpr std::size_t kIdleReadSize = 4096;
// At most this much is discarded while lingering after an error answer.
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
constexpr std::size_t kMaxLoggedPath = 256;
// Room for the status line and fields of a response, so serializing it rarely reallocates.
constexpr std::size_t kHeaderReserve = 512;
// Responses with a larger body are written by Beast from the message, without a flat copy.
constexpr std::size_t kFlatResponseBytes = 16 * 1024;

// Access-log lines of this I/O thread not written yet. Under load an I/O thread finds several
// requests ready at once: their lines go out in one write(2) after the last of them is answered
// (a flush posted to the thread's io_context runs after the handlers already queued), instead of
// one write per request. An idle server still writes each line right after its answer. Whatever
// is left when the thread ends is written then.
constexpr std::size_t kAccessBatchBytes = 16 * 1024;
struct AccessBatch {
  std::string lines;
  bool flush_posted = false;

  void Flush() {
    flush_posted = false;
    if (lines.empty()) return;
    WriteLogLines(lines);
    lines.clear();
  }
  AccessBatch() = default;
  AccessBatch(const AccessBatch&) = delete;
  AccessBatch& operator=(const AccessBatch&) = delete;
  ~AccessBatch() {
    try {
      Flush();
    } catch (...) {  // only a test's log sink could throw; a thread exit must not terminate
    }
  }
};
thread_local AccessBatch t_access_batch;

bool IsHttpParseError(const beast::error_code& ec) {
  static const auto& category = http::make_error_code(http::error::bad_method).category();
  return ec.category() == category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

void LogSpawnFailure(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    LogError("connection coroutine failed", {{"error", ex.what()}});
  } catch (...) {
    LogError("connection coroutine failed", {{"error", "non-standard exception"}});
  }
}

// The longest a connection's timer sleeps: the shortest deadline set for every request, so that
// moving the deadline later never re-arms the timer (net/deadline.hpp). Timeouts of zero or less
// are ignored, and the period is at least 100 ms: a shorter deadline re-arms the timer anyway, so
// the floor only saves wake-ups.
std::chrono::steady_clock::duration WatchPeriod(const ServerOptions& options) {
  constexpr std::chrono::milliseconds kFloor{100};
  std::chrono::milliseconds period = std::chrono::hours(1);
  for (auto t : {options.read_timeout, options.write_timeout, options.keepalive_idle}) {
    if (t > std::chrono::milliseconds::zero()) period = std::min(period, t);
  }
  return std::max(period, kFloor);
}

// One request loop for both transports: Stream is beast::tcp_stream (plain HTTP) or TlsStream
// (HTTPS). The deadlines are the connection's own (deadline_), not Beast's per-operation timers:
// the tcp_stream never has one set, and closing it ends whatever operation was waiting.
template <class Stream>
class Connection final : public ConnectionHandle,
                         public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Connection(std::shared_ptr<ServerState> state, tcp::socket socket)
      : state_(std::move(state)),
        stream_(Open(std::move(socket), *state_)),
        deadline_(Tcp().get_executor(), WatchPeriod(state_->options)) {
    beast::error_code ec;
    auto endpoint = Tcp().socket().remote_endpoint(ec);
    if (!ec) client_address_ = endpoint.address().to_string();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() override { state_->Unregister(this); }

  static void Spawn(std::shared_ptr<Connection> self) {
    auto executor = self->Tcp().get_executor();
    asio::co_spawn(executor, Run(std::move(self)), LogSpawnFailure);
  }

  // Over the cap: best-effort canned 503 on a fresh socket (its send buffer is empty, so a
  // non-blocking write of a few hundred bytes goes through), then close. Runs on the acceptor's
  // thread before any operation on this socket.
  void RejectBusy() {
    auto& socket = Tcp().socket();
    beast::error_code ec;
    if constexpr (!kTls) {  // a TLS client could not read it before a handshake
      socket.non_blocking(true, ec);
      std::string bytes = BusyResponseBytes(state_->request_ids->Next("req"));
      socket.write_some(asio::buffer(bytes), ec);
    }
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
    auto n = state_->rejected_connections.fetch_add(1) + 1;
    if ((n & (n - 1)) == 0) {  // 1, 2, 4, 8...: visible without flooding the log
      LogWarn("connection refused: max_connections reached",
              {{"client", client_address_}, {"refused_total", n}});
    }
  }

  void BeginShutdown() override {
    asio::post(Tcp().get_executor(), [self = this->shared_from_this()] {
      self->closing_ = true;
      // An upgraded connection (WebSocket) has no request to finish: its protocol sees the
      // cancellation and ends. A TLS handshake in progress counts as idle.
      if (self->phase_ != Phase::kBusy) self->Tcp().cancel();
    });
  }

  void ForceClose() override {
    asio::post(Tcp().get_executor(), [self = this->shared_from_this()] {
      self->closing_ = true;
      self->Tcp().close();
    });
  }

 private:
  // kIdle: waiting for the first byte of a request (Stop closes at once). kBusy: reading,
  // handling or answering a request (Stop lets it finish). kUpgraded: a handler took the
  // connection over (WebSocket); Stop cancels it like an idle one.
  enum class Phase { kIdle, kBusy, kUpgraded };

  static Stream Open(tcp::socket socket, ServerState& state) {
    if constexpr (kTls) {
      return Stream(beast::tcp_stream(std::move(socket)), *state.options.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  static asio::awaitable<void> Run(std::shared_ptr<Connection> self) {
    Connection* raw = self.get();  // called only while `self` is alive (Deadline holds it weakly)
    self->deadline_.Start(self, [raw] { raw->Tcp().close(); });
    co_await self->Loop();
    if constexpr (kTls) co_await self->CloseNotify();
    self->deadline_.Stop();
    self->Tcp().close();
  }

  asio::awaitable<void> Loop() {
    const auto& options = state_->options;
    bool first = true;
    // The first request counts from accept: over TLS the handshake is part of it, so a client
    // that stalls the handshake is cut like one that trickles its request.
    deadline_.ExpiresAfter(options.read_timeout);
    if constexpr (kTls) {
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kUseTuple);
      if (ec) co_return;  // plain HTTP, an old protocol, no shared cipher, timeout, Stop()
      handshake_done_ = true;
    }
    for (;;) {
      phase_ = Phase::kIdle;
      if (closing_ || state_->stopping.load()) co_return;
      if (buffer_.size() == 0) {
        if (!first) {
          buffer_.shrink_to_fit();  // idle connections hold no buffer
          deadline_.ExpiresAfter(options.keepalive_idle);
        }
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kIdleReadSize), kUseTuple);
        if (ec) co_return;  // closed by the client, idle timeout, or Stop()
        buffer_.commit(n);
      }
      phase_ = Phase::kBusy;
      if (!first) deadline_.ExpiresAfter(options.read_timeout);
      first = false;
      if (!co_await ServeOne()) co_return;
    }
  }

  // Reads, handles and answers one request. True when the connection stays open.
  asio::awaitable<bool> ServeOne() {
    const auto& options = state_->options;
    const auto started = std::chrono::steady_clock::now();
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
        options.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(options.max_body_bytes);

    {
      auto [ec, n] = co_await http::async_read_header(stream_, buffer_, parser, kUseTuple);
      if (ec) co_return co_await OnReadError(ec, "", 11);
    }
    std::string request_id = ChooseRequestId(parser.get(), *state_->request_ids);
    const unsigned version = parser.get().version();
    if (HasAmbiguousFraming(parser.get()) || HasBadHost(parser.get())) {
      LogInfo("request rejected", {{"error", "ambiguous framing or bad Host"},
                                   {"client", client_address_},
                                   {"request_id", request_id}});
      co_await SendError(Errc::kMalformedRequest, request_id, version);
      co_return false;
    }
    if (!parser.is_done()) {
      if (version == 11 && ExpectsContinue(parser.get())) {
        http::response<http::empty_body> go_on{http::status::continue_, 11};
        auto [ec, n] = co_await http::async_write(stream_, go_on, kUseTuple);
        if (ec) co_return false;
      }
      auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, kUseTuple);
      if (ec) co_return co_await OnReadError(ec, request_id, version);
    }
    deadline_.ExpiresNever();  // the handler's time is not the client's

    const bool client_keep_alive = parser.keep_alive();
    const bool head = parser.get().method() == http::verb::head;
    Request request = ToRequest(parser.release(), client_address_, request_id);
    request.tls = kTls;
    RequestContext context{request, {}, &state_->app};
    Response response = co_await Dispatch(context);
    if (context.upgrade) {
      if (options.access_log) LogAccess(request, 101, started);
      phase_ = Phase::kUpgraded;
      // The upgraded protocol keeps its own time; the TLS close after it still has a deadline.
      deadline_.ExpiresNever();
      if (closing_ || state_->stopping.load()) co_return false;
      UpgradedStream upgraded{Tcp(), request};
      if constexpr (kTls) upgraded.tls = &stream_;
      co_await context.upgrade(upgraded);
      co_return false;
    }

    const bool keep_alive = client_keep_alive && !closing_ && !state_->stopping.load();
    BeastResponse res =
        ToBeastResponse(std::move(response), {version, keep_alive, head, request_id, Hsts()});
    // Counted before the write: once the client has its answer, a scrape must already see it.
    if (options.on_response) options.on_response(request.method, route_, res.result_int());
    deadline_.ExpiresAfter(options.write_timeout);
    auto [ec, n] = co_await Send(res);
    if (options.access_log) LogAccess(request, res.result_int(), started);
    if (ec) co_return false;
    if (!keep_alive) {
      co_await Linger();
      co_return false;
    }
    co_return true;
  }

  asio::awaitable<Response> Dispatch(RequestContext& context) {
    const Request& request = context.request;
    auto match = state_->router.Find(request.method, request.path);
    route_ = match.pattern;
    if (match.kind == Router::Match::Kind::kNotFound) co_return ProblemForError(Errc::kNotFound);
    if (match.kind == Router::Match::Kind::kMethodNotAllowed) {
      Response res = ProblemForError(Errc::kMethodNotAllowed);
      res.SetHeader("Allow", match.allow);
      co_return res;
    }
    context.params = std::move(match.params);
    try {
      co_return co_await (*match.handler)(context);
    } catch (const std::exception& e) {
      LogError("handler threw", {{"error", e.what()},
                                 {"method", request.method},
                                 {"path", request.path.substr(0, kMaxLoggedPath)},
                                 {"request_id", request.request_id}});
    } catch (...) {
      LogError("handler threw", {{"error", "non-standard exception"},
                                 {"method", request.method},
                                 {"path", request.path.substr(0, kMaxLoggedPath)},
                                 {"request_id", request.request_id}});
    }
    context.upgrade = nullptr;  // a handler that threw takes nothing over
    co_return ProblemForError(Errc::kInternal);
  }

  // A read failed: answer what deserves an answer, then close. Always false (close).
  asio::awaitable<bool> OnReadError(beast::error_code ec, std::string request_id,
                                    unsigned version) {
    Errc answer = Errc::kOk;
    if (ec == http::error::body_limit) {
      answer = Errc::kPayloadTooLarge;
    } else if (ec == http::error::header_limit) {
      answer = Errc::kHeadersTooLarge;
    } else if (IsHttpParseError(ec)) {
      answer = Errc::kMalformedRequest;
    }
    if (answer == Errc::kOk) co_return false;  // timeout, reset, EOF, Stop(): nothing to say
    if (request_id.empty()) request_id = state_->request_ids->Next("req");
    LogInfo("request rejected",
            {{"error", ec.message()}, {"client", client_address_}, {"request_id", request_id}});
    co_await SendError(answer, request_id, version);
    co_return false;
  }

  asio::awaitable<void> SendError(Errc code, const std::string& request_id, unsigned version) {
    BeastResponse res =
        ToBeastResponse(ProblemForError(code), {version, false, false, request_id, Hsts()});
    if (state_->options.on_response) state_->options.on_response("", "", res.result_int());
    deadline_.ExpiresAfter(state_->options.write_timeout);
    auto [ec, n] = co_await Send(res);
    if (!ec) co_await Linger();
  }

  // Writes the whole response as one buffer (SerializeResponse), unless its body is large enough
  // that copying it would cost more than Beast's own write of header and body.
  asio::awaitable<std::tuple<beast::error_code, std::size_t>> Send(BeastResponse& res) {
    if (res.body().size() > kFlatResponseBytes) {
      co_return co_await http::async_write(stream_, res, kUseTuple);
    }
    std::string bytes;
    bytes.reserve(res.body().size() + kHeaderReserve);
    if (!SerializeResponse(res, bytes))
      co_return std::tuple{beast::error_code(asio::error::invalid_argument), std::size_t{0}};
    co_return co_await asio::async_write(stream_, asio::buffer(bytes), kUseTuple);
  }

  // Half-close, then discard what the client still sends (bounded in time and bytes), so that
  // closing with unread input does not reset the connection before the client read our answer.
  // Over TLS the close_notify comes first (CloseNotify), then the same half-close and discard.
  asio::awaitable<void> Linger() {
    if constexpr (kTls) co_await CloseNotify();
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    deadline_.ExpiresAfter(state_->options.linger_timeout);
    buffer_.consume(buffer_.size());
    std::size_t drained = 0;
    while (drained < kMaxLingerBytes) {
      auto [rec, n] = co_await Tcp().async_read_some(buffer_.prepare(kIdleReadSize), kUseTuple);
      if (rec) break;
      drained += n;  // never committed: the bytes are dropped
    }
  }

  // TLS only: sends close_notify (so the client can tell our close from a truncation attack) and
  // waits for the client's, both within `linger_timeout`. Once per connection; skipped when the
  // handshake never finished or the socket is already closed (timeout, ForceClose).
  asio::awaitable<void> CloseNotify() {
    if constexpr (kTls) {
      if (!handshake_done_ || close_notified_ || !Tcp().socket().is_open()) co_return;
      close_notified_ = true;
      deadline_.ExpiresAfter(state_->options.linger_timeout);
      auto [ec] = co_await stream_.async_shutdown(kUseTuple);
      (void)ec;  // most clients just close: nothing to do about it
    }
  }

  bool Hsts() const { return kTls || state_->options.hsts; }

  void LogAccess(const Request& request, unsigned status,
                 std::chrono::steady_clock::time_point started) {
    auto elapsed = std::chrono::steady_clock::now() - started;
    AccessBatch& batch = t_access_batch;
    const bool logged =
        AppendLogLine(batch.lines, LogLevel::kInfo, "request",
                      {{"method", request.method},
                       {"path", std::string_view(request.path).substr(0, kMaxLoggedPath)},
                       {"status", std::int64_t{status}},
                       {"duration_ms", std::chrono::duration<double, std::milli>(elapsed).count()},
                       {"request_id", request.request_id},
                       {"client", client_address_}});
    if (!logged) return;
    if (batch.lines.size() >= kAccessBatchBytes) {
      batch.Flush();
    } else if (!batch.flush_posted) {
      // Runs on this thread once the handlers that were ready with this one have run.
      batch.flush_posted = true;
      asio::post(Tcp().get_executor(), [] { t_access_batch.Flush(); });
    }
  }

  std::shared_ptr<ServerState> state_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::string client_address_;
  Phase phase_ = Phase::kIdle;  // I/O thread only
  std::string_view route_;  // I/O thread only: pattern of the request being served (Router-owned)
  bool closing_ = false;    // I/O thread only
  bool handshake_done_ = false;  // I/O thread only; TLS
  bool close_notified_ = false;  // I/O thread only; TLS
  Deadline deadline_;            // I/O thread only; after stream_, whose executor it uses
};

template <class Stream>
void Start(const std::shared_ptr<ServerState>& state, tcp::socket socket) {
  auto connection = std::make_shared<Connection<Stream>>(state, std::move(socket));
  if (!state->TryRegister(connection)) {
    connection->RejectBusy();
    return;
  }
  Connection<Stream>::Spawn(std::move(connection));
}

}  // namespace

void StartConnection(const std::shared_ptr<ServerState>& state, tcp::socket socket) {
  if (state->options.tls) {
    Start<TlsStream>(state, std::move(socket));
  } else {
    Start<beast::tcp_stream>(state, std::move(socket));
  }
}

}  // namespace authd::net::detail
